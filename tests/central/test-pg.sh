#!/bin/bash
# loket-central on PostgreSQL (issue 14): the central suites (run.sh,
# test-report.sh, test-sites.sh, test-accounts.sh, test-config.sh) again
# with LOKET_TEST_DB=pg, each on a throwaway cluster of its own
# (tests/tools/pg.sh); then the same events on both back ends give the
# same pages: test-aggregates.sh on SQLite and on PostgreSQL, each keeping
# the dashboard and report pages of several periods (days, whole months,
# months less days), the report's .xlsx, staffed.csv and the streamed
# tickets.csv, and every one must be the same on both (the .xlsx's parts,
# its creation time aside): each back end answers from its own aggregates
# (PostgreSQL's read in its own way, cstore_pg_agg.c); then what only a
# server database has:
#   - PostgreSQL restarted under load: a site sends batches while the
#     server restarts; central answers 503 with Retry-After meanwhile,
#     recovers by itself, and the export equals the events sent, once each;
#   - two central nodes on one database, both given each batch of the same
#     site at the same moment: every answer is 200, each event is stored by
#     exactly one node (the other acknowledges it as a duplicate), and the
#     export equals, byte for byte, what was sent;
#   - a session signed in on one node works on the other, and a sign-out on
#     the other ends it on the first (sessions live in the database);
#   - a node killed (SIGKILL) in the middle of a batch: the site sends it
#     again to the other node, and the export is still what was sent;
#   - two processes opening a new database at once: one creates the
#     schema, the other waits and finds it done;
#   - a backup (pg_dump while central runs) restored after more events
#     came: the site gets 409 with the older acked_through, sends again
#     from there, and the export is what was sent.
# Skipped (exit 0 with a note) when PostgreSQL is not installed, unless
# LOKET_TEST_PG_REQUIRED=1 (CI installs it with scripts/deps.sh).
# Talks only to 127.0.0.1 and a Unix socket; every wait is for a log line,
# a status or a count, bounded.
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/loket-pg-test.XXXXXX)
pids=()
fails=0
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	pg_stop "$dir/pg" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }
[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }
. "$here/../tools/pg.sh"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
	[ "${LOKET_TEST_PG_REQUIRED:-0}" = 1 ] && { echo "no PostgreSQL (scripts/deps.sh installs it)"; exit 1; }
	echo "-- no PostgreSQL here: skipped (scripts/deps.sh installs it)"
	exit 0
fi

# --- the central suites on PostgreSQL -----------------------------------------------------------
# (LOKET_TEST_PG_SUITES=0: only the faults below.)
for t in run.sh test-report.sh test-sites.sh test-accounts.sh test-config.sh; do
	[ "${LOKET_TEST_PG_SUITES:-1}" = 0 ] && break
	note "$t on PostgreSQL"
	# The fuzzers test no database: they ran with the SQLite suites.
	if LOKET_TEST_DB=pg FUZZ_INGEST=/nonexistent FUZZ_PROFILE=/nonexistent \
		bash "$here/$t" >"$dir/$t.log" 2>&1; then
		tail -1 "$dir/$t.log"
	else
		tail -30 "$dir/$t.log"
		fail "$t on PostgreSQL"
	fi
done

