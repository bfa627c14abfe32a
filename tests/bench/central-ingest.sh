#!/bin/bash
# make bench: loket-central's ingest throughput over HTTP (batches of 500,
# kept-alive connections, several sites at once) next to the raw insert
# rate of its store measured in the same run, and the latency of a batch
# with 200 sites connected at once. Goals (issue 3): HTTP >= 50% of raw and
# >= 50,000 events/s on 2 cores; p99 reported.
set -eu
B=${B:-build}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CLIENTS=${BENCH_CLIENTS:-4}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-central-bench.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
echo "disk: $(df -h "$dir" | awk 'NR==2 {print $1, $6}'); cores: $(nproc)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

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
	rm -f "$dir"/raw.db*
	raw+=("$("$B/bench/central_raw" "$dir/raw.db" "$CLIENTS" 500 200000 | awk '{print $2}')")
	rm -f "$dir"/http.db*
	start "$CLIENTS" "$dir/http.db"
	out=$("$B/bench/central_load" "http://127.0.0.1:$port" "$CLIENTS" 500 "$SECS")
	http+=("$(awk '{print $2}' <<<"$out")")
	echo "run $r: raw store ${raw[-1]} events/s; HTTP ${http[-1]} events/s ($out)"
	stop
done
raw_med=$(printf '%s\n' "${raw[@]}" | median)
http_med=$(printf '%s\n' "${http[@]}" | median)
ratio=$(awk -v h="$http_med" -v r="$raw_med" 'BEGIN {printf "%.0f", 100 * h / r}')
echo "ingest, batches of 500, $CLIENTS sites on kept-alive connections:"
echo "  raw store   median $raw_med events/s"
echo "  over HTTP   median $http_med events/s = $ratio% of raw (goals: >= 50%, >= 50000/s)"

# 200 sites connected at once, each sending a batch of 500 every 2 s
# (50,000 events/s offered): the latency of a batch.
rm -f "$dir"/lat.db*
start 200 "$dir/lat.db"
out=$("$B/bench/central_load" "http://127.0.0.1:$port" 200 500 "$((SECS * 2))" 2000)
stop
echo "200 concurrent site connections, a batch of 500 every 2 s each: $out"
p99=$(awk '{print $8}' <<<"$out")
echo "  p99 batch latency $p99 ms"
ok=1
awk -v h="$http_med" -v r="$raw_med" 'BEGIN {exit !(h >= 50000 && h >= 0.5 * r)}' || ok=0
[ $ok -eq 1 ] && echo "goals met" || echo "goals NOT met"
