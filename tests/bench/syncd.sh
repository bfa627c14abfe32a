#!/bin/bash
# make bench: loket-syncd against a local loket-central (issue 4's goals).
#   1. drain a backlog of 100,000 events (median of BENCH_SYNC_RUNS runs):
#      events/s and bytes on the wire per event (goal >= 50,000 ev/s,
#      <= 60 B/event), and the same backlog sent by the naive sender
#      (`loket-syncd --naive`: one event per request, no gzip) in the same
#      run (goal: batched >= 20x naive);
#   2. bytes on the wire counted again by the fault proxy in pass-through
#      (TCP payload both ways, headers included);
#   3. commit-to-central latency while online (goal: median < 1 s);
#   4. CPU of an idle loket-syncd over BENCH_SYNC_IDLE_S seconds (goal < 0.1%).
# Knobs: BENCH_SYNC_EVENTS (100000), BENCH_SYNC_RUNS (3), BENCH_SYNC_IDLE_S (60),
# BENCH_SYNC_LATENCY_N (50), BENCH_DIR (/var/tmp).
set -u
B=${B:-build}
export LOKET_BIN=${LOKET_BIN:-$PWD/$B}
. "$(dirname "$0")/../syncd/lib.sh"
N=${BENCH_SYNC_EVENTS:-100000}
RUNS=${BENCH_SYNC_RUNS:-3}
IDLE_S=${BENCH_SYNC_IDLE_S:-60}
LAT_N=${BENCH_SYNC_LATENCY_N:-50}
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-bench-syncd.XXXXXX")
F=
trap 'cleanup; [ -z "$F" ] || rm -rf "$F"' EXIT
[ -x "$BIN/loket-central" ] || fail "no $BIN/loket-central"
echo "disk: $(df -h "$W" | awk 'NR==2 {print $1, $6}'), $(nproc) CPUs"

# The backlog is made where fsync is free (tmpfs, if there is one), then
# copied next to each run: filling is not what is measured.
F=$W/fill
[ -d /dev/shm ] && [ -w /dev/shm ] && F=$(mktemp -d /dev/shm/loket-bench-fill.XXXXXX)
new_sync_site "$F" "http://127.0.0.1:1"
t=$(ms_now)
"$BIN/tools/syncd_ticketer" "$F/site.json" "$N" 0 1 || fail "filling the backlog"
if [ "$F" != "$W/fill" ]; then
	mkdir -p "$W/fill"
	cp "$F/site.db" "$W/fill/site.db"
	rm -rf "$F"
fi
echo "backlog: $N events ($(( $(stat -c %s "$W/fill/site.db") / 1024 )) KiB database) filled in $(( $(ms_now) - t )) ms"

