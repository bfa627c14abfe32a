#!/bin/bash
# loket-central as a site and an office worker meet it: the sync protocol's
# answers (docs/protocol.md), every bad request in cases/ (each followed by a valid
# one that must still succeed), the semantics of acked_through, conflicts
# and atomicity, the reports, the configuration errors in configs/, a busy
# database, a slow client, a restart, and a short fuzz run.
#
# cases/NAME/: request (first line "METHOD PATH", then headers; @paddepoel,
# @vinkhuizen, @admin and @long stand for tokens) or request.sh printing it;
# body or body.sh printing it (optional); expect (the status, then
# substrings the answer must contain); verbatim (optional: the site whose
# export must then equal the body's events byte for byte).
# configs/NAME.json + NAME.expect: exit 78 and stderr holding each line.
#
# LOKET_TEST_DB=pg runs it all against a throwaway PostgreSQL cluster
# (db.sh); what only SQLite has (file modes, its schema migrations, its
# lock) is skipped there with a note, and PostgreSQL's own lock and schema
# refusal are tested instead. tests/central/test-pg.sh runs it so.
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/loket-central-test.XXXXXX)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
	test_db_stop
	rm -rf "$dir"
}
trap cleanup EXIT
. "$here/db.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }

[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_PADDEPOEL=test-token-paddepoel-$RANDOM
TOK_VINKHUIZEN=test-token-vinkhuizen-$RANDOM
TOK_SELWERD=test-token-selwerd-$RANDOM
TOK_OOSTERPARK=test-token-oosterpark-$RANDOM
TOK_METRICS=test-metrics-$RANDOM$RANDOM
TOK_LONG=$(head -c 5000 /dev/zero | tr '\0' t)

cat >"$dir/central.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "database": "$(test_db central)",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "metrics_token_sha256": "$(sha "$TOK_METRICS")",
  "sites": [
    { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_PADDEPOEL")" },
    { "id": "vinkhuizen", "name": "Buurthuis Vinkhuizen", "token_sha256": "$(sha "$TOK_VINKHUIZEN")" },
    { "id": "selwerd", "name": "Wijkplein Selwerd", "token_sha256": "$(sha "$TOK_SELWERD")" },
    { "id": "oosterpark", "name": "Oosterpark", "token_sha256": "$(sha "$TOK_OOSTERPARK")" }
  ],
  "limits": { "max_body_bytes": 65536, "max_inflated_bytes": 262144, "max_batch_events": 100,
              "connection_timeout_s": 2, "busy_timeout_ms": 300 }
}
EOF

start() { # [CONFIG]
	: >"$dir/log.new"
	"$CENTRAL" -c "${1:-$dir/central.json}" 2>"$dir/log.new" &
	pid=$!
	for _ in $(seq 1 100); do
		port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log.new" | head -1 | cut -d: -f2)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$dir/log.new"; echo "central did not start"; exit 1; }
	URL=http://127.0.0.1:$port
}
stop() {
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	pid=
	cat "$dir/log.new" >>"$dir/log"
	[ "$rc" -eq 0 ] || { tail -30 "$dir/log.new"; fail "central exited $rc after SIGTERM"; }
	grep -q "stopped" "$dir/log.new" || fail "no clean stop in the log"
}

# ev SEQ TYPE TICKET CODE DESK [CATEGORY [FROM]]: one event as a site writes it, dated today.
TODAY=$(date +%Y-%m-%d)
TZO=$(date +%:z)
ev() {
	local cat=${6:-digital} from=""
	[ -n "${7:-}" ] && from=",\"from\":\"$7\""
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"%s","at":"%sT%02d:%02d:%02d.000%s","ticket":"01937000-0000-7000-9000-%012d","code":"%s","category":"%s"%s,"lang":"nl","desk":%s}' \
		"$1" "$1" "$2" "$TODAY" $((9 + $1 / 3600 % 10)) $(($1 / 60 % 60)) $(($1 % 60)) "$TZO" "$3" "$4" "$cat" "$from" "$5"
}
# dev SEQ TYPE DESK [CATEGORIES]: a desk event (desk.opened takes CATEGORIES, default null).
dev() {
	local cats=""
	[ "$2" = desk.opened ] && cats=",\"categories\":${4:-null}"
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"%s","at":"%sT%02d:%02d:%02d.000%s","desk":%s%s}' \
		"$1" "$1" "$2" "$TODAY" $((9 + $1 / 3600 % 10)) $(($1 / 60 % 60)) $(($1 % 60)) "$TZO" "$3" "$cats"
}
batch() { local IFS=,; printf '{"events":[%s]}' "$*"; }

# post SITE TOKEN BODYFILE [curl args...]: prints "STATUS BODY".
post() {
	local site=$1 tok=$2 body=$3
	shift 3
	curl -s --max-time 20 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary @"$body" "$@" \
		"$URL/api/v1/sites/$site/events" >"$dir/code" 2>/dev/null
	echo "$(cat "$dir/code") $(tr -d '\n' <"$dir/resp")"
}
expect_post() { # WANT SITE TOKEN BODYFILE [curl args]
	local want=$1 got
	shift
	got=$(post "$@")
	[ "$got" = "$want" ] || fail "posting $3 to $1: got \"$got\", want \"$want\""
}
admin_get() { curl -s --max-time 20 -H "Authorization: Bearer $TOK_ADMIN" "$URL$1"; }
metrics_get() { curl -s --max-time 20 -H "Authorization: Bearer $TOK_METRICS" "$URL/metrics"; }
export_count() { admin_get "/api/v1/sites/$1/events?limit=100000" | grep -c '^{' ; }

# The valid request after each bad one: the next ticket of paddepoel.
next=1
valid_post() {
	local s=$next
	batch "$(ev "$s" ticket.issued "$s" "$(printf 'A%03d' $((s % 1000)))" null)" >"$dir/valid.json"
	local got
	got=$(post paddepoel "$TOK_PADDEPOEL" "$dir/valid.json")
	if [ "$got" = "200 {\"acked_through\":$s}" ]; then
		next=$((s + 1))
	else
		fail "valid request after $1: got \"$got\""
	fi
}

# --- the command line ---------------------------------------------------------
"$CENTRAL" --help >/dev/null || fail "--help"
"$CENTRAL" --version | grep -q '^loket-central ' || fail "--version"
"$CENTRAL" --bogus 2>/dev/null; [ $? -eq 64 ] || fail "unknown argument is not 64"
"$CENTRAL" -c "$dir/central.json" --check-config >/dev/null || fail "--check-config on a good file"
LOKET_CONFIG="$dir/central.json" "$CENTRAL" --check-config >/dev/null || fail "LOKET_CONFIG"
env -u LOKET_CONFIG "$CENTRAL" --check-config 2>"$dir/err"; [ $? -eq 78 ] || fail "no config is not 78"
"$CENTRAL" -c "$dir/nope.json" --check-config 2>"$dir/err"; [ $? -eq 78 ] || fail "missing file is not 78"
grep -q "nope.json: cannot read" "$dir/err" || fail "missing file message: $(cat "$dir/err")"

