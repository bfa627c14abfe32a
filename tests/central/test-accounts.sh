#!/bin/bash
# People in central (docs/central.md, "People"): accounts from the command
# line (password on stdin, never an argument); signing in with a name and
# password; sessions kept in the database (they survive a restart, end at
# sign-out, expire idle and absolute, end when the account is disabled or
# gets a new password); one answer for an unknown name and a wrong password;
# 429 after repeated failures; roles (a viewer gets 403 on the admin pages)
# and a viewer's site list (only those sites in the dashboard and exports);
# API tokens (and their revocation); the admin token still works; the audit
# log names who changed what. Talks only to 127.0.0.1; every wait is for a
# log line, bounded. Argon2 runs at a tiny cost here (LOKET_ARGON2_*).
# LOKET_TEST_DB=pg: on PostgreSQL (db.sh).
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
dir=$(mktemp -d /tmp/loket-accounts-test.XXXXXX)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_db_stop
	rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/db.sh"
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }
[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }
export LOKET_ARGON2_MEMORY_KIB=64 LOKET_ARGON2_TIME=1
unset LOKET_FAKE_NOW

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_PADDEPOEL=test-token-paddepoel-$RANDOM$RANDOM
cat >"$dir/central.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "database": "$(test_db central)",
  "admin_token_sha256": "$(sha "$TOK_ADMIN")",
  "trusted_proxies": ["127.0.0.1"],
  "limits": { "per_ip_connections": 4, "header_timeout_s": 120 },
  "sites": [
    { "id": "paddepoel", "name": "WIJS Paddepoel", "token_sha256": "$(sha "$TOK_PADDEPOEL")" }
  ]
}
EOF
user() { "$CENTRAL" -c "$dir/central.json" user "$@"; }

