#!/bin/bash
# The sites in central's database (docs/central.md, "Sites") and their
# health: an older configuration's sites imported once at the first start;
# `loket-central site add|list|rotate-token|disable` while central runs
# (a new token works at once, a rotated one is refused at once, a disabled
# site is 403); the admin's /sites page and its forms; heartbeats stored,
# said in words on /sites and the dashboard, and as gauges in /metrics;
# a bad heartbeat is 400 naming the field. Talks only to 127.0.0.1; every
# wait is for a log line, bounded. LOKET_TEST_DB=pg: on PostgreSQL (db.sh).
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
dir=$(mktemp -d /tmp/loket-sites-test.XXXXXX)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${syncd:-}" ] && kill "$syncd" 2>/dev/null && wait "$syncd" 2>/dev/null
	test_db_stop
	rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/db.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }
[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_METRICS=test-metrics-$RANDOM$RANDOM
TOK_PADDEPOEL=test-token-paddepoel-$RANDOM$RANDOM
cat >"$dir/central.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "database": "$(test_db central)",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "metrics_token_sha256": "$(sha "$TOK_METRICS")",
  "sites": [
    { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_PADDEPOEL")" }
  ]
}
EOF
cli() { "$CENTRAL" -c "$dir/central.json" site "$@"; }

start() { # [CONFIG]
	: >"$dir/log"
	"$CENTRAL" -c "${1:-$dir/central.json}" 2>"$dir/log" &
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
	wait "$pid"
	local rc=$?
	pid=
	[ "$rc" -eq 0 ] || fail "central exited $rc after SIGTERM"
}

TODAY=$(date +%Y-%m-%d)
TZO=$(date +%:z)
# ev SITE SEQ: one ticket.issued event of SITE.
ev() {
	printf '{"events":[{"seq":%d,"uuid":"01937000-0000-7000-8%03d-%012d","type":"ticket.issued","at":"%sT10:00:%02d.000%s","ticket":"01937000-0000-7000-9%03d-%012d","code":"A%03d","category":"digital","lang":"nl","desk":null}]}' \
		"$2" "$(( $(printf %s "$1" | cksum | cut -d' ' -f1) % 1000 ))" "$2" "$TODAY" "$(( $2 % 60 ))" "$TZO" \
		"$(( $(printf %s "$1" | cksum | cut -d' ' -f1) % 1000 ))" "$2" "$2"
}
# post SITE TOKEN SEQ: the status of posting event SEQ.
post() {
	ev "$1" "$3" >"$dir/body"
	curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$dir/body" \
		"$URL/api/v1/sites/$1/events"
}
# beat SITE TOKEN FILE: the status of posting FILE as a heartbeat.
beat() {
	curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$3" \
		"$URL/api/v1/sites/$1/heartbeat"
}
admin() { curl -s --max-time 10 -H "Authorization: Bearer $TOK_ADMIN" "$@"; }
iso() { date -d "@$1" +%Y-%m-%dT%H:%M:%S.000%:z; }

note "import at the first start"
start
grep -q "1 site imported from $dir/central.json into the database" "$dir/log" ||
	fail "no import line: $(cat "$dir/log")"
grep -q 'no longer read' "$dir/log" || fail "the import line does not say the file's sites are no longer read"
[ "$(post paddepoel "$TOK_PADDEPOEL" 1)" = 200 ] || fail "the imported site's token: $(cat "$dir/resp")"