note "configuration errors"
for f in "$here"/configs/*.json; do
	name=$(basename "$f" .json)
	out=$( cd "$here/configs" && "$CENTRAL" -c "$name.json" --check-config 2>&1 ); rc=$?
	if [ ! -f "$here/configs/$name.expect" ]; then
		[ $rc -eq 0 ] || fail "config $name: exit $rc, want 0: $out"
		continue
	fi
	[ $rc -eq 78 ] || fail "config $name: exit $rc, want 78"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		grep -qF -- "$line" <<<"$out" || fail "config $name: no \"$line\" in: $out"
	done <"$here/configs/$name.expect"
done

start
note "server on $URL"
curl -s "$URL/healthz" | grep -qx ok || fail "healthz"
if [ "$TEST_DB" = sqlite ]; then
	for f in central.db central.db-wal central.db-shm; do
		[ "$(stat -c %a "$dir/$f" 2>&1)" = 600 ] || fail "$f: mode $(stat -c %a "$dir/$f" 2>&1), want 600"
	done
else
	note "PostgreSQL: no file modes (access is PostgreSQL's roles)"
fi

# --- the happy path ---------------------------------------------------------------
valid_post "start"
batch "$(ev 2 ticket.called 1 A001 1)" "$(ev 3 ticket.served 1 A001 1)" >"$dir/b23.json"
expect_post '200 {"acked_through":3}' paddepoel "$TOK_PADDEPOEL" "$dir/b23.json"
next=4
expect_post '200 {"acked_through":3}' paddepoel "$TOK_PADDEPOEL" "$dir/b23.json"
[ "$(export_count paddepoel)" -eq 3 ] || fail "a resent batch was stored twice"
gzip -c "$dir/b23.json" >"$dir/b23.gz"
expect_post '200 {"acked_through":3}' paddepoel "$TOK_PADDEPOEL" "$dir/b23.gz" -H 'Content-Encoding: gzip'

# --- every bad request, each followed by a good one ---------------------------------
note "bad requests"
ncases=0
for c in "$here"/cases/*/; do
	name=$(basename "$c")
	ncases=$((ncases + 1))
	if [ -f "$c/request.sh" ]; then bash "$c/request.sh" >"$dir/req"; else cp "$c/request" "$dir/req"; fi
	sed -i -e "s/@paddepoel/$TOK_PADDEPOEL/g" -e "s/@vinkhuizen/$TOK_VINKHUIZEN/g" \
		-e "s/@admin/$TOK_ADMIN/g" -e "s/@long/$TOK_LONG/g" "$dir/req"
	read -r method path <"$dir/req"
	args=(-X "$method" --path-as-is)
	have_ct=0
	while IFS= read -r h; do
		[ -z "$h" ] && continue
		case "$h" in [Cc]ontent-[Tt]ype:*) have_ct=1 ;; esac
		args+=(-H "$h")
	done < <(tail -n +2 "$dir/req")
	[ $have_ct -eq 1 ] || args+=(-H 'Content-Type:')
	if [ -f "$c/body.sh" ]; then
		bash "$c/body.sh" >"$dir/body"
		args+=(--data-binary @"$dir/body")
	elif [ -f "$c/body" ]; then
		args+=(--data-binary @"$c/body")
	fi
	code=$(curl -s --max-time 30 -o "$dir/resp" -w '%{http_code}' "${args[@]}" "$URL$path" 2>/dev/null)
	want=$(head -1 "$c/expect")
	if [ "$code" != "$want" ]; then
		fail "case $name: status $code, want $want ($(head -c 300 "$dir/resp"))"
	else
		tail -n +2 "$c/expect" | while IFS= read -r s; do
			[ -z "$s" ] || grep -qF -- "$s" "$dir/resp" || echo "FAIL: case $name: answer lacks \"$s\": $(head -c 300 "$dir/resp")"
		done | grep . && fails=$((fails + 1))
	fi
	if [ -f "$c/verbatim" ]; then
		site=$(cat "$c/verbatim")
		admin_get "/api/v1/sites/$site/events" >"$dir/exported"
		# The body's events, one per line, as the site sent them.
		sed -e 's/^{"events":\[//' -e 's/^ //' -e 's/\]}$//' -e 's/},$/}/' "$c/body" >"$dir/sent"
		cmp -s "$dir/sent" "$dir/exported" || fail "case $name: export differs from what was sent: $(diff "$dir/sent" "$dir/exported" | head -5)"
	fi
	kill -0 "$pid" 2>/dev/null || { fail "central died in case $name"; tail "$dir/log.new"; exit 1; }
	valid_post "case $name"
done
note "$ncases cases"

# --- semantics ------------------------------------------------------------------------
note "gap, conflict, atomicity"
acked=$((next - 1))
batch "$(ev $((acked + 5)) ticket.issued 900 X900 null)" >"$dir/gap.json"
expect_post "409 {\"acked_through\":$acked}" paddepoel "$TOK_PADDEPOEL" "$dir/gap.json"

# Same seq, other content: refused (422), the original kept, logged as an error.
admin_get "/api/v1/sites/paddepoel/events?after=1&limit=1" >"$dir/orig2"
batch "$(ev 2 ticket.called 1 A001 3)" >"$dir/conflict.json"
got=$(post paddepoel "$TOK_PADDEPOEL" "$dir/conflict.json")
case "$got" in "422 "*'"seq":2'*) ;; *) fail "conflict: got \"$got\"" ;; esac
admin_get "/api/v1/sites/paddepoel/events?after=1&limit=1" | cmp -s - "$dir/orig2" || fail "conflict overwrote seq 2"
grep -q "error: site paddepoel: CONFLICT" "$dir/log.new" || fail "conflict not logged as an error"
# The same content with other spacing and key order is the same event.
printf '{"events":[ {"desk":1, "seq":2,"uuid":"01937000-0000-7000-8000-000000000002","type":"ticket.called","at":%s,"ticket":"01937000-0000-7000-9000-000000000001","code":"A001","category":"digital","lang":"nl"} ]}' \
	"$(ev 2 ticket.called 1 A001 1 | grep -o '"at":"[^"]*"' | cut -d: -f2-)" >"$dir/respaced.json"
expect_post '200 {"acked_through":'"$acked"'}' paddepoel "$TOK_PADDEPOEL" "$dir/respaced.json"

# A known UUID under a new seq: refused, and nothing of the batch stored.
n=$next
batch "$(ev $n ticket.issued $n B001 null)" "$(ev 2 ticket.called 1 A001 1 | sed "s/\"seq\":2/\"seq\":$((n + 1))/")" >"$dir/uuid.json"
got=$(post paddepoel "$TOK_PADDEPOEL" "$dir/uuid.json")
case "$got" in "422 "*"is already used by another event"*) ;; *) fail "uuid reuse: got \"$got\"" ;; esac
[ "$(export_count paddepoel)" -eq "$acked" ] || fail "a refused batch stored some of its events"

# A bad envelope in the middle (not a UUID): 400, nothing stored.
batch "$(ev $n ticket.issued $n B001 null)" "$(ev $((n + 1)) ticket.called $n B001 1 | sed 's/"uuid":"[^"]*"/"uuid":"one"/')" "$(ev $((n + 2)) ticket.called $n B001 1)" >"$dir/mid.json"
got=$(post paddepoel "$TOK_PADDEPOEL" "$dir/mid.json")
case "$got" in "400 "*"events[1].uuid: not a UUID"*) ;; *) fail "bad envelope in the middle: got \"$got\"" ;; esac
[ "$(export_count paddepoel)" -eq "$acked" ] || fail "a batch with a bad envelope stored some of it"

# Overlap: old events acknowledged again, new ones stored once.
batch "$(ev $((n - 1)) ticket.issued $((n - 1)) "$(printf 'A%03d' $(((n - 1) % 1000)))" null)" \
	"$(ev $n ticket.issued $n B001 null)" "$(ev $((n + 1)) ticket.called $n B001 2)" \
	"$(ev $((n + 2)) ticket.transferred $n B001 null tax digital)" "$(ev $((n + 3)) ticket.called $n B001 3 tax)" \
	"$(ev $((n + 4)) ticket.served $n B001 3 tax)" \
	"$(ev $((n + 5)) ticket.issued $((n + 5)) C001 null letters)" "$(ev $((n + 6)) ticket.called $((n + 5)) C001 1 letters)" \
	"$(ev $((n + 7)) ticket.no_show $((n + 5)) C001 1 letters)" >"$dir/overlap.json"
expect_post "200 {\"acked_through\":$((n + 7))}" paddepoel "$TOK_PADDEPOEL" "$dir/overlap.json"
next=$((n + 8))
[ "$(export_count paddepoel)" -eq $((n + 7)) ] || fail "overlap: $(export_count paddepoel) events held, want $((n + 7))"
[ "$(admin_get "/api/v1/sites/paddepoel/events?after=$((n + 5))&limit=1" | grep -c .)" -eq 1 ] || fail "events ?after&limit"

# Reading events needs the admin token.
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/sites/paddepoel/events")
[ "$code" = 401 ] || fail "events without a token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_PADDEPOEL" "$URL/api/v1/sites/paddepoel/events")
[ "$code" = 403 ] || fail "events with a site token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/api/v1/sites/paddepoel/events?after=-1")
[ "$code" = 400 ] || fail "events ?after=-1: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/api/v1/sites/nowhere/events")
[ "$code" = 404 ] || fail "events of an unknown site: $code"

# --- events this version cannot read: kept, acknowledged, counted as unread -------------------
note "unread events"
n=$next
uuid() { printf '01937000-0000-7000-8000-%012d' "$1"; }
batch "$(ev $n ticket.issued $n G001 null)" \
	"$(ev $((n + 1)) ticket.reopened $n G001 2 | sed 's/}$/,"why":{"asked":true}}/')" \
	"{\"seq\":$((n + 2)),\"uuid\":\"$(uuid $((n + 2)))\",\"type\":\"kiosk.rebooted\",\"at\":\"1970-01-01T00:00:00.000Z\"}" \
	"{\"seq\":$((n + 3)),\"uuid\":\"$(uuid $((n + 3)))\",\"type\":\"site.profile\",\"at\":\"not a time\",\"languages\":[\"nl\"]}" \
	"$(ev $((n + 4)) ticket.called $n G001 1)" >"$dir/unread.json"
