#!/bin/bash
# The combined fault test of issue 14: real sites sync through a load
# balancer to two loket-central nodes on one PostgreSQL while things break,
# and at the end the central office holds exactly what the sites hold.
#
#   - three sites, each a real site store (SQLite) whose outbox fills with
#     real ticket traffic (tests/tools/syncd_ticketer: take, call, serve,
#     no-show, transfer) the whole time, each with its own loket-syncd;
#   - the syncds reach the central office through tests/tools/lbproxy
#     (round-robin over the nodes, skipping one that refuses);
#   - node a is killed (SIGKILL) while it has a batch's transaction open;
#     the sites carry on through node b; node a comes back on a new port,
#     the balancer is told (SIGHUP) and drops its connections (SIGUSR1), so
#     the sites spread over both nodes again, and node a stores again
#     (while node a is dead the balancer also drops every connection once:
#     the sites connect again and the dead node must be skipped);
#   - PostgreSQL is restarted (pg_ctl restart -m fast, then -m immediate:
#     a crash) while the sites send: the nodes answer 503 meanwhile or run
#     the call again, never 500, and recover by themselves;
#   - the tickets stop, every site reports everything acknowledged,
#     PostgreSQL crashes once more while the nodes are idle (the next
#     request at each must take its pooled connection as lost, not log an
#     error), and:
#     each site's outbox (loketctl events) equals, byte for byte, the
#     central events export of that site (GET /api/v1/sites/SITE/events,
#     the bytes the site sent, every event) from either node; the
#     database holds each (site, seq) and each UUID once, seqs 1..last
#     without a gap; the site's row and the site's own acked_through
#     equal the outbox's last seq.
# Skipped (exit 0 with a note) when PostgreSQL is not installed, unless
# LOKET_TEST_PG_REQUIRED=1. Talks only to 127.0.0.1 on ports the kernel
# chose (read from log lines) and to PostgreSQL's Unix socket; every wait
# is for a log line, a status or a count, bounded. LOKET_TEST_PG_RATE:
# events a second at each site (default 40). KEEP=1 keeps the folder.
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for p in loket-central loket-syncd loketctl tools/syncd_ticketer tools/lbproxy; do
	[ -x "$BIN/$p" ] || { echo "no $BIN/$p: build it first (make all test-programs)"; exit 1; }
done
. "$here/../tools/pg.sh"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
	[ "${LOKET_TEST_PG_REQUIRED:-0}" = 1 ] && { echo "no PostgreSQL (scripts/deps.sh installs it)"; exit 1; }
	echo "-- no PostgreSQL here: skipped (scripts/deps.sh installs it)"
	exit 0