note "site add while central runs"
TOK_SELWERD=$(cli add selwerd "Wijkplein Selwerd" 2>"$dir/cli.err") || fail "site add: $(cat "$dir/cli.err")"
[[ "$TOK_SELWERD" =~ ^[0-9a-f]{64}$ ]] || fail "site add printed \"$TOK_SELWERD\", not a 64-hex token"
[ "$(post selwerd "$TOK_SELWERD" 1)" = 200 ] || fail "a new site's token: $(cat "$dir/resp")"
cli add selwerd "Again" >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] || fail "adding a site twice: exit $rc, want 65"
grep -q 'there is a site "selwerd" already' "$dir/cli.err" || fail "adding twice: $(cat "$dir/cli.err")"
cli add "Bad Id" "X" >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q "not a site id" "$dir/cli.err" || fail "a bad id: exit $rc: $(cat "$dir/cli.err")"
cli list >"$dir/list" 2>&1 || fail "site list: $(cat "$dir/list")"
grep -q '^selwerd  *enabled .*Wijkplein Selwerd$' "$dir/list" || fail "site list: $(cat "$dir/list")"
grep -q '^paddepoel  *enabled ' "$dir/list" || fail "site list lacks paddepoel: $(cat "$dir/list")"
grep -q "$TOK_SELWERD" "$dir/list" && fail "site list shows a token"
if [ "$TEST_DB" = pg ]; then
	hexsql="encode(token_sha256, 'hex') = '$(sha "$TOK_SELWERD")'"
	stored="$dir/pg/data"
else
	hexsql="hex(token_sha256) = upper('$(sha "$TOK_SELWERD")')"
	stored="$dir/central.db"
fi
[ "$(test_sql central "SELECT count(*) FROM sites WHERE $hexsql")" = 1 ] ||
	fail "the token's SHA-256 is not what is stored"
grep -rqs "$TOK_SELWERD" "$stored" "$dir/log" && fail "the token itself is stored or logged"

note "rotate-token while central runs"
NEW=$(cli rotate-token selwerd 2>"$dir/cli.err") || fail "rotate-token: $(cat "$dir/cli.err")"
[[ "$NEW" =~ ^[0-9a-f]{64}$ ]] && [ "$NEW" != "$TOK_SELWERD" ] || fail "rotate-token printed \"$NEW\""
[ "$(post selwerd "$TOK_SELWERD" 2)" = 401 ] || fail "the old token after a rotation: $(cat "$dir/resp")"
[ "$(post selwerd "$NEW" 2)" = 200 ] || fail "the new token after a rotation: $(cat "$dir/resp")"
cli rotate-token nosuch >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q 'no site "nosuch"' "$dir/cli.err" || fail "rotating an unknown site: exit $rc"

note "disable while central runs"
cli disable selwerd 2>"$dir/cli.err" || fail "disable: $(cat "$dir/cli.err")"
[ "$(post selwerd "$NEW" 3)" = 403 ] || fail "a disabled site's token: $(cat "$dir/resp")"
grep -q '"this site is disabled"' "$dir/resp" || fail "the 403 says: $(cat "$dir/resp")"
grep -q 'paddepoel' "$dir/resp" && fail "the 403 names another site"
n=$(admin "$URL/api/v1/sites/selwerd/events?after=0" | grep -c '"seq"')
[ "$n" = 2 ] || fail "a disabled site's events: $n held, want 2"
admin "$URL/export/tickets.csv?from=$TODAY&to=$TODAY&site=selwerd" | grep -q A002 || fail "a disabled site's events left the export"
cli list | grep -q '^selwerd  *disabled' || fail "list does not say disabled"

note "heartbeats"
now=$(date +%s)
cat >"$dir/hb.json" <<EOF
{"software":"0.1.0","config_version":"v2","config_refused":null,"backlog":247,"oldest_unsent_age_s":10800,
 "disk_free_bytes":5000,"disk_total_bytes":100000,
 "views":[{"name":"counter:2","alive":"$(iso $((now - 600)))","every_s":15,"running":false,"stopped":false},
          {"name":"display","alive":"$(iso "$now")","every_s":15,"running":true,"stopped":false}],
 "fault":null,"clock":"$(iso $((now - 3 * 3600 - 30)))","printer":{"state":"offline","since":"$(iso "$now")"}}
EOF
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/hb.json")" = 204 ] || fail "a heartbeat: $(cat "$dir/resp")"
admin "$URL/sites?lang=en" >"$dir/page"
for w in "kiosk not running (counter:2)" "clock 3 h behind" "disk 95 % full" \
	"247 events waiting at the site (oldest 3 h)" "ticket printer offline"; do
	grep -qF "$w" "$dir/page" || fail "/sites does not say \"$w\""