expect_post "200 {\"acked_through\":$((n + 4))}" paddepoel "$TOK_PADDEPOEL" "$dir/unread.json"
expect_post "200 {\"acked_through\":$((n + 4))}" paddepoel "$TOK_PADDEPOEL" "$dir/unread.json"
next=$((n + 5))
grep -q "warn: site paddepoel: 3 new events kept unread .* seq $((n + 1)): type: unknown event type \"ticket.reopened\"" "$dir/log.new" ||
	fail "unread events not logged: $(grep -i unread "$dir/log.new" | tail -2)"
{ sed -e 's/^{"events":\[//' -e 's/\]}$//' -e 's/},{"seq"/}\n{"seq"/g' "$dir/unread.json"; echo; } >"$dir/unread.sent"
admin_get "/api/v1/sites/paddepoel/events?after=$((n - 1))" | cmp -s - "$dir/unread.sent" || fail "unread events not given back verbatim"
admin_get "/export/tickets.csv?site=paddepoel" | grep -q "^paddepoel;WIJS Paddepoel;$TODAY;G001;digital;.*;open;1;" || fail "the events around the unread ones were not read"
admin_get "/" | grep -q '<td class="n unread">3</td>' || fail "dashboard does not count 3 unread events"
metrics_get | grep -q '^loket_central_events_unread{site="paddepoel"} 3$' || fail "metrics do not count 3 unread events"
metrics_get | grep -q '^loket_central_events_unread{site="vinkhuizen"} 0$' || fail "metrics: unread of another site"

# --- one event central cannot interpret never blocks its site (issue 12) ------------------
note "a year-10000 time and an unknown type: acknowledged whole, kept unread"
opost() { post oosterpark "$TOK_OOSTERPARK" "$@"; }
# ouuid SEQ: the event on stdin with a UUID no other site's event has.
ouuid() { sed "s/\"uuid\":\"[^\"]*\"/\"uuid\":\"$(uuid $((7100 + $1)))\"/"; }
batch "$(ev 1 ticket.issued 7001 O001 null | ouuid 1)" \
	"$(ev 2 ticket.called 7001 O001 1 | ouuid 2 | sed 's/"at":"[^"]*"/"at":"10000-01-01T00:00:00.000+00:00"/')" \
	"{\"seq\":3,\"uuid\":\"$(uuid 7003)\",\"type\":\"ticket.paused\",\"at\":\"${TODAY}T10:00:00.000$TZO\"}" >"$dir/o1.json"
got=$(opost "$dir/o1.json")
[ "$got" = '200 {"acked_through":3}' ] || fail "a batch with a year-10000 time and an unknown type: got \"$got\""
grep -q "warn: site oosterpark: 2 new events kept unread .* seq 2: at: not an RFC 3339 time" "$dir/log.new" ||
	fail "the year-10000 event not logged as unread: $(grep oosterpark "$dir/log.new" | tail -2)"
metrics_get | grep -q '^loket_central_events_unread{site="oosterpark"} 2$' ||
	fail "metrics do not count the 2 unread events of oosterpark: $(metrics_get | grep 'unread{site="oosterpark"}')"
admin_get "/" | tr -d '\n' | grep -q 'Oosterpark</td>.*<td class="n unread">2</td>' || fail "dashboard does not count 2 unread events of oosterpark"
batch "$(ev 4 ticket.served 7001 O001 1 | ouuid 4)" >"$dir/o2.json"
got=$(opost "$dir/o2.json")
[ "$got" = '200 {"acked_through":4}' ] || fail "the batch after the unread events: got \"$got\""
admin_get "/export/tickets.csv?site=oosterpark" | grep -q "^oosterpark;Oosterpark;$TODAY;O001;digital;.*;served;" ||
	fail "the events around the unread ones were not read: $(admin_get "/export/tickets.csv?site=oosterpark" | tail -1)"
# Known types with a field this version cannot decode: kept unread too.
k=5
for c in "$here"/unreadable/*/; do
	sed -e "s/\"seq\":1,/\"seq\":$k,/" -e "s/-00000000aaa1\"/-$(printf %012d $((7000 + k)))\"/g" "$c/body" >"$dir/u.json"
	got=$(opost "$dir/u.json")
	[ "$got" = "200 {\"acked_through\":$k}" ] || fail "unreadable $(basename "$c"): got \"$got\""
	grep -q "warn: site oosterpark: 1 new event kept unread .* seq $k: .*$(cat "$c/expect")" "$dir/log.new" ||
		fail "unreadable $(basename "$c"): the log does not say \"$(cat "$c/expect")\": $(grep oosterpark "$dir/log.new" | tail -1)"
	k=$((k + 1))
done
ounread=$((2 + k - 5))
metrics_get | grep -q "^loket_central_events_unread{site=\"oosterpark\"} $ounread\$" || fail "metrics do not count $ounread unread events of oosterpark"
# A UUID another site used: 422, without naming that site or its seq.
printf '{"events":[{"seq":%d,"uuid":"%s","type":"ticket.issued","at":"%sT10:00:00.000%s","ticket":"%s","code":"O009","category":"digital","lang":"nl","desk":null}]}' \
	"$k" "$(uuid 2)" "$TODAY" "$TZO" "$(uuid 7999)" >"$dir/ou.json"
got=$(opost "$dir/ou.json")
case "$got" in "422 "*"seq $k: uuid $(uuid 2) is already used by another event"*) ;; *) fail "a UUID of another site: got \"$got\"" ;; esac
case "$got" in *paddepoel* | *"as seq"* | *"seq 2"*) fail "a 422 names another site or its seq: $got" ;; esac
grep -q "error: uuid $(uuid 2) of seq $k is already held as seq 2 of paddepoel" "$dir/log.new" || fail "the log does not say which event holds the UUID"

# --- the day's end and the desks: ticket.expired, desk.opened, desk.closed ----------------
note "expired tickets and desk events"
n=$next
admin_get "/export/tickets.csv?site=paddepoel" | grep -c "^paddepoel;" >"$dir/rows.before"
batch "$(dev $n desk.opened 4 '["digital","tax"]')" \
	"$(ev $((n + 1)) ticket.issued $((n + 1)) F001 null)" "$(ev $((n + 2)) ticket.called $((n + 1)) F001 4)" \
	"$(ev $((n + 3)) ticket.issued $((n + 3)) F002 null tax)" \
	"$(ev $((n + 4)) ticket.expired $((n + 1)) F001 4)" "$(ev $((n + 5)) ticket.expired $((n + 3)) F002 null tax)" \
	"$(dev $((n + 6)) desk.closed 4)" "$(dev $((n + 7)) desk.opened 5)" "$(dev $((n + 8)) desk.closed 5)" >"$dir/day.json"
expect_post "200 {\"acked_through\":$((n + 8))}" paddepoel "$TOK_PADDEPOEL" "$dir/day.json"
expect_post "200 {\"acked_through\":$((n + 8))}" paddepoel "$TOK_PADDEPOEL" "$dir/day.json"
next=$((n + 9))
# Kept verbatim, desk events included, and given back by ?after=.
{ sed -e 's/^{"events":\[//' -e 's/\]}$//' -e 's/},{"seq"/}\n{"seq"/g' "$dir/day.json"; echo; } >"$dir/day.sent"
admin_get "/api/v1/sites/paddepoel/events?after=$((n - 1))" >"$dir/day.got"
cmp -s "$dir/day.sent" "$dir/day.got" || fail "new event types not given back verbatim: $(diff "$dir/day.sent" "$dir/day.got" | head -6)"
grep -q '"type":"desk.opened","at":"[^"]*","desk":4,"categories":\["digital","tax"\]}$' "$dir/day.got" || fail "desk.opened with its categories not kept"
# Expired is an outcome of its own; desk events make no ticket.
admin_get "/export/tickets.csv?site=paddepoel" >"$dir/day.csv"
grep -q "^paddepoel;WIJS Paddepoel;$TODAY;F001;digital;digital;nl;[^;]*;[^;]\+;[^;]\+;expired;4;[0-9]\+;;1;0;" "$dir/day.csv" || fail "CSV lacks the called, expired F001: $(grep F001 "$dir/day.csv")"
grep -q "^paddepoel;WIJS Paddepoel;$TODAY;F002;tax;tax;nl;[^;]*;;[^;]\+;expired;;;;0;0;" "$dir/day.csv" || fail "CSV lacks the expired F002: $(grep F002 "$dir/day.csv")"
[ "$(grep -c "^paddepoel;" "$dir/day.csv")" -eq $(($(cat "$dir/rows.before") + 2)) ] || fail "desk events made tickets: $(grep -c "^paddepoel;" "$dir/day.csv") rows, want $(($(cat "$dir/rows.before") + 2))"
admin_get "/" >"$dir/dash.html"
grep -q "<th class=\"n\">Verlopen</th>" "$dir/dash.html" || fail "dashboard has no expired column"
# Tax at paddepoel (no profile yet: its id): B001 served, F002 expired (tickets, served, no-shows, cancelled, expired).
grep -q '<td>WIJS Paddepoel</td><td>tax</td><td class="n">2</td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">1</td>' "$dir/dash.html" ||
	fail "dashboard does not count F002 as expired: $(grep -o '<td>WIJS Paddepoel</td><td>tax[^/]*/td>\(<td[^/]*/td>\)*' "$dir/dash.html")"
admin_get "/?lang=en" | grep -q "<th class=\"n\">Expired</th>" || fail "English dashboard has no expired column"
# A desk event with a bad envelope in a batch: 400 naming the event and
# field, nothing stored (a bad desk field is kept unread: see oosterpark).
batch "$(dev $next desk.opened 1)" "$(dev $((next + 1)) desk.closed 1 | sed 's/"seq":[0-9]*/"seq":"x"/')" >"$dir/baddesk.json"
got=$(post paddepoel "$TOK_PADDEPOEL" "$dir/baddesk.json")
case "$got" in '400 {"error":"events[1].seq: must be an integer >= 1"}') ;; *) fail "bad desk event: got \"$got\"" ;; esac
[ "$(export_count paddepoel)" -eq $((next - 1)) ] || fail "a batch with a bad desk event stored some of it"

