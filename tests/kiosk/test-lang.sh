#!/bin/bash
# Taps mean what the finger meant (issue 10): a double tap on a language
# selects that language from every other language, also from and into a
# right-to-left one (the row keeps its place: it used to mirror under the
# finger, so from Arabic a double tap on "English" gave Polish), and "Done"
# on a ticket returns the kiosk at once to the site's first language.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
KIOSK=$BIN/loket-kiosk
[ -x "$KIOSK" ] || { echo "missing $KIOSK (build it first)"; exit 1; }
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=UTC
export LOKET_KIOSK_GUARD_MS=0 # both taps of the double tap count
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$tmp/site.db\"#" assets/demo/site.json >"$tmp/site.json"
langs=$(tr -d '\n' <assets/demo/site.json | sed -n 's/.*"languages": *\[\([^]]*\)\].*/\1/p' | tr -d '" ' | tr ',' '\n')
failures=0
run() { timeout -k 5 60 "$KIOSK" -c "$tmp/site.json" --view ticket --window 800x480 --replay "$1" 2>>"$tmp/kiosk.log"; }
# The dump's controls, one JSON object a line.
objects() { tr -d ' \n' <"$1" | sed 's/},{/}\n{/g'; }
# The centre of control $2 in dump $1.
centre() {
	objects "$1" | grep "\"id\":\"$2\"" |
		sed -n 's/.*"rect":\[\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1 \2 \3 \4/p' |
		{ read -r x y w h && echo "$((x + w / 2)) $((y + h / 2))"; }
}
# The language whose button is drawn selected (ink background) in dump $1.
selected() {
	objects "$1" | grep '"id":"lang:[a-z-]*".*"bg":"#14213D"' |
		sed 's/.*"id":"lang:\([a-z-]*\)".*/\1/'
}
for from in $langs; do
	# Where each language is, as the finger sees it on the "from" screen.
	printf 'tap-id lang:%s\nwait 50\ndump %s\nquit\n' "$from" "$tmp/at-$from.json" >"$tmp/r0.txt"
	run "$tmp/r0.txt" || { echo "FAIL the kiosk did not run from $from"; failures=$((failures + 1)); continue; }
	: >"$tmp/r.txt"
	for to in $langs; do
		[ "$to" = "$from" ] && continue
		xy=$(centre "$tmp/at-$from.json" "lang:$to")
		printf 'tap-id lang:%s\nwait 50\ntap %s\nwait 30\ntap %s\nwait 50\ndump %s\n' \
			"$from" "$xy" "$xy" "$tmp/$from-$to.json" >>"$tmp/r.txt"
	done
	echo quit >>"$tmp/r.txt"
	run "$tmp/r.txt" || { echo "FAIL the double taps from $from did not run"; failures=$((failures + 1)); continue; }
	for to in $langs; do
		[ "$to" = "$from" ] && continue
		got=$(selected "$tmp/$from-$to.json")
		[ "$got" = "$to" ] || { echo "FAIL double tap on $to from $from selected ${got:-nothing}"; failures=$((failures + 1)); }
	done
done
# Done returns to the first language at once.
first=$(echo "$langs" | head -1)
printf 'tap-id lang:ar\nwait 50\ntap-id category:digital\nwait 100\ntap-id ticket-done\nwait 50\ndump %s\nquit\n' \
	"$tmp/done.json" >"$tmp/rd.txt"
if run "$tmp/rd.txt"; then
	got=$(selected "$tmp/done.json")
	[ "$got" = "$first" ] || { echo "FAIL after Done the kiosk is in ${got:-nothing}, not $first"; failures=$((failures + 1)); }
else
	echo "FAIL the Done replay did not run: $(tail -n 3 "$tmp/kiosk.log")"
	failures=$((failures + 1))
fi
[ $failures -eq 0 ] || exit 1
echo "kiosk: a double tap selects each language from each other one; Done returns to $first"