start() { # [LOKET_FAKE_NOW]
	: >"$dir/log"
	LOKET_FAKE_NOW=${1:-} "$CENTRAL" -c "$dir/central.json" 2>"$dir/log" &
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
# post SITE TOKEN SEQ CODE: one ticket.issued event; prints the status.
post() {
	local n=$(( $(printf %s "$1" | cksum | cut -d' ' -f1) % 1000 ))
	printf '{"events":[{"seq":%d,"uuid":"01937000-0000-7000-8%03d-%012d","type":"ticket.issued","at":"%sT10:00:%02d.000%s","ticket":"01937000-0000-7000-9%03d-%012d","code":"%s","category":"digital","lang":"nl","desk":null}]}' \
		"$3" "$n" "$3" "$TODAY" "$3" "$TZO" "$n" "$3" "$4" >"$dir/body"
	curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $2" \
		-H 'Content-Type: application/json' --data-binary @"$dir/body" \
		"$URL/api/v1/sites/$1/events"
}
# signin NAME PASSWORD: the status; the session id in $dir/sid, headers in $dir/hdr.
signin() {
	: >"$dir/sid"
	local code
	code=$(curl -s --max-time 10 -D "$dir/hdr" -o "$dir/signin.html" -w '%{http_code}' \
		--data-urlencode "name=$1" --data-urlencode "password=$2" "$URL/login")
	sed -n 's/^[Ss]et-[Cc]ookie: loket_session=\([0-9a-f]*\);.*/\1/p' "$dir/hdr" | tr -d '\r' >"$dir/sid"
	echo "$code"
}
# as SID CURL-ARGS...: the status of a request with session SID (body in $dir/page).
as() {
	local sid=$1
	shift
	curl -s --max-time 10 -o "$dir/page" -w '%{http_code}' -H "Cookie: loket_session=$sid" "$@"
}
# bearer TOKEN CURL-ARGS...: the same with Authorization: Bearer.
bearer() {
	local t=$1
	shift
	curl -s --max-time 10 -o "$dir/page" -w '%{http_code}' -H "Authorization: Bearer $t" "$@"
}
sessions_of() { test_sql central "SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account WHERE a.name = '$1'"; }
# session_held SID: 1 if the SHA-256 of SID is a session in the database, else 0.
session_held() {
	local hex="lower(hex(sha256))"
	[ "$TEST_DB" = pg ] && hex="encode(sha256, 'hex')"
	test_sql central "SELECT count(*) FROM sessions WHERE $hex = '$(sha "$1")'"
}
# db_text: what the database holds, as text to grep (SQLite: its files;
# PostgreSQL: the rows of the people's tables).
db_text() {
	if [ "$TEST_DB" = pg ]; then
		test_sql central "SELECT a::text FROM accounts a UNION ALL SELECT s::text FROM sessions s
			UNION ALL SELECT t::text FROM api_tokens t UNION ALL SELECT l::text FROM audit l"
	else
		cat "$dir"/central.db*
	fi
}

PW_ANNA=anna-first-password-$RANDOM
PW_BOB=bob-viewer-password-$RANDOM
PW_ERIK=erik-viewer-password-$RANDOM

note "accounts from the command line, the password on stdin"
TOK_SELWERD=$("$CENTRAL" -c "$dir/central.json" site add selwerd "Wijkplein Selwerd" 2>"$dir/cli.err") ||
	fail "site add selwerd: $(cat "$dir/cli.err")"
printf '%s\n' "$PW_ANNA" | user add anna --role admin 2>"$dir/cli.err" || fail "user add anna: $(cat "$dir/cli.err")"
printf '%s\n' "$PW_BOB" | user add bob --role viewer --sites paddepoel,paddepoel 2>"$dir/cli.err" ||
	fail "user add bob: $(cat "$dir/cli.err")"
printf '%s\n' "$PW_ERIK" | user add erik --role viewer 2>"$dir/cli.err" || fail "user add erik: $(cat "$dir/cli.err")"
user add carl --role viewer --password "$PW_BOB" </dev/null >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 64 ] && grep -q 'read from stdin' "$dir/cli.err" || fail "a password on the command line: exit $rc: $(cat "$dir/cli.err")"
printf '\n' | user add carl --role viewer >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q 'at least 10 characters' "$dir/cli.err" || fail "an empty password: exit $rc: $(cat "$dir/cli.err")"
printf 'short\n' | user add carl --role viewer >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] || fail "a short password: exit $rc"
printf '%s\n' "$PW_BOB" | user add anna --role viewer >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q 'taken' "$dir/cli.err" || fail "a taken name: exit $rc: $(cat "$dir/cli.err")"
printf '%s\n' "$PW_BOB" | user add carl --role viewer --sites nosuch >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q 'no site "nosuch"' "$dir/cli.err" || fail "an unknown site: exit $rc: $(cat "$dir/cli.err")"
printf '%s\n' "$PW_BOB" | user add carl --role boss >/dev/null 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] || fail "an unknown role: exit $rc"
user disable nosuch 2>"$dir/cli.err"; rc=$?
[ $rc -eq 65 ] && grep -q 'no account "nosuch"' "$dir/cli.err" || fail "disabling an unknown account: exit $rc"
user list >"$dir/list" 2>&1 || fail "user list: $(cat "$dir/list")"
grep -q '^anna  *admin  *enabled ' "$dir/list" || fail "user list: $(cat "$dir/list")"
grep -q '^bob  *viewer  *enabled .* paddepoel$' "$dir/list" || fail "user list lacks bob's site: $(cat "$dir/list")"
grep -q 'carl' "$dir/list" && fail "a refused account was added"
grep -q 'argon2' "$dir/list" && fail "user list shows a hash"
[ "$(test_sql central "SELECT count(*) FROM accounts WHERE name = 'anna' AND pw_hash LIKE '\$argon2id\$%'")" = 1 ] ||
	fail "anna's password is not an Argon2id hash"
db_text | grep -aq "$PW_ANNA" && fail "a password is in the database"

start
[ "$(post paddepoel "$TOK_PADDEPOEL" 1 P001)" = 200 ] || fail "paddepoel's event: $(cat "$dir/resp")"
[ "$(post selwerd "$TOK_SELWERD" 1 S001)" = 200 ] || fail "selwerd's event: $(cat "$dir/resp")"