# The same from a real site store: loketctl opens a desk, issues and calls,
# then the next morning's first action ends the day (ticket.expired for each
# open ticket, desk.closed); central takes its outbox as it is.
if [ -x "$BIN/loketctl" ]; then
	note "a site store's day end, delivered"
	sed 's/"database": "[^"]*"/"database": "site.db"/' "$here/../../assets/demo/site.json" >"$dir/site.json"
	ctl() { "$BIN/loketctl" -c "$dir/site.json" "$@" >/dev/null 2>>"$dir/ctl.err" || fail "loketctl $*: $(tail -1 "$dir/ctl.err")"; }
	t10=$(($(date -d "$TODAY 10:00" +%s) * 1000))
	LOKET_FAKE_NOW=$t10 ctl desk open 2 --category digital,tax
	LOKET_FAKE_NOW=$t10 ctl take digital
	LOKET_FAKE_NOW=$t10 ctl take tax
	LOKET_FAKE_NOW=$((t10 + 60000)) ctl next --desk 2
	LOKET_FAKE_NOW=$((t10 + 23 * 3600000)) ctl status
	LOKET_FAKE_NOW=$((t10 + 23 * 3600000)) "$BIN/loketctl" -c "$dir/site.json" events >"$dir/site.events"
	types=$(grep -o '"type":"[a-z._]*"' "$dir/site.events" | cut -d'"' -f4 | tr '\n' ' ')
	[ "$types" = "desk.opened ticket.issued ticket.issued ticket.called ticket.expired ticket.expired desk.closed " ] ||
		fail "the site store wrote other events than expected: $types"
	{ printf '{"events":['; paste -sd, "$dir/site.events" | tr -d '\n'; printf ']}'; } >"$dir/site.batch"
	expect_post "200 {\"acked_through\":$(wc -l <"$dir/site.events")}" selwerd "$TOK_SELWERD" "$dir/site.batch"
	admin_get "/api/v1/sites/selwerd/events" | cmp -s - "$dir/site.events" || fail "the site's events not given back verbatim"
	admin_get "/export/tickets.csv?site=selwerd" >"$dir/selwerd.csv"
	grep -q "^selwerd;Wijkplein Selwerd;$TODAY;A001;digital;digital;nl;[^;]*;[^;]\+;[^;]\+;expired;2;60;;1;0;" "$dir/selwerd.csv" ||
		fail "CSV: the site's A001 is not expired at desk 2: $(grep A001 "$dir/selwerd.csv")"
	grep -q "^selwerd;Wijkplein Selwerd;$TODAY;B001;tax;tax;nl;[^;]*;;[^;]\+;expired;;;;0;0;" "$dir/selwerd.csv" ||
		fail "CSV: the site's B001 is not expired: $(grep B001 "$dir/selwerd.csv")"
	[ "$(grep -c '^selwerd;' "$dir/selwerd.csv")" -eq 2 ] || fail "CSV: the site's desk events made tickets"

	# The next morning the kiosk boots with its clock in 1970, a resident
	# takes a ticket, the clock is right at noon and she is served: her
	# ticket counts on the real day (the events name it: "day"), and no
	# wait is counted from a 1970 issue time.
	note "a ticket taken on an unset clock counts on its real day"
	n1=$(wc -l <"$dir/site.events")
	tomorrow=$(date -d "$TODAY + 1 day" +%F)
	LOKET_FAKE_NOW=28800000 ctl take letters
	LOKET_FAKE_NOW=$((t10 + 26 * 3600000)) ctl next --desk 1
	LOKET_FAKE_NOW=$((t10 + 26 * 3600000 + 600000)) ctl serve --desk 1
	"$BIN/loketctl" -c "$dir/site.json" events --after "$n1" >"$dir/site2.events"
	{ printf '{"events":['; paste -sd, "$dir/site2.events" | tr -d '\n'; printf ']}'; } >"$dir/site2.batch"
	expect_post "200 {\"acked_through\":$((n1 + $(wc -l <"$dir/site2.events")))}" selwerd "$TOK_SELWERD" "$dir/site2.batch"
	admin_get "/export/tickets.csv?site=selwerd&from=$tomorrow&to=$tomorrow" >"$dir/selwerd2.csv"
	grep -q "^selwerd;Wijkplein Selwerd;$tomorrow;C001;letters;letters;nl;1970-01-01T[^;]*;[^;]\+;[^;]\+;served;1;;600;1;0;" "$dir/selwerd2.csv" ||
		fail "CSV: the 1970 ticket is not served on $tomorrow without a wait: $(cat "$dir/selwerd2.csv")"
else
	note "no loketctl in $BIN: the site store's day end not tested"
fi

# --- staffed hours: desk spans from desk.opened to the desk's next desk.closed ----------------
# On fixed days in the past (D1, D2, D4), so that no other test's events
# (dated today) fall on them.
note "staffed hours"
D1=2026-11-03 D2=2026-11-04 D4=2026-11-06
# dsk SEQ TYPE DESK HH:MM [DAY [CATEGORIES]]: a desk event of DAY (D1), +01:00.
dsk() {
	local cats=""
	[ "$2" = desk.opened ] && cats=",\"categories\":${6:-null}"
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"%s","at":"%sT%s:00.000+01:00","desk":%s%s}' \
		"$1" "$1" "$2" "${5:-$D1}" "$4" "$3" "$cats"
}
# tkt SEQ TYPE TICKET CODE DESK HH:MM: a tax ticket's event on D1.
tkt() {
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%012d","type":"%s","at":"%sT%s:00.000+01:00","ticket":"01937000-0000-7000-9000-%012d","code":"%s","category":"tax","lang":"nl","desk":%s}' \
		"$1" "$1" "$2" "$D1" "$6" "$3" "$4" "$5"
}
staffed_csv() { admin_get "/export/staffed.csv?site=paddepoel&sep=,&from=$1&to=$2" | tr -d '\r'; }
# day_row LANG FROM TO DAY: the dashboard's per-site-and-day row of paddepoel on DAY.
day_row() {
	admin_get "/?lang=$1&from=$2&to=$3" |
		grep -o "<tr[^>]*><td>WIJS Paddepoel</td><td>$4</td><td class=\"n\">[^<]*</td><td class=\"n\">[^<]*</td><td class=\"n\">[^<]*</td></tr>"
}
n=$next
# During the day: desk 1 09:00-12:30, opened a second time at 10:00 with
# no close between (no new span); desk 2 from 09:30, still open; desk 3
# closed without being open (nothing), then opened at 14:00 and closed at
# 13:10 after the clock was put back (0, not negative); a ticket served.
batch "$(dsk $n desk.opened 1 09:00)" "$(dsk $((n + 1)) desk.opened 2 09:30 $D1 '["tax"]')" \
	"$(tkt $((n + 2)) ticket.issued $((n + 2)) S001 null 09:40)" "$(dsk $((n + 3)) desk.opened 1 10:00)" \
	"$(tkt $((n + 4)) ticket.called $((n + 2)) S001 2 10:05)" "$(tkt $((n + 5)) ticket.served $((n + 2)) S001 2 10:25)" \
	"$(dsk $((n + 6)) desk.closed 1 12:30)" "$(dsk $((n + 7)) desk.closed 3 13:00)" \
	"$(dsk $((n + 8)) desk.opened 3 14:00)" "$(dsk $((n + 9)) desk.closed 3 13:10)" >"$dir/staff1.json"
