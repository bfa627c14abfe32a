#!/bin/bash
# make run: a demo site on this machine, with embedded defaults.
#
#   loket-central on 127.0.0.1:8080 (dashboard: http://127.0.0.1:8080/,
#                 admin token "demo-admin")
#   loket-syncd   pushing the site's outbox to it
#   loket-kiosk   the combined view (display + ticket buttons) and a
#                 counter window for desk 1
#
# Everything lives in build/demo/ (delete it to start over). Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
demo=$PWD/$B/demo
port=${LOKET_DEMO_PORT:-8080}
mkdir -p "$demo"

# The site: the demo configuration with its database and token file here.
sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$demo/paddepoel.db\"#" \
	-e "s#\"url\": \"[^\"]*\"#\"url\": \"http://127.0.0.1:$port\"#" \
	-e "s#\"token_file\": \"[^\"]*\"#\"token_file\": \"$demo/token\"#" \
	assets/demo/site.json >"$demo/site.json"
(umask 077 && printf 'demo-token-paddepoel' >"$demo/token")
chmod 600 "$demo/token"

# The central office.
if [ -f assets/demo/central.json ]; then
	sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$demo/central.db\"#" \
		-e "s#\"listen\": \"[^\"]*\"#\"listen\": \"127.0.0.1:$port\"#" \
		assets/demo/central.json >"$demo/central.json"
fi

pids=()
names=()
# Stopped newest first: the kiosks (the counter closes its desk) before
# the virtual display they draw on, and the sync daemon after them.
cleanup() {
	trap - EXIT INT TERM
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
started() { pids+=("$1"); names+=("$2"); }

# A taken port is said plainly, not found out later.
if [ -x "$B/loket-central" ] && [ -f "$demo/central.json" ] &&
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	echo "port $port on 127.0.0.1 is already in use (another loket-central or another program)." >&2
	echo "Stop that program, or choose another port: LOKET_DEMO_PORT=8081 make run" >&2
	exit 1
fi

if [ -x "$B/loket-central" ] && [ -f "$demo/central.json" ]; then
	"$B/loket-central" -c "$demo/central.json" 2>>"$demo/central.log" &
	started $! loket-central
	up=0
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && { up=1; break; }
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	if [ $up = 0 ]; then
		echo "loket-central did not start; the end of its log ($demo/central.log):" >&2
		tail -n 5 "$demo/central.log" >&2
		exit 1
	fi
	echo "central office: http://127.0.0.1:$port/  (admin token: demo-admin; log: $demo/central.log)"
else
	echo "loket-central is not built: running the site without a central office"
fi
if [ -x "$B/loket-syncd" ]; then
	"$B/loket-syncd" -c "$demo/site.json" 2>>"$demo/syncd.log" &
	started $! loket-syncd
	echo "sync daemon: log in $demo/syncd.log"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
	echo "no display found (DISPLAY/WAYLAND_DISPLAY unset): starting a virtual one (Xvfb :77)"
	# Its own session: Ctrl-C reaches the kiosks, which then close their desks
	# while the display is still there; cleanup stops it last.
	setsid Xvfb :77 -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
	started $! Xvfb
	export DISPLAY=:77
	for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done || true
fi
echo "site database: $demo/paddepoel.db   try: $B/loketctl -c $demo/site.json status"
echo "staff corner: long-press a top corner, PIN 1234. Ctrl-C here stops everything."
kiosks=0
if [ -x "$B/loket-kiosk" ]; then
	"$B/loket-kiosk" -c "$demo/site.json" --view combined --window 1024x768 &
	started $! "the kiosk window (combined view)"
	"$B/loket-kiosk" -c "$demo/site.json" --view counter --desk 1 --window 800x600 &
	started $! "the counter window (desk 1)"
	kiosks=2
	# Side by side, so neither hides the other (also without a window
	# manager): the kiosk at the left, the counter to its right.
	if command -v xdotool >/dev/null; then
		for _ in $(seq 50); do
			k=$(xdotool search --name '^loket$' 2>/dev/null | head -1 || true)
			c=$(xdotool search --name ' counter$' 2>/dev/null | head -1 || true)
			[ -n "$k" ] && [ -n "$c" ] && break
			sleep 0.1
		done
		# SDL centres a new window once it is mapped: move until it stays.
		for _ in $(seq 20); do
			[ -z "${k:-}" ] || xdotool windowmove "$k" 0 0 2>/dev/null || true
			[ -z "${c:-}" ] || xdotool windowmove "$c" 1040 0 2>/dev/null || true
			sleep 0.1
			[ -z "${c:-}" ] || xdotool getwindowgeometry "$c" 2>/dev/null | grep -q 'Position: 1040,0' && break
		done
	fi
else
	echo "loket-kiosk is not built; the store works from loketctl alone"
fi

# One part stopping leaves the others running: the site works on without
# its central office (that is the point of it), and a closed window can be
# opened again. The demo ends with Ctrl-C, or when every kiosk window is closed.
while :; do
	wait -n 2>/dev/null || true
	alive=0
	for i in "${!pids[@]}"; do
		[ -n "${pids[i]}" ] || continue
		if kill -0 "${pids[i]}" 2>/dev/null; then
			case "${names[i]}" in *window*) alive=$((alive + 1)) ;; esac
			continue
		fi
		rc=0
		wait "${pids[i]}" 2>/dev/null || rc=$?
		case "${names[i]}" in
		loket-central) echo "loket-central stopped (exit $rc): the site goes on offline and syncd keeps retrying; start it again with  $B/loket-central -c $demo/central.json" ;;
		loket-syncd) echo "loket-syncd stopped (exit $rc): nothing is sent until it runs again:  $B/loket-syncd -c $demo/site.json" ;;
		Xvfb) echo "the virtual display stopped (exit $rc)" ;;
		*) echo "${names[i]} closed (exit $rc)" ;;
		esac
		pids[i]=""
	done
	[ $kiosks -gt 0 ] && [ $alive -eq 0 ] && { echo "every kiosk window is closed: stopping the demo"; break; }
	[ $kiosks -eq 0 ] && [ -z "$(jobs -pr)" ] && break
done
