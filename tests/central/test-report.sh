#!/bin/bash
# The report (issue 11) as the central office meets it: two sites post their
# events straight to loket-central with curl — issued, called, served with
# every outcome (solved, referred with and without a destination, follow-up,
# skipped), topics and first visits, no-show, cancelled, transferred,
# expired, desk.opened/closed — one of them (vinkhuizen) an older version
# that sends no profile and served events without the outcome fields. One
# site PUTs its profile (twice: a kind of help renamed, one removed). Then
# the report page, its xlsx (read back with python3-openpyxl) and the
# per-ticket CSV must agree with each other and with the events, figure by
# figure (check_report.py). Also: every wrong profile gets its status and a
# message naming the field; a batch of 5,000 distinct categories leaves the
# dashboard and the report answering 200 with an "other" row and a note; a
# schema 3 database is brought up to date; and the profile's check is
# fuzzed briefly (tests/central/fuzz_profile.c).
#
# Talks only to 127.0.0.1 on a port the kernel picks (listen :0, read from
# the log); every wait is for a log line, bounded.
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/loket-report-test.XXXXXX)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_db_stop
	[ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
. "$here/db.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }

[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }
# Debian's python3-openpyxl is for Debian's python3, which another python3
# earlier on the PATH (pyenv, a venv) may hide.
PY=
for p in /usr/bin/python3 python3; do
	"$p" -c 'import openpyxl' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || { echo "python3-openpyxl is missing (scripts/deps.sh installs it)"; exit 1; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_P=test-token-paddepoel-$RANDOM
TOK_V=test-token-vinkhuizen-$RANDOM
TOK_S=test-token-selwerd-$RANDOM
cat >"$dir/central.json" <<JSON
{
  "listen": "127.0.0.1:0",
  "database": "$(test_db central)",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "sites": [
    { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_P")" },
    { "id": "vinkhuizen", "name": "Buurthuis Vinkhuizen", "token_sha256": "$(sha "$TOK_V")" },
    { "id": "selwerd", "name": "Wijkplein Selwerd", "token_sha256": "$(sha "$TOK_S")" }
  ],
  "limits": { "max_body_bytes": 4194304, "max_inflated_bytes": 8388608, "max_batch_events": 5000 }
}
JSON

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
note "central on $URL"

DAY=$(date +%Y-%m-%d)
TZO=$(date +%:z)
# ev SEQ TYPE TICKET CODE CATEGORY LANG HH:MM DESK [EXTRA]: a ticket event of
# today at site number SITE_N.
ev() {
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%04d%08d","type":"%s","at":"%sT%s:00.000%s","ticket":"01937000-0000-7000-9000-%04d%08d","code":"%s","category":"%s","lang":"%s","desk":%s%s}' \
		"$1" "$SITE_N" "$1" "$2" "$DAY" "$7" "$TZO" "$SITE_N" "$3" "$4" "$5" "$6" "$8" "${9:-}"
}
# dv SEQ TYPE DESK HH:MM: a desk event of today.
dv() {
	local cats=""
	[ "$2" = desk.opened ] && cats=',"categories":null'
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%04d%08d","type":"%s","at":"%sT%s:00.000%s","desk":%s%s}' \
		"$1" "$SITE_N" "$1" "$2" "$DAY" "$4" "$TZO" "$3" "$cats"
}
out() { printf ',"outcome":%s,"referred_to":%s,"topics":%s,"first_visit":%s' "$1" "$2" "$3" "$4"; }
# send SITE TOKEN FILE: POSTs the batch in FILE; prints the status.
send() {
	curl -s --max-time 60 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$3" "$URL/api/v1/sites/$1/events"
}
admin() { curl -s --max-time 60 -H "Authorization: Bearer $TOK_ADMIN" "$@"; }

# --- paddepoel: the new version ------------------------------------------------------
note "events"
SITE_N=1
{
	printf '{"events":['
	ev 1 ticket.issued 1 A001 digital nl 10:00 null; printf ,
	ev 2 ticket.called 1 A001 digital nl 10:05 1; printf ,
	ev 3 ticket.served 1 A001 digital nl 10:15 1 "$(out '"solved"' null '["tax"]' true)"; printf ,
	ev 4 ticket.issued 2 B001 tax ar 10:01 null; printf ,
	ev 5 ticket.called 2 B001 tax ar 10:11 1; printf ,
	ev 6 ticket.served 2 B001 tax ar 10:20 1 "$(out '"referred"' '"wij"' '[]' false)"; printf ,
	ev 7 ticket.issued 3 A002 digital en 10:02 null; printf ,
	ev 8 ticket.called 3 A002 digital en 10:22 1; printf ,
	ev 9 ticket.served 3 A002 digital en 10:30 1 "$(out '"follow_up"' null null null)"; printf ,
	ev 10 ticket.issued 4 A003 digital nl 10:03 null; printf ,
	ev 11 ticket.called 4 A003 digital nl 10:33 1; printf ,
	ev 12 ticket.served 4 A003 digital nl 10:40 1 "$(out null null null null)"; printf ,
	ev 13 ticket.issued 5 H001 housing tr 10:04 null; printf ,
	ev 14 ticket.called 5 H001 housing tr 10:06 1; printf ,
	ev 15 ticket.no_show 5 H001 housing tr 10:08 1; printf ,
	ev 16 ticket.issued 6 B002 tax nl 10:05 null; printf ,
	ev 17 ticket.cancelled 6 B002 tax nl 10:06 null; printf ,
	ev 18 ticket.issued 7 A004 digital nl 10:06 null; printf ,
	ev 19 ticket.transferred 7 A004 tax nl 10:07 null ',"from":"digital"'; printf ,
	ev 20 ticket.called 7 A004 tax nl 10:16 1; printf ,
	ev 21 ticket.served 7 A004 tax nl 10:25 1 "$(out '"referred"' '"gemeente"' '["digital"]' true)"; printf ,
	ev 22 ticket.issued 8 H002 housing nl 10:07 null; printf ,
	ev 23 ticket.expired 8 H002 housing nl 17:00 null; printf ,
	ev 24 ticket.issued 9 A005 digital pl 10:08 null; printf ,
	ev 25 ticket.issued 10 B003 tax uk 10:09 null; printf ,
	ev 26 ticket.called 10 B003 tax uk 10:19 1; printf ,
	ev 27 ticket.served 10 B003 tax uk 10:29 1 "$(out '"referred"' null null null)"; printf ,
	dv 28 desk.opened 1 09:00; printf ,
	dv 29 desk.closed 1 13:00
	printf ']}'
} >"$dir/p.json"
[ "$(send paddepoel "$TOK_P" "$dir/p.json")" = 200 ] || fail "paddepoel's events: $(cat "$dir/resp")"

# --- vinkhuizen: the previous version (no outcome fields, no profile) ---------------------------
SITE_N=2
{
	printf '{"events":['
	ev 1 ticket.issued 1 C001 digital nl 11:00 null; printf ,
	ev 2 ticket.called 1 C001 digital nl 11:04 2; printf ,
	ev 3 ticket.served 1 C001 digital nl 11:10 2; printf ,
	ev 4 ticket.issued 2 C002 digital ar 11:01 null; printf ,
	ev 5 ticket.called 2 C002 digital ar 11:09 2; printf ,
	ev 6 ticket.served 2 C002 digital ar 11:20 2; printf ,
	ev 7 ticket.issued 3 C003 letters nl 11:02 null; printf ,
	ev 8 ticket.called 3 C003 letters nl 11:03 2; printf ,
	ev 9 ticket.no_show 3 C003 letters nl 11:05 2; printf ,
	dv 10 desk.opened 2 10:30; printf ,
	dv 11 desk.closed 2 12:00
	printf ']}'
} >"$dir/v.json"
[ "$(send vinkhuizen "$TOK_V" "$dir/v.json")" = 200 ] || fail "vinkhuizen's events: $(cat "$dir/resp")"

# --- the profile ---------------------------------------------------------------------------------
note "profile"
# put TOKEN SITE FILE [curl args]: prints "STATUS BODY".
put() {
	local tok=$1 site=$2 f=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	local code
	code=$(curl -s --max-time 20 -o "$dir/presp" -w '%{http_code}' -X PUT "${auth[@]}" \
		-H "Content-Type: ${PUT_CT:-application/json}" --data-binary @"$f" "$@" "$URL/api/v1/sites/$site/profile")
	echo "$code $(tr -d '\n' <"$dir/presp")"
}
cat >"$dir/prof1.json" <<'JSON'
{"name":"WIJS Paddepoel","languages":["nl","en","ar"],
 "categories":[{"id":"digital","prefix":"A","icon":"phone","labels":{"nl":"Telefoon, tablet of computer","en":"Phone, tablet or computer","ar":"هاتف"}},
               {"id":"tax","prefix":"B","icon":"tax","labels":{"nl":"Belasting en toeslagen","en":"Tax and allowances"}},
               {"id":"housing","prefix":"H","icon":"house","labels":{"nl":"Huisvesting","en":"Housing"}}],
 "referrals":[{"id":"wij","labels":{"nl":"WIJ-team","en":"WIJ team"}},
              {"id":"gemeente","labels":{"nl":"Gemeente","en":"Municipality"}}],
 "config_version":null,"software":"0.1.0"}
JSON
got=$(put "$TOK_P" paddepoel "$dir/prof1.json"); [ "$got" = "204 " ] || fail "first profile: $got"
# The second: digital renamed (in Dutch), housing no longer offered.
cat >"$dir/prof2.json" <<'JSON'
{"name":"WIJS Paddepoel","languages":["nl","en","ar"],
 "categories":[{"id":"digital","prefix":"A","icon":"phone","labels":{"nl":"Digitale hulp","en":"Phone, tablet or computer","ar":"هاتف"}},
               {"id":"tax","prefix":"B","icon":"tax","labels":{"nl":"Belasting en toeslagen","en":"Tax and allowances"}}],
 "referrals":[{"id":"wij","labels":{"nl":"WIJ-team","en":"WIJ team"}},
              {"id":"gemeente","labels":{"ar":"البلدية","nl":"Gemeente"}}],
 "config_version":"7","software":"0.1.0"}
JSON
grep -q housing "$dir/prof2.json" && fail "test bug: housing still in the second profile"
got=$(put "$TOK_P" paddepoel "$dir/prof2.json"); [ "$got" = "204 " ] || fail "second profile: $got"
grep -q "PUT /api/v1/sites/paddepoel/profile 204" "$dir/log" || fail "no log line for the profile"

# Every wrong profile: its status, and the field named.
bad() { # WANT-STATUS WANT-TEXT TOKEN SITE BODY [curl args]
	local want=$1 text=$2 tok=$3 site=$4 body=$5
	shift 5
	printf '%s' "$body" >"$dir/bad.json"
	local got
	got=$(put "$tok" "$site" "$dir/bad.json" "$@")
	[ "${got%% *}" = "$want" ] || fail "profile $body: got \"$got\", want $want"
	grep -qF -- "$text" <<<"$got" || fail "profile $body: no \"$text\" in \"$got\""
}
P='"name":"x","languages":["nl"]'
bad 400 'categories[1].labels: must be an object' "$TOK_P" paddepoel "{$P,\"categories\":[{\"id\":\"a\",\"labels\":{}},{\"id\":\"b\",\"labels\":[]}]}"
bad 400 'categories[0].id: missing' "$TOK_P" paddepoel "{$P,\"categories\":[{\"labels\":{}}]}"
bad 400 'categories[1].id: \"a\" appears twice' "$TOK_P" paddepoel "{$P,\"categories\":[{\"id\":\"a\",\"labels\":{}},{\"id\":\"a\",\"labels\":{}}]}"
bad 400 'referrals[0].labels.nl: must be a string' "$TOK_P" paddepoel "{$P,\"referrals\":[{\"id\":\"w\",\"labels\":{\"nl\":5}}]}"
bad 400 'languages: must be an array' "$TOK_P" paddepoel '{"name":"x","languages":"nl"}'
bad 400 'name: missing' "$TOK_P" paddepoel '{"languages":["nl"]}'
bad 400 'not JSON' "$TOK_P" paddepoel '{"name":'
bad 400 'categories[0].labels.en: must be 0..255 bytes' "$TOK_P" paddepoel "{$P,\"categories\":[{\"id\":\"a\",\"labels\":{\"en\":\"$(head -c 256 /dev/zero | tr '\0' x)\"}}]}"
bad 400 'categories[0].labels.e1: not a language code' "$TOK_P" paddepoel "{$P,\"categories\":[{\"id\":\"a\",\"labels\":{\"e1\":\"x\"}}]}"
bad 400 'categories: must be an array' "$TOK_P" paddepoel "{$P,\"categories\":{}}"
bad 401 'no token' "" paddepoel "{$P}"
bad 401 'wrong token' "nobodys-token" paddepoel "{$P}"
bad 403 'admin token' "$TOK_ADMIN" paddepoel "{$P}"
bad 403 'another site' "$TOK_V" paddepoel "{$P}"
bad 404 'unknown site' "$TOK_P" nowhere "{$P}"
PUT_CT=text/plain bad 415 'Content-Type' "$TOK_P" paddepoel "{$P}"
head -c 300000 /dev/zero | tr '\0' ' ' >"$dir/big.json"
got=$(put "$TOK_P" paddepoel "$dir/big.json"); [ "${got%% *}" = 413 ] || fail "a 300 KB profile: $got"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_P" "$URL/api/v1/sites/paddepoel/profile")
[ "$code" = 405 ] || fail "GET of a profile: $code, want 405"
# A profile never touches events: paddepoel still holds 29.
[ "$(admin "$URL/api/v1/sites/paddepoel/events" | grep -c '^{')" = 29 ] || fail "a profile changed the events"

# --- the report, its xlsx and the CSV agree --------------------------------------------------------
note "report, xlsx and CSV"
Q="from=$DAY&to=$DAY"
code=$(admin -o "$dir/report.html" -w '%{http_code}' "$URL/report?$Q&lang=en")
[ "$code" = 200 ] || fail "report page: $code $(head -c 300 "$dir/report.html")"
code=$(admin -o "$dir/report.xlsx" -w '%{http_code}' "$URL/report.xlsx?$Q&lang=en")
[ "$code" = 200 ] || fail "report.xlsx: $code $(head -c 300 "$dir/report.xlsx")"
code=$(admin -o "$dir/tickets.csv" -w '%{http_code}' "$URL/export/tickets.csv?$Q&lang=en")
[ "$code" = 200 ] || fail "tickets.csv: $code"
"$PY" "$here/check_report.py" "$dir/report.html" "$dir/report.xlsx" "$dir/tickets.csv" ||
	fail "the report, the xlsx and the CSV do not agree with the events"
# REPORT_KEEP=DIR keeps what was fetched, to look at (docs/report.png).
[ -n "${REPORT_KEEP:-}" ] && cp "$dir/report.html" "$dir/report.xlsx" "$dir/tickets.csv" "$REPORT_KEEP/"

# Dutch: the renamed kind of help under its new label, the removed one under its last.
admin "$URL/report?$Q" >"$dir/report-nl.html"
[ -n "${REPORT_KEEP:-}" ] && cp "$dir/report-nl.html" "$REPORT_KEEP/"
admin "$URL/report.xlsx?$Q" >"$dir/report-nl.xlsx"
[ -n "${REPORT_KEEP:-}" ] && cp "$dir/report-nl.xlsx" "$REPORT_KEEP/"
grep -q '<td>Digitale hulp</td>' "$dir/report-nl.html" || fail "Dutch report: digital not under its new label"
grep -q '<td>Huisvesting</td>' "$dir/report-nl.html" || fail "Dutch report: housing lost its last label"
grep -q '<td>WIJ-team</td>' "$dir/report-nl.html" || fail "Dutch report: no WIJ-team"
grep -q '<td>Niet vastgelegd</td>' "$dir/report-nl.html" || fail "Dutch report: no Niet vastgelegd"
grep -q '@page{size:A4' "$dir/report-nl.html" || fail "report has no A4 print style"
grep -q 'schatting' "$dir/report-nl.html" || fail "Dutch report: first visits not called an estimate"
admin "$URL/report?$Q&lang=en" | grep -q '<td>Phone, tablet or computer</td>' || fail "English label"
# The dashboard names them from the profile too; the older site shows ids.
admin "$URL/?$Q&lang=en" >"$dir/dash-en.html"
grep -q '<td>WIJS Paddepoel</td><td>Tax and allowances</td>' "$dir/dash-en.html" || fail "dashboard: no label from the profile"
grep -q '<td>Buurthuis Vinkhuizen</td><td>letters</td>' "$dir/dash-en.html" || fail "dashboard: the site without a profile does not show its ids"
grep -q 'none (an older version: ids shown)' "$dir/dash-en.html" || fail "dashboard: the site without a profile is not pointed out"
grep -q "<td class=\"profile\">[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]<" "$dir/dash-en.html" || fail "dashboard: no time the profile came"
# The second profile labels gemeente in Arabic and Dutch only: an English
# reader gets the site's first language (Dutch), not the first one held.
grep -q '<td>Gemeente</td>' "$dir/report.html" || fail "English report: gemeente not in the site's first language"
admin "$URL/export/tickets.csv?$Q&lang=nl" >"$dir/nl.csv"
head -1 "$dir/nl.csv" | grep -q 'Locatie;Dag;Code;Soort hulp' || fail "Dutch CSV headers: $(head -1 "$dir/nl.csv")"
grep -q ";Digitale hulp;Digitale hulp;nl;$DAY 10:00:00;" "$dir/nl.csv" || fail "Dutch CSV: no label or no spreadsheet time: $(grep A001 "$dir/nl.csv")"
grep -q ";doorverwezen;WIJ-team;;nee.$" "$dir/nl.csv" || fail "Dutch CSV: the referral to WIJ: $(grep B001 "$dir/nl.csv")"
# Without lang the CSV stays for scripts: ids and the site's times.
admin "$URL/export/tickets.csv?$Q" >"$dir/ids.csv"
head -1 "$dir/ids.csv" | grep -q 'served_outcome;referred_to;topics;first_visit' || fail "CSV: no outcome columns: $(head -1 "$dir/ids.csv")"
grep -q ";A001;digital;digital;nl;${DAY}T10:00:00.000" "$dir/ids.csv" || fail "CSV for scripts changed: $(grep A001 "$dir/ids.csv")"
grep -q ";solved;;tax;yes.$" "$dir/ids.csv" || fail "CSV: A001's outcome: $(grep A001 "$dir/ids.csv")"
admin "$URL/export/staffed.csv?$Q&lang=nl" >"$dir/staffed.csv"
head -1 "$dir/staffed.csv" | grep -q 'Locatie-id;Dag;Balie;Geopend;Gesloten;Minuten' || fail "Dutch staffed CSV headers: $(head -1 "$dir/staffed.csv")"
grep -q "^paddepoel;$DAY;1;$DAY 09:00:00;$DAY 13:00:00;240.$" "$dir/staffed.csv" || fail "Dutch staffed CSV: $(grep paddepoel "$dir/staffed.csv")"
admin "$URL/export/tickets.csv?$Q&lang=de" -o /dev/null -w '%{http_code}' | grep -q 400 || fail "lang=de for the CSV is not 400"
# Periods.
for p in month quarter year; do
	code=$(admin -o "$dir/per.html" -w '%{http_code}' "$URL/report?period=$p&to=$DAY")
	[ "$code" = 200 ] || fail "report period=$p: $code"
	grep -q "<td>WIJS Paddepoel</td><td class=\"n\">10</td>" "$dir/per.html" || fail "report period=$p lacks today's 10 visits"
done
code=$(admin -o /dev/null -w '%{http_code}' "$URL/report?period=week"); [ "$code" = 400 ] || fail "period=week: $code"
code=$(admin -o /dev/null -w '%{http_code}' "$URL/report?from=2026-02-30"); [ "$code" = 400 ] || fail "from=2026-02-30: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/report"); [ "$code" = 303 ] || fail "report without signing in: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_P" "$URL/report.xlsx"); [ "$code" = 401 ] || fail "xlsx with a site token: $code"