expect_post "200 {\"acked_through\":$((n + 9))}" paddepoel "$TOK_PADDEPOEL" "$dir/staff1.json"
cat >"$dir/staff1.want" <<EOF
site,day,desk,opened_at,closed_at,minutes
paddepoel,$D1,1,${D1}T09:00:00.000+01:00,${D1}T12:30:00.000+01:00,210
paddepoel,$D1,2,${D1}T09:30:00.000+01:00,,
paddepoel,$D1,3,${D1}T14:00:00.000+01:00,${D1}T13:10:00.000+01:00,0
EOF
staffed_csv $D1 $D1 >"$dir/staff1.got"
cmp -s "$dir/staff1.want" "$dir/staff1.got" || fail "staffed.csv during the day: $(diff "$dir/staff1.want" "$dir/staff1.got")"
# Desk 2 is still open: it counts nothing yet (desk 1's 210 min = 3.5 h).
got=$(day_row en $D1 $D1 $D1)
[ "$got" = "<tr><td>WIJS Paddepoel</td><td>$D1</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">3.5</td></tr>" ] ||
	fail "dashboard during the day: $got"
# The next morning: the day's end closed desk 2, stamped with the closing
# time 17:00 (the machine was off overnight); a desk opened on D2 and
# closed only two days later counts 24 h, on D2.
batch "$(dsk $((n + 10)) desk.closed 2 17:00)" "$(dsk $((n + 11)) desk.opened 5 09:00 $D2)" \
	"$(dsk $((n + 12)) desk.closed 5 09:00 $D4)" >"$dir/staff2.json"
expect_post "200 {\"acked_through\":$((n + 12))}" paddepoel "$TOK_PADDEPOEL" "$dir/staff2.json"
# The first batch again (a resend): acknowledged, counted once.
expect_post "200 {\"acked_through\":$((n + 12))}" paddepoel "$TOK_PADDEPOEL" "$dir/staff1.json"
next=$((n + 13))
cat >"$dir/staffed.want" <<EOF
site,day,desk,opened_at,closed_at,minutes
paddepoel,$D1,1,${D1}T09:00:00.000+01:00,${D1}T12:30:00.000+01:00,210
paddepoel,$D1,2,${D1}T09:30:00.000+01:00,${D1}T17:00:00.000+01:00,450
paddepoel,$D1,3,${D1}T14:00:00.000+01:00,${D1}T13:10:00.000+01:00,0
paddepoel,$D2,5,${D2}T09:00:00.000+01:00,${D4}T09:00:00.000+01:00,1440
EOF
staffed_csv $D1 $D4 >"$dir/staffed.got"
cmp -s "$dir/staffed.want" "$dir/staffed.got" || fail "staffed.csv: $(diff "$dir/staffed.want" "$dir/staffed.got")"
[ "$(awk -F, -v d=$D1 '$2 == d { m += $6 } END { print m }' "$dir/staffed.got")" = 660 ] || fail "staffed.csv: $D1 is not 660 minutes"
# 210 + 450 + 0 min = 11.0 h, next to the day's ticket counts (1 ticket, 1 served).
want_row="<tr><td>WIJS Paddepoel</td><td>$D1</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">11.0</td></tr>"
got=$(day_row en $D1 $D1 $D1)
[ "$got" = "$want_row" ] || fail "dashboard: $D1 is not 11.0 staffed hours: $got"
got=$(day_row nl $D1 $D1 $D1)
[ "$got" = "${want_row/11.0/11,0}" ] || fail "Dutch dashboard: $D1 is not 11,0 staffed hours: $got"
got=$(day_row en $D1 $D4 $D2)
[ "$got" = "<tr><td>WIJS Paddepoel</td><td>$D2</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">24.0</td></tr>" ] ||
	fail "dashboard: a span over two days is not capped at 24.0 h: $got"
# Every site's staffed.csv streams a site at a time (chunked), with the
# rows, in the order, of the one read of every site it replaced (the old
# output: that read's SQL, where the database can be asked).
vn=$(($(export_count vinkhuizen) + 1))
# (UUIDs are the network's: vinkhuizen's own, not paddepoel's of that seq)
batch "$(dsk $vn desk.opened 1 09:00 | sed 's/-8000-/-a000-/')" \
	"$(dsk $((vn + 1)) desk.closed 1 12:00 | sed 's/-8000-/-a000-/')" >"$dir/staff-v.json"
expect_post "200 {\"acked_through\":$((vn + 1))}" vinkhuizen "$TOK_VINKHUIZEN" "$dir/staff-v.json"
curl -s --max-time 20 -D "$dir/staffed-all.h" -H "Authorization: Bearer $TOK_ADMIN" \
	"$URL/export/staffed.csv?sep=,&from=$D1&to=$D4" | tr -d '\r' >"$dir/staffed-all.got"
grep -qi '^transfer-encoding: chunked' "$dir/staffed-all.h" || fail "staffed.csv of every site did not stream: $(cat "$dir/staffed-all.h")"
grep -q "^vinkhuizen,$D1,1,${D1}T09:00:00.000+01:00,${D1}T12:00:00.000+01:00,180$" "$dir/staffed-all.got" ||
	fail "streamed staffed.csv lacks vinkhuizen's span: $(cat "$dir/staffed-all.got")"
if [ "$TEST_DB" = pg ] || command -v sqlite3 >/dev/null; then
	{
		echo "site,day,desk,opened_at,closed_at,minutes"
		test_sql central "SELECT s.name, d.day, d.desk, d.opened_at, coalesce(d.closed_at, ''),
			coalesce(CAST((d.staffed_ms + 30000) / 60000 AS TEXT), '') FROM desk_spans d
			JOIN sites s ON s.id = d.site WHERE d.day BETWEEN '$D1' AND '$D4'
			ORDER BY s.name, d.day, d.desk, d.opened_seq" | tr '|' ,
	} >"$dir/staffed-all.want"
	cmp -s "$dir/staffed-all.want" "$dir/staffed-all.got" ||
		fail "streamed staffed.csv is not the one read's: $(diff "$dir/staffed-all.want" "$dir/staffed-all.got")"
fi
got=$(day_row en $D1 $D4 Total)
[ "$got" = '<tr class="sub"><td>WIJS Paddepoel</td><td>Total</td><td class="n">1</td><td class="n">1</td><td class="n">35.0</td></tr>' ] ||
	fail "dashboard: the period's total is not 35.0 h: $got"
admin_get "/" | grep -q '<th class="n">Bemande uren</th>' || fail "Dutch dashboard has no Bemande uren column"
admin_get "/?lang=en" | grep -q '<th class="n">Staffed hours</th>' || fail "English dashboard has no Staffed hours column"
admin_get "/export/staffed.csv?from=$D1&to=$D1" >"$dir/staffed-semi.csv"
head -c 3 "$dir/staffed-semi.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "staffed.csv with ; lacks the BOM"
grep -q "^paddepoel;$D1;2;${D1}T09:30:00.000+01:00;${D1}T17:00:00.000+01:00;450"$'\r$' "$dir/staffed-semi.csv" ||
	fail "staffed.csv with ;: $(cat "$dir/staffed-semi.csv")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/export/staffed.csv")
[ "$code" = 401 ] || fail "staffed.csv without a token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_PADDEPOEL" "$URL/export/staffed.csv")
[ "$code" = 401 ] || fail "staffed.csv with a site token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/export/staffed.csv?to=2026-13-01")
[ "$code" = 400 ] || fail "staffed.csv with a bad date: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/export/staffed.csv?site=nowhere")
[ "$code" = 400 ] || fail "staffed.csv of an unknown site: $code"

# --- reports ----------------------------------------------------------------------------
note "CSV, dashboard, login, metrics"
admin_get "/export/tickets.csv" >"$dir/all.csv"
head -c 3 "$dir/all.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "CSV with ; lacks the BOM"
head -1 "$dir/all.csv" | grep -q $'^\xef\xbb\xbfsite;site_name;day;code;category;' || fail "CSV header: $(head -1 "$dir/all.csv")"
grep -q "^paddepoel;WIJS Paddepoel;$TODAY;B001;tax;digital;nl;.*;served;3;" "$dir/all.csv" || fail "CSV lacks the served, transferred B001"
grep -q "^paddepoel;WIJS Paddepoel;$TODAY;C001;letters;letters;.*;no_show;1;" "$dir/all.csv" || fail "CSV lacks the no-show C001"
grep -q "^paddepoel;WIJS Paddepoel;$TODAY;A001;digital;.*;served;1;" "$dir/all.csv" || fail "CSV lacks A001"
grep -q "\"'=1+2;\"\"x\"\"\"" "$dir/all.csv" || fail "CSV quoting/formula guard of a code: $(grep vinkhuizen "$dir/all.csv" | head -2)"
admin_get "/export/tickets.csv?sep=,&site=vinkhuizen&from=2026-11-22&to=2026-11-22" >"$dir/v.csv"
head -1 "$dir/v.csv" | grep -q '^site,site_name,day,' || fail "CSV sep=, header: $(head -1 "$dir/v.csv")"
[ "$(grep -c '^vinkhuizen,' "$dir/v.csv")" -eq 1 ] || fail "CSV site= filter"
admin_get "/export/tickets.csv?site=paddepoel&from=$TODAY&to=$TODAY" | grep -c "^paddepoel;" >"$dir/n"
[ "$(cat "$dir/n")" -ge 3 ] || fail "CSV from/to of today"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/export/tickets.csv?from=2026-02-30")
[ "$code" = 400 ] || fail "CSV with a bad date: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/export/tickets.csv")
[ "$code" = 401 ] || fail "CSV without a token: $code"

