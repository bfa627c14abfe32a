#!/bin/bash
# loket-central --backup FILE (SQLite): an online copy while the server
# takes batches, checked and complete up to a commit; the copy is 0600,
# one file (no -wal beside it), never written over an existing file (73)
# nor into a folder it cannot write (74, nothing left behind). Then the
# office restored from that older copy answers the site's next batch 409
# with the seq it holds through, the site resends from there, and the
# office ends holding every event once, byte for byte as sent.
# (tests/syncd/chaos.sh restores such a copy under kills and faults.)
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
dir=$(mktemp -d /tmp/loket-backup-test.XXXXXX)
pid= loader=
fails=0
cleanup() {
	[ -n "$loader" ] && kill "$loader" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }
[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }
command -v sqlite3 >/dev/null || { echo "no sqlite3"; exit 1; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_SITE=test-site-$RANDOM$RANDOM
cat >"$dir/central.json" <<JSON
{"listen": "127.0.0.1:0", "database": "central.db", "admin_token_sha256": "$(sha "$TOK_ADMIN")",
 "sites": [{"id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_SITE")"}]}
JSON
start() {
	: >"$dir/log"
	"$CENTRAL" -c "$dir/central.json" 2>"$dir/log" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log" | head -1 | cut -d: -f2)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/log"; echo "central did not start"; exit 1; }
	URL=http://127.0.0.1:$port
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }

DAY=$(date +%Y-%m-%d)
TZO=$(date +%:z)
# event SEQ: one ticket.issued event, as a site writes it (one line).
event() {
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"ticket.issued","at":"%sT10:%02d:%02d.000%s","ticket":"01937000-0000-7000-9000-%012d","code":"A%03d","category":"digital","lang":"nl","desk":null}' \
		"$1" "$1" "$DAY" $(( $1 / 60 % 60 )) $(( $1 % 60 )) "$TZO" "$1" $(( $1 % 1000 ))
}
# send FROM TO: events FROM..TO in one batch; prints the status, the
# answer in $dir/resp.
send() {
	{ printf '{"events":['; for s in $(seq "$1" "$2"); do [ "$s" -gt "$1" ] && printf ,; event "$s"; done; printf ']}'; } >"$dir/body"
	curl -s --max-time 20 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_SITE" \
		-H 'Content-Type: application/json' --data-binary @"$dir/body" "$URL/api/v1/sites/paddepoel/events"
}
held() { sqlite3 "$1" "SELECT acked_through FROM sites WHERE name = 'paddepoel'"; }

start
for i in $(seq 0 9); do
	[ "$(send $((i * 50 + 1)) $((i * 50 + 50)))" = 200 ] || fail "batch $i: $(cat "$dir/resp")"
done

note "a copy while batches keep coming"
# a site sending 50 events a batch, as fast as central takes them
( s=501; while [ $s -lt 100000 ]; do [ "$(send $s $((s + 49)))" = 200 ] || exit 1; s=$((s + 50)); done ) &
loader=$!
for _ in $(seq 1 100); do [ "$(held "$dir/central.db")" -gt 600 ] && break; sleep 0.05; done
"$CENTRAL" -c "$dir/central.json" --backup "$dir/copy.db" 2>"$dir/backup.log" ||
	fail "--backup while batches come: exit $? ($(cat "$dir/backup.log"))"
upto=$(held "$dir/copy.db")
for _ in $(seq 1 200); do [ "$(held "$dir/central.db")" -gt "$upto" ] && break; sleep 0.05; done
kill "$loader" 2>/dev/null; wait "$loader" 2>/dev/null; loader=
grep -q "backed up into $dir/copy.db ([0-9]* events), checked" "$dir/backup.log" || fail "no backup line: $(cat "$dir/backup.log")"
[ "$(stat -c %a "$dir/copy.db")" = 600 ] || fail "the copy is mode $(stat -c %a "$dir/copy.db"), not 600"
[ ! -e "$dir/copy.db-wal" ] || fail "the copy has a -wal file beside it"
ls "$dir" | grep -q 'tmp-' && fail "a temporary file was left: $(ls "$dir")"
[ "$(sqlite3 "$dir/copy.db" 'PRAGMA integrity_check')" = ok ] || fail "the copy fails integrity_check"
n=$(sqlite3 "$dir/copy.db" "SELECT count(*) FROM events")
said=$(sed -n 's/.*(\([0-9]*\) events).*/\1/p' "$dir/backup.log")
[ "$upto" -ge 500 ] && [ "$n" = "$upto" ] && [ "$said" = "$n" ] ||
	fail "the copy holds $n events through $upto (said $said): not whole commits"
[ "$(held "$dir/central.db")" -gt "$upto" ] || fail "no batch came after the copy: the test proves nothing"
note "the copy holds events 1..$upto; the office went on to $(held "$dir/central.db")"

note "never over a file, never into a folder it cannot write"
"$CENTRAL" -c "$dir/central.json" --backup "$dir/copy.db" 2>"$dir/again.log"
rc=$?
[ $rc = 73 ] || fail "a backup onto an existing file: exit $rc, want 73"
grep -q "exists already" "$dir/again.log" || fail "no message for an existing file: $(cat "$dir/again.log")"
[ "$(sqlite3 "$dir/copy.db" "SELECT count(*) FROM events")" = "$n" ] || fail "the existing copy was changed"
"$CENTRAL" -c "$dir/central.json" --backup "$dir/no/such/folder/x.db" 2>"$dir/nodir.log"
rc=$?
[ $rc = 74 ] || fail "a backup into a missing folder: exit $rc, want 74"
grep -q "cannot create" "$dir/nodir.log" || fail "no message for a missing folder: $(cat "$dir/nodir.log")"
stop

note "restored from the older copy: the site resends and nothing is lost"
final=$(held "$dir/central.db")
sqlite3 "$dir/central.db" "SELECT body FROM events WHERE site = (SELECT id FROM sites WHERE name = 'paddepoel') ORDER BY seq" >"$dir/before.jsonl"
rm -f "$dir/central.db" "$dir/central.db-wal" "$dir/central.db-shm"
cp "$dir/copy.db" "$dir/central.db"
start
next=$((final + 1))
code=$(send "$next" "$next")
[ "$code" = 409 ] && grep -q "\"acked_through\":$upto" "$dir/resp" ||
	fail "the restored office answers $code to seq $next: $(cat "$dir/resp") (want 409 holding through $upto)"
# the site resends from acked_through + 1, in batches, as syncd does
s=$((upto + 1))
while [ $s -le "$next" ]; do
	e=$((s + 49 > next ? next : s + 49))
	[ "$(send $s $e)" = 200 ] || { fail "resending $s..$e: $(cat "$dir/resp")"; break; }
	s=$((e + 1))
done
curl -s --max-time 20 -H "Authorization: Bearer $TOK_ADMIN" \
	"$URL/api/v1/sites/paddepoel/events?after=0&limit=100000" >"$dir/after.jsonl"
head -n "$final" "$dir/after.jsonl" | cmp -s - "$dir/before.jsonl" ||
	fail "after the restore and the resend, the office's events differ from before: $(diff <(head -n "$final" "$dir/after.jsonl") "$dir/before.jsonl" | head -3)"
[ "$(wc -l <"$dir/after.jsonl")" = "$next" ] || fail "the office holds $(wc -l <"$dir/after.jsonl") events, want $next"
stop

[ "$fails" -eq 0 ] && echo "backup: all passed" && exit 0
exit 1