# drain [syncd options...]: a copy of the backlog to a fresh central
# office; sets RESULT to "events seconds requests bytes_up bytes_down json_bytes".
RUN=0
drain() {
	RUN=$((RUN + 1))
	local d="$W/run$RUN" cp
	cp=$(free_port) || fail "no free port"
	new_sync_site "$d" "http://127.0.0.1:${VIA_PORT:-$cp}" 500 2
	cp "$W/fill/site.db" "$d/site.db"
	new_central "$d/central" "$cp"
	start_central "$d/central" "$cp"
	if [ -n "${VIA_PROXY:-}" ]; then
		VIA_PORT=$(free_port)
		sed -i "s#127.0.0.1:$cp#127.0.0.1:$VIA_PORT#" "$d/site.json"
		start_proxy "$VIA_PORT" "$cp" 1 0
		unset VIA_PORT
	fi
	LOKET_LOG=info "$BIN/loket-syncd" -c "$d/site.json" --once "$@" 2>"$d/syncd.log" ||
		fail "loket-syncd --once $*: $(tail -n 3 "$d/syncd.log")"
	if [ -n "${VIA_PROXY:-}" ]; then
		kill -TERM "$PROXY_PID"
		wait "$PROXY_PID"
	fi
	kill -TERM "$CENTRAL_PID"
	wait "$CENTRAL_PID"
	RESULT=$(sed -n 's/.*sent \([0-9]*\) events in \([0-9]*\) requests in \([0-9.]*\) s: \([0-9]*\) bytes up, \([0-9]*\) down, \([0-9]*\) bytes of event JSON.*/\1 \3 \2 \4 \5 \6/p' "$d/syncd.log")
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

rates=()
for i in $(seq 1 "$RUNS"); do
	drain
	read -r ev s req up down json <<<"$RESULT"
	[ "$ev" = "$N" ] || fail "drained $ev of $N events"
	r=$(awk -v n="$ev" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
	rates+=("$r")
	printf 'batched run %d: %d events in %.3f s = %d ev/s, %d requests, %.1f B/event up (%.1f B/event of JSON)\n' \
		"$i" "$ev" "$s" "$r" "$req" "$(awk -v u="$up" -v n="$ev" 'BEGIN { print u / n }')" \
		"$(awk -v j="$json" -v n="$ev" 'BEGIN { print j / n }')"
	BYTES_UP=$up BYTES_DOWN=$down
done
batched=$(printf '%s\n' "${rates[@]}" | median)

drain --naive
read -r ev s req up down json <<<"$RESULT"
[ "$ev" = "$N" ] || fail "naive: drained $ev of $N events"
naive=$(awk -v n="$ev" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
printf 'naive run: %d events in %.3f s = %d ev/s, %d requests, %.1f B/event up\n' \
	"$ev" "$s" "$naive" "$req" "$(awk -v u="$up" -v n="$ev" 'BEGIN { print u / n }')"
NAIVE_UP=$up NAIVE_DOWN=$down

VIA_PROXY=1 drain
read -r pin pout < <(sed -n 's/.*bytes_in \([0-9]*\) bytes_out \([0-9]*\).*/\1 \2/p' "$W/proxy.stats")
wire=$(awk -v a="$pin" -v b="$pout" -v n="$N" 'BEGIN { printf "%.1f", (a + b) / n }')
wire_up=$(awk -v a="$pin" -v n="$N" 'BEGIN { printf "%.1f", a / n }')
curl_wire=$(awk -v a="$BYTES_UP" -v b="$BYTES_DOWN" -v n="$N" 'BEGIN { printf "%.1f", (a + b) / n }')
naive_wire=$(awk -v a="$NAIVE_UP" -v b="$NAIVE_DOWN" -v n="$N" 'BEGIN { printf "%.1f", (a + b) / n }')

# Latency and idle CPU: a daemon beside a live site.
d="$W/live"
cp=$(free_port) || fail "no free port"
new_sync_site "$d" "http://127.0.0.1:$cp" 500 2
new_central "$d/central" "$cp"
start_central "$d/central" "$cp"
start_syncd "$d"
lat=$("$B/bench/syncd_latency" "$d/site.json" "http://127.0.0.1:$cp" "$ADMIN_TOKEN" "$LAT_N") ||
	fail "latency run"
echo "$lat"
lat_med=$(echo "$lat" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
sleep 3 # let the last wake-ups after the latency run pass
ticks() { awk '{ print $14 + $15 }' "/proc/$SYNCD_PID/stat"; }
t0=$(ticks)
sleep "$IDLE_S"
t1=$(ticks)
hz=$(getconf CLK_TCK)
idle=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_S" 'BEGIN { printf "%.3f", t / hz / s * 100 }')
echo "idle loket-syncd: $((t1 - t0)) ticks of CPU in ${IDLE_S} s = ${idle}%"

goal() { awk -v v="$1" -v g="$3" "BEGIN { exit !(v $2 g) }" && echo "met" || echo "MISSED"; }
ratio=$(awk -v a="$batched" -v b="$naive" 'BEGIN { printf "%.1f", a / b }')
echo
echo "== loket-syncd, $N-event backlog to a local loket-central ($RUNS runs, medians)"
printf '  batched (gzip, 500/batch) %8d ev/s      goal >= 50000: %s\n' "$batched" "$(goal "$batched" '>=' 50000)"
printf '  naive (1/request, plain)  %8d ev/s      ratio %sx, goal >= 20x: %s\n' "$naive" "$ratio" "$(goal "$ratio" '>=' 20)"
printf '  on the wire, per event    %8s B (TCP payload both ways, proxy), %s B up; libcurl counts %s B; naive %s B\n' \
	"$wire" "$wire_up" "$curl_wire" "$naive_wire"
printf '                                             goal <= 60: %s\n' "$(goal "$wire" '<=' 60)"
printf '  commit to central         %8s ms median  goal < 1000: %s\n' "$lat_med" "$(goal "$lat_med" '<' 1000)"
printf '  idle CPU over %3d s        %8s %%         goal < 0.1: %s\n' "$IDLE_S" "$idle" "$(goal "$idle" '<' 0.1)"
