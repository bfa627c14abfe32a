#!/bin/bash
# The per-day aggregates (issue 14) equal what the tickets and desk spans
# say, after a mixed stream posted to loket-central with curl over three
# batches: issued, called, recalled, transferred, served with outcomes and
# topics, no-show, cancelled, expired at the day's end, a ticket taken on an
# unset (1970) clock that a later event moves to its real day, a ticket
# issued in one batch and ended in the next, desk spans, and a batch resent
# (duplicates). After each step tests/central/agg_check.sql (a plain SQL
# recomputation) must find no difference; the aggregates must come out the
# same from --rebuild-tickets and from the update of a schema 5 database;
# and the dashboard and the report answer from them. Also: tickets.csv of
# more than a page of tickets streams (chunked), every ticket once.
#
# On PostgreSQL (LOKET_TEST_DB=pg, tests/central/db.sh) the same, with
# tests/central/agg_check_pg.sql (the recomputation in PostgreSQL's words)
# and the update of a schema 2 database (its aggregates dropped) instead of
# SQLite's schema 5.
# LOKET_TEST_AGG_PAGES=DIR keeps the pages and exports fetched there, so
# test-pg.sh can compare the two back ends page by page.
#
# Talks only to 127.0.0.1 on a port the kernel picks (listen :0, read from
# the log); every wait is for a log line, bounded.
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/loket-agg-test.XXXXXX)
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
[ "$TEST_DB" = pg ] || command -v sqlite3 >/dev/null ||
	{ echo "sqlite3 is missing (scripts/deps.sh installs it)"; exit 1; }
PAGES=${LOKET_TEST_AGG_PAGES:-}
[ -z "$PAGES" ] || mkdir -p "$PAGES"
keep() { [ -z "$PAGES" ] || cp "$1" "$PAGES/${2:-$(basename "$1")}"; } # FILE [NAME]

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_N=test-token-north-$RANDOM
TOK_S=test-token-south-$RANDOM
cat >"$dir/central.json" <<JSON
{
  "listen": "127.0.0.1:0",
  "database": "$(test_db central)",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "sites": [
    { "id": "north", "name": "Noord", "token_sha256": "$(sha "$TOK_N")" },
    { "id": "south", "name": "Zuid", "token_sha256": "$(sha "$TOK_S")" }
  ]
}
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
stop() {
	kill -TERM "$pid"
	wait "$pid" || fail "central exited $? after SIGTERM"
	pid=
}
agg_sql() { # SQL: one statement on the aggregates, in SQLite's words (hex(wait) and
	# hex(service), of a histogram, are upper(encode(…, 'hex')) on PostgreSQL)
	if [ "$TEST_DB" = pg ]; then
		test_sql central "$(sed -E "s/hex\((wait|service)\)/upper(encode(\1, 'hex'))/g" <<<"$1")"
	else
		sqlite3 "$dir/central.db" "$1"
	fi
}
check() { # WHAT: the aggregates equal the recomputation
	local diff
	if [ "$TEST_DB" = pg ]; then
		diff=$("$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$(cat "$dir/pg/port")" \
			-U loket -d central -f "$here/agg_check_pg.sql" 2>&1)
	else
		diff=$(sqlite3 "$dir/central.db" <"$here/agg_check.sql" 2>&1)
	fi
	[ -z "$diff" ] || fail "$1: the aggregates differ from the tickets: $(head -10 <<<"$diff")"
	[ "$(agg_sql "SELECT count(*) FROM day_aggs")" -gt 0 ] || fail "$1: no aggregates"
}
dump() {
	agg_sql "SELECT day, site, category, visits, served, no_show, expired,
		cancelled, open, solved, referred, follow_up, outcome_nr, first_yes, first_no, first_nr,
		also, hex(wait), hex(service) FROM day_aggs ORDER BY 1, 2, 3"
	agg_sql "SELECT * FROM day_counts ORDER BY 1, 2, 3, 4"
	agg_sql "SELECT month, site, category, visits, served, also, hex(wait), hex(service)
		FROM month_aggs ORDER BY 1, 2, 3"
	agg_sql "SELECT * FROM month_counts ORDER BY 1, 2, 3, 4"
	agg_sql "SELECT * FROM day_totals ORDER BY 1, 2"
	agg_sql "SELECT * FROM day_cats ORDER BY 1, 2"
}

