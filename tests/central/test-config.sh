#!/bin/bash
# The sites' managed configuration at central (docs/central.md, "Managed
# configuration"): PUT checked with the site's own checks (the key named,
# local keys refused), versions with their author, rollback, the site's GET
# with ETag / 304 / 404, templates applied all or nothing, the dashboard's
# configuration page and its diff, enrolment codes (one use, 24 h, wrong
# ones throttled), saves at once numbered apart, and SIGHUP with a good and
# a broken file. Talks only to 127.0.0.1; every wait is for a log line or a
# status, bounded. LOKET_TEST_DB=pg: on PostgreSQL (db.sh).
set -u
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
CENTRAL=$BIN/loket-central
dir=$(mktemp -d /tmp/loket-config-test.XXXXXX)
pid=
fails=0
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	test_db_stop
	[ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
. "$(dirname "$0")/db.sh"
DB=$(test_db central)
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
note() { echo "-- $*"; }
[ -x "$CENTRAL" ] || { echo "no $CENTRAL: build it first"; exit 1; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
TOK_ADMIN=test-admin-$RANDOM$RANDOM
TOK_ADMIN2=test-admin-two-$RANDOM$RANDOM
write_conf() { # ADMIN_TOKEN [EXTRA_JSON]
	cat >"$dir/central.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "database": "$DB",
  "admin_token_sha256": "$(sha "$1")"${2:+,
  $2}
}
EOF
}
write_conf "$TOK_ADMIN"
cli() { "$CENTRAL" -c "$dir/central.json" site "$@"; }

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
# wait_log PATTERN: until the log has it (10 s at most).
wait_log() {
	for _ in $(seq 1 100); do
		grep -q -- "$1" "$dir/log" && return 0
		sleep 0.1
	done
	return 1
}
# req METHOD PATH [FILE] [TOKEN]: the status; the body in $dir/resp.
req() {
	local args=(-s --max-time 10 -o "$dir/resp" -w '%{http_code}' -X "$1"
		-H "Authorization: Bearer ${4:-$TOK_ADMIN}")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary @"$3")
	curl "${args[@]}" "$URL$2"
}
expect() { # WANT GOT WHAT
	[ "$2" = "$1" ] || fail "$3: got $2, want $1: $(head -c 400 "$dir/resp")"
}
has() { # TEXT WHAT: $dir/resp holds TEXT
	grep -qF -- "$1" "$dir/resp" || fail "$2: no \"$1\" in: $(head -c 600 "$dir/resp")"
}

TOK_P=$(cli add paddepoel "WIJS Paddepoel" 2>/dev/null)
TOK_S=$(cli add selwerd "WIJS Selwerd" 2>/dev/null)
[ -n "$TOK_P" ] && [ -n "$TOK_S" ] || { echo "site add failed"; exit 1; }
start

# conf LABEL_EN [HOURS]: a managed configuration.
conf() {
	cat <<EOF
{
  "site": { "name": "WIJS Paddepoel" },
  "languages": ["nl", "en"],
  "categories": [
    { "id": "digital", "prefix": "A", "label": { "nl": "Digitaal", "en": "$1" } },
    { "id": "tax", "prefix": "B", "label": { "nl": "Belasting", "en": "Tax" } }
  ],
  "hours": { "mon": ["${2:-09:00-17:00}"] },
  "closed_days": ["2026-12-25"],
  "desks": 2
}
EOF
}

note "no configuration yet: 404 to the site, and no enrolment code"
expect 404 "$(req GET /api/v1/sites/paddepoel/config "" "$TOK_P")" "GET before any"
has "manages no configuration" "GET before any"
cli enrol-code paddepoel >/dev/null 2>"$dir/cli.err" && fail "enrol-code without a configuration"
grep -q "save one first" "$dir/cli.err" || fail "enrol-code: $(cat "$dir/cli.err")"