note "sign in with a name and password"
[ "$(signin anna "$PW_ANNA")" = 303 ] || fail "anna's sign-in: $(head -1 "$dir/hdr")"
SID_ANNA=$(cat "$dir/sid")
[[ "$SID_ANNA" =~ ^[0-9a-f]{64}$ ]] || fail "the session cookie is \"$SID_ANNA\""
grep -i '^set-cookie:' "$dir/hdr" | grep -q 'HttpOnly; SameSite=Strict' || fail "cookie flags: $(grep -i '^set-cookie' "$dir/hdr")"
{ db_text; cat "$dir/log"; } | grep -aq "$SID_ANNA" && fail "the session id is stored or logged"
[ "$(session_held "$SID_ANNA")" = 1 ] || fail "the session's SHA-256 is not what is stored"
[ "$(as "$SID_ANNA" "$URL/")" = 200 ] && grep -q 'Wijkplein Selwerd' "$dir/page" || fail "anna's dashboard"
grep -q 'href="/people?lang=nl"' "$dir/page" || fail "an admin's dashboard has no link to /people"
[ "$(as "$SID_ANNA" "$URL/sites")" = 200 ] || fail "anna's /sites"
[ "$(as "$SID_ANNA" "$URL/people")" = 200 ] && grep -q '<code>bob</code>' "$dir/page" || fail "anna's /people"

note "one answer for an unknown name and a wrong password"
[ "$(signin anna wrong-password-1)" = 401 ] || fail "a wrong password"
cp "$dir/signin.html" "$dir/wrong.html"
[ -s "$dir/sid" ] && fail "a wrong password got a cookie"
[ "$(signin nobody-here wrong-password-1)" = 401 ] || fail "an unknown name"
cmp -s "$dir/signin.html" "$dir/wrong.html" || fail "an unknown name is answered unlike a wrong password"
grep -q 'name or password is not right\|Naam of wachtwoord klopt niet' "$dir/wrong.html" || fail "the refusal says: $(cat "$dir/wrong.html")"
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "token=wrong" "$URL/login")" = 401 ] ||
	fail "a wrong admin token through the form"

note "a viewer limited to one site"
[ "$(signin bob "$PW_BOB")" = 303 ] || fail "bob's sign-in"
SID_BOB=$(cat "$dir/sid")
[ "$(as "$SID_BOB" "$URL/")" = 200 ] || fail "bob's dashboard"
grep -q 'WIJS Paddepoel' "$dir/page" || fail "bob's dashboard lacks his site"
grep -qi 'selwerd' "$dir/page" && fail "bob's dashboard shows selwerd"
grep -q 'href="/sites\|href="/people' "$dir/page" && fail "a viewer's dashboard links to the admins' pages"
[ "$(as "$SID_BOB" "$URL/export/tickets.csv?from=$TODAY&to=$TODAY")" = 200 ] || fail "bob's CSV"
grep -q 'P001' "$dir/page" || fail "bob's CSV lacks paddepoel's ticket"
grep -qi 'selwerd\|S001' "$dir/page" && fail "bob's CSV shows selwerd: $(cat "$dir/page")"
[ "$(as "$SID_BOB" "$URL/export/tickets.csv?site=selwerd")" = 400 ] || fail "bob's CSV of selwerd is not refused"
[ "$(as "$SID_BOB" "$URL/report?lang=en")" = 200 ] || fail "bob's report"
grep -qi 'selwerd' "$dir/page" && fail "bob's report shows selwerd"
[ "$(as "$SID_BOB" "$URL/report.xlsx?lang=en")" = 200 ] || fail "bob's report.xlsx"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))' \
	"$dir/page" >"$dir/xlsx.txt" 2>&1 || fail "bob's report.xlsx is not a workbook: $(head -c 200 "$dir/xlsx.txt")"
grep -q 'WIJS Paddepoel' "$dir/xlsx.txt" || fail "bob's report.xlsx lacks his site"
grep -qi 'selwerd' "$dir/xlsx.txt" && fail "bob's report.xlsx shows selwerd"
as "$SID_ANNA" "$URL/report.xlsx?lang=en" >/dev/null
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))' \
	"$dir/page" | grep -q 'Wijkplein Selwerd' || fail "an admin's report.xlsx lacks selwerd (the check above proves nothing)"