fi
dir=$(mktemp -d /tmp/loket-pg-faults.XXXXXX)
pids=() # every process started here; killed (-9) by cleanup
fails=0
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	pg_stop "$dir/pg" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "-- kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
T0=$(date +%s%N)
note() { echo "[$(( ($(date +%s%N) - T0) / 1000000 )) ms] $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# The end, with the logs' last lines when something failed.
finish() {
	local l
	for l in "$dir"/*.log "$dir"/*/syncd.log; do
		[ -f "$l" ] || continue
		if grep -qE "ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:" "$l"; then
			grep -E -A20 "Sanitizer|runtime error" "$l" | head -30
			fail "sanitizer reports in $l"
		fi
	done
	if [ $fails -gt 0 ]; then
		for l in "$dir"/*.log "$dir"/*/syncd.log; do
			[ -f "$l" ] && { echo "--- last lines of $l"; tail -n 8 "$l"; }
		done
		echo "== PostgreSQL faults: $fails failure(s)"
		exit 1
	fi
	note "== PostgreSQL faults: all passed"
	exit 0
}
# wait_for WHAT SECONDS CMD...: CMD again every 0.1 s until it succeeds,
# for at most SECONDS (by the clock: CMD itself may be slow on a loaded
# machine); else a failure naming WHAT (status 1).
wait_for() {
	local what=$1 end=$((SECONDS + $2))
	shift 2
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || { fail "$what"; return 1; }
		sleep 0.1
	done
}
# A log line: in FILE, from line FROM on, matching the extended regex RE.
logged() { tail -n +"$2" "$1" 2>/dev/null | grep -qE "$3"; }

pg_start "$dir/pg" || { echo "cannot start PostgreSQL"; exit 1; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
SITES=(paddepoel selwerd vinkhuys)
TOK_ADMIN=test-admin-$RANDOM$RANDOM
declare -A TOK
sites_json=
for s in "${SITES[@]}"; do
	TOK[$s]=test-token-$s-$RANDOM$RANDOM
	sites_json+="${sites_json:+, }{ \"id\": \"$s\", \"name\": \"WIJS $s\", \"token_sha256\": \"$(sha "${TOK[$s]}")\" }"
done
# Two nodes, one database; each names itself to PostgreSQL, so the test
# can see which node has a transaction open.
for n in a b; do
	cat >"$dir/central-$n.json" <<-EOF
	{ "listen": "127.0.0.1:0", "database": "$PG_URI&application_name=loket-central-$n",
	  "admin_token_sha256": "$(sha "$TOK_ADMIN")", "sites": [ $sites_json ],
	  "limits": { "busy_timeout_ms": 5000 } }
	EOF
done

declare -A PID PORT
# node N: starts central node N (log $dir/N.log, appended to across
# restarts) and waits for its "listening on 127.0.0.1:PORT (" line.
node() {
	local from p
	touch "$dir/$1.log"
	from=$(($(wc -l <"$dir/$1.log") + 1))
	"$BIN/loket-central" -c "$dir/central-$1.json" 2>>"$dir/$1.log" &
	PID[$1]=$!
	pids+=($!)
	for _ in $(seq 1 300); do
		p=$(tail -n +"$from" "$dir/$1.log" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (.*/\1/p' | head -1)
		[ -n "$p" ] && break
		kill -0 "${PID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$p" ] || { tail -5 "$dir/$1.log"; echo "central node $1 did not start"; exit 1; }
	PORT[$1]=$p
}
# metric N NAME: node N's count NAME (stored, duplicate) over every site.
metric() {
	curl -s --max-time 10 -H "Authorization: Bearer $TOK_ADMIN" "http://127.0.0.1:${PORT[$1]}/metrics" |
		awk -v m="loket_central_events_$2_total{" 'index($1, m) == 1 { n += $2 } END { print n + 0 }'
}

# --- two nodes and the balancer ---------------------------------------------
node a
node b
note "central nodes a on ${PORT[a]}, b on ${PORT[b]}, one PostgreSQL"
printf '%s\n' "${PORT[a]}" "${PORT[b]}" >"$dir/backends"
"$BIN/tools/lbproxy" "$dir/backends" 300 2>"$dir/lb.log" &
LB_PID=$!
pids+=($!)
LB=
for _ in $(seq 1 100); do
	LB=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$dir/lb.log" | cut -d: -f2)
	[ -n "$LB" ] && break
	sleep 0.1
done
[ -n "$LB" ] || { cat "$dir/lb.log"; echo "lbproxy did not start"; exit 1; }
note "lbproxy on $LB"

# --- the sites: a store, its syncd, its ticket traffic --------------------------------
# A dead link is given up on quickly (a killed node resets it anyway).
export LOKET_SYNCD_STALL_S=10 LOKET_SYNCD_CONNECT_S=2
declare -A SYNCD TICKETS
RATE=${LOKET_TEST_PG_RATE:-40}
seed=1
for s in "${SITES[@]}"; do
	mkdir -p "$dir/$s"
	# Small batches: many of them, so a kill falls among them.
	sed -e "s/\"site\": { \"id\": \"paddepoel\", \"name\": \"WIJS Paddepoel\" }/\"site\": { \"id\": \"$s\", \"name\": \"WIJS $s\" }/" \
	    -e 's/"database": "[^"]*"/"database": "site.db"/' \
	    -e "s#\"url\": \"[^\"]*\"#\"url\": \"http://127.0.0.1:$LB\"#" \
	    -e 's/"batch_events": [0-9]*/"batch_events": 25, "backoff_max_seconds": 1/' \
	    "$top/assets/demo/site.json" >"$dir/$s/site.json"
	grep -q "\"id\": \"$s\"" "$dir/$s/site.json" || { echo "the demo site.json changed: cannot name site $s"; exit 1; }
	printf '%s\n' "${TOK[$s]}" >"$dir/$s/token"
	chmod 600 "$dir/$s/token"
	"$BIN/loket-syncd" -c "$dir/$s/site.json" 2>>"$dir/$s/syncd.log" &
	SYNCD[$s]=$!
	pids+=($!)
	# syncd has the store open before the tickets start (it gives up at
	# start when the store stays locked 5 s: systemd would start it again).
	syncd_open() {
		kill -0 "${SYNCD[$s]}" 2>/dev/null || { fail "the syncd of $s exited: $(tail -n 2 "$dir/$s/syncd.log")"; finish; }
		logged "$dir/$s/syncd.log" 1 "site\.db: [0-9]+ events, central office holds through"
	}
	wait_for "the syncd of $s did not open its store within 30 s" 30 syncd_open || finish
	# Tickets until told to stop (SIGTERM ends it after the action under way).
	"$BIN/tools/syncd_ticketer" "$dir/$s/site.json" 100000000 "$RATE" "$seed" 2>"$dir/$s/ticketer.err" &
	TICKETS[$s]=$!
	pids+=($!)
	seed=$((seed + 1))
done
# status S: "ACKED LAST" of site S, from its store (loketctl status).
status() {
	local j a l
	j=$("$BIN/loketctl" -c "$dir/$1/site.json" --json status 2>/dev/null)
	a=$(printf '%s\n' "$j" | sed -n 's/.*"acked_through": *\([0-9]*\).*/\1/p' | head -1)
	l=$(printf '%s\n' "$j" | sed -n 's/.*"last_seq": *\([0-9]*\).*/\1/p' | head -1)
	[ -n "$a" ] && [ -n "$l" ] && echo "$a $l"
}
# alive: every program that should run runs; else the test ends here,
# naming the one that exited (a bounded wait would only time out).
alive() {
	local s n
	kill -0 "$LB_PID" 2>/dev/null || { fail "lbproxy exited: $(tail -n 2 "$dir/lb.log")"; finish; }
	for n in "${!PID[@]}"; do
		[ -z "${PID[$n]}" ] || kill -0 "${PID[$n]}" 2>/dev/null ||
			{ fail "central node $n exited: $(tail -n 2 "$dir/$n.log")"; finish; }
	done
	for s in "${SITES[@]}"; do
		kill -0 "${SYNCD[$s]}" 2>/dev/null || { fail "the syncd of $s exited: $(tail -n 2 "$dir/$s/syncd.log")"; finish; }
		[ -z "${TICKETS[$s]}" ] || kill -0 "${TICKETS[$s]}" 2>/dev/null ||
			{ fail "the ticketer of $s exited: $(cat "$dir/$s/ticketer.err")"; finish; }
	done
}
declare -A LAST
# Every site has had acknowledged more than LAST[site] (or FLOOR if set).
all_acked_past() {
	local s st
	alive
	for s in "${SITES[@]}"; do
		st=$(status "$s")
		[ "${st%% *}" -gt "${1:-${LAST[$s]}}" ] 2>/dev/null || return 1
	done
}
mark_last() {
	local s st
	for s in "${SITES[@]}"; do
		st=
		wait_for "no status of $s" 5 eval 'st=$(status "$s")'
		LAST[$s]=${st##* }
	done
}
# backlog N: the balancer held (SIGSTOP) until every site has N events
# not yet acknowledged, then let go: the sites send them in batches of
# 25, one after the other, through both nodes.
has_backlog() {
	local s st
	alive
	for s in "${SITES[@]}"; do
		st=$(status "$s") || return 1
		[ $((${st##* } - ${st%% *})) -ge "$1" ] || return 1
	done
}
backlog() {
	kill -STOP "$LB_PID"
	wait_for "the sites did not make a backlog of $1 events each within 30 s" 30 has_backlog "$1"
	kill -CONT "$LB_PID"
}
tickets_run() { local s; for s in "${SITES[@]}"; do kill -0 "${TICKETS[$s]}" 2>/dev/null || return 1; done; }

wait_for "the sites did not get 100 events each to the central office within 60 s" 60 all_acked_past 100 || finish
note "every site syncing through the balancer: $(for s in "${SITES[@]}"; do printf '%s %s; ' "$s" "$(status "$s")"; done)"

# --- (a) node a killed in the middle of a batch -----------------------------------------
# A batch's transaction of node a under way: its last statement one of a
# batch's (the site's row locked, events read or stored, facts, the row
# updated), the transaction not ended.
a_in_tx() {
	[ "$(pg_psql "$dir/pg" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'loket-central-a'
		AND xact_start IS NOT NULL AND state <> 'idle' AND pid <> pg_backend_pid()
		AND (query LIKE '%FOR UPDATE' OR query LIKE 'INSERT INTO events%' OR query LIKE 'SELECT seq, body FROM events%'
		     OR query LIKE 'INSERT INTO tickets%' OR query LIKE '%desk_spans%' OR query LIKE 'UPDATE sites SET acked_through%')")" -ge 1 ]
}
backlog 100
intx=1
for _ in $(seq 1 300); do a_in_tx && break; done || intx=0
kill -KILL "${PID[a]}"
wait "${PID[a]}" 2>/dev/null
PID[a]=
[ "$intx" = 1 ] && note "node a killed (SIGKILL) in a batch's transaction" ||
	note "node a killed (SIGKILL); no transaction of it was seen under way (the test still holds)"
lb_from=$(($(wc -l <"$dir/lb.log") + 1))
mark_last
# Everything the sites made up to the kill reaches the central office:
# through node b, the only one left.
wait_for "after node a was killed, the sites did not get their events to node b within 60 s" 60 all_acked_past || finish
note "the sites went on through node b (it stored $(metric b stored) events so far)"
# libcurl may have had a connection to node b at hand already: the
# balancer now drops every connection, so each site connects again and
# the balancer must skip the dead node (round-robin: of two new
# connections one is offered to it first).
dead=${PORT[a]}
kill -USR1 "$LB_PID"
wait_for "the balancer did not drop its connections" 10 logged "$dir/lb.log" "$lb_from" "^lbproxy: reset [0-9]+ connections" || finish
mark_last
wait_for "with node a dead and every connection dropped, the sites did not get their events to node b within 60 s" 60 all_acked_past || finish
tail -n +"$lb_from" "$dir/lb.log" | grep -q "^lbproxy: $dead refused" || fail "the balancer never skipped the dead node: $(tail -n +"$lb_from" "$dir/lb.log" | head -5)"
tail -n +"$lb_from" "$dir/lb.log" | grep -q "^lbproxy: connection [0-9]* to $dead\$" && fail "the balancer gave a connection to the dead node"
note "every connection dropped: the sites connected again, the balancer skipped the dead node $(tail -n +"$lb_from" "$dir/lb.log" | grep -c "^lbproxy: $dead refused") times"
tickets_run || fail "a ticketer stopped early: $(cat "$dir"/*/ticketer.err)"

# --- node a back, on a new port; the balancer rebalances -------------------------------
node a
printf '%s\n' "${PORT[a]}" "${PORT[b]}" >"$dir/backends"
lb_from=$(($(wc -l <"$dir/lb.log") + 1))
kill -HUP "$LB_PID"
wait_for "the balancer did not take node a's new port" 10 logged "$dir/lb.log" "$lb_from" "^lbproxy: backends ${PORT[a]} ${PORT[b]}\$" || finish
kill -USR1 "$LB_PID"
wait_for "the balancer did not drop its connections" 10 logged "$dir/lb.log" "$lb_from" "^lbproxy: reset [0-9]+ connections" || finish
node_a_stores() { alive && [ "$(metric a stored)" -gt 0 ]; }
wait_for "no site's events reached node a after its restart within 30 s" 30 node_a_stores || finish
note "node a restarted on ${PORT[a]} and stores again ($(metric a stored) events so far)"

# --- (b) PostgreSQL restarted under load -------------------------------------------------
# Twice: a restart (fast: the server ends its sessions, FATAL 57P01) and
# a crash (immediate: the sessions just end, and the server recovers from
# its WAL), each while the sites send a backlog and make tickets.
for mode in fast immediate; do
	from_a=$(($(wc -l <"$dir/a.log") + 1)) from_b=$(($(wc -l <"$dir/b.log") + 1))
	backlog 100
	pg_restart "$dir/pg" "$mode" || fail "pg_ctl restart -m $mode"
	tickets_run || fail "the tickets stopped before PostgreSQL was back: the restart was not under load"
	mark_last
	note "PostgreSQL restarted ($mode) while the sites sent their backlogs (the sites' last seqs now: ${LAST[*]})"
	# Everything made up to the restart's end arrives: the nodes recovered.
	wait_for "after PostgreSQL's restart ($mode) the sites did not get their events through within 60 s" 60 all_acked_past || finish
	lost=$(tail -n +"$from_a" "$dir/a.log"; tail -n +"$from_b" "$dir/b.log")
	n503=$(printf '%s\n' "$lost" | grep -cE 'POST /api/v1/sites/[a-z]+/events 503')
	note "recovered; the nodes answered $n503 batches with 503 meanwhile"
	# A fast restart takes long enough for some batch to find the server
	# gone; after a crash it may be back before a batch needs it.
	[ "$mode" = immediate ] || [ "$n503" -ge 1 ] || fail "no batch was answered 503 while PostgreSQL restarted: not under load"
	printf '%s\n' "$lost" | grep -q "connection lost" || fail "no node logged the lost connection to PostgreSQL ($mode)"
	# A lost connection is no error: 503 or a call run again, never 500.
	printf '%s\n' "$lost" | grep -E ' 50[0-9] ' | grep -vE 'POST /api/v1/sites/[a-z]+/(events|heartbeat) 503|GET /api/v1/sites/[a-z]+/config 503|PUT /api/v1/sites/[a-z]+/profile 503' | grep -q . &&
		fail "answers other than 503 during the restart ($mode): $(printf '%s\n' "$lost" | grep -E ' 50[0-9] ' | grep -v ' 503 ' | head -3)"
	printf '%s\n' "$lost" | grep -E 'error: PostgreSQL: .*(server closed the connection|terminating connection)' | grep -q . &&
		fail "a lost connection taken for an error ($mode): $(printf '%s\n' "$lost" | grep -E 'error: PostgreSQL: ' | head -2)"
done

# --- the end: tickets stop, everything acknowledged ---------------------------------------
for s in "${SITES[@]}"; do kill -TERM "${TICKETS[$s]}"; done
for s in "${SITES[@]}"; do
	wait "${TICKETS[$s]}" || fail "the ticketer of $s: exit $? ($(cat "$dir/$s/ticketer.err"))"
	TICKETS[$s]=
done
synced() {
	local s st
	alive
	for s in "${SITES[@]}"; do
		st=$(status "$s")
		[ -n "$st" ] && [ "${st%% *}" = "${st##* }" ] || return 1
	done
}
wait_for "the sites did not report everything acknowledged within 60 s" 60 synced
for s in "${SITES[@]}"; do
	kill -TERM "${SYNCD[$s]}"
	wait "${SYNCD[$s]}" || fail "the syncd of $s exited $? after SIGTERM"
done
note "tickets stopped; every site reports everything acknowledged: $(for s in "${SITES[@]}"; do printf '%s %s; ' "$s" "$(status "$s")"; done)"

# export N SITE: the central events export of SITE from node N, page after page.
export_all() {
	local after=0 page n
	while :; do
		page=$(curl -sS --fail --max-time 30 -H "Authorization: Bearer $TOK_ADMIN" \
			"http://127.0.0.1:${PORT[$1]}/api/v1/sites/$2/events?after=$after&limit=100000") || return 1
		[ -n "$page" ] || return 0
		printf '%s\n' "$page"
		n=$(printf '%s\n' "$page" | tail -n 1 | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p')
		[ -n "$n" ] && [ "$n" -gt "$after" ] || return 1
		after=$n
	done
}
# A crash while the nodes are idle: each holds pooled connections that
# the server dropped. The next request at each node must find that out
# (the connection lost, the read run again on a new one), not take it for
# an error.
from_a=$(($(wc -l <"$dir/a.log") + 1)) from_b=$(($(wc -l <"$dir/b.log") + 1))
pg_restart "$dir/pg" immediate || fail "pg_ctl restart -m immediate"
for nd in a b; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $TOK_ADMIN" \
		"http://127.0.0.1:${PORT[$nd]}/api/v1/sites/${SITES[0]}/events?after=0&limit=1")
	[ "$code" = 200 ] || fail "node $nd after PostgreSQL crashed while it was idle: $code"
done
lost=$(tail -n +"$from_a" "$dir/a.log"; tail -n +"$from_b" "$dir/b.log")
printf '%s\n' "$lost" | grep -q "connection lost" || fail "no node noticed its pooled connections were dropped"
printf '%s\n' "$lost" | grep -E 'error: ' | grep -q . && fail "PostgreSQL crashed while the nodes were idle: $(printf '%s\n' "$lost" | grep -E 'error: ' | head -2)"
note "PostgreSQL crashed (immediate) while the nodes were idle: their next requests answered 200, the dropped connections taken as lost"
total=0
for s in "${SITES[@]}"; do
	"$BIN/loketctl" -c "$dir/$s/site.json" events >"$dir/$s/outbox.jsonl" || fail "loketctl events of $s"
	st=$(status "$s")
	last=${st##* }
	n=$(wc -l <"$dir/$s/outbox.jsonl")
	total=$((total + n))
	[ "$(tail -n 1 "$dir/$s/outbox.jsonl" | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p')" = "$last" ] && [ "$n" = "$last" ] ||
		fail "$s: the outbox holds $n events ending at $(tail -n 1 "$dir/$s/outbox.jsonl" | cut -c1-20), its last seq is $last"
	[ "${st%% *}" = "$last" ] || fail "$s: acked_through ${st%% *}, the outbox's last seq $last"
	for nd in a b; do
		export_all "$nd" "$s" >"$dir/$s/central-$nd.jsonl" || fail "the export of $s from node $nd"
		cmp -s "$dir/$s/outbox.jsonl" "$dir/$s/central-$nd.jsonl" ||
			fail "$s: node $nd's export ($(wc -l <"$dir/$s/central-$nd.jsonl") lines) differs from the outbox ($n): $(diff "$dir/$s/outbox.jsonl" "$dir/$s/central-$nd.jsonl" | head -4 | cut -c1-200)"
	done
	# Each (site, seq) and each UUID once (the export would hide a second
	# copy only if the keys let one in), seqs 1..last, the site's row.
	got=$(pg_psql "$dir/pg" "SELECT count(*), count(DISTINCT e.seq), count(DISTINCT e.uuid), min(e.seq), max(e.seq),
		max(s.acked_through), max(s.events) FROM events e JOIN sites s ON s.id = e.site WHERE s.name = '$s'")
	[ "$got" = "$last|$last|$last|1|$last|$last|$last" ] ||
		fail "$s: in PostgreSQL events, distinct seqs, distinct UUIDs, first, last seq, acked_through, events: $got; want $last of each, from 1"
done
[ "$(pg_psql "$dir/pg" "SELECT count(*) FROM events")" = "$total" ] || fail "PostgreSQL holds $(pg_psql "$dir/pg" "SELECT count(*) FROM events") events, the outboxes $total"
note "the export of each node equals each site's outbox byte for byte: $total events, each once"
grep -h "EVENTS LOST\|claims to hold" "$dir"/*/syncd.log | head -3 | grep . && fail "a syncd reported lost events or a lying central office"
for nd in a b; do
	kill -TERM "${PID[$nd]}"
	wait "${PID[$nd]}" || fail "central node $nd exited $? after SIGTERM"
done
kill -TERM "$LB_PID"
wait "$LB_PID"
note "$(tail -n 1 "$dir/lb.log")"
finish
