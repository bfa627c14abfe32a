#!/bin/bash
# Renews the screenshots in docs/screenshots/ (README.md, docs/kiosk.md):
# every view in Dutch and Arabic, on a demo site with an ordinary moment of
# a day: tickets in several languages, three desks calling, loket-syncd up
# to date. Headless (SDL's offscreen driver); nothing else is needed.
#
#   scripts/screenshots.sh            # uses build/ (make first)
#   B=build/test scripts/screenshots.sh
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
KIOSK=$B/loket-kiosk
CTL=$B/loketctl
[ -x "$KIOSK" ] && [ -x "$CTL" ] || { echo "build first: make" >&2; exit 1; }
OUT=docs/screenshots
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy LOKET_SPEECH=0 LOKET_KIOSK_GUARD_MS=0
sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$tmp/site.db\"#" assets/demo/site.json >"$tmp/site.json"
ctl() { "$CTL" -c "$tmp/site.json" "$@" >/dev/null; }
for t in "digital nl" "tax ar" "letters tr" "digital uk" "homework nl" "tax nl" "business pl" \
	"digital ar" "letters nl" "other en"; do
	set -- $t
	ctl take "$1" --lang "$2"
done
ctl next --desk 1 --category digital
ctl next --desk 2 --category tax
ctl next --desk 3 --category letters
now=$(($(date +%s) * 1000))
sqlite3 "$tmp/site.db" "UPDATE meta SET value = (SELECT max(seq) FROM outbox) WHERE key = 'acked_through';
	INSERT OR REPLACE INTO meta(key, value) VALUES ('last_success_ms', $now), ('heartbeat_ms', $now),
	('heartbeat_every_ms', 3600000);"
# shot VIEW SIZE NAME [replay lines...]
shot() {
	local view=$1 size=$2 name=$3
	shift 3
	{
		for l in "$@"; do echo "$l"; done
		echo "shot $OUT/$name.png"
		echo quit
	} >"$tmp/r.txt"
	"$KIOSK" -c "$tmp/site.json" --view "$view" --window "$size" --desk 1 --replay "$tmp/r.txt" \
		2>>"$tmp/kiosk.log"
}
shot ticket 800x480 ticket-nl
shot ticket 800x480 ticket-ar "tap-id lang:ar"
shot ticket 800x480 ticket-issued-nl "tap-id category:homework"
shot ticket 800x480 ticket-issued-ar "tap-id lang:ar" "tap-id category:homework"
shot counter 1024x600 counter-nl
shot counter 1024x600 counter-ar "key L" "key L"
shot counter 1024x600 counter-outcome-nl "tap-id serve"
shot counter 1024x600 counter-outcome-ar "key L" "key L" "tap-id serve"
shot display 1024x600 display-nl
shot display 1024x600 display-ar "key L" "key L"
shot combined 1024x768 combined-nl
shot combined 1024x768 combined-ar "tap-id lang:ar"
echo "screenshots renewed in $OUT/"