# --- the formula guard, also after spaces ------------------------------------------------------------
SITE_N=3
{
	printf '{"events":['
	ev 1 ticket.issued 1 Z001 '  =cmd' nl 12:00 null; printf ,
	ev 2 ticket.issued 2 Z002 ' @x' nl 12:01 null
	printf ']}'
} >"$dir/s1.json"
[ "$(send selwerd "$TOK_S" "$dir/s1.json")" = 200 ] || fail "selwerd's odd categories: $(cat "$dir/resp")"
admin "$URL/export/tickets.csv?site=selwerd&lang=en" >"$dir/guard.csv"
grep -q ";'  =cmd;'  =cmd;" "$dir/guard.csv" || fail "CSV: '  =cmd' not guarded: $(grep Z001 "$dir/guard.csv")"
grep -q ";' @x;' @x;" "$dir/guard.csv" || fail "CSV: ' @x' not guarded: $(grep Z002 "$dir/guard.csv")"

# --- 5,000 distinct categories: the dashboard and the report still answer --------------------------
note "5,000 categories"
{
	printf '{"events":['
	for i in $(seq 3 5002); do
		[ "$i" -gt 3 ] && printf ,
		ev "$i" ticket.issued "$i" "X$i" "cat-$i" nl 13:00 null
	done
	printf ']}'
} >"$dir/many.json"
[ "$(send selwerd "$TOK_S" "$dir/many.json")" = 200 ] || fail "the 5,000-category batch: $(head -c 300 "$dir/resp")"
code=$(admin -o "$dir/dash.html" -w '%{http_code}' "$URL/?from=$DAY&to=$DAY")
[ "$code" = 200 ] || fail "dashboard after 5,000 categories: $code $(head -c 200 "$dir/dash.html")"
grep -q 'Overig: 4982 soorten hulp samengevoegd' "$dir/dash.html" ||
	fail "dashboard: no note on the grouped kinds of help: $(grep -o 'Overig[^<]*' "$dir/dash.html" | head -3)"