for p in /sites /people /audit /api/v1/sites/paddepoel/events /sites/paddepoel/config \
	/api/v1/sites/paddepoel/config/versions; do
	[ "$(as "$SID_BOB" "$URL$p")" = 403 ] || fail "a viewer on $p: not 403"
done
[ "$(as "$SID_BOB" -X PUT -H 'Content-Type: application/json' --data '{}' "$URL/api/v1/sites/paddepoel/config")" = 403 ] ||
	fail "a viewer's PUT of a configuration: not 403"
[ "$(as "$SID_BOB" -H "Origin: $URL" --data 'do=disable&id=paddepoel' "$URL/sites")" = 403 ] ||
	fail "a viewer's POST /sites: not 403"
[ "$(as "$SID_BOB" -H "Origin: $URL" --data 'do=disable&name=anna' "$URL/people")" = 403 ] ||
	fail "a viewer's POST /people: not 403"
[ "$(signin erik "$PW_ERIK")" = 303 ] || fail "erik's sign-in"
SID_ERIK=$(cat "$dir/sid")
[ "$(as "$SID_ERIK" "$URL/export/tickets.csv?from=$TODAY&to=$TODAY")" = 200 ] && grep -q S001 "$dir/page" &&
	grep -q P001 "$dir/page" || fail "a viewer of every site does not see both"

note "API tokens"
TOK_BOB=$(user token bob 2>"$dir/cli.err") || fail "user token: $(cat "$dir/cli.err")"
[[ "$TOK_BOB" =~ ^[0-9a-f]{64}$ ]] || fail "user token printed \"$TOK_BOB\""
[ "$(bearer "$TOK_BOB" "$URL/export/tickets.csv?from=$TODAY&to=$TODAY")" = 200 ] && grep -q P001 "$dir/page" ||
	fail "bob's API token on the CSV"
grep -q S001 "$dir/page" && fail "bob's API token sees selwerd"
[ "$(bearer "$TOK_BOB" "$URL/sites")" = 403 ] || fail "a viewer's API token on /sites"
TOK_ANNA=$(user token anna 2>/dev/null)
[ "$(bearer "$TOK_ANNA" "$URL/sites")" = 200 ] || fail "an admin's API token on /sites"
user revoke-token anna 2>/dev/null || fail "revoke-token"
[ "$(bearer "$TOK_ANNA" "$URL/sites")" = 401 ] || fail "a revoked token still works"
[ "$(bearer "$TOK_ADMIN" "$URL/sites")" = 200 ] || fail "the admin token on /sites"
[ "$(bearer "$TOK_ADMIN" "$URL/people")" = 200 ] || fail "the admin token on /people"
[ "$(bearer "$TOK_ADMIN" "$URL/api/v1/sites/selwerd/events")" = 200 ] || fail "the admin token on the events"

note "changes on the dashboard, in the audit log"
[ "$(as "$SID_ANNA" -H "Origin: $URL" --data 'do=rotate&id=selwerd' "$URL/sites")" = 200 ] || fail "anna rotates selwerd"
[ "$(as "$SID_ANNA" -H "Origin: $URL" --data-urlencode 'do=add' --data-urlencode 'name=fenna' \
	--data-urlencode 'role=viewer' --data-urlencode 'sites=selwerd,selwerd' \
	--data-urlencode "password=fenna-password-1" "$URL/people")" = 200 ] || fail "anna adds fenna: $(cat "$dir/page")"