note "PUT: valid, invalid (key named), local key refused, unknown site, too large"
conf "Phone" >"$dir/c1.json"
expect 200 "$(req PUT /api/v1/sites/paddepoel/config "$dir/c1.json")" "PUT valid"
has '"version":1' "PUT valid"
sed 's/"en": "Tax"/"fr": "Impôts"/' "$dir/c1.json" >"$dir/bad.json"
expect 400 "$(req PUT /api/v1/sites/paddepoel/config "$dir/bad.json")" "PUT invalid"
has 'categories[1].label' "PUT invalid"
has 'no label for language \"en\"' "PUT invalid"
sed 's/"desks": 2/"desks": 2, "database": "\/tmp\/x.db"/' "$dir/c1.json" >"$dir/local.json"
expect 400 "$(req PUT /api/v1/sites/paddepoel/config "$dir/local.json")" "PUT local key"
has 'database: stays local' "PUT local key"
sed 's/"desks": 2/"desks": 2, "printer": {"device": "\/dev\/usb\/lp0"}/' "$dir/c1.json" >"$dir/local2.json"
expect 400 "$(req PUT /api/v1/sites/paddepoel/config "$dir/local2.json")" "PUT printer"
has 'printer: stays local' "PUT printer"
expect 404 "$(req PUT /api/v1/sites/nowhere/config "$dir/c1.json")" "PUT unknown site"
expect 401 "$(req PUT /api/v1/sites/paddepoel/config "$dir/c1.json" wrong-token)" "PUT no admin"
expect 403 "$(req PUT /api/v1/sites/paddepoel/config "$dir/c1.json" "$TOK_P")" "PUT site token"
head -c 300000 /dev/zero | tr '\0' ' ' >"$dir/big.json"
expect 413 "$(req PUT /api/v1/sites/paddepoel/config "$dir/big.json")" "PUT too large"
conf "Phone, tablet or computer" "10:00-16:00" >"$dir/c2.json"
expect 200 "$(req PUT /api/v1/sites/paddepoel/config "$dir/c2.json")" "PUT second"
has '"version":2' "PUT second"

note "the site's GET: ETag, 304, other site's token, admin"
curl -s --max-time 10 -D "$dir/hdr" -o "$dir/resp" -H "Authorization: Bearer $TOK_P" \
	"$URL/api/v1/sites/paddepoel/config"
grep -qi '^etag: "v2"' "$dir/hdr" || fail "ETag: $(cat "$dir/hdr")"
has 'Phone, tablet or computer' "GET latest"
has '10:00-16:00' "GET latest"
st=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_P" \
	-H 'If-None-Match: "v2"' "$URL/api/v1/sites/paddepoel/config")
expect 304 "$st" "If-None-Match v2"
st=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK_P" \
	-H 'If-None-Match: "v1"' "$URL/api/v1/sites/paddepoel/config")
expect 200 "$st" "If-None-Match v1"
expect 403 "$(req GET /api/v1/sites/paddepoel/config "" "$TOK_S")" "GET other site's token"
expect 404 "$(req GET /api/v1/sites/selwerd/config "" "$TOK_S")" "GET selwerd, none"
expect 401 "$(req GET /api/v1/sites/paddepoel/config "" nobody)" "GET wrong token"
expect 200 "$(req GET /api/v1/sites/paddepoel/config)" "GET admin"

note "versions with author and time; rollback makes a new version equal to the old"
expect 200 "$(req GET /api/v1/sites/paddepoel/config/versions)" "versions"
has '"version":2' "versions"
has '"author":"admin token"' "versions"
echo '{"version": 1}' >"$dir/rb.json"
expect 200 "$(req POST /api/v1/sites/paddepoel/config/rollback "$dir/rb.json")" "rollback"
has '"version":3' "rollback"
expect 200 "$(req GET /api/v1/sites/paddepoel/config "" "$TOK_P")" "GET after rollback"
grep -q '"Phone"' "$dir/resp" || fail "rollback: not version 1's text"
echo '{"version": 42}' >"$dir/rb.json"
expect 404 "$(req POST /api/v1/sites/paddepoel/config/rollback "$dir/rb.json")" "rollback 42"
expect 200 "$(req GET "/audit?lang=en")" "the audit log"
has 'config.save' "the audit log names no saved configuration"
has 'config.rollback' "the audit log names no rollback"
has 'paddepoel v3 = v1' "the audit log's rollback detail"
expect 200 "$(req GET /api/v1/sites/paddepoel/config/versions)" "versions 3"
has 'back to version 1' "versions note"

note "templates: all or nothing"
cat >"$dir/tpl.json" <<'EOF'
{ "categories": [
    { "id": "digital", "prefix": "A", "label": { "nl": "Computerhulp", "en": "Computer help" } },
    { "id": "letters", "prefix": "C", "label": { "nl": "Brieven", "en": "Letters" } } ] }
