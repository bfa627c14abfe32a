#!/bin/bash
# make bench: loket-central's ingest on PostgreSQL (issue 14), one node: the
# raw rate of its store (central_raw, the same cstore_ingest the server
# calls, no HTTP) and the rate over HTTP (central_load: batches of 500 on
# kept-alive connections, several sites at once), medians of BENCH_RUNS
# runs, each on a new database of a throwaway cluster (tests/tools/pg.sh,
# on a Unix socket, fsync on). Sized by environment:
#   BENCH_PG_EVENTS   events of each raw run (default 50000)
#   BENCH_SECONDS     seconds of each HTTP run (default 5)
#   BENCH_CLIENTS     sites sending at once (default 4)
# Goal (issue 14): >= 20,000 events/s over HTTP with one node.
set -eu
B=${B:-build}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CLIENTS=${BENCH_CLIENTS:-4}
EVENTS=${BENCH_PG_EVENTS:-50000}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-central-pg-bench.XXXXXX")
pid=
. "$here/../tools/pg.sh"
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; pg_stop "$dir/pg"; rm -rf "$dir"; }
trap cleanup EXIT
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
	echo "no PostgreSQL here (scripts/deps.sh installs it): skipped"
	exit 0
fi
pg_start "$dir/pg"
port_pg=$(cat "$dir/pg/port")
echo "disk: $(df -h "$dir" | awk 'NR==2 {print $1, $6}'); cores: $(nproc); $("$PG_BIN/postgres" --version)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
newdb() { # NAME: a new database's URI
	pg_as "$PG_BIN/createdb" -h "$dir/pg" -p "$port_pg" -U loket -E UTF8 -T template0 "$1"
	echo "postgresql:///$1?host=$dir/pg&port=$port_pg&user=loket"
}
config() { # NSITES DB
	{
		printf '{"listen":"127.0.0.1:0","database":"%s","admin_token_sha256":"%s","sites":[' \
			"$2" "$(printf bench-admin | sha256sum | cut -d' ' -f1)"
		for i in $(seq 0 $(($1 - 1))); do
			[ "$i" -gt 0 ] && printf ','
			printf '{"id":"s%03d","name":"Site %d","token_sha256":"%s"}' "$i" "$i" \
				"$(printf 'bench-token-s%03d' "$i" | sha256sum | cut -d' ' -f1)"
		done
		printf '],"limits":{"max_connections":1000,"per_ip_connections":0,"max_body_bytes":4194304}}\n'
	}
}
start() { # NSITES DB
	config "$1" "$2" >"$dir/central.json"
	: >"$dir/log"
	"$B/loket-central" -c "$dir/central.json" 2>"$dir/log" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log" | cut -d: -f2 || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/log"; echo "central did not start"; exit 1; }
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }

raw=() http=()
for r in $(seq 1 "$RUNS"); do
	raw+=("$("$B/bench/central_raw" "$(newdb raw$r)" "$CLIENTS" 500 "$EVENTS" | awk '{print $2}')")
	start "$CLIENTS" "$(newdb http$r)"
	out=$("$B/bench/central_load" "http://127.0.0.1:$port" "$CLIENTS" 500 "$SECS")
	http+=("$(awk '{print $2}' <<<"$out")")
	echo "run $r: raw store ${raw[-1]} events/s; HTTP ${http[-1]} events/s ($out)"
	stop
done
raw_med=$(printf '%s\n' "${raw[@]}" | median)
http_med=$(printf '%s\n' "${http[@]}" | median)
size=$(pg_psql "$dir/pg" "SELECT pg_size_pretty(pg_database_size('http$RUNS'))")
echo "PostgreSQL ingest, one node, batches of 500, $CLIENTS sites at once:"
echo "  raw store   median $raw_med events/s ($EVENTS events a run)"
echo "  over HTTP   median $http_med events/s (${SECS} s a run; last database $size)"
awk -v h="$http_med" 'BEGIN {exit !(h >= 20000)}' && echo "goal met (>= 20000/s over HTTP)" ||
	echo "goal NOT met (>= 20000/s over HTTP)"