[ "$(as "$SID_ANNA" -H "Origin: http://evil.example" --data 'do=disable&name=bob' "$URL/people")" = 403 ] ||
	fail "a POST /people from another origin"
[ "$(bearer "$TOK_ADMIN" -H "Origin: $URL" --data 'do=disable&name=fenna' "$URL/people")" = 200 ] ||
	fail "the admin token disables fenna"
[ "$(as "$SID_ANNA" "$URL/audit?lang=en")" = 200 ] || fail "anna's /audit"
for w in '<td>anna</td><td><code>site.rotate-token</code></td><td>selwerd</td>' \
	'<td>anna</td><td><code>user.add</code></td><td>fenna: role viewer sites selwerd</td>' \
	'<code>user.add</code></td><td>bob: role viewer sites paddepoel</td>' \
	'<td>admin token</td><td><code>user.disable</code></td><td>fenna</td>' \
	'<td>command line (' '<code>site.add</code></td><td>selwerd</td>' '<code>user.token</code></td><td>bob</td>' \
	'<code>user.revoke-token</code></td><td>anna: 1 revoked</td>'; do
	grep -qF "$w" "$dir/page" || fail "the audit log lacks $w"
done
first=$(grep -o '<code>[a-z.-]*</code>' "$dir/page" | head -1)
[ "$first" = '<code>user.disable</code>' ] || fail "the audit log is not newest first: $first"
grep -qF 'fenna-password-1' "$dir/page" "$dir/log" && fail "a password in the audit log or the log"
[ "$(as "$SID_ANNA" "$URL/audit")" = 200 ] && grep -q 'Logboek' "$dir/page" || fail "the Dutch /audit"

note "a session survives a restart"
stop
start
[ "$(as "$SID_ANNA" "$URL/people")" = 200 ] || fail "anna's session after a restart"
[ "$(as "$SID_BOB" "$URL/")" = 200 ] || fail "bob's session after a restart"

note "sign-out ends the session"
[ "$(as "$SID_ERIK" -X POST "$URL/logout")" = 303 ] || fail "sign-out"
[ "$(as "$SID_ERIK" "$URL/")" = 303 ] || fail "a signed-out session still works"
[ "$(sessions_of erik)" = 0 ] || fail "sign-out left erik's session in the database"

note "disabling ends the sessions, a new password too"
user disable bob 2>/dev/null || fail "user disable bob"
[ "$(as "$SID_BOB" "$URL/")" = 303 ] || fail "a disabled account's session still works"
[ "$(sessions_of bob)" = 0 ] || fail "disabling left bob's sessions"
[ "$(signin bob "$PW_BOB")" = 401 ] || fail "a disabled account signs in"
[ "$(bearer "$TOK_BOB" "$URL/export/tickets.csv")" = 401 ] || fail "a disabled account's API token works"
user enable bob 2>/dev/null || fail "user enable bob"
[ "$(signin bob "$PW_BOB")" = 303 ] || fail "bob after enable"
PW_ANNA2=anna-second-password-$RANDOM
printf '%s\n' "$PW_ANNA2" | user passwd anna 2>/dev/null || fail "user passwd anna"
[ "$(as "$SID_ANNA" "$URL/")" = 303 ] || fail "a session after a new password still works"
[ "$(signin anna "$PW_ANNA")" = 401 ] || fail "the old password still works"
[ "$(signin anna "$PW_ANNA2")" = 303 ] || fail "the new password does not work"
SID_ANNA=$(cat "$dir/sid")

note "repeated failures: 429, a success forgets them"
for i in 1 2 3 4; do [ "$(signin erik "wrong-$i-password")" = 401 ] || fail "erik's failure $i"; done
[ "$(signin erik "$PW_ERIK")" = 303 ] || fail "erik after 4 failures"
for i in 1 2 3 4 5; do [ "$(signin erik "wrong-$i-password")" = 401 ] || fail "erik's failure $i after a success"; done
code=$(signin erik "$PW_ERIK")
[ "$code" = 429 ] || fail "the right password after 5 failures: $code, want 429"
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: \([0-9]*\).*/\1/p' "$dir/hdr" | tr -d '\r')
[ -n "$ra" ] && [ "$ra" -ge 60 ] || fail "429 without a Retry-After of minutes: \"$ra\""
[ -s "$dir/sid" ] && fail "a throttled sign-in got a cookie"
[ "$(signin anna "$PW_ANNA2")" = 303 ] || fail "another account is throttled too"
# Twenty wrong passwords at the same moment: each attempt is counted before
# its password is checked, so at most five get checked at all.
at_once=()
for i in $(seq 1 20); do
	curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' --data-urlencode "name=fenna" \
		--data-urlencode "password=wrong-at-once-$i" "$URL/login" >"$dir/at-once.$i" &
	at_once+=($!)
done
wait "${at_once[@]}"
checked=$(cat "$dir"/at-once.* | grep -c '^401$')
locked=$(cat "$dir"/at-once.* | grep -c '^429$')
[ "$checked" -le 5 ] && [ $((checked + locked)) = 20 ] ||
	fail "20 sign-ins at once: $checked checked (401), $locked refused (429); want at most 5 checked"
# another site's page cannot sign a browser in or out (login CSRF)
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
	--data-urlencode "name=anna" --data-urlencode "password=$PW_ANNA2" "$URL/login")