admin_get "/" >"$dir/dash.html"
grep -q "WIJS Paddepoel" "$dir/dash.html" || fail "dashboard lacks the site"
grep -q "Geholpen vandaag" "$dir/dash.html" || fail "dashboard is not Dutch by default"
grep -q "<svg" "$dir/dash.html" || fail "dashboard has no chart"
grep -q "<script>" "$dir/dash.html" && fail "dashboard let a site's <script> through"
grep -q "a;b&quot;c" "$dir/dash.html" || fail "dashboard lacks the escaped category"
grep -Eq 'src="http|href="http' "$dir/dash.html" && fail "dashboard uses outside assets"
admin_get "/?lang=en" | grep -q "Helped today" || fail "dashboard in English"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/?from=2026-01-01&to=2027-12-31")
[ "$code" = 400 ] || fail "dashboard period over a year: $code"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/")
[ "$code" = "303 $URL/login" ] || fail "dashboard without a session: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_PADDEPOEL" "$URL/")
[ "$code" = 401 ] || fail "dashboard with a site token: $code"
curl -s "$URL/login" | grep -q 'type="password"' || fail "login form"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "token=wrong" "$URL/login")
[ "$code" = 401 ] || fail "login with a wrong token: $code"
curl -s -D "$dir/hdr" -o /dev/null --data-urlencode "token=$TOK_ADMIN" "$URL/login"
grep -qi '^HTTP/1.1 303' "$dir/hdr" || fail "login: $(head -1 "$dir/hdr")"
cookie=$(grep -i '^set-cookie:' "$dir/hdr" | tr -d '\r')
case "$cookie" in *"loket_session="*HttpOnly*SameSite=Strict*) ;; *) fail "session cookie: $cookie" ;; esac
grep -qF "$TOK_ADMIN" "$dir/hdr" && fail "the cookie holds the token"
sess=$(sed 's/.*loket_session=\([^;]*\).*/\1/' <<<"$cookie")
curl -s -H "Cookie: loket_session=$sess" "$URL/" | grep -q "WIJS Paddepoel" || fail "dashboard with the session cookie"
case "$sess" in *0) forged=${sess%?}1 ;; *) forged=${sess%?}0 ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: loket_session=$forged" "$URL/")
[ "$code" = 303 ] || fail "a forged cookie: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: loket_session=$sess" "$URL/export/tickets.csv")
[ "$code" = 200 ] || fail "CSV with the session cookie: $code"

metrics_get >"$dir/metrics"
# /metrics names every site: the metrics token or the admin's, nobody else.
code=$(curl -s -o "$dir/resp" -w '%{http_code}' "$URL/metrics")
[ "$code" = 401 ] || fail "metrics without a token: $code"
grep -q paddepoel "$dir/resp" && fail "a 401 for /metrics names a site"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_PADDEPOEL" "$URL/metrics")
[ "$code" = 401 ] || fail "metrics with a site token: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" "$URL/metrics")
[ "$code" = 200 ] || fail "metrics with the admin token: $code"
grep -q "^loket_central_events_stored_total{site=\"paddepoel\"} [1-9]" "$dir/metrics" || fail "metrics: events stored"
grep -q '^loket_central_events_duplicate_total{site="paddepoel"} [1-9]' "$dir/metrics" || fail "metrics: duplicates"
grep -q '^loket_central_requests_total{route="ingest",status="400"} [1-9]' "$dir/metrics" || fail "metrics: rejects by status"
grep -q '^loket_central_request_duration_seconds_bucket{route="ingest",le="+Inf"}' "$dir/metrics" || fail "metrics: latency"
grep -q '^loket_central_site_last_seen_seconds{site="paddepoel"} [1-9]' "$dir/metrics" || fail "metrics: last seen"

# --- a busy database: 503 with Retry-After, then fine again -------------------------------------
note "busy database"
if [ "$TEST_DB" = pg ]; then
	# Another session holds paddepoel's row (as a batch of another node
	# would) beyond busy_timeout_ms (300): lock_timeout, 503.
	"$PG_BIN/psql" -X -q -h "$dir/pg" -p "$(cat "$dir/pg/port")" -U loket -d central \
		-c "BEGIN" -c "SELECT 1 FROM sites WHERE name = 'paddepoel' FOR UPDATE" \
		-c "SELECT pg_sleep(3)" -c "ROLLBACK" >/dev/null &
	holder=$!
	for _ in $(seq 1 100); do
		[ "$(test_sql central "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE c.relname = 'sites' AND l.mode = 'RowShareLock' AND l.granted AND l.pid <> pg_backend_pid()")" -ge 1 ] && break
		sleep 0.05
	done
	batch "$(ev $next ticket.issued $next D001 null)" >"$dir/busy.json"
	curl -s -D "$dir/hdr" -o "$dir/resp" -H "Authorization: Bearer $TOK_PADDEPOEL" -H 'Content-Type: application/json' \
		--data-binary @"$dir/busy.json" "$URL/api/v1/sites/paddepoel/events"
	grep -q '^HTTP/1.1 503' "$dir/hdr" || fail "busy database: $(head -1 "$dir/hdr")"
	grep -qi '^Retry-After: [0-9]' "$dir/hdr" || fail "busy database: no Retry-After"
	wait "$holder"; holder=
	valid_post "busy database"
elif command -v sqlite3 >/dev/null; then
	( echo "BEGIN IMMEDIATE; INSERT INTO meta VALUES('lock', 'x');"; sleep 3; echo "ROLLBACK;" ) | sqlite3 "$dir/central.db" &
	holder=$!
	sleep 0.5
	batch "$(ev $next ticket.issued $next D001 null)" >"$dir/busy.json"
	curl -s -D "$dir/hdr" -o "$dir/resp" -H "Authorization: Bearer $TOK_PADDEPOEL" -H 'Content-Type: application/json' \
		--data-binary @"$dir/busy.json" "$URL/api/v1/sites/paddepoel/events"
	grep -q '^HTTP/1.1 503' "$dir/hdr" || fail "busy database: $(head -1 "$dir/hdr")"
	grep -qi '^Retry-After: [0-9]' "$dir/hdr" || fail "busy database: no Retry-After"
	wait "$holder"; holder=
	valid_post "busy database"
else
	note "no sqlite3 CLI: busy test skipped"
fi

# --- a slow client does not hold anything up and is cut off -------------------------------------
note "slow client"
exec 7<>/dev/tcp/127.0.0.1/"$port"
printf 'POST /api/v1/sites/paddepoel/events HTTP/1.1\r\nHost: x\r\n' >&7
valid_post "a slow client holding a connection"
t0=$(date +%s)
timeout 10 cat <&7 >/dev/null
[ $(($(date +%s) - t0)) -le 6 ] || fail "slow client kept its connection beyond the timeout"
exec 7>&-
valid_post "a slow client cut off"
# A client that trickles a body (a chunk a second: never idle for the 2 s
# timeout) is cut off once its body took 4 timeouts, token or not.
exec 7<>/dev/tcp/127.0.0.1/"$port"
printf 'POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' >&7
( for _ in $(seq 1 30); do sleep 1; printf '1\r\nx\r\n' >&7 || exit 0; done ) 2>/dev/null &
trickler=$!
t0=$(date +%s)
timeout 25 cat <&7 >/dev/null
took=$(($(date +%s) - t0))
kill "$trickler" 2>/dev/null
wait "$trickler" 2>/dev/null
exec 7>&-
[ "$took" -le 12 ] || fail "a client trickling a body kept its connection for $took s"
valid_post "a trickling client cut off"