D1=2026-11-20
D2=2026-11-21
# ev SEQ TYPE TICKET CODE CATEGORY LANG DAY HH:MM DESK [EXTRA]: a ticket event of site SITE_N.
ev() {
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%04d%08d","type":"%s","at":"%sT%s:00.000+01:00","ticket":"01937000-0000-7000-9000-%04d%08d","code":"%s","category":"%s","lang":"%s","desk":%s%s}' \
		"$1" "$SITE_N" "$1" "$2" "$7" "$8" "$SITE_N" "$3" "$4" "$5" "$6" "$9" "${10:-}"
}
dv() { # SEQ TYPE DESK DAY HH:MM
	local cats=""
	[ "$2" = desk.opened ] && cats=',"categories":null'
	printf '{"seq":%d,"uuid":"01937000-0000-7000-8000-%04d%08d","type":"%s","at":"%sT%s:00.000+01:00","desk":%s%s}' \
		"$1" "$SITE_N" "$1" "$2" "$4" "$5" "$3" "$cats"
}
out() { printf ',"outcome":%s,"referred_to":%s,"topics":%s,"first_visit":%s' "$1" "$2" "$3" "$4"; }
send() { # SITE TOKEN FILE: prints the status
	curl -s --max-time 60 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$3" "$URL/api/v1/sites/$1/events"
}
admin() { curl -s --max-time 60 -H "Authorization: Bearer $TOK_ADMIN" "$@"; }
batch() { printf '{"events":['; paste -sd, -; printf ']}'; }

start
note "central on $URL"
SITE_N=1
{
	ev 1 ticket.issued 1 A001 digital nl $D1 09:00 null; echo
	ev 2 ticket.issued 2 B001 tax ar $D1 09:01 null; echo
	ev 3 ticket.called 1 A001 digital nl $D1 09:04 1; echo
	ev 4 ticket.recalled 1 A001 digital nl $D1 09:06 1; echo
	ev 5 ticket.issued 3 A002 digital en $D1 09:02 null; echo
	ev 6 ticket.transferred 3 A002 tax en $D1 09:05 null ',"from":"digital"'; echo
	ev 7 ticket.issued 4 H001 housing tr $D1 09:03 null; echo
	ev 8 ticket.cancelled 4 H001 housing tr $D1 09:10 null; echo
	# Taken on an unset clock: its day is 1970-01-01 until an event names the real one.
	printf '{"seq":9,"uuid":"01937000-0000-7000-8000-000100000009","type":"ticket.issued","at":"1970-01-01T00:10:00.000+00:00","ticket":"01937000-0000-7000-9000-000100000005","code":"A003","category":"digital","lang":"nl","desk":null}\n'
	dv 10 desk.opened 1 $D1 08:55; echo
	ev 11 ticket.issued 6 B002 tax nl $D1 09:20 null; echo
	ev 12 ticket.issued 7 A004 digital pl $D1 16:00 null; echo
} | batch >"$dir/n1.json"
{
	ev 13 ticket.served 1 A001 digital nl $D1 09:20 1 "$(out '"solved"' null '["tax","digital"]' true)"; echo
	ev 14 ticket.called 2 B001 tax ar $D1 09:25 1; echo
	ev 15 ticket.no_show 2 B001 tax ar $D1 09:27 1; echo
	ev 16 ticket.called 3 A002 tax en $D1 09:30 1; echo
	ev 17 ticket.served 3 A002 tax en $D1 09:45 1 "$(out '"referred"' '"wij"' '["digital"]' false)"; echo
	ev 18 ticket.called 5 A003 digital nl $D2 10:00 1 ",\"day\":\"$D2\""; echo
	ev 19 ticket.served 5 A003 digital nl $D2 10:10 1 ",\"day\":\"$D2\"$(out '"referred"' null null null)"; echo
	ev 20 ticket.expired 6 B002 tax nl $D1 17:00 null; echo
	ev 21 ticket.expired 7 A004 digital pl $D1 17:00 null; echo
	dv 22 desk.closed 1 $D1 17:05; echo
	ev 23 ticket.issued 8 A005 digital nl $D2 09:00 null; echo
	ev 24 ticket.called 8 A005 digital nl $D2 09:10 2; echo
} | batch >"$dir/n2.json"
{
	sed 's/^{"events":\[//; s/\]}$//' "$dir/n2.json" | tr -d '\n'; printf ','
	{
		dv 25 desk.opened 2 $D2 09:00; echo
		ev 26 ticket.issued 9 B003 tax uk $D2 09:30 null; echo
		ev 27 ticket.called 9 B003 tax uk $D2 13:30 2; echo
		ev 28 ticket.served 9 B003 tax uk $D2 18:00 2 "$(out null null '[]' null)"; echo
		dv 29 desk.closed 2 $D2 18:30; echo
	} | paste -sd, -
} | { printf '{"events":['; cat; printf ']}'; } >"$dir/n3.json"
SITE_N=2
{
	ev 1 ticket.issued 1 A001 digital nl $D1 10:00 null; echo
	ev 2 ticket.called 1 A001 digital nl $D1 10:12 3; echo
	ev 3 ticket.served 1 A001 digital nl $D1 10:31 3; echo
} | batch >"$dir/s1.json"