EOF
expect 200 "$(req PUT /api/v1/templates/kinds "$dir/tpl.json")" "template PUT"
echo '{"database": "x"}' >"$dir/tpl-bad.json"
expect 400 "$(req PUT /api/v1/templates/bad "$dir/tpl-bad.json")" "template with a local key"
has 'database' "template with a local key"
sed 's/WIJS Paddepoel/WIJS Selwerd/' "$dir/c1.json" >"$dir/s1.json"
expect 200 "$(req PUT /api/v1/sites/selwerd/config "$dir/s1.json")" "selwerd PUT"
echo '{"sites": ["paddepoel", "selwerd"]}' >"$dir/apply.json"
expect 200 "$(req POST /api/v1/templates/kinds/apply "$dir/apply.json")" "template apply"
has '"site":"paddepoel","version":4' "apply paddepoel"
has '"site":"selwerd","version":2' "apply selwerd"
expect 200 "$(req GET /api/v1/sites/selwerd/config "" "$TOK_S")" "selwerd after apply"
has 'Computer help' "selwerd after apply"
has 'WIJS Selwerd' "selwerd keeps its name"
# a template whose result fails at one site: nothing is applied anywhere
sed 's/"nl", "en"/"nl", "en", "ar"/' "$dir/s1.json" >"$dir/s3.json"
sed -i 's/"nl": "Digitaal", "en": "Phone"/"nl": "Digitaal", "en": "Phone", "ar": "ه"/; s/"nl": "Belasting", "en": "Tax"/"nl": "Belasting", "en": "Tax", "ar": "ض"/' "$dir/s3.json"
expect 200 "$(req PUT /api/v1/sites/selwerd/config "$dir/s3.json")" "selwerd three languages"
expect 400 "$(req POST /api/v1/templates/kinds/apply "$dir/apply.json")" "apply fails at selwerd"
has 'nothing applied' "apply fails"
has 'no label for language \"ar\"' "apply names the key"
expect 200 "$(req GET /api/v1/sites/paddepoel/config/versions)" "paddepoel untouched"
grep -q '"version":5' "$dir/resp" && fail "apply: paddepoel got a version though selwerd failed"
expect 404 "$(req POST /api/v1/templates/nope/apply "$dir/apply.json")" "apply unknown template"

note "the configuration page: summary, versions, diff, save naming the field, rollback"
expect 200 "$(req GET '/sites/paddepoel/config?lang=en&from=1&to=2')" "page"
has 'Computer help' "page summary"
has '10:00-16:00' "page hours"
has '2026-12-25' "page closed days"
has 'admin token' "page versions"
has 'id="diff"' "page diff"
grep -qE '<span class="del">- +&quot;en&quot;: &quot;Phone&quot;<' "$dir/resp" || fail "diff: removed line"
grep -qE '<span class="add">\+ +&quot;en&quot;: &quot;Phone, tablet or computer&quot;<' "$dir/resp" ||
	fail "diff: added line"
