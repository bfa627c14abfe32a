#!/bin/bash
# The layout of every view x language x screen size, checked the way a
# careful person would look at it (tests/tools/kiosk_check.c): nothing
# overflows, overlaps or is cut short, targets >= 88 px, contrast >= 7:1,
# no text under 18 px, one text size per row of buttons or labels, and the
# screenshots are not blank. The screenshots stay in
# $B/test-out/kiosk-layout/ to look at.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
KIOSK=$BIN/loket-kiosk
CTL=$BIN/loketctl
CHECK=$BIN/tools/kiosk_check
OUT=$PWD/$B/test-out/kiosk-layout
rm -rf "$OUT"
mkdir -p "$OUT"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
export LOKET_LOG=${LOKET_LOG:-info}
export TZ=UTC
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
for f in "$KIOSK" "$CTL" "$CHECK"; do
	[ -x "$f" ] || { echo "missing $f (build it first)"; exit 1; }
done
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
mksite() {
	local dir=$1
	shift
	mkdir -p "$dir"
	sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$dir/site.db\"#" \
		"$@" assets/demo/site.json >"$dir/site.json"
}
kiosk() {
	local dir=$1 view=$2 size=$3 script=$4
	shift 4
	timeout -k 5 150 "$KIOSK" -c "$dir/site.json" --view "$view" --window "$size" \
		--replay "$script" "$@" 2>>"$dir/kiosk.log"
}

# --- layout: every view x language x size ------------------------------------
d=$tmp/matrix
mksite "$d"
for c in digital tax letters homework business other digital tax; do "$CTL" -c "$d/site.json" take $c >/dev/null; done
for k in 1 2 3; do "$CTL" -c "$d/site.json" next --desk $k >/dev/null; done
"$CTL" -c "$d/site.json" serve --desk 1 >/dev/null
"$CTL" -c "$d/site.json" next --desk 1 >/dev/null
langs="nl en ar tr pl uk"
sizes="800x480 1024x600 1280x800 1920x1080 1080x1920"
nchecked=0
for size in $sizes; do
	W=${size%x*}
	H=${size#*x}
	for view in ticket counter display combined; do
		s="$d/$view-$size.txt"
		: >"$s"
		i=0
		for l in $langs; do
			p="$d/$view-$size-$l"
			case $view in
			ticket | combined)
				echo "tap-id lang:$l" >>"$s"
				echo "dump $p-start.json" >>"$s"
				echo "shot $OUT/$view-$size-$l-start.png" >>"$s"
				echo "tap-id category:digital" >>"$s"
				echo "dump $p-ticket.json" >>"$s"
				echo "shot $OUT/$view-$size-$l-ticket.png" >>"$s"
				echo "tap-id ticket-done" >>"$s"
				;;
			counter | display)
				[ $i -gt 0 ] && echo "key L" >>"$s"
				echo "dump $p-main.json" >>"$s"
				echo "shot $OUT/$view-$size-$l-main.png" >>"$s"
				;;
			esac
			if [ "$l" = nl ] || [ "$l" = ar ]; then
				case $view in
				ticket)
					echo "long-press 2 2 2100" >>"$s"
					echo "dump $p-pin.json" >>"$s"
					echo "shot $OUT/$view-$size-$l-pin.png" >>"$s"
					echo "key Escape" >>"$s"
					;;
				counter)
					for o in desk categories; do
						echo "tap-id $o" >>"$s"
						echo "dump $p-$o.json" >>"$s"
						echo "shot $OUT/$view-$size-$l-$o.png" >>"$s"
						echo "key Escape" >>"$s"
					done
					echo "tap-id serve" >>"$s"
					echo "dump $p-outcome.json" >>"$s"
					echo "shot $OUT/$view-$size-$l-outcome.png" >>"$s"
					echo "tap-id outcome:topics" >>"$s"
					echo "dump $p-topics.json" >>"$s"
					echo "shot $OUT/$view-$size-$l-topics.png" >>"$s"
					echo "key Escape" >>"$s"
					echo "key Escape" >>"$s"
					echo "tap-id menu" >>"$s"
					echo "dump $p-menu.json" >>"$s"
					echo "shot $OUT/$view-$size-$l-menu.png" >>"$s"
					echo "key Escape" >>"$s"
					;;
				esac
			fi
			i=$((i + 1))
		done
		echo quit >>"$s"
		# guard times off: this replay is about layout, not debouncing
		if ! LOKET_KIOSK_GUARD_MS=0 kiosk "$d" $view $size "$s"; then
			bad "layout replay $view $size"
			continue
		fi
		for j in "$d/$view-$size"-*.json; do
			base=$(basename "$j" .json)
			if ! "$CHECK" "$j" "$W" "$H" "$OUT/$base.png" >"$d/check.out" 2>&1; then
				bad "layout $base"
				sed 's/^/     /' "$d/check.out" | head -8
			fi
			nchecked=$((nchecked + 1))
		done
	done
done
[ $nchecked -ge 200 ] && ok "layout checked on $nchecked screens (views x languages x sizes)" || bad "only $nchecked layouts checked"

[ $failures -eq 0 ] && echo "all layout checks passed" || echo "$failures layout checks failed"
[ $failures -eq 0 ]