# --- the same pages on both back ends ------------------------------------------------------------
if [ "${LOKET_TEST_PG_SUITES:-1}" != 0 ]; then
	note "the same events give the same pages on SQLite and on PostgreSQL"
	for db in sqlite pg; do
		LOKET_TEST_DB=$db LOKET_TEST_AGG_PAGES="$dir/pages-$db" \
			bash "$here/test-aggregates.sh" >"$dir/agg-$db.log" 2>&1 ||
			{ tail -20 "$dir/agg-$db.log"; fail "test-aggregates.sh on $db"; }
	done
	# The times of the page itself (generated, last sync: "YYYY-MM-DD
	# HH:MM", "just now", "N min ago") are not the figures: left out. An
	# .xlsx is a zip: its parts compared, docProps/core.xml (the time it
	# was made) aside.
	figures() {
		case "$1" in
		*.xlsx)
			python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in sorted(z.namelist()):
    if n != "docProps/core.xml":
        sys.stdout.buffer.write(n.encode() + b"\n" + z.read(n) + b"\n")' "$1" ;;
		*) cat "$1" ;;
		esac | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/(time)/g;
			s/just now|[0-9]+ (min|h|days) ago/(ago)/g'
	}
	pages=0
	for f in "$dir"/pages-sqlite/*; do
		g=$dir/pages-pg/$(basename "$f")
		pages=$((pages + 1))
		figures "$f" >"$dir/figures-sqlite"
		figures "$g" >"$dir/figures-pg" 2>&1
		[ -s "$dir/figures-sqlite" ] && cmp -s "$dir/figures-sqlite" "$dir/figures-pg" ||
			fail "$(basename "$f") differs between SQLite and PostgreSQL: $(diff "$dir/figures-sqlite" "$dir/figures-pg" | head -4 | cut -c1-300)"
	done
	[ "$pages" -ge 20 ] || fail "only $pages pages kept by test-aggregates.sh"
	note "$pages pages and exports compared"
fi

# --- one cluster for the faults ------------------------------------------------------------------
pg_start "$dir/pg" || { echo "cannot start PostgreSQL"; exit 1; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_P=test-token-paddepoel-$RANDOM$RANDOM
# A password in the URI (the cluster trusts the socket, so it is not
# asked for) must never reach a log.
PW=secret-$RANDOM$RANDOM
cat >"$dir/central.json" <<EOF
{ "listen": "127.0.0.1:0", "database": "$PG_URI&password=$PW",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "sites": [ { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_P")" } ],
  "limits": { "busy_timeout_ms": 5000 } }
EOF

# node NAME: starts a central node logging to $dir/NAME.log; sets $port.
node() {
	: >"$dir/$1.log"
	"$CENTRAL" -c "$dir/central.json" 2>"$dir/$1.log" &
	pids+=($!)
	port=
	for _ in $(seq 1 100); do
		port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/$1.log" | head -1 | cut -d: -f2)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/$1.log"; echo "central node $1 did not start"; exit 1; }
}
stop_nodes() {
	for p in "${pids[@]}"; do
		kill -TERM "$p"
		wait "$p" || fail "a central node exited $? after SIGTERM"
	done
	pids=()
}

# events FILE FIRST N PREFIX: N events of paddepoel from seq FIRST, one a line
# (issued, called, served by turns), UUIDs told apart by PREFIX (4 hex).
events() {
	local s t
	for s in $(seq "$2" $(($2 + $3 - 1))); do
		t=$(((s - 1) / 3 + 1))
		case $((s % 3)) in
		1) printf '{"seq":%d,"uuid":"01937000-%s-7000-8000-%012d","type":"ticket.issued","at":"2026-11-24T10:%02d:%02d.000+01:00","ticket":"01937000-%s-7000-9000-%012d","code":"A%03d","category":"digital","lang":"nl","desk":null}\n' \
			"$s" "$4" "$s" $((s / 60 % 60)) $((s % 60)) "$4" "$t" $((t % 1000)) ;;
		2) printf '{"seq":%d,"uuid":"01937000-%s-7000-8000-%012d","type":"ticket.called","at":"2026-11-24T10:%02d:%02d.000+01:00","ticket":"01937000-%s-7000-9000-%012d","code":"A%03d","category":"digital","lang":"nl","desk":1}\n' \
			"$s" "$4" "$s" $((s / 60 % 60)) $((s % 60)) "$4" "$t" $((t % 1000)) ;;
		0) printf '{"seq":%d,"uuid":"01937000-%s-7000-8000-%012d","type":"ticket.served","at":"2026-11-24T10:%02d:%02d.000+01:00","ticket":"01937000-%s-7000-9000-%012d","code":"A%03d","category":"digital","lang":"nl","desk":1}\n' \
			"$s" "$4" "$s" $((s / 60 % 60)) $((s % 60)) "$4" "$t" $((t % 1000)) ;;
		esac
	done >"$1"
}
# body EVENTS FROM TO: the batch of lines FROM..TO of EVENTS.
body() { printf '{"events":['; sed -n "$2,$3p" "$1" | paste -sd, | tr -d '\n'; printf ']}'; }
# post URL BODYFILE HDRFILE: the status; the answer in HDRFILE.resp.
post() {
	curl -s --max-time 30 -D "$3" -o "$3.resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_P" \
		-H 'Content-Type: application/json' --data-binary @"$2" "$1/api/v1/sites/paddepoel/events" 2>/dev/null
}
acked_of() { grep -o '"acked_through":[0-9]*' "$1" | cut -d: -f2; }
exported() { curl -s --max-time 30 -H "Authorization: Bearer $TOK_ADMIN" "$1/api/v1/sites/paddepoel/events?limit=100000"; }

# --- two first opens at once ------------------------------------------------------------------
note "two processes open a new database at once"
"$CENTRAL" -c "$dir/central.json" site list >"$dir/open1.out" 2>"$dir/open1.err" &
o1=$!
"$CENTRAL" -c "$dir/central.json" site list >"$dir/open2.out" 2>"$dir/open2.err" &
o2=$!
wait "$o1" || fail "the first of two opens at once: $(cat "$dir/open1.err")"
wait "$o2" || fail "the second of two opens at once: $(cat "$dir/open2.err")"
[ "$(cat "$dir/open1.err" "$dir/open2.err" | grep -c 'schema 0 -> 1')" = 1 ] ||
	fail "the schema was not created exactly once: $(cat "$dir/open1.err" "$dir/open2.err")"
grep -q '^paddepoel ' "$dir/open1.out" && grep -q '^paddepoel ' "$dir/open2.out" ||
	fail "the site is not listed by both: $(cat "$dir/open1.out" "$dir/open2.out")"

# --- PostgreSQL restarted under load -------------------------------------------------------------
note "PostgreSQL restarted while a site sends batches"
N=${LOKET_TEST_PG_EVENTS:-1500}
K=10
events "$dir/sent1" 1 "$N" 0001
node one
URL1=http://127.0.0.1:$port
# The site: batches of K from acked_through + 1, as syncd does; a 503
# must carry Retry-After and is tried again (bounded); every status kept.
(
	acked=0 tries=0
	while [ "$acked" -lt "$N" ] && [ "$tries" -lt 2000 ]; do
		tries=$((tries + 1))
		body "$dir/sent1" $((acked + 1)) $((acked + K > N ? N : acked + K)) >"$dir/c1.json"
		code=$(post "$URL1" "$dir/c1.json" "$dir/c1.hdr")
		echo "$code" >>"$dir/c1.codes"
		case "$code" in
		200) acked=$(acked_of "$dir/c1.hdr.resp")
		     # renamed into place: a reader never sees it half written
		     echo "$acked" >"$dir/c1.acked.new" && mv "$dir/c1.acked.new" "$dir/c1.acked" ;;
		503) grep -qi '^Retry-After: [0-9]' "$dir/c1.hdr" || echo "503 without Retry-After" >>"$dir/c1.bad"
		     sleep 0.1 ;;
		*) echo "$code $(cat "$dir/c1.hdr.resp")" >>"$dir/c1.bad"; sleep 0.1 ;;
		esac
	done
) &
client=$!
# Restart once the site is well under way, while it still sends.
for _ in $(seq 1 300); do
	[ "$(cat "$dir/c1.acked" 2>/dev/null || echo 0)" -ge $((N / 5)) ] && break
	sleep 0.02
done
before=$(cat "$dir/c1.acked" 2>/dev/null || echo 0)
pg_restart "$dir/pg" || fail "pg_ctl restart"
after=$(cat "$dir/c1.acked" 2>/dev/null || echo 0)
note "restarted with $before, then $after of $N events acknowledged"
[ "$after" -lt "$N" ] || fail "the site was done before the restart ended: the test proves nothing (raise LOKET_TEST_PG_EVENTS)"
for _ in $(seq 1 600); do
	kill -0 "$client" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$client" 2>/dev/null && { kill "$client"; fail "the site did not finish within 60 s after the restart"; }
wait "$client" 2>/dev/null
[ "$(cat "$dir/c1.acked" 2>/dev/null)" = "$N" ] || fail "acknowledged $(cat "$dir/c1.acked" 2>/dev/null) of $N"
n503=$(grep -c '^503$' "$dir/c1.codes")
note "statuses: $(sort "$dir/c1.codes" | uniq -c | tr -s ' \n' ' ')"
[ "$n503" -ge 1 ] || fail "no 503 while PostgreSQL restarted"
[ -f "$dir/c1.bad" ] && fail "other answers than 200 and 503 with Retry-After: $(head -3 "$dir/c1.bad")"
grep -q "connection lost" "$dir/one.log" || fail "the lost connection is not logged"
exported "$URL1" | cmp -s - "$dir/sent1" || fail "after the restart the export differs from what was sent: $(exported "$URL1" | diff - "$dir/sent1" | head -4)"
[ "$(curl -s "$URL1/healthz")" = ok ] || fail "healthz after the restart"

metric() { # URL stored|duplicate: the node's count for paddepoel
	curl -s -H "Authorization: Bearer $TOK_ADMIN" "$1/metrics" |
		awk -v m="loket_central_events_$2_total{site=\"paddepoel\"}" '$1 == m { n = $2 } END { print n + 0 }'
}

# A backup while central runs, restored at the end.
"$PG_BIN/pg_dump" -Fc -h "$dir/pg" -p "$(cat "$dir/pg/port")" -U loket -d loket -f "$dir/backup.dump" ||
	fail "pg_dump while central runs"

# --- two nodes, the same batches at the same moment --------------------------------------------------
note "two central nodes given the same batches of one site at once"
d1_restart=$(metric "$URL1" duplicate)
node two
URL2=http://127.0.0.1:$port
M=${LOKET_TEST_PG_EVENTS2:-600}
K2=20
events "$dir/sent2" $((N + 1)) "$M" 0002
cat "$dir/sent1" "$dir/sent2" >"$dir/sent"
bad=0
for i in $(seq 0 $((M / K2 - 1))); do
	from=$((i * K2 + 1)) to=$((i * K2 + K2))
	body "$dir/sent2" $from $to >"$dir/b.json"
	post "$URL1" "$dir/b.json" "$dir/h1" >"$dir/s1" &
	a=$!
	post "$URL2" "$dir/b.json" "$dir/h2" >"$dir/s2" &
	b=$!
	wait "$a" "$b"
	want="200 {\"acked_through\":$((N + to))}"
	for k in 1 2; do
		got="$(cat "$dir/s$k") $(tr -d '\n' <"$dir/h$k.resp")"
		[ "$got" = "$want" ] || { bad=$((bad + 1)); [ $bad -le 3 ] && fail "batch $i, node $k: got \"$got\", want \"$want\""; }
	done
done
[ $bad -eq 0 ] || fail "$bad answers of two nodes were not 200 with the batch acknowledged"
for u in "$URL1" "$URL2"; do
	exported "$u" | cmp -s - "$dir/sent" || fail "the export of $u differs from what was sent: $(exported "$u" | diff - "$dir/sent" | head -4)"
done
# Exactly once: each event stored by one node, a duplicate at the other.
s1=$(metric "$URL1" stored) s2=$(metric "$URL2" stored)
d1=$(metric "$URL1" duplicate) d2=$(metric "$URL2" duplicate)
note "stored by node one $s1 (with the restart's $N), by node two $s2; duplicates $d1 and $d2"
[ $((s1 + s2)) -eq $((N + M)) ] || fail "stored $((s1 + s2)) events in all, want $((N + M))"
[ $((d1 + d2 - d1_restart)) -eq "$M" ] || fail "duplicates $d1 + $d2 (less $d1_restart from the restart), want $M: each event once at each node"
[ "$(pg_psql "$dir/pg" "SELECT acked_through, events FROM sites WHERE name = 'paddepoel'")" = "$((N + M))|$((N + M))" ] ||
	fail "the site's row: $(pg_psql "$dir/pg" "SELECT acked_through, events FROM sites WHERE name = 'paddepoel'")"

# --- one session, two nodes ------------------------------------------------------------------------
note "a session signed in on node one works on node two; a sign-out on node two ends it on node one"
PW_ANNA=anna-password-$RANDOM$RANDOM
printf '%s\n' "$PW_ANNA" | LOKET_ARGON2_MEMORY_KIB=64 LOKET_ARGON2_TIME=1 \
	"$CENTRAL" -c "$dir/central.json" user add anna --role admin 2>"$dir/user.err" ||
	fail "user add anna: $(cat "$dir/user.err")"
code=$(curl -s --max-time 10 -D "$dir/login.hdr" -o /dev/null -w '%{http_code}' \
	--data-urlencode name=anna --data-urlencode "password=$PW_ANNA" "$URL1/login")
SID=$(sed -n 's/^[Ss]et-[Cc]ookie: loket_session=\([0-9a-f]*\);.*/\1/p' "$dir/login.hdr" | tr -d '\r')
[ "$code" = 303 ] && [ -n "$SID" ] || fail "anna's sign-in at node one: $code"
as() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: loket_session=$SID" "$@"; }
[ "$(as "$URL1/people")" = 200 ] || fail "anna's session at node one"
[ "$(as "$URL2/people")" = 200 ] || fail "anna's session from node one at node two"
[ "$(as -X POST "$URL2/logout")" = 303 ] || fail "sign-out at node two"
[ "$(as "$URL1/")" = 303 ] || fail "a session signed out at node two still works at node one"