done
grep -q 'Wijkplein Selwerd' "$dir/page" || fail "/sites lacks selwerd"
admin "$URL/?lang=en" | grep -qF "kiosk not running (counter:2)" || fail "the dashboard does not say kiosk not running"
admin "$URL/?lang=en" | grep -qF 'href="/sites?lang=en"' || fail "the dashboard has no link to /sites"
admin "$URL/" | grep -qF "kiosk draait niet (counter:2)" || fail "the Dutch dashboard does not say kiosk draait niet"
curl -s --max-time 10 -H "Authorization: Bearer $TOK_METRICS" "$URL/metrics" >"$dir/metrics"
grep -q '^loket_site_views_not_running{site="paddepoel"} 1$' "$dir/metrics" || fail "metrics: views not running"
grep -q '^loket_site_backlog_events{site="paddepoel"} 247$' "$dir/metrics" || fail "metrics: backlog"
grep -q '^loket_site_printer_ok{site="paddepoel"} 0$' "$dir/metrics" || fail "metrics: printer"
grep -q '^loket_site_disk_free_ratio{site="paddepoel"} 0.0500$' "$dir/metrics" || fail "metrics: disk"
off=$(sed -n 's/^loket_site_clock_offset_seconds{site="paddepoel"} \(-[0-9]*\)\..*/\1/p' "$dir/metrics")
[ -n "$off" ] && [ "$off" -le -10820 ] && [ "$off" -ge -10840 ] || fail "metrics: clock offset \"$off\""
grep -q '^loket_site_last_seen_seconds{site="paddepoel"} [1-9]' "$dir/metrics" || fail "metrics: last seen"
grep -q '^loket_site_last_seen_seconds{site="selwerd"} [1-9]' "$dir/metrics" || fail "metrics: last seen of a site added while running"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 401 ] || fail "/metrics without a token"

note "a healthy heartbeat says ok"
sed -e 's/"running":false/"running":true/' -e "s/$(iso $((now - 3 * 3600 - 30)))/$(iso "$now")/" \
	-e 's/"backlog":247,"oldest_unsent_age_s":10800/"backlog":0,"oldest_unsent_age_s":null/' \
	-e 's/"disk_free_bytes":5000/"disk_free_bytes":90000/' -e 's/"offline"/"ok"/' "$dir/hb.json" >"$dir/ok.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/ok.json")" = 204 ] || fail "a healthy heartbeat: $(cat "$dir/resp")"
admin "$URL/sites?lang=en" | grep -q '<td class="health">ok</td>' || fail "/sites does not say ok for a healthy site"

note "a refused configuration, an unread event, a silent site"
sed -e 's/"config_refused":null/"config_refused":"kiosk.language: not a language"/' "$dir/ok.json" >"$dir/refused.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/refused.json")" = 204 ] || fail "a heartbeat with a refusal: $(cat "$dir/resp")"
printf '{"events":[{"seq":2,"uuid":"01937000-0000-7000-8fff-000000000002","type":"ticket.teleported","at":"%sT10:00:02.000%s"}]}' \
	"$TODAY" "$TZO" >"$dir/body"
curl -s -o "$dir/resp" -H "Authorization: Bearer $TOK_PADDEPOEL" -H 'Content-Type: application/json' \
	--data-binary @"$dir/body" "$URL/api/v1/sites/paddepoel/events" >/dev/null
grep -q '"acked_through":2' "$dir/resp" || fail "an event of an unknown type: $(cat "$dir/resp")"
admin "$URL/sites?lang=en" >"$dir/page"
grep -qF "configuration v2 refused: kiosk.language: not a language" "$dir/page" || fail "/sites does not say the configuration was refused"
grep -qF "1 event could not be read" "$dir/page" || fail "/sites does not say an event could not be read"
test_sql central "UPDATE site_health SET received_ms = received_ms - 3 * 86400000 WHERE site = (SELECT id FROM sites WHERE name = 'selwerd');
	UPDATE sites SET last_sync_ms = last_sync_ms - 3 * 86400000 WHERE name = 'selwerd'" || fail "could not age selwerd"
