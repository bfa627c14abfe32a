#!/bin/bash
# make bench: loket-central's ingest on PostgreSQL (issue 14): the raw rate
# of its store (central_raw, the same cstore_ingest the server calls, no
# HTTP), the rate over HTTP with one node (central_load: batches of 500 on
# kept-alive connections, several sites at once), and with two nodes (two
# loket-central processes on one database, each site's batches sent to
# the two in turn), medians of BENCH_RUNS runs, each on a new database of
# a throwaway cluster (tests/tools/pg.sh, on a Unix socket, fsync on).
# Prints each run, the medians, the ratio two nodes / one node, and the
# data each HTTP run left (events, database size). Sized by environment:
#   BENCH_PG_EVENTS   events of each raw run (default 50000)
#   BENCH_SECONDS     seconds of each HTTP run (default 5)
#   BENCH_CLIENTS     sites sending at once (default 4)
# Goal (issue 14): >= 20,000 events/s over HTTP with one node, and not
# lower with two.
set -eu
B=${B:-build}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CLIENTS=${BENCH_CLIENTS:-4}
EVENTS=${BENCH_PG_EVENTS:-50000}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-central-pg-bench.XXXXXX")
pids=()
. "$here/../tools/pg.sh"
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	pg_stop "$dir/pg"
	rm -rf "$dir"
}
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
start() { # NSITES DB NODE: a node on DB, its URL in urls
	config "$1" "$2" >"$dir/central$3.json"
	: >"$dir/log$3"
	"$B/loket-central" -c "$dir/central$3.json" 2>"$dir/log$3" &
	pids+=($!)
	local port=
	for _ in $(seq 1 100); do
		port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log$3" | cut -d: -f2 || true)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/log$3"; echo "central did not start"; exit 1; }
	urls+=("http://127.0.0.1:$port")
}
stop() { kill "${pids[@]}"; wait "${pids[@]}" || true; pids=() urls=(); }
# http NODES DB: the load over HTTP on NODES nodes of DB; its line in out
http() {
	local n
	for n in $(seq 1 "$1"); do start "$CLIENTS" "$2" "$n"; done
	out=$("$B/bench/central_load" "$(IFS=,; echo "${urls[*]}")" "$CLIENTS" 500 "$SECS")
	stop
}
data() { # DB: what a run left
	"$PG_BIN/psql" -X -q -A -t -h "$dir/pg" -p "$port_pg" -U loket -d "$1" -c \
		"SELECT (SELECT count(*) FROM events) || ' events, ' ||
			pg_size_pretty(pg_database_size(current_database()))"
}

raw=() one=() two=() urls=() out=
for r in $(seq 1 "$RUNS"); do
	raw+=("$("$B/bench/central_raw" "$(newdb raw$r)" "$CLIENTS" 500 "$EVENTS" | awk '{print $2}')")
	echo "run $r: raw store ${raw[-1]} events/s"
	# One node first in odd runs, two nodes first in even ones: the
	# machine's other load drifts.
	for nodes in $( ((r % 2)) && echo 1 2 || echo 2 1); do
		http "$nodes" "$(newdb http${nodes}_$r)"
		if [ "$nodes" = 1 ]; then
			one+=("$(awk '{print $2}' <<<"$out")")
			echo "  HTTP, one node:  $out; left $(data http1_$r)"
		else
			two+=("$(awk '{print $2}' <<<"$out")")
			echo "  HTTP, two nodes: $out; left $(data http2_$r)"
		fi
	done
done
raw_med=$(printf '%s\n' "${raw[@]}" | median)
one_med=$(printf '%s\n' "${one[@]}" | median)
two_med=$(printf '%s\n' "${two[@]}" | median)
echo "PostgreSQL ingest, batches of 500, $CLIENTS sites at once, medians of $RUNS runs:"
echo "  raw store            $raw_med events/s ($EVENTS events a run)"
echo "  HTTP, one node       $one_med events/s (${SECS} s a run)"
echo "  HTTP, two nodes      $two_med events/s (${SECS} s a run)"
awk -v a="$one_med" -v b="$two_med" 'BEGIN {printf "  two nodes / one node %.2f\n", a ? b / a : 0}'
awk -v h="$one_med" 'BEGIN {exit !(h >= 20000)}' && echo "goal met (>= 20000/s over HTTP, one node)" ||
	echo "goal NOT met (>= 20000/s over HTTP, one node)"