# Slow headers from 4 addresses, 256 connections each, a byte every 3 s
# (never idle for MHD's 30 s timeout), against the default limits: the
# per-address cap (64) refuses most, the header deadline (10 s) cuts the
# rest, and /healthz and a signed-in page keep answering. "Within a
# second" is a correctness bound with a wide margin (they answer in a few
# ms here): a server that yields to the flood does not answer at all.
note "slow headers from 4 addresses"
cat >"$dir/abuse.json" <<EOF
{"listen": "127.0.0.1:0", "database": "$(test_db abuse)", "admin_token_sha256": "$(sha "$TOK_ADMIN")",
 "sites": [{"id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_PADDEPOEL")"}]}
EOF
"$CENTRAL" -c "$dir/abuse.json" 2>"$dir/abuse.log" &
apid=$!
for _ in $(seq 1 100); do
	aport=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/abuse.log" | head -1 | cut -d: -f2)
	[ -n "$aport" ] && break
	sleep 0.1
done
if [ -z "$aport" ]; then
	fail "central with the default limits did not start: $(tail -3 "$dir/abuse.log")"
else
	"$BIN/tools/slowheaders" --target "127.0.0.1:$aport" --from 127.0.0.2 --from 127.0.0.3 \
		--from 127.0.0.4 --from 127.0.0.5 --conns 256 --interval-ms 3000 --seconds 16 >"$dir/slow.out" &
	slow=$!
	# Until the attack is at full strength: the tool holds its connections.
	for _ in $(seq 1 50); do
		[ "$(grep -cE 'connection limit|limits.per_ip_connections' "$dir/abuse.log")" -ge 1 ] && break
		sleep 0.1
	done
	bad=0 probes=0
	while kill -0 "$slow" 2>/dev/null && [ $probes -lt 40 ]; do
		probes=$((probes + 1))
		h=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$aport/healthz")
		d=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H "Authorization: Bearer $TOK_ADMIN" "http://127.0.0.1:$aport/metrics")
		[ "$h$d" = 200200 ] || { bad=$((bad + 1)); echo "   probe $probes: healthz $h, metrics (signed in) $d"; }
		sleep 0.3
	done
	wait "$slow"
	[ $bad -eq 0 ] || fail "$bad of $probes probes during slow headers did not answer 200 within 1 s"
	[ $probes -ge 20 ] || fail "only $probes probes during the slow headers"
	read -r _ opened _ closed _ longest _ held <"$dir/slow.out"
	note "slow headers: $probes probes all answered; the tool opened $opened, the server closed $closed, the longest lived $longest ms, at most $held open"
	[ "$longest" -ge 9000 ] && [ "$longest" -le 13000 ] || fail "slow headers: the longest connection lived $longest ms, want the 10 s header deadline"
	grep -q "still sending their request headers after 10000 ms" "$dir/abuse.log" || fail "the header deadline is not logged"
	grep -q "refused: more than limits.per_ip_connections (64) open from one address" "$dir/abuse.log" ||
		fail "the per-address cap refused nothing of 256 connections from each address"
	[ "$(wc -l <"$dir/abuse.log")" -le 200 ] || fail "the flood filled the log: $(wc -l <"$dir/abuse.log") lines"
	kill -TERM "$apid"
	wait "$apid" || fail "central under slow headers: exit $? after SIGTERM"
fi

# Many connections at once, each with a batch: all stored once.
note "concurrent sites"
for k in $(seq 1 12); do
	s=$((next + k - 1))
	batch "$(ev "$s" ticket.issued "$s" E001 null)" >"$dir/conc$k.json"
done
# Each posts in order from its own connection; the order across them is not ours,
# so retry 409s until all are in (bounded).
for round in $(seq 1 16); do
	kids=()
	for k in $(seq 1 12); do
		[ -f "$dir/conc$k.json" ] || continue
		( got=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_PADDEPOEL" \
			-H 'Content-Type: application/json' --data-binary @"$dir/conc$k.json" "$URL/api/v1/sites/paddepoel/events")
		  [ "$got" = 200 ] && rm -f "$dir/conc$k.json" ) &
		kids+=($!)
	done
	[ ${#kids[@]} -gt 0 ] || break
	wait "${kids[@]}"
done
ls "$dir"/conc*.json >/dev/null 2>&1 && fail "concurrent batches did not all get in"
next=$((next + 12))
[ "$(export_count paddepoel)" -eq $((next - 1)) ] || fail "concurrent: $(export_count paddepoel) held, want $((next - 1))"

# --- restart: everything still there; tickets rebuild to the same facts --------------------------
note "restart and rebuild"
admin_get "/export/tickets.csv" >"$dir/before.csv"
admin_get "/export/staffed.csv" >"$dir/staffed-before.csv"
staffed_same() { # WHEN: the staffed hours are what they were before the restart
	admin_get "/export/staffed.csv" | cmp -s - "$dir/staffed-before.csv" ||
		fail "staffed.csv differs $1: $(admin_get /export/staffed.csv | diff - "$dir/staffed-before.csv" | head -4)"
	local got
	got=$(day_row en $D1 $D1 $D1)
	[ "$got" = "$want_row" ] || fail "dashboard $1: $got"
}
stop
start
staffed_same "after a restart"
stop
# The rebuild derives the spans again from the events: emptied first (when
# the sqlite3 CLI is there), they must come back the same.
{ [ "$TEST_DB" = pg ] || command -v sqlite3 >/dev/null; } && test_sql central "DELETE FROM desk_spans"
"$CENTRAL" -c "$dir/central.json" --rebuild-tickets 2>>"$dir/log" || fail "--rebuild-tickets"
start
admin_get "/export/tickets.csv" | cmp -s - "$dir/before.csv" || fail "rebuilt tickets differ: $(admin_get /export/tickets.csv | diff - "$dir/before.csv" | head -4)"
staffed_same "after --rebuild-tickets"
expect_post '200 {"acked_through":'"$((next - 1))"'}' paddepoel "$TOK_PADDEPOEL" "$dir/b23.json"
grep -q "unread events: 0 read now, $((3 + ounread)) still unread" "$dir/log" || fail "the rebuild did not try the unread events again"
metrics_get | grep -q '^loket_central_events_unread{site="paddepoel"} 3$' || fail "metrics after a restart do not count 3 unread events"
valid_post "restart"
stop

# A schema 2 database (no desk_spans) gets them derived from its desk events.
if [ "$TEST_DB" = pg ]; then
	note "PostgreSQL: SQLite's schema 2 and 1 migrations skipped"
elif command -v sqlite3 >/dev/null; then
	note "schema 2 database"
	sqlite3 "$dir/central.db" ".backup '$dir/v2.db'"
	sqlite3 "$dir/v2.db" "DROP TABLE desk_spans; UPDATE meta SET value = '2' WHERE key = 'schema'"
	sed 's/"central.db"/"v2.db"/' "$dir/central.json" >"$dir/v2.json"
	start "$dir/v2.json"
	grep -q "schema 2 -> 4: tickets (with how each visit ended) and desk spans derived from [1-9][0-9]* events" "$dir/log.new" ||
		fail "no schema 2 -> 4 migration logged: $(grep schema "$dir/log.new")"
	staffed_same "after the schema 2 -> 4 migration"
	stop
	[ "$(sqlite3 "$dir/v2.db" "SELECT value FROM meta WHERE key = 'schema'")" = 6 ] || fail "schema not 6 after the migration from 2"
fi

# --- a database of schema 1 (events' ticket fields NOT NULL) is brought up to date ------------
note "schema 1 database"
if [ "$TEST_DB" = pg ]; then
	# PostgreSQL's own: an event an older version kept unread, which this
	# one reads, is filled in by the rebuild; a newer schema is refused.
	note "PostgreSQL: an unread event read again, a newer schema refused"
	olduri=$(test_db old)
	sed 's#"database": "[^"]*"#"database": "'"${olduri//&/\\&}"'"#' "$dir/central.json" >"$dir/old.json"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log" || fail "--rebuild-tickets on a new database: $(cat "$dir/old.log")"
	grep -q "PostgreSQL: schema 0 -> 1" "$dir/old.log" || fail "no schema created: $(cat "$dir/old.log")"
	e7=$(ev 7 ticket.issued 7 A003 null)
	test_sql old "INSERT INTO events(site, seq, uuid, type, body, received_ms, unread)
		VALUES((SELECT id FROM sites WHERE name = 'paddepoel'), 7, '$(grep -o '"uuid":"[^"]*"' <<<"$e7" | cut -d'"' -f4)',
		'ticket.issued', '$e7', 0, 'type: unknown event type \"ticket.issued\"');
		UPDATE sites SET acked_through = 7, events = 7 WHERE name = 'paddepoel'" >/dev/null || fail "cannot add an unread event"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log" || fail "--rebuild-tickets with an unread event"
	grep -q "unread events: 1 read now, 0 still unread" "$dir/old.log" || fail "the unread event was not read: $(cat "$dir/old.log")"
	[ "$(test_sql old "SELECT unread IS NULL, code, at = '$(grep -o '"at":"[^"]*"' <<<"$e7" | cut -d'"' -f4)' FROM events WHERE seq = 7")" = "t|A003|t" ] ||
		fail "the event read again was not filled in: $(test_sql old "SELECT * FROM events WHERE seq = 7")"
	[ "$(test_sql old "SELECT count(*) FROM tickets WHERE code = 'A003'")" = 1 ] || fail "the event read again made no ticket"
	# Schema 1 (before the people and the managed configuration, and the
	# aggregates of 3) is brought to 3, its events kept.
	test_sql old "DROP TABLE sessions, api_tokens, audit, accounts, site_config,
		config_templates, enrol_codes, day_aggs, day_counts, month_aggs, month_counts,
		day_totals, day_cats, month_totals; UPDATE meta SET value = 1 WHERE key = 'schema'" >/dev/null ||
		fail "cannot make a schema 1 database"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log" || fail "--rebuild-tickets on schema 1: $(cat "$dir/old.log")"
	grep -q "PostgreSQL: schema 1 -> 2" "$dir/old.log" || fail "schema 1 not brought to 2: $(cat "$dir/old.log")"
	grep -q "PostgreSQL: schema 2 -> 3" "$dir/old.log" || fail "schema 2 not brought to 3: $(cat "$dir/old.log")"
	[ "$(test_sql old "SELECT count(*) FROM accounts") $(test_sql old "SELECT count(*) FROM site_config") $(test_sql old "SELECT count(*) FROM tickets WHERE code = 'A003'")" = "0 0 1" ] ||
		fail "after schema 1 -> 3: the new tables or the old ticket are not there"
	[ "$(test_sql old "SELECT (SELECT sum(visits) FROM day_aggs) = (SELECT count(*) FROM tickets)")" = t ] ||
		fail "after schema 1 -> 3: the aggregates do not count the tickets"
	test_sql old "UPDATE meta SET value = 99 WHERE key = 'schema'"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log"; rc=$?
	[ $rc -eq 74 ] || fail "a database of a newer schema: exit $rc, want 74"
	grep -q "newer loket-central (schema 99" "$dir/old.log" || fail "a newer schema not named: $(cat "$dir/old.log")"
elif command -v sqlite3 >/dev/null; then
	sed 's/"central.db"/"old.db"/' "$dir/central.json" >"$dir/old.json"
	e1=$(ev 1 ticket.issued 1 A001 null)
	e2=$(ev 2 ticket.served 1 A001 1)
	at1=$(grep -o '"at":"[^"]*"' <<<"$e1" | cut -d'"' -f4)
	at2=$(grep -o '"at":"[^"]*"' <<<"$e2" | cut -d'"' -f4)
	sqlite3 "$dir/old.db" <<EOF
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('schema', '1');
CREATE TABLE sites(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
 acked_through INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0,
 last_sync_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events(site INTEGER NOT NULL REFERENCES sites(id), seq INTEGER NOT NULL,
 uuid TEXT NOT NULL UNIQUE, type TEXT NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL,
 ticket TEXT NOT NULL, code TEXT NOT NULL, category TEXT NOT NULL, from_category TEXT,
 lang TEXT NOT NULL, desk INTEGER, body TEXT NOT NULL, received_ms INTEGER NOT NULL,
 PRIMARY KEY(site, seq));
CREATE TABLE tickets(site INTEGER NOT NULL, ticket TEXT NOT NULL, code TEXT NOT NULL DEFAULT '',
 day TEXT NOT NULL DEFAULT '', category TEXT NOT NULL DEFAULT '',
 first_category TEXT NOT NULL DEFAULT '', lang TEXT NOT NULL DEFAULT '',
 issued_at TEXT, issued_ms INTEGER, called_at TEXT, called_ms INTEGER,
 last_called_ms INTEGER, finished_at TEXT, finished_ms INTEGER, outcome TEXT,
 desk INTEGER, calls INTEGER NOT NULL DEFAULT 0, transfers INTEGER NOT NULL DEFAULT 0,
 PRIMARY KEY(site, ticket));
CREATE INDEX tickets_day ON tickets(day, site);
INSERT INTO sites(name, acked_through, events, last_sync_ms) VALUES('paddepoel', 2, 2, 1795345203123);
INSERT INTO events VALUES(1, 1, '01937000-0000-7000-8000-000000000001', 'ticket.issued', '$at1', 0,
 '01937000-0000-7000-9000-000000000001', 'A001', 'digital', NULL, 'nl', NULL, '$e1', 1795345203123);
INSERT INTO events VALUES(1, 2, '01937000-0000-7000-8000-000000000002', 'ticket.served', '$at2', 0,
 '01937000-0000-7000-9000-000000000001', 'A001', 'digital', NULL, 'nl', 1, '$e2', 1795345203123);
EOF
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log" || fail "--rebuild-tickets on a schema 1 database: $(cat "$dir/old.log")"
	grep -q "schema 1 -> 2" "$dir/old.log" || fail "no migration logged: $(cat "$dir/old.log")"
	[ "$(sqlite3 "$dir/old.db" "SELECT value FROM meta WHERE key = 'schema'")" = 6 ] || fail "schema not 6 after the migration from 1"
	[ "$(sqlite3 "$dir/old.db" "SELECT count(*) FROM pragma_table_info('events') WHERE name IN ('ticket', 'code', 'category', 'lang') AND \"notnull\" = 0")" = 4 ] ||
		fail "events' ticket columns still NOT NULL after the migration"
	start "$dir/old.json"
	grep -q "schema 1 -> 2" "$dir/log.new" && fail "migrated twice"
	printf '%s\n%s\n' "$e1" "$e2" >"$dir/old.sent"
	admin_get "/api/v1/sites/paddepoel/events" | cmp -s - "$dir/old.sent" || fail "schema 1 events not kept verbatim"
	admin_get "/export/tickets.csv" | grep -q "^paddepoel;WIJS Paddepoel;$TODAY;A001;digital;.*;served;1;" || fail "schema 1 ticket not in the CSV"
	batch "$(dev 3 desk.opened 2)" "$(ev 4 ticket.issued 4 A002 null)" "$(ev 5 ticket.expired 4 A002 null)" "$(dev 6 desk.closed 2)" >"$dir/old3.json"
	expect_post '200 {"acked_through":6}' paddepoel "$TOK_PADDEPOEL" "$dir/old3.json"
	admin_get "/export/tickets.csv" | grep -q "^paddepoel;WIJS Paddepoel;$TODAY;A002;digital;.*;expired;" || fail "migrated database: no expired A002"
	stop
	# An event an older version kept unread, which this one reads: the
	# rebuild fills it in and derives its ticket.
	e7=$(ev 7 ticket.issued 7 A003 null)
	sqlite3 "$dir/old.db" "INSERT INTO events(site, seq, uuid, type, body, received_ms, unread)
		VALUES(1, 7, '$(grep -o '"uuid":"[^"]*"' <<<"$e7" | cut -d'"' -f4)', 'ticket.issued', '$e7', 0,
		'type: unknown event type \"ticket.issued\"');
		UPDATE sites SET acked_through = 7, events = 7"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log" || fail "--rebuild-tickets with an unread event"
	grep -q "unread events: 1 read now, 0 still unread" "$dir/old.log" || fail "the unread event was not read: $(cat "$dir/old.log")"
	[ "$(sqlite3 "$dir/old.db" "SELECT unread IS NULL, code, at = '$(grep -o '"at":"[^"]*"' <<<"$e7" | cut -d'"' -f4)' FROM events WHERE seq = 7")" = "1|A003|1" ] ||
		fail "the event read again was not filled in: $(sqlite3 "$dir/old.db" "SELECT * FROM events WHERE seq = 7")"
	[ "$(sqlite3 "$dir/old.db" "SELECT count(*) FROM tickets WHERE code = 'A003'")" = 1 ] || fail "the event read again made no ticket"
	sqlite3 "$dir/old.db" "UPDATE meta SET value = '7' WHERE key = 'schema'"
	"$CENTRAL" -c "$dir/old.json" --rebuild-tickets 2>"$dir/old.log"; rc=$?
	[ $rc -eq 74 ] || fail "a database of a newer schema: exit $rc, want 74"
	grep -q "newer loket-central (schema 7" "$dir/old.log" || fail "a newer schema not named: $(cat "$dir/old.log")"