day=$(LC_ALL=C date -d "@$(( $(date +%s) - 3 * 86400 ))" +%A)
admin "$URL/sites?lang=en" | grep -q "no contact since $day [0-2][0-9]:[0-5][0-9]" || fail "/sites does not say no contact since $day"

note "closed or down: the opening hours in the heartbeat"
# paddepoel opens only on the weekday three days from now, 09:00-17:00
wd=$(date +%u) # 1 = Monday
keys=(mon tue wed thu fri sat sun)
open_key=${keys[$(( (wd - 1 + 3) % 7 ))]}
open_day=$(LC_ALL=C date -d "+3 days" +%A)
sed -e "s/^{/{\"schedule\":{\"hours\":{\"$open_key\":[\"09:00-17:00\"]},\"day_change\":\"00:00\"},/" "$dir/ok.json" >"$dir/sched.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/sched.json")" = 204 ] || fail "a heartbeat with a schedule: $(cat "$dir/resp")"
# age_paddepoel SECONDS: its last heartbeat and batch that much older
age_paddepoel() {
	test_sql central "UPDATE site_health SET received_ms = received_ms - $1 * 1000 WHERE site = (SELECT id FROM sites WHERE name = 'paddepoel');
		UPDATE sites SET last_sync_ms = last_sync_ms - $1 * 1000 WHERE name = 'paddepoel'" >/dev/null ||
		fail "could not age paddepoel"
}
age_paddepoel 600 # quiet for 10 minutes, closed all that time
admin "$URL/sites?lang=en" >"$dir/page"
grep -qF "closed, opens $open_day 09:00 (last contact" "$dir/page" ||
	fail "a site quiet while closed is not said closed: $(grep -o '<td class="health">[^<]*' "$dir/page")"
sed -n 's#.*<code>paddepoel</code>\(.*\)#\1#p' "$dir/page" | sed 's#</tr>.*##' | grep -q 'no contact' &&
	fail "a site quiet while closed is said to be out of contact"
admin "$URL/metrics" | grep -qx 'loket_site_down{site="paddepoel"} 0' || fail "metrics: a closed site is down"
age_paddepoel $((5 * 86400)) # quiet since five days ago: its opening day four days ago passed
gone_day=$(LC_ALL=C date -d "-4 days" +%A)
admin "$URL/sites?lang=en" | grep -qF "(open on ${gone_day}s 09:00-17:00)" ||
	fail "a site quiet through its opening hours is not said down with its hours: $(admin "$URL/sites?lang=en" | grep -o '<td class="health">[^<]*')"
admin "$URL/metrics" | grep -qx 'loket_site_down{site="paddepoel"} 1' || fail "metrics: a site down while open is not down"
sed -e 's/^{/{"schedule":{"hours":{"mon":["17:00-09:00"]}},/' "$dir/ok.json" >"$dir/badsched.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/badsched.json")" = 400 ] && grep -qF 'hours.mon[0]' "$dir/resp" ||
	fail "a schedule with closing before opening: $(cat "$dir/resp")"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/ok.json")" = 204 ] || fail "a heartbeat after the schedule tests: $(cat "$dir/resp")"

note "bad heartbeats"
printf '{"backlog":"x","clock":"%s"}' "$(iso "$now")" >"$dir/bad1.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/bad1.json")" = 400 ] && grep -q '"backlog: must be a whole number' "$dir/resp" ||
	fail "backlog \"x\": $(cat "$dir/resp")"
printf '{"backlog":0,"clock":"%s","views":[{"name":"a","stopped":false}]}' "$(iso "$now")" >"$dir/bad2.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/bad2.json")" = 400 ] && grep -q 'views\[0\].running: is missing' "$dir/resp" ||
	fail "a view without running: $(cat "$dir/resp")"