note "batches"
[ "$(send north "$TOK_N" "$dir/n1.json")" = 200 ] || fail "north 1: $(cat "$dir/resp")"
check "after north's first batch"
[ "$(agg_sql "SELECT visits FROM day_aggs WHERE day = '1970-01-01'")" = 1 ] ||
	fail "the ticket on an unset clock is not counted on 1970-01-01 yet"
[ "$(send north "$TOK_N" "$dir/n2.json")" = 200 ] || fail "north 2: $(cat "$dir/resp")"
check "after north's second batch"
[ -z "$(agg_sql "SELECT 1 FROM day_aggs WHERE day = '1970-01-01'")" ] ||
	fail "the ticket moved to $D2 is still counted on 1970-01-01"
dump >"$dir/before-resend"
[ "$(send north "$TOK_N" "$dir/n2.json")" = 200 ] || fail "north 2 again: $(cat "$dir/resp")"
dump | cmp -s - "$dir/before-resend" || fail "a resent batch changed the aggregates"
[ "$(send north "$TOK_N" "$dir/n3.json")" = 200 ] || fail "north 3 (resent and new): $(cat "$dir/resp")"
grep -q '"acked_through":29' "$dir/resp" || fail "north 3: $(cat "$dir/resp")"
[ "$(send south "$TOK_S" "$dir/s1.json")" = 200 ] || fail "south 1: $(cat "$dir/resp")"
check "after every batch"

note "figures"
# The ticket served at 18:00 waited 4 h 30 min: it counts as 4 h (hist.h).
[ "$(agg_sql "SELECT hex(wait) FROM day_aggs WHERE day = '$D2' AND category = 'tax'")" = F001 ] ||
	fail "a wait of 4 h 30 min is not in the 4 h bucket"
[ "$(agg_sql "SELECT also FROM day_aggs WHERE day = '$D1' AND site = 1 AND category = 'tax'")" = 1 ] ||
	fail "also of tax on $D1: want 1 (A001's topics name it and its own kind)"
admin "$URL/report?from=$D1&to=$D2&lang=en" >"$dir/report.html"
keep "$dir/report.html"
admin -o "$dir/report.xlsx" "$URL/report.xlsx?from=$D1&to=$D2&lang=en"
keep "$dir/report.xlsx"
admin "$URL/export/staffed.csv?from=$D1&to=$D2" >"$dir/staffed.csv"
keep "$dir/staffed.csv"
# 9 + 1 visits, 5 served; north staffed 8 h 10 min + 9 h 30 min.
grep -q '<td>All locations</td><td class="n">10</td><td class="n">5</td>' "$dir/report.html" ||
	fail "report: all locations not 10 visits, 5 served: $(grep -o '<td>All locations</td>[^/]*' "$dir/report.html" | head -1)"
admin "$URL/?from=$D1&to=$D2&lang=en" >"$dir/dash.html"
keep "$dir/dash.html"
grep -q 'Noord.*<td>Total</td><td class="n">9</td><td class="n">4</td><td class="n">17.7</td>' "$dir/dash.html" ||
	fail "dashboard: Noord's total of the days is not 9 tickets, 4 served, 17.7 h"
