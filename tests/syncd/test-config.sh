#!/bin/bash
# The site follows the office's configuration (issue 13): loket-syncd asks
# for it with every heartbeat (If-None-Match: the version it runs), merges
# a new one into the site file (the local keys stay), keeps the old one as
# site.json.previous, reloads and sends SIGHUP to the running kiosk view,
# which shows the new label. A configuration that fails the site's checks
# is refused: the file stays, the refusal is in the store and in the next
# heartbeat. The office is tests/syncd/fake_office.py, for the site's
# corner cases; tests/syncd/test-office.sh runs the same with the real
# central office.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 0; }
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=UTC LOKET_LOG=info
W=$(mktemp -d /tmp/loket-config.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
# wait_for CMD...: until CMD succeeds, 30 s at most
wait_for() {
	for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
	return 1
}
port=$((20000 + RANDOM % 20000))
mkdir -p "$W/office"
python3 tests/syncd/fake_office.py "$W/office" "$port" 2>"$W/office.log" &
pids+=($!)
wait_for test -e "$W/office/ready" || { echo "FAIL the fake office did not start"; exit 1; }
sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$W/site.db\"#" \
	-e "s#\"url\": \"[^\"]*\"#\"url\": \"http://127.0.0.1:$port\"#" \
	-e "s#\"token_file\": \"[^\"]*\"#\"token_file\": \"$W/token\", \"heartbeat_seconds\": 1#" \
	assets/demo/site.json >"$W/site.json"
printf 'test-token-0123456789abcdef\n' >"$W/token"
chmod 600 "$W/token"
"$BIN/loketctl" -c "$W/site.json" take digital >/dev/null
# the office's configuration: the site's managed keys with a new label
python3 - "$W/site.json" "$W/office/config.json" <<'PY'
import json, sys
site = json.load(open(sys.argv[1]))
keep = {"site": {"name": "WIJS Paddepoel (kantoor)"}}
for k in ("languages", "categories", "referrals", "desks", "kiosk"):
    if k in site:
        keep[k] = site[k]
keep["categories"][0]["label"]["nl"] = "Hulp met je telefoon"
keep["closed_days"] = ["2026-12-25"]
json.dump(keep, open(sys.argv[2], "w"), ensure_ascii=False)
PY
echo '"v1"' >"$W/office/etag"
printf 'dump %s\nwait-file %s\ndump %s\nquit\n' "$W/c0.json" "$W/go" "$W/c1.json" >"$W/r.txt"
"$BIN/loket-kiosk" -c "$W/site.json" --view counter --window 1024x600 --replay "$W/r.txt" \
	2>"$W/kiosk.log" &
kp=$!
pids+=($kp)
wait_for test -s "$W/c0.json" || bad "the counter did not start"
"$BIN/loket-syncd" -c "$W/site.json" 2>"$W/syncd.log" &
sp=$!
pids+=($sp)
wait_for grep -q "asked the counter:1 view (pid $kp) to reload" "$W/syncd.log" ||
	bad "syncd did not ask the counter to reload: $(grep -i 'config\|reload' "$W/syncd.log" | tail -3)"
wait_for grep -q "reloaded $W/site.json" "$W/kiosk.log"
touch "$W/go"
wait $kp
grep -q '"Hulp met je telefoon"' "$W/site.json" && grep -q '"name": "WIJS Paddepoel (kantoor)"' "$W/site.json" &&
	grep -q "\"database\": \"$W/site.db\"" "$W/site.json" && grep -q '"heartbeat_seconds": 1' "$W/site.json" &&
	grep -q '"2026-12-25"' "$W/site.json" && grep -q '"Telefoon, tablet of computer"' "$W/site.json.previous" &&
	ok "the office's configuration merged into site.json (local keys kept), the old one in site.json.previous" ||
	bad "merged file: $(head -c 300 "$W/site.json")"
grep -q '"label": "Hulp met je telefoon"' "$W/c1.json" && ! grep -q '"label": "Hulp met je telefoon"' "$W/c0.json" &&
	ok "the running counter got SIGHUP and shows the new label" || bad "the counter did not show the new label"
wait_for grep -q '"config_version":"\\"v1\\""' "$W/office/heartbeat.json" &&
	wait_for grep -q '"config_version":"\\"v1\\""' "$W/office/profile.json" &&
	ok "the heartbeat and the profile say which configuration the site runs" ||
	bad "config_version: $(cat "$W/office/heartbeat.json")"
# a configuration that fails the site's checks: refused, the file stays
cp "$W/site.json" "$W/before.json"
cp "$W/office/config.json" "$W/good-config.json"
python3 - "$W/office/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c["categories"][1]["label"]["ar"]
json.dump(c, open(sys.argv[1], "w"), ensure_ascii=False)
PY
echo '"v2"' >"$W/office/etag"
wait_for grep -q "configuration \"v2\" is refused" "$W/syncd.log"
wait_for grep -q 'config_refused":"version \\"v2\\": ' "$W/office/heartbeat.json" &&
	cmp -s "$W/site.json" "$W/before.json" && grep -q 'no label for language \\"ar\\"' "$W/office/heartbeat.json" &&
	ok "a configuration that fails the checks is refused: the file stays, the heartbeat says why" ||
	bad "refusal: $(grep -i refused "$W/syncd.log" | head -2); $(cat "$W/office/heartbeat.json")"
n1=$(grep -c 'is refused' "$W/syncd.log")
# two more asks for the configuration: the refused version is remembered
# (If-None-Match: "v2"), so it is not fetched and refused again
gets_at_least() { [ "$(wc -l <"$W/office/config-gets")" -ge "$1" ]; }
gets=$(wc -l <"$W/office/config-gets")
wait_for gets_at_least $((gets + 2)) || bad "syncd stopped asking"
tail -1 "$W/office/config-gets" | grep -q '"v2"' || bad "asked without the refused version: $(tail -1 "$W/office/config-gets")"
kill -TERM $sp
wait $sp
n2=$(grep -c 'is refused' "$W/syncd.log")
[ "$n1" -ge 1 ] && [ "$n2" = "$n1" ] && ok "a refused version is not refused again at every heartbeat" || bad "refused $n1 then $n2 times"

# --- a new site box with one code ----------------------------------------
N=$W/newbox
mkdir -p "$N"
echo "code-4711" >"$W/office/enrol-code"
cp "$W/good-config.json" "$W/office/config.json"
"$BIN/loket-syncd" -c "$N/site.json" --enrol "http://127.0.0.1:$port" code-0000 2>"$W/enrol-bad.log"
rc=$?
[ $rc = 77 ] && grep -q "does not take this code" "$W/enrol-bad.log" && [ ! -e "$N/site.json" ] &&
	ok "a wrong code: a clear message, exit 77, nothing written" || bad "wrong code: rc $rc $(cat "$W/enrol-bad.log")"
"$BIN/loket-syncd" -c "$N/site.json" --enrol "http://127.0.0.1:$port" code-4711 >"$W/enrol.out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(stat -c %a "$N/token")" = 600 ] && grep -q enrolled-token "$N/token" &&
	"$BIN/loketctl" -c "$N/site.json" check-config >/dev/null 2>&1 &&
	grep -q '"Hulp met je telefoon"' "$N/site.json" && grep -q "\"url\": \"http://127.0.0.1:$port\"" "$N/site.json" &&
	"$BIN/loket-syncd" -c "$N/site.json" --check-config >/dev/null 2>&1 &&
	ok "enrolled with one code: the token file (0600) and a configuration that passes the checks" ||
	bad "enrol: rc $rc $(cat "$W/enrol.out")"