printf '{"backlog":0,"clock":"yesterday"}' >"$dir/bad3.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/bad3.json")" = 400 ] && grep -q 'clock: must be an RFC 3339 time' "$dir/resp" ||
	fail "a bad clock: $(cat "$dir/resp")"
printf '{"backlog":' >"$dir/bad4.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/bad4.json")" = 400 ] && grep -q 'not JSON' "$dir/resp" || fail "not JSON: $(cat "$dir/resp")"
head -c 70000 /dev/zero | tr '\0' ' ' >"$dir/big.json"
[ "$(beat paddepoel "$TOK_PADDEPOEL" "$dir/big.json")" = 413 ] || fail "a heartbeat over 64 KiB: $(cat "$dir/resp")"
[ "$(beat paddepoel wrong "$dir/ok.json")" = 401 ] || fail "a heartbeat with a wrong token"
[ "$(beat selwerd "$NEW" "$dir/ok.json")" = 403 ] || fail "a heartbeat of a disabled site"
[ "$(beat paddepoel "$NEW" "$dir/ok.json")" = 403 ] || fail "a heartbeat with a disabled site's token for another"
[ "$(beat paddepoel "$TOK_ADMIN" "$dir/ok.json")" = 403 ] || fail "a heartbeat with the admin token"

note "the /sites page's forms"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/sites")" = 303 ] || fail "/sites without signing in is not a redirect"
admin -o "$dir/page" -w '%{http_code}' --data 'do=add&id=noorderplantsoen&name=Noorder+Plantsoen' "$URL/sites?lang=en" >"$dir/code"
[ "$(cat "$dir/code")" = 200 ] || fail "adding by the form: $(cat "$dir/code")"
TOK_NP=$(sed -n 's/.*<p class="token" id="token">\([0-9a-f]*\)<.*/\1/p' "$dir/page")
[[ "$TOK_NP" =~ ^[0-9a-f]{64}$ ]] || fail "the form's answer shows no token"
[ "$(beat noorderplantsoen "$TOK_NP" "$dir/ok.json")" = 204 ] || fail "the form's token: $(cat "$dir/resp")"
admin "$URL/sites" | grep -q "$TOK_NP" && fail "the token is shown again"
admin -o /dev/null -w '%{http_code}' --data 'do=rotate&id=noorderplantsoen' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 200 ] || fail "rotating by the form"
[ "$(beat noorderplantsoen "$TOK_NP" "$dir/ok.json")" = 401 ] || fail "the form's old token after a rotation"
admin -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' --data 'do=disable&id=paddepoel' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 403 ] || fail "a cross-site form: $(cat "$dir/code")"
admin -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' --data 'do=disable&id=paddepoel' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 403 ] || fail "a form from another origin: $(cat "$dir/code")"
admin -o /dev/null -w '%{http_code}' --data 'do=add&id=Bad+Id&name=x' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 400 ] || fail "a bad id by the form: $(cat "$dir/code")"
admin -o /dev/null -w '%{http_code}' --data 'do=disable&id=nosuch' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 404 ] || fail "disabling an unknown site by the form: $(cat "$dir/code")"
curl -s -o /dev/null -w '%{http_code}' --data 'do=disable&id=paddepoel' "$URL/sites" >"$dir/code"
[ "$(cat "$dir/code")" = 303 ] || fail "a form without signing in: $(cat "$dir/code")"
[ "$(post paddepoel "$TOK_PADDEPOEL" 3)" = 200 ] || fail "paddepoel was disabled by a refused form"
stop

note "a restart imports nothing again"
start
grep -q 'imported from' "$dir/log" && fail "imported again: $(cat "$dir/log")"
grep -q '"sites" are not read' "$dir/log" || fail "the restart does not say the file's sites are not read"
grep -q '(3 sites,' "$dir/log" || fail "not 3 sites after a restart: $(grep listening "$dir/log")"
[ "$(post selwerd "$NEW" 3)" = 403 ] || fail "selwerd enabled again after a restart"
cli enable selwerd 2>/dev/null || fail "enable"
[ "$(post selwerd "$NEW" 3)" = 200 ] || fail "an enabled site's token: $(cat "$dir/resp")"
stop