[ "$code" = 403 ] || fail "a sign-in form posted from another origin: $code, want 403"
[ "$(as "$SID_ANNA" -H 'Origin: http://evil.example' -X POST "$URL/logout")" = 403 ] ||
	fail "a sign-out posted from another origin"
[ "$(as "$SID_ANNA" "$URL/people")" = 200 ] || fail "anna's session after a refused sign-out"
bearer "$TOK_ADMIN" "$URL/audit?lang=en" >/dev/null
grep -qF '<td>sign-in</td><td><code>sign-in.locked</code></td><td>name &quot;erik&quot; from 127.0.0.1: refused for' "$dir/page" ||
	fail "the lock is not in the audit log"

note "behind a trusted proxy each client is counted by its own address"
# 127.0.0.1 is trusted as a proxy: its X-Forwarded-For names the client;
# 127.0.0.2 is not: what it writes there is ignored.
via() { # FROM XFF NAME PASSWORD: a sign-in's status
	curl -s --max-time 10 -o /dev/null -w '%{http_code}' --interface "$1" -H "X-Forwarded-For: $2" \
		--data-urlencode "name=$3" --data-urlencode "password=$4" "$URL/login"
}
for i in $(seq 1 20); do
	[ "$(via 127.0.0.1 "198.51.100.9, 203.0.113.7" "nobody-$i" "wrong-password-$i")" = 401 ] ||
		fail "failure $i forwarded for 203.0.113.7"
done
[ "$(via 127.0.0.1 203.0.113.7 anna "$PW_ANNA2")" = 429 ] ||
	fail "203.0.113.7 is not locked after 20 failures"
[ "$(via 127.0.0.1 203.0.113.8 anna "$PW_ANNA2")" = 303 ] ||
	fail "another client behind the proxy is locked out with 203.0.113.7"
[ "$(signin anna "$PW_ANNA2")" = 303 ] || fail "the proxy itself is locked out with 203.0.113.7"
grep -q 'from 203.0.113.7' "$dir/log" || fail "the log does not name the forwarded client"
for i in $(seq 1 20); do
	[ "$(via 127.0.0.2 203.0.113.9 "somebody-$i" "wrong-password-$i")" = 401 ] ||
		fail "failure $i from the untrusted 127.0.0.2"
done
[ "$(via 127.0.0.2 203.0.113.10 anna "$PW_ANNA2")" = 429 ] ||
	fail "an untrusted peer escaped its count with its own X-Forwarded-For"
[ "$(via 127.0.0.1 203.0.113.9 anna "$PW_ANNA2")" = 303 ] ||
	fail "a forged X-Forwarded-For from an untrusted peer counted against the address it named"