"$BIN/loket-syncd" -c "$N/site.json" --enrol "http://127.0.0.1:$port" code-4711 2>"$W/enrol-again.log"
rc=$?
[ $rc = 77 ] && ok "a used code: exit 77" || bad "used code: rc $rc"

# checks come first: a file of another site, or a token syncd could not
# read, is refused before anything is written (and the code stays unused
# only at the office's discretion: it was sent)
O=$W/otherbox
mkdir -p "$O"
sed -e 's/"id": "paddepoel"/"id": "selwerd"/' "$W/site.json" >"$O/site.json"
cp "$O/site.json" "$O/site.json.orig"
echo "code-1" >"$W/office/enrol-code"
"$BIN/loket-syncd" -c "$O/site.json" --enrol "http://127.0.0.1:$port" code-1 2>"$W/enrol-other.log"
rc=$?
[ $rc = 78 ] && grep -q 'is site "selwerd", the code is for "paddepoel"' "$W/enrol-other.log" &&
	cmp -s "$O/site.json" "$O/site.json.orig" && [ ! -e "$O/site.json.previous" ] &&
	ok "a code for another site: refused before the file is touched" || bad "another site: rc $rc $(cat "$W/enrol-other.log")"
B2=$W/badtoken
mkdir -p "$B2"
echo "code-2" >"$W/office/enrol-code"
printf 'two words\n' >"$W/office/enrol-token"
"$BIN/loket-syncd" -c "$B2/site.json" --enrol "http://127.0.0.1:$port" code-2 2>"$W/enrol-badtoken.log"
rc=$?
rm -f "$W/office/enrol-token"
[ $rc = 76 ] && [ ! -e "$B2/site.json" ] && [ ! -e "$B2/token" ] &&
	ok "a token loket-syncd could not read: refused, nothing written" || bad "bad token: rc $rc $(cat "$W/enrol-badtoken.log")"

# A new store another program holds locked past the busy timeout when
# syncd starts (it must write the schema): syncd says so and tries again,
# it does not exit.
L=$W/locked
mkdir -p "$L"
sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$L/site.db\"#" "$W/site.json" >"$L/site.json"
python3 - "$L/site.db" "$L/syncd.log" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".held", "w").close()
for _ in range(900):  # until syncd says it tries again (90 s at most)
    if os.path.exists(sys.argv[2]) and "trying again" in open(sys.argv[2]).read():
        break
    time.sleep(0.1)
db.execute("ROLLBACK")
PY
holder=$!
pids+=($holder)
wait_for test -e "$L/site.db.held" || bad "the lock holder did not start"
"$BIN/loket-syncd" -c "$L/site.json" 2>"$L/syncd.log" &
lp=$!
pids+=($lp)
wait_for grep -q "trying again" "$L/syncd.log" && wait_for grep -q "the central office has the site's profile" "$L/syncd.log" &&
	kill -0 $lp 2>/dev/null && ok "a store locked at start: syncd tries again and runs" ||
	bad "a store locked at start: $(tail -3 "$L/syncd.log")"
kill $lp 2>/dev/null
wait $lp $holder 2>/dev/null

[ $failures -eq 0 ] && echo "config from the office: all passed"
[ $failures -eq 0 ]
