#!/bin/bash
# Renews the pictures of the central office's pages in docs/screenshots/
# (docs/central.md): a demo office with three sites that lived through a
# week (tickets taken, called and served with loketctl under LOKET_FAKE_NOW,
# delivered by loket-syncd), heartbeats saying one site is fine, one closed
# for the night and one with its printer offline, a managed configuration
# in two versions, two accounts and the audit log they left. Each page is
# fetched as an admin would see it and drawn by headless Chromium.
#
#   scripts/central-screenshots.sh            # uses build/ (make first)
#   B=build/test scripts/central-screenshots.sh
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
OUT=${OUT:-docs/screenshots}
CHROME=
for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && CHROME=$c && break; done
[ -n "$CHROME" ] || { echo "needs chromium (Debian package chromium)" >&2; exit 1; }
for p in loket-central loket-syncd loketctl; do
	[ -x "$B/$p" ] || { echo "build first: make ($B/$p)" >&2; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export LOKET_ARGON2_MEMORY_KIB=1024 LOKET_ARGON2_TIME=1

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ADMIN=demo-admin-token-$RANDOM$RANDOM
mkdir -p "$tmp/office"
cat >"$tmp/office/central.json" <<JSON
{"listen": "127.0.0.1:0", "database": "central.db", "admin_token_sha256": "$(sha "$ADMIN")"}
JSON
C=("$B/loket-central" -c "$tmp/office/central.json")
"${C[@]}" 2>"$tmp/office/log" &
pids+=($!)
port=
for _ in $(seq 1 100); do
	port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$tmp/office/log" | cut -d: -f2 || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/office/log"; exit 1; }
URL=http://127.0.0.1:$port
get() { curl -sf --max-time 20 -H "Authorization: Bearer $ADMIN" "$URL$1"; }

# three sites, a week each: mornings of ordinary visits
names=("WIJS Paddepoel" "Buurthuis Vinkhuizen" "Voedselbank Selwerd")
ids=(paddepoel vinkhuizen selwerd)
day0=$(date -d "today 00:00" +%s)
for i in 0 1 2; do
	id=${ids[$i]}
	d=$tmp/$id
	mkdir -p "$d"
	"${C[@]}" site add "$id" "${names[$i]}" >"$d/token" 2>/dev/null
	chmod 600 "$d/token"
	sed -e 's/"database": "[^"]*"/"database": "site.db"/' -e "s#\"url\": \"[^\"]*\"#\"url\": \"$URL\"#" \
	    -e "s/\"id\": \"paddepoel\", \"name\": \"WIJS Paddepoel\"/\"id\": \"$id\", \"name\": \"${names[$i]}\"/" \
	    -e '1s/^{/{ "hours": { "mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-13:00"] },/' \
	    assets/demo/site.json >"$d/site.json"
	# a morning at two desks: residents every 2-8 minutes, each called by the
	# first desk free and helped for 6-25 minutes (python3 plans, loketctl acts)
	python3 - "$day0" "$i" "$RANDOM" >"$d/plan" <<'PY'
