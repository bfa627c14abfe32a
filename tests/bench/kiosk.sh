#!/bin/bash
# make bench: loket-kiosk against the goals of issue 5, next to Chromium
# (headless) showing an equivalent local HTML page when /usr/bin/chromium
# exists.
#
#   start to first frame   process start -> screenshot written -> exit, 800x480
#                          (median of BENCH_RUNS), offscreen and under Xvfb;
#                          plus the kiosk's own "first frame after N ms"
#   memory                 peak RSS (VmHWM) and PSS of the running kiosk
#   idle CPU               utime+stime over BENCH_IDLE_S seconds (default 60)
#                          of the combined view, which polls the database 3x/s
#   tap to frame           tap handled -> frame presented, median and p99 over
#                          400 taps that each change the screen
set -u
B=${B:-build}
KIOSK=$B/loket-kiosk
RUNS=${BENCH_RUNS:-10}
IDLE_S=${BENCH_IDLE_S:-60}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-kiosk-bench.XXXXXX")
xpid=""
cleanup() {
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
[ -x "$KIOSK" ] || { echo "no $KIOSK: run make first"; exit 1; }
sed "s#\"database\": \"[^\"]*\"#\"database\": \"$dir/site.db\"#" assets/demo/site.json >"$dir/site.json"
export SDL_AUDIODRIVER=dummy LOKET_LOG=info
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }

printf 'shot %s/first.png\nquit\n' "$dir" >"$dir/first.txt"
start_to_shot() { # driver
	for _ in $(seq "$RUNS"); do
		t0=$(ms)
		SDL_VIDEODRIVER=$1 "$KIOSK" -c "$dir/site.json" --view ticket --window 800x480 \
			--replay "$dir/first.txt" 2>>"$dir/first-$1.log" || return 1
		echo $(($(ms) - t0))
	done
}

echo "== loket-kiosk (build: $KIOSK)"
off=$(start_to_shot offscreen | median)
self=$(sed -n 's/.*first frame after \([0-9]*\) ms.*/\1/p' "$dir/first-offscreen.log" | median)
echo "start to screenshot, offscreen:  median $off ms  (kiosk's own start to first frame: $self ms)"
x11="-"
if command -v Xvfb >/dev/null; then
	Xvfb :87 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
	xpid=$!
	for _ in $(seq 50); do [ -e /tmp/.X11-unix/X87 ] && break; sleep 0.1; done
	x11=$(DISPLAY=:87 start_to_shot x11 | median)
	echo "start to screenshot, Xvfb (x11): median $x11 ms"
fi

# memory and idle CPU: the combined view running untouched
drv=offscreen
[ -n "$xpid" ] && drv=x11
DISPLAY=:87 SDL_VIDEODRIVER=$drv "$KIOSK" -c "$dir/site.json" --view combined --window 800x480 \
	2>"$dir/idle.log" &
kp=$!
sleep 2
cpu0=$(awk '{print $14 + $15}' /proc/$kp/stat)
t0=$(ms)
sleep "$IDLE_S"
cpu1=$(awk '{print $14 + $15}' /proc/$kp/stat)
t1=$(ms)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$kp/status)
pss=$(awk '/^Pss:/ {print $2}' /proc/$kp/smaps_rollup)
kill $kp
wait $kp 2>/dev/null
tck=$(getconf CLK_TCK)
idle=$(awk -v c=$((cpu1 - cpu0)) -v t=$((t1 - t0)) -v k="$tck" 'BEGIN {printf "%.3f", c / k / (t / 1000) * 100}')
echo "memory ($drv, combined view): peak RSS $((hwm / 1024)) MiB, PSS $((pss / 1024)) MiB"
echo "idle CPU over ${IDLE_S} s: ${idle}%  ($((cpu1 - cpu0)) ticks of 1/$tck s)"

