#!/bin/bash
# Chaos: the real loket-central and loket-syncd on loopback with the fault
# proxy between them, while another process keeps issuing tickets. syncd
# and central are killed with SIGKILL at random moments and restarted, and
# once central's database is replaced by an older copy (the 409 path).
# At the end, with faults off, the central office's export for the site
# must equal the site's outbox: every event, once, same bytes.
#
# Knobs (environment):
#   CHAOS_EVENTS   events to issue                 (default 50000)
#   CHAOS_RATE     events per second               (default 500)
#   CHAOS_FAULTS   fault probability per request   (default 0.4)
#   CHAOS_SEED     seed of the proxy and of the kills (default: random, printed)
#   CHAOS_BATCH    sync.batch_events               (default 50)
#   CHAOS_MIN_FAULTS  fail if fewer faults were injected (default 0)
#   KEEP=1         keep the scratch folder
# `make chaos` runs the defaults; tests/syncd/run.sh a short version.
set -u
. "$(dirname "$0")/lib.sh"
EVENTS=${CHAOS_EVENTS:-50000}
RATE=${CHAOS_RATE:-500}
FAULTS=${CHAOS_FAULTS:-0.4}
SEED=${CHAOS_SEED:-$(( (RANDOM << 15) | RANDOM ))}
BATCH=${CHAOS_BATCH:-50}
MIN_FAULTS=${CHAOS_MIN_FAULTS:-0}
RANDOM=$SEED
W=$(mktemp -d /tmp/loket-chaos.XXXXXX)
trap cleanup EXIT
note "chaos: $EVENTS events at $RATE/s, fault rate $FAULTS, seed $SEED (CHAOS_SEED=$SEED to repeat the faults), in $W"

CP=$(free_port) || fail "no free port"
XP=$(free_port) || fail "no free port"
new_central "$W/central" "$CP"
new_sync_site "$W/site" "http://127.0.0.1:$XP" "$BATCH" 1
# A dead or stalled link is given up on quickly, so the run stays short.
export LOKET_SYNCD_STALL_S=2 LOKET_SYNCD_CONNECT_S=2

start_central "$W/central" "$CP"
start_proxy "$XP" "$CP" "$SEED" "$FAULTS" --max-delay-ms 800
start_syncd "$W/site"
"$BIN/tools/syncd_ticketer" "$W/site/site.json" "$EVENTS" "$RATE" "$SEED" >"$W/ticketer.log" 2>&1 &
TICKETER=$!
PIDS+=("$TICKETER")

kill_syncd() {
	kill -9 "$SYNCD_PID" 2>/dev/null
	wait "$SYNCD_PID" 2>/dev/null
	start_syncd "$W/site"
}
kill_central() { # [restore]
	kill -9 "$CENTRAL_PID" 2>/dev/null
	wait "$CENTRAL_PID" 2>/dev/null
	if [ -n "${1:-}" ]; then
		rm -f "$W/central/central.db-wal" "$W/central/central.db-shm"
		cp "$W/central/backup.db" "$W/central/central.db"
	fi
	sleep "0.$(( RANDOM % 8 ))"
	start_central "$W/central" "$CP"
}

backup_at=$(( EVENTS / 5 )) restore_at=$(( EVENTS * 3 / 5 ))
backed_up=0 backup_seq=0 restored=0 skills=0 ckills=0
while kill -0 "$TICKETER" 2>/dev/null; do
	sleep "$(( RANDOM % 3 )).$(( RANDOM % 10 ))"
	last=$(site_last "$W/site")
	[ -n "$last" ] || last=0
	if [ "$backed_up" = 0 ] && [ "$last" -ge "$backup_at" ]; then
		"$BIN/loket-central" -c "$W/central/central.json" --backup "$W/central/backup.db" \
			2>>"$W/backup.log" || fail "loket-central --backup failed: $(tail -n 2 "$W/backup.log")"
		backed_up=1
		backup_seq=$(sqlite3 "$W/central/backup.db" "SELECT coalesce(max(acked_through), 0) FROM sites")
		note "central office backed up (site at seq $last, the copy holds through $backup_seq)"
		continue
	fi
	# Restore only once the site knows the central office held more than
	# the copy does: then the restored office must answer 409.
	if [ "$backed_up" = 1 ] && [ "$restored" = 0 ] && [ "$last" -ge "$restore_at" ] &&
		[ "$(site_acked "$W/site")" -gt "$backup_seq" ]; then
		kill_central restore
		restored=1
		note "central office killed and restored from the older copy (site at seq $last)"
		continue
	fi
	case $(( RANDOM % 10 )) in
	0 | 1) kill_central; ckills=$((ckills + 1)) ;;
	*) kill_syncd; skills=$((skills + 1)) ;;
	esac
done
wait "$TICKETER" || fail "the ticketer failed: $(cat "$W/ticketer.log")"
if [ "$backed_up" = 1 ] && [ "$restored" = 0 ]; then
	# The faults kept syncd behind the copy the whole run: restore now.
	for i in $(seq 1 600); do
		[ "$(site_acked "$W/site")" -gt "$backup_seq" ] && break
		sleep 0.1
	done
	[ "$(site_acked "$W/site")" -gt "$backup_seq" ] || fail "syncd never passed seq $backup_seq"
	kill_central restore
	restored=1
	note "central office killed and restored from the older copy after the run"
fi
note "issued $EVENTS events; killed syncd $skills times, central $ckills times"
# A few more kills while it catches up.
for i in 1 2 3; do
	sleep "0.$(( RANDOM % 10 ))"
	kill_syncd
done

kill -USR1 "$PROXY_PID" # faults off: the final drain
wait_synced "$W/site" 180 || fail "syncd did not catch up"
kill -TERM "$SYNCD_PID"
wait "$SYNCD_PID" || fail "syncd did not exit 0 on SIGTERM"
same_events "$W/site" "$CP"

kill -TERM "$PROXY_PID"
wait "$PROXY_PID"
note "proxy: $(cat "$W/proxy.stats")"
nfaults=$(tr ' ' '\n' <"$W/proxy.stats" | awk -F= '/=/ { s += $2 } END { print s + 0 }')
note "faults injected: $nfaults"
[ "$nfaults" -ge "$MIN_FAULTS" ] || fail "only $nfaults faults injected, want >= $MIN_FAULTS"
if [ "$restored" = 1 ]; then
	grep -q "holds only through seq .* sending .* again" "$W/site/syncd.log" ||
		fail "the restore of the central office never led to a resend (409)"
	note "409 after the restore: $(grep -m1 'holds only through seq' "$W/site/syncd.log" | cut -d' ' -f3-)"
fi
! grep -q "EVENTS LOST\|claims to hold" "$W/site/syncd.log" || fail "syncd reported lost events"
note "chaos: PASS"
