#!/bin/bash
# The crash test: a child takes, calls and serves tickets as fast as it can
# and is killed with SIGKILL at a random moment, many times over. After each
# kill the database must be intact, every action the child reported as done
# must be in the outbox, seq must have no gaps and no code may repeat.
set -u
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/loket-crash.XXXXXX)
trap 'kill -9 $child 2>/dev/null; rm -rf "$dir"' EXIT
new_site "$dir"
ROUNDS=${CRASH_ROUNDS:-40}
RANDOM=${CRASH_SEED:-4242}
child=
for round in $(seq 1 "$ROUNDS"); do
	"$BIN/tools/storeworker" "$dir/site.json" mix "$((RANDOM + round))" >>"$dir/done.txt" 2>"$dir/err.txt" &
	child=$!
	# 20 to 320 ms: long enough to get work done, short enough to land anywhere.
	sleep "0.$(printf '%03d' $((20 + RANDOM % 300)))"
	kill -9 "$child" 2>/dev/null
	wait "$child" 2>/dev/null
	[ -s "$dir/err.txt" ] && fail "round $round: the worker failed: $(cat "$dir/err.txt")"
	check_db "$dir/site.db"
	sqlite3 "$dir/site.db" "SELECT json_extract(body, '$.ticket') || ' ' || json_extract(body, '$.type') FROM outbox" |
		sort >"$dir/events.txt"
	# A line cut short by the kill was never reported: keep whole lines only.
	grep -E '^[0-9a-f-]{36} ticket\.[a-z_]+$' "$dir/done.txt" | sort -u >"$dir/reported.txt"
	lost=$(comm -23 "$dir/reported.txt" "$dir/events.txt" | head -3)
	[ -z "$lost" ] || fail "round $round: reported done but not in the outbox: $lost"
done
events=$(sqlite3 "$dir/site.db" 'SELECT count(*) FROM outbox')
reported=$(wc -l <"$dir/reported.txt")
[ "$reported" -gt "$ROUNDS" ] || fail "the worker did almost nothing ($reported actions)"
echo "crash: $ROUNDS kills, $reported actions reported, $events events, all intact"