grep -qE '<span class="same">  +&quot;nl&quot;: &quot;Digitaal&quot;' "$dir/resp" || fail "diff: same line"
st=$(curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" \
	--data-urlencode do=save --data-urlencode "config@$dir/bad.json" \
	"$URL/sites/paddepoel/config?lang=en")
expect 400 "$st" "page save invalid"
has 'categories[1].label' "page save names the key"
st=$(curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" \
	--data-urlencode do=save --data-urlencode "config@$dir/c2.json" \
	"$URL/sites/paddepoel/config?lang=en")
expect 200 "$st" "page save"
has 'Version 5 saved' "page save"
st=$(curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" \
	-H "Origin: http://evil.example" -d do=rollback -d version=1 "$URL/sites/paddepoel/config")
expect 403 "$st" "page cross-site form"
st=$(curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" \
	-d do=rollback -d version=1 "$URL/sites/paddepoel/config?lang=en")
expect 200 "$st" "page rollback"
has 'Version 6 is now the same as version 1' "page rollback"
expect 200 "$(req GET '/sites?lang=en')" "sites page"
has 'href="/sites/paddepoel/config?lang=en"' "sites page links the configuration"
expect 200 "$(req GET /sites/paddepoel/config)" "page in Dutch"
has 'Soort hulp' "page in Dutch"
has 'Terug naar deze versie' "page in Dutch"
expect 404 "$(req GET /sites/nowhere/config)" "page of an unknown site"
st=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/sites/paddepoel/config")
expect 303 "$st" "page without signing in"
st=$(curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H "Authorization: Bearer $TOK_ADMIN" \
	-d do=enrol -d id=selwerd "$URL/sites?lang=en")
expect 200 "$st" "the sites page's enrolment code button"
grep -qE 'id="code">[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}<' "$dir/resp" ||
	fail "no code on the answer to the button: $(grep -o 'class="msg".\{0,300\}' "$dir/resp")"

note "enrolment: one use, wrong code, expired, throttled"
code=$(cli enrol-code paddepoel 2>/dev/null)
[[ "$code" =~ ^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$ ]] || fail "code form: $code"
enrol() { # CODE: the status
	printf '{"code": "%s"}' "$1" >"$dir/enrol.json"
	curl -s --max-time 10 -o "$dir/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$dir/enrol.json" "$URL/api/v1/enrol"
}
expect 200 "$(enrol "$(echo "$code" | tr 'A-Z' 'a-z' | tr -d -)")" "enrol (typed in lower case)"
has '"site":"paddepoel"' "enrol site"
has '"config":{' "enrol config"
new_tok=$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$dir/resp")
expect 200 "$(req GET /api/v1/sites/paddepoel/config "" "$new_tok")" "the new token works"
expect 401 "$(req GET /api/v1/sites/paddepoel/config "" "$TOK_P")" "the old token is refused"
expect 410 "$(enrol "$code")" "enrol twice"
has 'used already' "enrol twice"
# One code sent by two boxes at the same moment: one gets it, the other 410.
printf '{"code": "%s"}' "$(cli enrol-code selwerd 2>/dev/null)" >"$dir/pair.json"
pair=()
for i in 1 2; do
	curl -s --max-time 10 -o "$dir/pair.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary @"$dir/pair.json" "$URL/api/v1/enrol" >"$dir/pair.code.$i" &
	pair+=($!)
done
wait "${pair[@]}"
[ "$(sort "$dir"/pair.code.* | tr '\n' ' ')" = "200 410 " ] ||
	fail "one code twice at once: $(cat "$dir"/pair.code.* | tr '\n' ' '), want one 200 and one 410"
old=$(LOKET_FAKE_NOW=$(( ($(date +%s) - 25 * 3600) * 1000 )) cli enrol-code selwerd 2>/dev/null)
expect 410 "$(enrol "$old")" "enrol expired"
has 'older than 24 hours' "enrol expired"
expect 403 "$(enrol AAAA-BBBB-CCCC-DDDD)" "enrol wrong"
has 'unknown code' "enrol wrong"
# 5 wrong ones from this address (used, used at once, expired, unknown = 4; one more)
expect 403 "$(enrol nonsense)" "enrol wrong 3"
good=$(cli enrol-code selwerd 2>/dev/null)
expect 429 "$(enrol "$good")" "enrol throttled"
grep -q "enrolment refused" "$dir/log" || fail "no log line of a refused enrolment"

note "saves at once: each its own version number"
conf "At once" >"$dir/once.json"
once=()
for i in 1 2 3 4 5 6; do
	curl -s --max-time 10 -o "$dir/once.$i" -X PUT -H "Authorization: Bearer $TOK_ADMIN" \
		-H 'Content-Type: application/json' --data-binary @"$dir/once.json" \
		"$URL/api/v1/sites/selwerd/config" &
	once+=($!)
done
wait "${once[@]}"
got=$(cat "$dir"/once.* | grep -o '"version":[0-9]*' | sort -u | wc -l)
[ "$got" = 6 ] || fail "6 saves at once: $got version numbers: $(cat "$dir"/once.*)"

note "SIGHUP: a good file is taken, a broken one keeps the old one and names the key"
write_conf "$TOK_ADMIN2"
kill -HUP "$pid"
wait_log "SIGHUP: .* reloaded" || fail "no reload line: $(tail -5 "$dir/log")"
expect 401 "$(req GET /api/v1/sites/paddepoel/config/versions)" "old admin token after reload"
expect 200 "$(req GET /api/v1/sites/paddepoel/config/versions "" "$TOK_ADMIN2")" "new admin token"
sed -i 's/"listen": "127.0.0.1:0"/"listen": "127.0.0.1:1"/' "$dir/central.json"
kill -HUP "$pid"
wait_log "SIGHUP: listen changed: that takes a restart" || fail "listen change not said"
printf '{ "listen": "127.0.0.1:0", "database": "%s", "admin_token_sha256": "xyz" }\n' "$DB" \
	>"$dir/central.json"
kill -HUP "$pid"
wait_log "SIGHUP: .*admin_token_sha256" || fail "broken file: key not named: $(tail -5 "$dir/log")"
grep -q "the configuration running stays" "$dir/log" || fail "broken file: not said"
kill -0 "$pid" 2>/dev/null || fail "central died on a broken file"
expect 200 "$(req GET /api/v1/sites/paddepoel/config/versions "" "$TOK_ADMIN2")" \
	"the running configuration after a broken file"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "central exited $rc after SIGTERM"
if [ "$fails" -ne 0 ]; then
	echo "--- central's log"
	tail -40 "$dir/log"
	echo "config: $fails failures"
	exit 1
fi
echo "config: all passed"