# --- a node killed in the middle of a batch -----------------------------------------------------------
note "a node killed (SIGKILL) in the middle of a batch"
K3=2000
events "$dir/sent3" $((N + M + 1)) "$K3" 0003
cat "$dir/sent3" >>"$dir/sent"
body "$dir/sent3" 1 "$K3" >"$dir/big.json"
post "$URL2" "$dir/big.json" "$dir/h3" >"$dir/s3" &
poster=$!
# Node one is idle: a transaction under way is node two's batch.
intx=0
for _ in $(seq 1 500); do
	intx=$(pg_psql "$dir/pg" "SELECT count(*) FROM pg_stat_activity WHERE datname = 'loket'
		AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND application_name = 'loket-central'")
	[ "$intx" -ge 1 ] && break
	sleep 0.01
done
kill -KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
pids=("${pids[0]}")
wait "$poster"
[ "$intx" -ge 1 ] || note "the batch was not seen under way (killed after it): the test still holds"
note "node two killed ($(cat "$dir/s3" 2>/dev/null) to the site), the batch sent again to node one"
got="$(post "$URL1" "$dir/big.json" "$dir/h4") $(tr -d '\n' <"$dir/h4.resp" 2>/dev/null)"
[ "$got" = "200 {\"acked_through\":$((N + M + K3))}" ] || fail "the batch again at node one: got \"$got\""
exported "$URL1" | cmp -s - "$dir/sent" || fail "after the SIGKILL the export differs from what was sent: $(exported "$URL1" | diff - "$dir/sent" | head -4)"
[ "$(pg_psql "$dir/pg" "SELECT acked_through, events FROM sites WHERE name = 'paddepoel'")" = "$((N + M + K3))|$((N + M + K3))" ] ||
	fail "after the SIGKILL the site's row: $(pg_psql "$dir/pg" "SELECT acked_through, events FROM sites WHERE name = 'paddepoel'")"
stop_nodes

# --- the backup restored: the site heals it by sending again --------------------------------------
note "the backup of $N events restored after $((N + M + K3)) came"
pg_as "$PG_BIN/createdb" -h "$dir/pg" -p "$(cat "$dir/pg/port")" -U loket -E UTF8 -T template0 restored &&
	"$PG_BIN/pg_restore" -h "$dir/pg" -p "$(cat "$dir/pg/port")" -U loket -d restored "$dir/backup.dump" ||
	fail "pg_restore"
sed "s#/loket?host=#/restored?host=#" "$dir/central.json" >"$dir/restored.json"
cp "$dir/restored.json" "$dir/central.json"
node three
URL3=http://127.0.0.1:$port
got="$(post "$URL3" "$dir/big.json" "$dir/h5") $(tr -d '\n' <"$dir/h5.resp" 2>/dev/null)"
[ "$got" = "409 {\"acked_through\":$N}" ] || fail "the newest batch at the restored copy: got \"$got\", want 409 with $N"
# The site sends again from N + 1 (syncd's 409 path), in batches of 500.
total=$((N + M + K3))
tail -n +$((N + 1)) "$dir/sent" >"$dir/resend"
acked=$N
for from in $(seq 1 500 $((M + K3))); do
	body "$dir/resend" "$from" $((from + 499)) >"$dir/r.json"
	code=$(post "$URL3" "$dir/r.json" "$dir/h6")
	[ "$code" = 200 ] && acked=$(acked_of "$dir/h6.resp") || { fail "resending after the restore: $code $(cat "$dir/h6.resp")"; break; }
done
[ "$acked" = "$total" ] || fail "after the restore and the resend: acked $acked, want $total"
exported "$URL3" | cmp -s - "$dir/sent" || fail "after the restore the export differs from what was sent: $(exported "$URL3" | diff - "$dir/sent" | head -4)"
stop_nodes

grep -l "$PW" "$dir"/*.log "$dir"/*.err 2>/dev/null | grep -q . && fail "the database's password is in a log"
grep -q 'password=\*\*\*' "$dir/one.log" || fail "the log does not show the database without its password"
for l in "$dir"/one.log "$dir"/two.log "$dir"/three.log; do
	if grep -qE "ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:" "$l"; then
		grep -E -A20 "Sanitizer|runtime error" "$l" | head -30
		fail "sanitizer reports in $(basename "$l")"
	fi
done
if [ $fails -gt 0 ]; then
	echo "== central on PostgreSQL: $fails failure(s); node one's log:"
	tail -20 "$dir/one.log"
	exit 1
fi
echo "== central on PostgreSQL: all passed"