# The real loket-syncd with a heartbeat every second: its heartbeats arrive,
# and a kiosk view that died (its sign of life in the site store's views
# table a minute old) is "kiosk not running" within two heartbeats.
if [ -x "$BIN/loket-syncd" ]; then
	note "the real loket-syncd's heartbeat"
	top=$(cd "$(dirname "$0")/../.." && pwd)
	mkdir -p "$dir/office" "$dir/site"
	cat >"$dir/office/central.json" <<EOF
{ "listen": "127.0.0.1:0", "database": "$([ "$TEST_DB" = pg ] && test_db office || echo "$dir/office.db")",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")", "metrics_token_sha256": "$(sha "$TOK_METRICS")" }
EOF
	"$CENTRAL" -c "$dir/office/central.json" site add paddepoel "WIJS Paddepoel" >"$dir/site/token" 2>/dev/null ||
		fail "site add in an office without sites"
	chmod 600 "$dir/site/token"
	start "$dir/office/central.json"
	sed -e 's/"database": "[^"]*"/"database": "site.db"/' -e "s#\"url\": \"[^\"]*\"#\"url\": \"$URL\"#" \
	    -e 's/"batch_events": [0-9]*/"batch_events": 500, "heartbeat_seconds": 1/' \
	    -e '1s/^{/{ "hours": { "tue": ["09:00-12:30", "13:00-17:00"] }, "closed_days": ["2026-12-25"],/' \
	    "$top/assets/demo/site.json" >"$dir/site/site.json"
	"$BIN/loket-syncd" -c "$dir/site/site.json" >"$dir/site/syncd.log" 2>&1 &
	syncd=$!
	beats() { grep -c 'POST /api/v1/sites/paddepoel/heartbeat 204' "$dir/log"; }
	# wait_beats N: until N heartbeats have arrived (at most 15 s).
	wait_beats() {
		for _ in $(seq 1 150); do
			[ "$(beats)" -ge "$1" ] && return 0
			sleep 0.1
		done
		return 1
	}
	health() { admin "$URL/sites?lang=en" | grep -o '<td class="health[^<]*<'; }
	wait_beats 1 || fail "no heartbeat of loket-syncd arrived: $(tail -5 "$dir/site/syncd.log")"
	health | grep -q '>ok<' || fail "a fresh site is not ok: $(health)"
	test_sql office 'SELECT body FROM site_health' |
		grep -qF '"schedule":{"hours":{"tue":["09:00-12:30","13:00-17:00"]},"closed_days":["2026-12-25"],"day_change":"00:00"}' ||
		fail "the heartbeat does not carry the opening schedule: $(test_sql office 'SELECT body FROM site_health')"
	old=$(( $(date +%s%3N) - 60000 ))
	sqlite3 -cmd '.timeout 5000' "$dir/site/site.db" \
		"INSERT OR REPLACE INTO views(name, alive_ms, every_ms, pid) VALUES('counter:2', $old, 1000, 0)" ||
		fail "could not write a dead view into the site store"
	n=$(beats)
	wait_beats $((n + 2)) || fail "no two more heartbeats within 15 s"
	health | grep -qF 'kiosk not running (counter:2)' || fail "a dead view is not said within two heartbeats: $(health)"
	curl -s --max-time 10 -H "Authorization: Bearer $TOK_METRICS" "$URL/metrics" |
		grep -q '^loket_site_views_not_running{site="paddepoel"} 1$' || fail "metrics: the dead view"
	kill "$syncd"; wait "$syncd" 2>/dev/null; syncd=
	stop
fi

if [ "$fails" -gt 0 ]; then
	echo "$fails failure(s); the server log:"
	tail -40 "$dir/log"
	exit 1
fi
echo "ok"