# The same figures from whole months (month_aggs) and the days around them.
totals() { grep -o '<tr class="sub"><td>[^<]*</td><td>Total</td>\(<td class="n">[^<]*</td>\)*' "$1"; }
alltotals() { grep -o '<td>All locations</td>\(<td[^>]*>[^<]*</td>\)*' "$1"; }
# (2026-08-20..2026-12-20: more than 92 days, the table per month from
# whole months and the days of partial ones)
for p in "2026-11-01&to=2026-11-30" "2026-10-20&to=2026-12-10" "2026-10-01&to=2026-12-31" \
	"2026-11-05&to=2026-12-31" "2026-10-01&to=2026-11-25" "2026-08-20&to=2026-12-20"; do
	admin "$URL/?from=${p}&lang=en" >"$dir/dash-m.html"
	keep "$dir/dash-m.html" "dash-${p%%&*}-${p##*=}.html"
	[ "$(totals "$dir/dash-m.html")" = "$(totals "$dir/dash.html")" ] && [ -n "$(totals "$dir/dash.html")" ] ||
		fail "dashboard from=$p: other totals than $D1..$D2: $(totals "$dir/dash-m.html" | head -2)"
	admin "$URL/report?from=${p}&lang=en" >"$dir/report-m.html"
	keep "$dir/report-m.html" "report-${p%%&*}-${p##*=}.html"
	[ "$(alltotals "$dir/report-m.html")" = "$(alltotals "$dir/report.html")" ] ||
		fail "report from=$p: other totals than $D1..$D2: $(alltotals "$dir/report-m.html" | head -2)"
done

# A month the period covers in part says so, and is an open circle.
admin "$URL/?from=2026-11-20&to=2027-02-28&lang=en" >"$dir/dash-p.html"
[ "$(totals "$dir/dash-p.html")" = "$(totals "$dir/dash.html")" ] ||
	fail "dashboard 2026-11-20..2027-02-28: other totals than $D1..$D2: $(totals "$dir/dash-p.html" | head -2)"
grep -q '<td>2026-11 (11 of 30 days)</td>' "$dir/dash-p.html" ||
	fail "the partial November is not marked: $(grep -o '<td>2026-11[^<]*</td>' "$dir/dash-p.html" | head -2)"
grep -q 'Open circle: a month only partly in the period' "$dir/dash-p.html" &&
	grep -q 'fill="#fff" stroke=' "$dir/dash-p.html" || fail "the partial months have no open circle"

# A month less the days it leaves out: less D2 (and D1) gives what D1 (nothing) gives.
admin "$URL/report?from=$D1&to=$D1&lang=en" >"$dir/d1.html"
admin "$URL/report?from=2026-11-01&to=$D1&lang=en" >"$dir/m1.html"
[ "$(alltotals "$dir/m1.html")" = "$(alltotals "$dir/d1.html")" ] ||
	fail "report 2026-11-01..$D1 (November less 21..30): $(alltotals "$dir/m1.html" | head -1), want $(alltotals "$dir/d1.html" | head -1)"
grep -q '<td>All locations</td><td class="n">7</td>' "$dir/d1.html" || fail "report of $D1: not 7 visits: $(alltotals "$dir/d1.html" | head -1)"
admin "$URL/report?from=2026-11-01&to=2026-11-19&lang=en" >"$dir/m0.html"
for f in d1 m1 m0; do keep "$dir/$f.html" "report-$f.html"; done
grep -q '<td>All locations</td><td class="n">0</td>' "$dir/m0.html" || fail "report 2026-11-01..19 (November less 20..30): $(alltotals "$dir/m0.html" | head -1)"

note "a streamed export"
# 2,500 more tickets: tickets.csv is then more than two pages (CSV_PAGE
# 1000) and streams (chunked); every ticket comes exactly once, by day.
SITE_N=2
for b in 1 2 3 4 5; do
	for i in $(seq 1 500); do
		n=$((3 + (b - 1) * 500 + i))
		ev $n ticket.issued $((1000 + n)) "$(printf 'X%04d' "$n")" digital nl $D2 "$(printf '%02d:%02d' $((8 + n % 9)) $((n % 60)))" null
		echo
	done | batch >"$dir/big$b.json"
	[ "$(send south "$TOK_S" "$dir/big$b.json")" = 200 ] || fail "south big $b: $(cat "$dir/resp")"
