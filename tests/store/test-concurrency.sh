#!/bin/bash
# Several processes on one database at once: four take tickets, three desks
# call and serve. No code may be given twice, no ticket called twice, and
# every ticket taken must be called exactly once in the end.
set -u
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/loket-conc.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
new_site "$dir"
TAKERS=4 PER=${CONC_PER:-150} DESKS=3
"$BIN/loketctl" -c "$dir/site.json" status >/dev/null || fail "cannot create the site"
pids=()
for i in $(seq 1 $TAKERS); do
	"$BIN/tools/storeworker" "$dir/site.json" take "$PER" >"$dir/take.$i" 2>"$dir/take.$i.err" & pids+=($!)
done
total=$((TAKERS * PER))
for d in $(seq 1 $DESKS); do
	"$BIN/tools/storeworker" "$dir/site.json" call "$d" 100000 >"$dir/call.$d" 2>"$dir/call.$d.err" & cpids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a taker failed: $(cat "$dir"/take.*.err)"; done
# Bounded wait for the desks to serve every ticket: a desk prints its call
# before it serves, so counting the calls printed stopped the desks with
# the last ticket called and not yet served ("599 served, want 600").
for _ in $(seq 1 600); do
	served=$(sqlite3 "$dir/site.db" 'SELECT count(*) FROM tickets WHERE state = 2' 2>/dev/null)
	[ "${served:-0}" -ge "$total" ] && break
	sleep 0.1
done
kill "${cpids[@]}" 2>/dev/null; wait 2>/dev/null
cat "$dir"/take.*.err "$dir"/call.*.err | grep -q . && fail "a worker reported an error: $(cat "$dir"/*.err)"
taken=$(cat "$dir"/take.[0-9] | wc -l)
[ "$taken" -eq "$total" ] || fail "took $taken tickets, want $total"
dup=$(cat "$dir"/take.[0-9] | sort | uniq -d | head -3)
[ -z "$dup" ] || fail "codes given twice: $dup"
dup=$(cat "$dir"/call.* | cut -d' ' -f1 | sort | uniq -d | head -3)
[ -z "$dup" ] || fail "tickets called twice: $dup"
called=$(cat "$dir"/call.* | wc -l)
[ "$called" -eq "$total" ] || fail "called $called tickets, want $total"
check_db "$dir/site.db"
served=$(sqlite3 "$dir/site.db" 'SELECT count(*) FROM tickets WHERE state = 2')
[ "$served" -eq "$total" ] || fail "$served served, want $total"
echo "concurrency: $TAKERS takers x $PER tickets, $DESKS desks: $total codes, all distinct, each called once"