note "the per-address connection cap does not count a trusted proxy"
# 8 connections held open from 127.0.0.1 (trusted) each get an answer; from
# 127.0.0.2, with 4 held open, a fifth is closed unanswered. Each step waits
# for its answer or its end (bounded by the socket's timeout), never for time.
python3 - "$port" >"$dir/cap.out" 2>&1 <<'PY' || fail "the connection cap: $(cat "$dir/cap.out")"
import socket, sys
port = int(sys.argv[1])
def conn(src):
    s = socket.socket()
    s.settimeout(20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s
def answer(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: loket\r\nConnection: close\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    return data.split(b"\r\n", 1)[0].decode(errors="replace")
held = [conn("127.0.0.1") for _ in range(8)]
got = [answer(s) for s in held]
if any("200" not in g for g in got):
    sys.exit("from the trusted proxy: %s" % got)
held = [conn("127.0.0.2") for _ in range(4)]
fifth = conn("127.0.0.2")
try:
    g = answer(fifth)
except OSError as e:
    g = "error %s" % e
if "200" in g:
    sys.exit("a fifth connection from 127.0.0.2 was answered: %s" % g)
got = [answer(s) for s in held]
if any("200" not in g for g in got):
    sys.exit("the four held from 127.0.0.2: %s" % got)
print("ok")
PY
grep -q 'connection refused: more than limits.per_ip_connections (4) open from one address (the last: 127.0.0.2)' "$dir/log" ||
	fail "the refusal is not logged: $(grep 'refused' "$dir/log" | tail -2)"

note "the admin token signs in; a new admin token ends those sessions"
curl -s --max-time 10 -D "$dir/hdr" -o /dev/null --data-urlencode "token=$TOK_ADMIN" "$URL/login"
SID_TOKEN=$(sed -n 's/^[Ss]et-[Cc]ookie: loket_session=\([0-9a-f]*\);.*/\1/p' "$dir/hdr" | tr -d '\r')
[ "$(as "$SID_TOKEN" "$URL/people")" = 200 ] || fail "the admin token's session on /people"
stop
TOK_ADMIN2=test-admin-2-$RANDOM$RANDOM
sed -i "s/$(sha "$TOK_ADMIN")/$(sha "$TOK_ADMIN2")/" "$dir/central.json"
start
[ "$(as "$SID_TOKEN" "$URL/")" = 303 ] || fail "an old admin token's session after a new admin token"
[ "$(bearer "$TOK_ADMIN" "$URL/sites")" = 401 ] || fail "the old admin token after a new one"
[ "$(bearer "$TOK_ADMIN2" "$URL/sites")" = 200 ] || fail "the new admin token"
[ "$(as "$SID_ANNA" "$URL/people")" = 200 ] || fail "an account's session after a new admin token"
curl -s --max-time 10 -D "$dir/hdr" -o /dev/null --data-urlencode "token=$TOK_ADMIN2" "$URL/login"
SID_TOKEN=$(sed -n 's/^[Ss]et-[Cc]ookie: loket_session=\([0-9a-f]*\);.*/\1/p' "$dir/hdr" | tr -d '\r')
[ "$(as "$SID_TOKEN" "$URL/")" = 200 ] || fail "the new admin token's session"

note "without an admin token in the configuration: accounts only"
stop
sed -i '/"admin_token_sha256"/d' "$dir/central.json"
start
[ "$(bearer "$TOK_ADMIN2" "$URL/sites")" = 401 ] || fail "an admin token removed from the configuration still works"
[ "$(as "$SID_TOKEN" "$URL/")" = 303 ] || fail "a removed admin token's session still works"
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "token=$TOK_ADMIN2" "$URL/login")" = 401 ] ||
	fail "signing in with a removed admin token"
[ "$(as "$SID_ANNA" "$URL/people")" = 200 ] || fail "an account without an admin token configured"

note "sessions expire: idle, and absolute"
stop
now_ms=$(( $(date +%s) * 1000 ))
start $((now_ms + 3 * 3600 * 1000))
[ "$(as "$SID_ANNA" "$URL/")" = 303 ] || fail "a session idle 3 h still works"
[ "$(session_held "$SID_ANNA")" = 0 ] || fail "an expired session is still in the database"
stop
start $((now_ms + 13 * 3600 * 1000))
[ "$(as "$SID_BOB" "$URL/")" = 303 ] || fail "a session 13 h old still works"
stop

if [ "$TEST_DB" = sqlite ]; then
	note "the database file"
	[ "$(stat -c %a "$dir/central.db")" = 600 ] || fail "central.db mode $(stat -c %a "$dir/central.db"), want 600"
else
	note "the database file's mode: SQLite only (PostgreSQL's access is its roles)"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
