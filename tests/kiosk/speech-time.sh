#!/bin/bash
# How long the speech worker takes per announcement (voice, espeak-ng
# synthesis, conversion to the device format), as the kiosk logs it
# ("speech nl: ... in X ms"): one display per language sees N recalls of
# A001 (default 20); prints the median, the range and the first one (which
# also loads the language's dictionary). A measurement, not a test: run it
# by hand against the optimised build.
#
#   make && tests/kiosk/speech-time.sh        # B=build/test for the ASan build
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
N=${N:-20}
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy LOKET_LOG=info
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in ${LANGS:-nl en ar tr pl uk}; do
	d=$tmp/$l
	mkdir -p "$d"
	sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$d/site.db\"#" assets/demo/site.json >"$d/site.json"
	"$B/loketctl" -c "$d/site.json" take digital >/dev/null
	"$B/loketctl" -c "$d/site.json" next --desk 3 >/dev/null
	timeout -k 5 300 "$B/loket-kiosk" -c "$d/site.json" --view display --window 800x480 \
		--lang "$l" 2>"$d/log" &
	kp=$!
	until grep -q "first frame" "$d/log"; do sleep 0.05; done
	for i in $(seq "$N"); do
		"$B/loketctl" -c "$d/site.json" recall --desk 3 >/dev/null
		until [ "$(grep -c "speech $l:" "$d/log")" -ge "$i" ]; do
			grep -q "no spoken announcements" "$d/log" && { grep warn "$d/log"; exit 1; }
			sleep 0.05
		done
	done
	kill -TERM $kp
	wait $kp
	grep "speech $l:" "$d/log" | sed 's/.* in \([0-9.]*\) ms$/\1/' >"$d/ms"
	sort -n "$d/ms" | awk -v l="$l" -v first="$(head -1 "$d/ms")" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s: %d announcements, median %.1f ms (min %.1f, max %.1f); the first %.1f ms\n",
			l, NR, m, v[1], v[NR], first }'
done