import random, sys
day0, site, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
cats = ["digital", "tax", "letters", "homework", "business", "other"]
langs = ["nl", "nl", "nl", "ar", "tr", "pl", "uk", "en"]
outs = ["solved", "solved", "solved", "referred", "follow_up"]
acts = []
for back in range(6, 0, -1):
    t0 = (day0 - back * 86400 + 9 * 3600) * 1000
    if (day0 // 86400 - back + 3) % 7 in (5, 6):  # Saturday, Sunday (1970-01-01 was a Thursday)
        continue
    t, free = t0 + 5 * 60000, [t0, t0]
    for k in range(rnd.randint(14, 24) - 3 * site):
        t += rnd.randint(2, 8) * 60000
        acts.append((t, 0, "take %s --lang %s" % (rnd.choice(cats), rnd.choice(langs))))
        d = 0 if free[0] <= free[1] else 1
        call = max(t + 30000, free[d])
        end = call + rnd.randint(6, 25) * 60000
        free[d] = end + 60000
        acts.append((call, 1, "next --desk %d" % (d + 1)))
        if rnd.random() < 0.1:
            acts.append((end - 4 * 60000, 2, "no-show --desk %d" % (d + 1)))
        else:
            acts.append((end, 2, "serve --desk %d --outcome %s --first-visit %s"
                         % (d + 1, rnd.choice(outs), rnd.choice(["yes", "no"]))))
    last = max(free) + 60000
    acts += [(last, 3, "desk close 1"), (last, 3, "desk close 2")]
for ms, _, cmd in sorted(acts):
    print(ms, cmd)
PY
	while read -r ms cmd; do
		# shellcheck disable=SC2086
		LOKET_FAKE_NOW=$ms "$B/loketctl" -c "$d/site.json" $cmd >/dev/null 2>>"$d/ctl.log" || true
	done <"$d/plan"
	"$B/loket-syncd" -c "$d/site.json" --once 2>"$d/syncd.log" || { cat "$d/syncd.log"; exit 1; }
	# the daemon sends the profile (the labels of its kinds of help) at start
	"$B/loket-syncd" -c "$d/site.json" 2>>"$d/syncd.log" &
	syncd=$!
	for _ in $(seq 1 100); do
		grep -q "PUT /api/v1/sites/$id/profile 204" "$tmp/office/log" && break
		sleep 0.1
	done
	kill "$syncd"
	wait "$syncd" 2>/dev/null || true
done

# heartbeats: paddepoel fine, vinkhuizen's printer offline, selwerd silent
# since Friday noon (closed over the weekend if today is one)
now=$(date +%s%3N)
iso() { date -d "@$(( $1 / 1000 ))" +%Y-%m-%dT%H:%M:%S.000%:z; }
sched='"schedule":{"hours":{"mon":["09:00-17:00"],"tue":["09:00-17:00"],"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-13:00"]},"day_change":"00:00"}'
beat() { # SITE JSON
	curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$tmp/$1/token")" -H 'Content-Type: application/json' \
		--data-binary "$2" "$URL/api/v1/sites/$1/heartbeat"
}
views() { printf '[{"name":"ticket","alive":"%s","every_s":15,"running":true},{"name":"counter:1","alive":"%s","every_s":15,"running":true},{"name":"display","alive":"%s","every_s":15,"running":true}]' "$(iso "$now")" "$(iso "$now")" "$(iso "$now")"; }
beat paddepoel "{\"software\":\"0.1.0\",\"config_version\":\"v2\",\"backlog\":0,\"disk_free_bytes\":80000000000,\"disk_total_bytes\":120000000000,\"views\":$(views),$sched,\"clock\":\"$(iso "$now")\"}"
beat vinkhuizen "{\"software\":\"0.1.0\",\"backlog\":0,\"disk_free_bytes\":9000000000,\"disk_total_bytes\":120000000000,\"views\":$(views),\"printer\":{\"state\":\"offline\",\"since\":\"$(iso $((now - 1800000)))\"},$sched,\"clock\":\"$(iso "$now")\"}"
beat selwerd "{\"software\":\"0.1.0\",\"backlog\":12,\"oldest_unsent_age_s\":30,\"disk_free_bytes\":9000000000,\"disk_total_bytes\":120000000000,\"views\":$(views),$sched,\"clock\":\"$(iso "$now")\"}"
sqlite3 "$tmp/office/central.db" "UPDATE site_health SET received_ms = received_ms - 26 * 3600000 WHERE site = (SELECT id FROM sites WHERE name = 'selwerd');
	UPDATE sites SET last_sync_ms = last_sync_ms - 26 * 3600000 WHERE name = 'selwerd'"

# a managed configuration in two versions, people, and what they did
python3 - "$tmp/paddepoel/site.json" "$tmp/v1.json" "$tmp/v2.json" <<'PY'
import json, sys
site = json.load(open(sys.argv[1]))
keep = ["languages", "categories", "referrals", "hours", "closed_days", "day_change", "desks", "kiosk"]
v1 = {"site": {"name": site["site"]["name"]}}
v1.update({k: site[k] for k in keep if k in site})
json.dump(v1, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)
v1["categories"][0]["label"]["en"] = "Phone, tablet, computer or DigiD"
v1["closed_days"] = ["2026-12-25", "2026-12-26"]
json.dump(v1, open(sys.argv[3], "w"), ensure_ascii=False, indent=2)
PY
for v in v1 v2; do
	curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/$v.json" "$URL/api/v1/sites/paddepoel/config"
done
echo 'a long demo password' | "${C[@]}" user add anna --role admin 2>/dev/null
echo 'another demo password' | "${C[@]}" user add bram --role viewer --sites vinkhuizen 2>/dev/null
"${C[@]}" site enrol-code selwerd >/dev/null 2>&1 || true

# draw PAGE NAME [HEIGHT]
draw() {
	get "$1" >"$tmp/page.html"
	"$CHROME" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
		--window-size=1280,"${3:-1000}" --screenshot="$OUT/$2.png" "file://$tmp/page.html" 2>/dev/null
	echo "$OUT/$2.png"
}
mkdir -p "$OUT"
draw "/sites?lang=en" central-sites-en 700
draw "/sites" central-sites-nl 700
draw "/sites/paddepoel/config?lang=en&diff=1-2" central-config-en 1500
draw "/people?lang=en" central-people-en 700
draw "/audit?lang=en" central-audit-en 700
draw "/?lang=en" central-dashboard-en 1800
curl -sf "$URL/login?lang=en" >"$tmp/page.html"
"$CHROME" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,600 \
	--screenshot="$OUT/central-login-en.png" "file://$tmp/page.html" 2>/dev/null
echo "$OUT/central-login-en.png"
