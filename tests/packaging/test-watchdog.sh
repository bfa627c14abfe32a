#!/bin/bash
# The watchdog, black-box: the kiosk and loket-syncd run with a stand-in
# for systemd's notification socket (tests/tools/notifysock as
# NOTIFY_SOCKET) and WATCHDOG_USEC=1 s, as systemd starts them under
# WatchdogSec=1s. Each must say READY=1, then WATCHDOG=1 about every half
# second from its loop; stopped with SIGSTOP (a hung loop) the pings stop,
# and after SIGCONT they come again; SIGTERM says STOPPING=1. Without
# NOTIFY_SOCKET nothing is sent and both run as before. Every wait is
# bounded. Also: a kiosk with no working video back end exits 69 with a
# message that names the way out, and does not crash.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
export SDL_AUDIODRIVER=dummy LOKET_SPEECH=0 TZ=UTC LOKET_LOG=info
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
for f in "$BIN/loket-kiosk" "$BIN/loket-syncd" "$BIN/tools/notifysock"; do
	[ -x "$f" ] || { echo "missing $f (build it first)"; exit 1; }
done
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$tmp/site.db\"#" \
	-e "s#\"url\": \"[^\"]*\"#\"url\": \"http://127.0.0.1:9\"#" assets/demo/site.json >"$tmp/site.json"
printf 'watchdog-test-token\n' >"$tmp/token"
chmod 600 "$tmp/token"

# count FILE PATTERN: lines matching
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }
# wait_for FILE PATTERN N SECONDS
wait_for() {
	local end=$((SECONDS + $4))
	while [ $SECONDS -lt "$end" ]; do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# check NAME COMMAND...: the program under a fake systemd
check() {
	local name=$1
	shift
	local sock=$tmp/$name.sock out=$tmp/$name.notify log=$tmp/$name.log
	"$BIN/tools/notifysock" "$sock" 60 >"$out" &
	local lp=$!
	pids+=("$lp")
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000 "$@" 2>"$log" &
	local pp=$!
	pids+=("$pp")
	if wait_for "$out" '^READY=1' 1 30; then
		ok "$name: READY=1 after start-up ($(grep -m1 '^READY=1' "$out"))"
	else
		bad "$name: no READY=1 in 30 s"
		tail -5 "$log"
		return
	fi
	# READY before the first ping: the pings start with the loop
	[ "$(head -1 "$out" | cut -c1-7)" = "READY=1" ] || bad "$name: a datagram before READY=1: $(head -1 "$out")"
	local n0
	n0=$(count "$out" '^WATCHDOG=1$')
	if wait_for "$out" '^WATCHDOG=1$' $((n0 + 3)) 10; then
		ok "$name: WATCHDOG=1 from the loop (3 more within 10 s, WATCHDOG_USEC=1 s)"
	else
		bad "$name: watchdog pings missing ($(count "$out" '^WATCHDOG=1$') after 10 s)"
	fi
	# a hung loop: no ping while stopped for 2 s (systemd would kill it at 1 s)
	kill -STOP "$pp"
	sleep 0.3
	local n1 n2
	n1=$(count "$out" '^WATCHDOG=1$')
	sleep 2
	n2=$(count "$out" '^WATCHDOG=1$')
	kill -CONT "$pp"
	[ "$n1" = "$n2" ] && ok "$name: stopped with SIGSTOP, it pings no more" ||
		bad "$name: pings while stopped ($n1 -> $n2)"
	wait_for "$out" '^WATCHDOG=1$' $((n2 + 2)) 10 && ok "$name: after SIGCONT the pings come again" ||
		bad "$name: no pings after SIGCONT"
	kill -TERM "$pp"
	local rc=0
	wait "$pp" || rc=$?
	wait_for "$out" '^STOPPING=1$' 1 5 && [ $rc -eq 0 ] && ok "$name: SIGTERM: STOPPING=1, exit 0" ||
		bad "$name: STOPPING=1 or exit status ($rc)"
	kill "$lp" 2>/dev/null
}

check kiosk env SDL_VIDEODRIVER=offscreen "$BIN/loket-kiosk" -c "$tmp/site.json" --view display --window 800x480
check syncd "$BIN/loket-syncd" -c "$tmp/site.json"

# --- without systemd: nothing is sent, nothing breaks -------------------------
env -u NOTIFY_SOCKET -u WATCHDOG_USEC SDL_VIDEODRIVER=offscreen timeout --preserve-status -s TERM 2 \
	"$BIN/loket-kiosk" -c "$tmp/site.json" --view ticket --window 800x480 2>"$tmp/plain.log"
rc=$?
[ $rc -eq 0 ] && ! grep -q "watchdog" "$tmp/plain.log" &&
	ok "without NOTIFY_SOCKET: no watchdog, a clean run" || bad "plain run (rc $rc)"

# --- no video back end: a message and 69, not a crash -------------------------
SDL_VIDEODRIVER=nonexistent "$BIN/loket-kiosk" -c "$tmp/site.json" --view ticket 2>"$tmp/novideo.log"
rc=$?
[ $rc -eq 69 ] && grep -q "no video back end works" "$tmp/novideo.log" && grep -q "kmsdrm" "$tmp/novideo.log" &&
	ok "SDL_VIDEODRIVER=nonexistent: a clear message, exit 69" || bad "no video: rc $rc, $(cat "$tmp/novideo.log")"
# (only where no DRM device could give SDL a real screen)
if [ -e /dev/dri ]; then
	echo "skip: /dev/dri exists: the fallback to offscreen is not tried here"
else
	env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER XDG_RUNTIME_DIR="$tmp" \
		timeout -k 5 20 "$BIN/loket-kiosk" -c "$tmp/site.json" --view ticket 2>"$tmp/fallback.log"
	rc=$?
	[ $rc -eq 69 ] && grep -q "nothing would be seen" "$tmp/fallback.log" &&
		ok "no screen at all (SDL would fall back to offscreen): a message, exit 69" ||
		bad "fallback: rc $rc, $(cat "$tmp/fallback.log")"
fi

[ $failures -eq 0 ] && echo "watchdog: all passed" || echo "watchdog: $failures failed"
[ $failures -eq 0 ]
