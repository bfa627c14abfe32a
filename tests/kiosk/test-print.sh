#!/bin/bash
# Printed tickets (issue 15 items 1 and 2): a ticket in every language goes
# to a printer whose device is a file (the virtual printer), and
# tests/tools/escpos_check reads the bytes as a printer would (initialise,
# raster, feed, cut; nothing else) and turns each ticket back into a PNG,
# kept in $B/test-out/print/ to look at. A printer that is not there does
# not stop tickets: the screen asks the resident to remember the number,
# the log and the store say the printer is offline.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
KIOSK=$BIN/loket-kiosk
CHECK=$BIN/tools/escpos_check
OUT=$PWD/$B/test-out/print
rm -rf "$OUT"
mkdir -p "$OUT"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=UTC LOKET_KIOSK_GUARD_MS=0
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
site() { # DIR DEVICE [WIDTH]
	mkdir -p "$1"
	sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$1/site.db\", \"printer\": {\"device\": \"$2\", \"width_mm\": ${3:-58}}#" \
		assets/demo/site.json >"$1/site.json"
}
langs="nl en ar tr pl uk"

# --- every language, 58 and 80 mm -------------------------------------------
for width in 58 80; do
	d=$tmp/w$width
	site "$d" "$d/printer.bin" $width
	{
		for l in $langs; do
			echo "tap-id lang:$l"
			echo "tap-id category:tax"
			echo "tap-id ticket-done"
		done
		echo quit
	} >"$d/r.txt"
	timeout -k 5 120 "$KIOSK" -c "$d/site.json" --view ticket --window 800x480 --replay "$d/r.txt" \
		2>"$d/kiosk.log"
	rc=$?
	"$CHECK" "$d/printer.bin" "$OUT/ticket-$width" >"$d/check.out" 2>&1
	crc=$?
	dots=$([ $width = 58 ] && echo 384 || echo 576)
	[ $rc = 0 ] && [ $crc = 0 ] && grep -q '^6 tickets$' "$d/check.out" &&
		[ "$(grep -c "^ticket [0-9]: $dots x [0-9]* dots, \([3-9]\|[1-9][0-9]\)\.[0-9]% ink" "$d/check.out")" = 6 ] &&
		ok "$width mm: 6 tickets, one per language, a stream a printer takes (init, raster, cut), $dots dots wide, inked" ||
		bad "$width mm (rc $rc, check $crc): $(cat "$d/check.out" | head -4)"
done
i=1
for l in $langs; do
	cp "$OUT/ticket-58-$i.png" "$OUT/ticket-$l.png" 2>/dev/null
	i=$((i + 1))
done

# --- the staff menu's test ticket ---------------------------------------------
d=$tmp/test
site "$d" "$d/printer.bin"
printf 'long-press 5 5 2100\ntap-id pin:1\ntap-id pin:2\ntap-id pin:3\ntap-id pin:4\ntap-id pin:ok\ndump %s\ntap-id staff:print-test\ntap-id staff:close\nquit\n' \
	"$d/menu.json" >"$d/r.txt"
timeout -k 5 60 "$KIOSK" -c "$d/site.json" --view ticket --window 800x480 --replay "$d/r.txt" \
	2>"$d/kiosk.log"
grep -q '"id": "staff:print-test"' "$d/menu.json" && "$CHECK" "$d/printer.bin" "$OUT/test-ticket" >"$d/check.out" &&
	grep -q '^1 tickets$' "$d/check.out" && ok "the staff menu prints a test ticket" ||
	bad "test ticket: $(cat "$d/check.out" 2>/dev/null | tail -2)"

# --- a printer that is not there --------------------------------------------
d=$tmp/gone
site "$d" "/dev/loket-no-such-printer"
printf 'tap-id category:digital\ntap-id ticket-done\nwait 600\ntap-id category:digital\ndump %s\nquit\n' \
	"$d/t.json" >"$d/r.txt"
timeout -k 5 60 "$KIOSK" -c "$d/site.json" --view ticket --window 800x480 --replay "$d/r.txt" \
	2>"$d/kiosk.log"
rc=$?
[ $rc = 0 ] && grep -q '"id": "ticket-code"' "$d/t.json" &&
	grep -q 'De printer werkt niet: onthoud uw nummer en neem plaats.' "$d/t.json" &&
	grep -q "the ticket printer is offline" "$d/kiosk.log" &&
	[ "$(sqlite3 "$d/site.db" "select count(*) from tickets")" = 2 ] &&
	[ "$(sqlite3 "$d/site.db" "select value from meta where key = 'printer_state'")" = offline ] &&
	ok "no printer: tickets still issued, the resident asked to remember the number, the store says offline" ||
	bad "missing printer (rc $rc): $(grep -i printer "$d/kiosk.log" | head -3)"

# ... and the counter tells the students
printf 'dump %s\nquit\n' "$d/c.json" >"$d/rc.txt"
timeout -k 5 60 "$KIOSK" -c "$d/site.json" --view counter --window 1024x600 --replay "$d/rc.txt" \
	2>>"$d/kiosk.log"
grep -q '"label": "De ticketprinter werkt niet sinds [0-9-]* *[0-9][0-9]:[0-9][0-9]."' "$d/c.json" &&
	ok "the counter says the ticket printer does not work" || bad "counter: no printer message"

[ $failures -eq 0 ] && echo "printed tickets: all passed (PNGs in $OUT)"
[ $failures -eq 0 ]
