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
trap cleanup EXIT INT TERM

if [ -x "$B/loket-central" ] && [ -f "$demo/central.json" ]; then
	"$B/loket-central" -c "$demo/central.json" 2>>"$demo/central.log" &
	pids+=($!)
	echo "central office: http://127.0.0.1:$port/  (admin token: demo-admin; log: $demo/central.log)"
else
	echo "loket-central is not built: running the site without a central office"
fi
if [ -x "$B/loket-syncd" ]; then
	sleep 0.3
	"$B/loket-syncd" -c "$demo/site.json" 2>>"$demo/syncd.log" &
	pids+=($!)
	echo "sync daemon: log in $demo/syncd.log"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
	echo "no display found (DISPLAY/WAYLAND_DISPLAY unset): starting a virtual one (Xvfb :77)"
	# Its own session: Ctrl-C reaches the kiosks, which then close their desks
	# while the display is still there; cleanup stops it last.
	setsid Xvfb :77 -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
	pids+=($!)
	export DISPLAY=:77
	sleep 1
fi
echo "site database: $demo/paddepoel.db   try: $B/loketctl -c $demo/site.json status"
echo "staff corner: long-press a top corner, PIN 1234. Ctrl-C here stops everything."
if [ -x "$B/loket-kiosk" ]; then
	"$B/loket-kiosk" -c "$demo/site.json" --view counter --desk 1 --window 800x600 &
	pids+=($!)
	"$B/loket-kiosk" -c "$demo/site.json" --view combined --window 1024x768 &
	pids+=($!)
	wait -n "${pids[@]}" || true
else
	echo "loket-kiosk is not built; the store works from loketctl alone"
	wait -n "${pids[@]}" 2>/dev/null || true
fi