code=$(admin -o "$dir/many.html" -w '%{http_code}' "$URL/report?$Q&lang=en")
[ "$code" = 200 ] || fail "report after 5,000 categories: $code"
grep -q '<td>Other (4982 grouped)</td><td class="n">4982</td>' "$dir/many.html" ||
	fail "report: no Other row: $(grep -o 'Other ([^<]*' "$dir/many.html" | head -3)"
grep -q 'class="note other"' "$dir/many.html" || fail "report: no note on grouping"
code=$(admin -o "$dir/many.xlsx" -w '%{http_code}' "$URL/report.xlsx?$Q&lang=en")
[ "$code" = 200 ] || fail "xlsx after 5,000 categories: $code"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "central exited $rc"
if grep -qE "ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:" "$dir/log"; then
	grep -E -A20 "Sanitizer|runtime error" "$dir/log" | head -40
	fail "sanitizer reports in the server log"
fi
# A schema 3 database (no outcome columns, no profiles): opened, it gets
# them, and how each visit ended is read again from the stored events.
if [ "$TEST_DB" = pg ]; then
	note "PostgreSQL: SQLite's schema 3 migration skipped"
elif command -v sqlite3 >/dev/null; then
	note "schema 3 database"
	sqlite3 "$dir/central.db" "ALTER TABLE tickets DROP COLUMN served_outcome;
		ALTER TABLE tickets DROP COLUMN referred_to; ALTER TABLE tickets DROP COLUMN topics;
		ALTER TABLE tickets DROP COLUMN first_visit; DROP TABLE labels; DROP TABLE profiles;
		UPDATE meta SET value = '3' WHERE key = 'schema'" || fail "could not make a schema 3 database"
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
	[ -n "$port" ] || { cat "$dir/log"; fail "central did not start on a schema 3 database"; }
	URL=http://127.0.0.1:$port
	grep -q "schema 3 -> 4: tickets (with how each visit ended) and desk spans derived from [1-9][0-9]* events" "$dir/log" ||
		fail "no schema 3 -> 4 migration logged: $(grep schema "$dir/log")"
	admin "$URL/export/tickets.csv?$Q&site=paddepoel" | cmp -s - <(grep -v '^selwerd' "$dir/ids.csv" | grep -v '^vinkhuizen') ||
		fail "after the schema 3 -> 4 migration the tickets differ: $(admin "$URL/export/tickets.csv?$Q&site=paddepoel" | diff - <(grep -v "^selwerd" "$dir/ids.csv" | grep -v "^vinkhuizen") | head -5)"
	kill -TERM "$pid"
	wait "$pid" || fail "central exited $? after the migration"
	pid=
	[ "$(sqlite3 "$dir/central.db" "SELECT value FROM meta WHERE key = 'schema'")" = 6 ] || fail "schema not 6 after the migration from 3"
fi
# --- a short fuzz run of the profile's check ------------------------------------------------------
FUZZ=${FUZZ_PROFILE:-$BIN/fuzz/fuzz_profile}
if [ -x "$FUZZ" ]; then
	note "fuzzing the profile's check for ${FUZZ_SECONDS:-10} s"
	mkdir -p "$dir/corpus"
	cp "$dir/prof1.json" "$dir/prof2.json" "$dir/corpus/"
	( cd "$dir" && "$FUZZ" -max_total_time="${FUZZ_SECONDS:-10}" -max_len=65536 -rss_limit_mb=1024 \
		-print_final_stats=1 corpus >"$dir/fuzz.log" 2>&1 ) || { tail -40 "$dir/fuzz.log"; fail "the fuzzer found a crash"; }
	grep -E 'stat::number_of_executed_units' "$dir/fuzz.log"
else
	note "no fuzzer at $FUZZ (make test builds it with clang): skipped"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s); the server log:"; tail -20 "$dir/log"; exit 1; }
echo "report: all checks passed"