done
check "after 2,500 more tickets"
want=$(test_sql central "SELECT count(*) FROM tickets WHERE day BETWEEN '$D1' AND '$D2'")
[ "$want" -gt 2500 ] || fail "only $want tickets"
admin -D "$dir/big.hdr" -o "$dir/big.csv" "$URL/export/tickets.csv?from=$D1&to=$D2" || fail "the streamed export did not finish (curl $?)"
keep "$dir/big.csv" tickets.csv
grep -qi '^transfer-encoding: chunked' "$dir/big.hdr" || fail "tickets.csv of $want tickets did not stream: $(cat "$dir/big.hdr")"
[ "$(($(wc -l <"$dir/big.csv") - 1))" = "$want" ] || fail "streamed export: $(($(wc -l <"$dir/big.csv") - 1)) rows, want $want"
[ "$(tail -n +2 "$dir/big.csv" | cut -d';' -f17 | sort -u | wc -l)" = "$want" ] || fail "streamed export: a ticket twice"
tail -n +2 "$dir/big.csv" | cut -d';' -f3 | sort -c || fail "streamed export: not in day order"
for _ in $(seq 1 50); do grep -q "rows streamed" "$dir/log" && break; sleep 0.1; done
grep -q "tickets.csv $D1..$D2: $want rows streamed" "$dir/log" || fail "no log line of the streamed export: $(grep tickets.csv "$dir/log")"
admin -D "$dir/small.hdr" -o /dev/null "$URL/export/tickets.csv?from=$D1&to=$D2&site=north"
grep -qi '^content-length: ' "$dir/small.hdr" || fail "a page or less did not come whole: $(cat "$dir/small.hdr")"
admin "$URL/?from=$D1&to=$D2&lang=en" >"$dir/dash-big.html"
keep "$dir/dash-big.html"
admin "$URL/report?from=$D1&to=$D2&lang=en" >"$dir/report-big.html"
keep "$dir/report-big.html"
dump >"$dir/live"
stop

note "--rebuild-tickets"
"$CENTRAL" -c "$dir/central.json" --rebuild-tickets 2>>"$dir/log" || fail "--rebuild-tickets"
check "after --rebuild-tickets"
dump | cmp -s - "$dir/live" || fail "--rebuild-tickets changed the aggregates: $(dump | diff - "$dir/live" | head -5)"
start
admin "$URL/report?from=$D1&to=$D2&lang=en" >"$dir/report-rebuilt.html"
# The footer says when the page was made ("Generated 2026-12-01 15:26"); the
# two fetches may fall on either side of a minute, so that time is masked.
untimed() { sed -E 's/Generated [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/Generated (time)/' "$1"; }
untimed "$dir/report-rebuilt.html" | cmp -s - <(untimed "$dir/report-big.html") ||
	fail "--rebuild-tickets changed the report: $(diff <(untimed "$dir/report-rebuilt.html") <(untimed "$dir/report-big.html") | head -4 | cut -c1-300)"
stop

if [ "$TEST_DB" = pg ]; then
	# update_from VERSION SQL LOGGED: SQL makes the database one of
	# schema VERSION; central, started on it, logs LOGGED (a regular
	# expression) and brings it up to date with the same aggregates.
	update_from() {
		note "schema $1 database (PostgreSQL)"
		test_sql central "$2; UPDATE meta SET value = $1 WHERE key = 'schema'" ||
			fail "could not make a schema $1 database"
		start
		grep -q "$3" "$dir/log" || fail "no '$3' logged after schema $1: $(cat "$dir/log")"
		stop
		check "after the update from schema $1"
		dump | cmp -s - "$dir/live" ||
			fail "the update from schema $1 gave other aggregates: $(dump | diff - "$dir/live" | head -5)"
	}
	# Schema 4 (before month_totals, the packed counts and day_aggs_site):
	# filled from the month rows held; the counts computed for the rows
	# held.
	update_from 4 "DROP TABLE month_totals; DROP INDEX day_aggs_site;
		ALTER TABLE day_aggs DROP COLUMN counts; ALTER TABLE month_aggs DROP COLUMN counts" \
		"schema 4 -> 5"
	update_from 2 "DROP TABLE day_aggs, day_counts, month_aggs, month_counts, day_totals, day_cats,
		month_totals" "schema 2 -> [0-9]*: per-day aggregates counted"
	[ "$fails" -eq 0 ] || { echo "$fails failure(s); the server log:"; tail -20 "$dir/log"; exit 1; }
	echo "aggregates: all checks passed"
	exit 0
fi

note "schema 5 database"
sqlite3 "$dir/central.db" "DROP TABLE day_aggs; DROP TABLE day_counts; DROP TABLE month_aggs;
	DROP TABLE month_counts; DROP TABLE day_totals; DROP TABLE day_cats;
	UPDATE meta SET value = '5' WHERE key = 'schema'" || fail "could not make a schema 5 database"
start
grep -q "schema 5 -> 6: per-day aggregates counted" "$dir/log" || fail "no schema 5 -> 6 logged: $(cat "$dir/log")"
stop
check "after the update from schema 5"
dump | cmp -s - "$dir/live" || fail "the update from schema 5 gave other aggregates: $(dump | diff - "$dir/live" | head -5)"

[ "$fails" -eq 0 ] || { echo "$fails failure(s); the server log:"; tail -20 "$dir/log"; exit 1; }
echo "aggregates: all checks passed"