# tap to frame: 400 taps, each changes the screen (language, ticket, back)
awk 'BEGIN {
	split("nl en ar tr pl uk", l, " ")
	for (i = 0; i < 100; i++) {
		print "tap-id lang:" l[i % 6 + 1]
		print "tap-id category:digital"
		print "tap-id ticket-done"
		print "tap-id lang:nl"
	}
	print "quit"
}' >"$dir/taps.txt"
LOKET_KIOSK_GUARD_MS=0 SDL_VIDEODRIVER=offscreen "$KIOSK" -c "$dir/site.json" --view ticket \
	--window 800x480 --replay "$dir/taps.txt" 2>"$dir/taps.log"
tap=$(sed -n 's/.*tap to frame: \(.*\)/\1/p' "$dir/taps.log")
echo "tap to frame (offscreen, 800x480; includes the SQLite commit of each ticket): $tap"
tap_med=$(sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' "$dir/taps.log")

echo "goals: first frame < 150 ms, < 40 MB, idle CPU < 0.1%, tap to frame < 16.7 ms"

CHROME=""
for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && CHROME=$c && break; done
if [ -z "$CHROME" ]; then
	echo "== chromium not installed, skipped (Debian package: chromium)"
	exit 0
fi
echo "== Chromium headless ($CHROME), an equivalent ticket page at 800x480"
cat >"$dir/page.html" <<'EOF'
<!doctype html><html lang="nl"><meta charset="utf-8"><title>loket</title>
<style>body{margin:0;font-family:"Noto Sans",sans-serif;background:#F3F0E8;color:#14213D}
header{background:#14213D;color:#fff;text-align:center;font:bold 24px "Noto Sans";padding:14px}
nav{display:flex;gap:8px;padding:8px}nav button{flex:1;height:88px;font-size:22px;background:#fff;border:2px solid #14213D;border-radius:12px}
p{text-align:center;font-weight:bold}main{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;padding:8px}
main button{height:120px;font:bold 22px "Noto Sans";background:#fff;border:3px solid #14213D;border-radius:14px}</style>
<header>Welkom bij WIJS Paddepoel</header>
<nav><button>Nederlands</button><button>English</button><button>العربية</button><button>Türkçe</button><button>Polski</button><button>Українська</button></nav>
<p>Waarmee wilt u hulp? Tik erop.</p>
<main><button>📱 Telefoon, tablet of computer</button><button>Belasting en toeslagen</button><button>Brieven en formulieren</button>
<button>Huiswerk</button><button>Een bedrijf beginnen</button><button>Iets anders</button></main></html>
EOF
peak_pss() { # pid: sums PSS of the process tree every 20 ms until it exits
	local peak=0
	while kill -0 "$1" 2>/dev/null; do
		local sum=0
		for p in $(pgrep -g "$(ps -o pgid= "$1" | tr -d ' ')" 2>/dev/null); do
			v=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null)
			sum=$((sum + ${v:-0}))
		done
		[ $sum -gt $peak ] && peak=$sum
		sleep 0.02
	done
	echo $peak
}
times=()
peaks=()
for _ in $(seq 5); do
	t0=$(ms)
	setsid "$CHROME" --headless --disable-gpu --no-sandbox --window-size=800,480 \
		--screenshot="$dir/chrome.png" "file://$dir/page.html" >/dev/null 2>&1 &
	cp=$!
	pk=$(peak_pss $cp)
	wait $cp
	times+=($(($(ms) - t0)))
	peaks+=($pk)
done
cmed=$(printf '%s\n' "${times[@]}" | median)
cpk=$(printf '%s\n' "${peaks[@]}" | median)
echo "start to screenshot: median $cmed ms; peak PSS $((cpk / 1024)) MiB (summed over its processes)"
awk -v k="$off" -v c="$cmed" -v km="$pss" -v cm="$cpk" 'BEGIN {
	printf "ratios: start %.1fx faster, memory %.1fx smaller (goals: 10x, 5x)\n", c / k, cm / km }'
[ -n "$tap_med" ] || true
