#!/bin/bash
# make bench: latency of issuing a ticket next to a bare SQLite commit.
set -eu
B=${B:-build}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sed 's/"database": "[^"]*"/"database": "site.db"/' assets/demo/site.json >"$dir/site.json"
echo "disk: $(df -h "$dir" | awk 'NR==2 {print $1, $6}')"
"$B/bench/store_take" "$dir" "${BENCH_TAKES:-10000}"