else
	note "no sqlite3 CLI: schema 1 test skipped"
fi

# --- a short fuzz run of the decoder -----------------------------------------------------------
FUZZ=${FUZZ_INGEST:-$BIN/fuzz/fuzz_ingest}
if [ -x "$FUZZ" ]; then
	note "fuzzing the ingest decoder for ${FUZZ_SECONDS:-20} s"
	mkdir -p "$dir/corpus"
	for c in "$here"/cases/*/body; do cp "$c" "$dir/corpus/$(basename "$(dirname "$c")")"; done
	cp "$dir/overlap.json" "$dir/corpus/overlap"
	( cd "$dir" && "$FUZZ" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 -rss_limit_mb=1024 \
		-print_final_stats=1 corpus >"$dir/fuzz.log" 2>&1 ) || { tail -40 "$dir/fuzz.log"; fail "the fuzzer found a crash"; }
	grep -E 'stat::number_of_executed_units' "$dir/fuzz.log"
else
	note "no fuzzer at $FUZZ (make fuzz builds it with clang): skipped"
fi

if grep -q "ERROR: AddressSanitizer\|runtime error:" "$dir/log"; then
	grep -A5 "ERROR: AddressSanitizer\|runtime error:" "$dir/log" | head -30
	fail "sanitizer reports in the server log"
fi
if [ $fails -gt 0 ]; then
	echo "== central: $fails failure(s); server log:"
	tail -40 "$dir/log"
	exit 1
fi
echo "== central: all passed ($ncases bad-request cases)"
