#!/bin/bash
# loket-syncd black-box: the real daemon against the real loket-central on
# loopback (through tests/tools/faultproxy where a fault is wanted):
#   - start-up rules: usage, --check-config, the token file's mode;
#   - --once drains a backlog, and the central office's copy equals the outbox;
#   - a new event reaches the central office within seconds (daemon mode);
#   - a wrong token is reported in the status and not retried in a storm;
#   - a central office that acknowledges beyond our last seq is refused;
#   - SIGTERM ends it at once while the central office stalls;
#   - SIGHUP with a broken configuration keeps the old one;
#   - HTTPS to a central office with a private CA (sync.ca_file), and
#     without it or under another name, refused;
#   - then a short chaos run (tests/syncd/chaos.sh: faults, kills, a restore).
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$BIN/loket-central" ] || fail "no $BIN/loket-central: loket-syncd is tested against the real one"
W=$(mktemp -d /tmp/loket-syncd.XXXXXX)
trap cleanup EXIT
S=(-c "$W/site/site.json")
CTL=("$BIN/loketctl" -c "$W/site/site.json")
SYNCD=("$BIN/loket-syncd" "${S[@]}")

CP=$(free_port) || fail "no free port"
XP=$(free_port) || fail "no free port"
new_central "$W/central" "$CP"
new_sync_site "$W/site" "http://127.0.0.1:$CP" 50 2

# --- start-up --------------------------------------------------------------
"$BIN/loket-syncd" --help | grep -q "usage: loket-syncd" || fail "--help"
"$BIN/loket-syncd" --version | grep -q "^loket-syncd " || fail "--version"
"$BIN/loket-syncd" --bogus 2>/dev/null
[ $? = 64 ] || fail "an unknown option must exit 64"
"${SYNCD[@]}" --check-config >/dev/null || fail "--check-config of a good site"

chmod 644 "$W/site/token"
out=$("${SYNCD[@]}" 2>&1)
rc=$?
[ $rc = 77 ] || fail "token file mode 0644: exit $rc, want 77"
echo "$out" | grep -q "mode 0644.*chmod 600" || fail "token mode message: $out"
! echo "$out" | grep -q "$SITE_TOKEN" || fail "the token appears in a message"
"${SYNCD[@]}" --check-config >/dev/null 2>&1
[ $? = 77 ] || fail "--check-config must check the token file's mode too"
chmod 600 "$W/site/token"
mv "$W/site/token" "$W/site/token.away"
out=$("${SYNCD[@]}" 2>&1)
rc=$?
[ $rc = 78 ] || fail "missing token file: exit $rc, want 78"
echo "$out" | grep -q "token file .*No such file" || fail "missing token message: $out"
mv "$W/site/token.away" "$W/site/token"
note "start-up rules ok"

# --- --once: drain a backlog ---------------------------------------------
start_central "$W/central" "$CP"
"$BIN/tools/syncd_ticketer" "$W/site/site.json" 400 0 1 || fail "ticketer"
"${SYNCD[@]}" --once 2>"$W/once.log" || fail "--once: exit $? ($(tail -n 3 "$W/once.log"))"
# 400 actions, and a desk.opened at each desk's first call.
last=$(site_last "$W/site")
[ "$last" -gt 400 ] && [ "$last" -le 404 ] || fail "400 actions wrote $last events"
[ "$(site_acked "$W/site")" = "$last" ] || fail "--once left acked_through at $(site_acked "$W/site") of $last"
same_events "$W/site" "$CP"
"${CTL[@]}" status | grep -q "central office holds through $last, backlog 0" || fail "status after --once"
# Nothing to send: --once exits 0 at once.
"${SYNCD[@]}" --once 2>/dev/null || fail "--once with nothing to send"

# --- daemon: a new event reaches the central office quickly --------------
start_syncd "$W/site"
# ... and first the site's profile: central takes its labels from it
for _ in $(seq 1 100); do
	grep -q "PUT /api/v1/sites/paddepoel/profile 204" "$W/central/central.log" && break
	sleep 0.1
done
grep -q "PUT /api/v1/sites/paddepoel/profile 204" "$W/central/central.log" &&
	grep -q "the central office has the site's profile" "$W/site/syncd.log" ||
	fail "the profile did not reach the central office: $(grep -i profile "$W/site/syncd.log" "$W/central/central.log" | tail -3)"
note "the site's profile reached the central office"
sleep 1
for i in 1 2 3; do
	t=$(ms_now)
	"${CTL[@]}" take digital >/dev/null || fail "take"
	last=$(site_last "$W/site")
	for _ in $(seq 1 100); do
		central_export "$CP" $((last - 1)) | grep -q "\"seq\":$last," && break
		sleep 0.1
	done
	lat=$(( $(ms_now) - t ))
	[ "$lat" -lt 10000 ] || fail "event $last took $lat ms to reach the central office"
	note "event $last reached the central office in $lat ms (polled every 100 ms)"
done

# --- an outbox unreadable for a moment is no lasting failure ---------------
# The outbox table renamed away and back stands in for a read error. Once
# syncd reads it again and finds nothing to send, a new event must go at
# once (inotify), not at the next fallback look.
if command -v sqlite3 >/dev/null; then
	sqlite3 "$W/site/site.db" "ALTER TABLE outbox RENAME TO outbox_away" || fail "sqlite3"
	for _ in $(seq 1 50); do
		grep -q "cannot read the outbox" "$W/site/syncd.log" && break
		sleep 0.1
	done
	grep -q "cannot read the outbox" "$W/site/syncd.log" || fail "no failed read of the outbox"
	sqlite3 "$W/site/site.db" "ALTER TABLE outbox_away RENAME TO outbox" || fail "sqlite3"
	sleep 1 # syncd reads the outbox again: nothing to send
	t=$(ms_now)
	"${CTL[@]}" take digital >/dev/null || fail "take"
	last=$(site_last "$W/site")
	for _ in $(seq 1 100); do
		central_export "$CP" $((last - 1)) | grep -q "\"seq\":$last," && break
		sleep 0.1
	done
	lat=$(( $(ms_now) - t ))
	[ "$lat" -lt 800 ] || fail "after a failed read of the outbox, event $last took $lat ms"
	note "after a failed read of the outbox, event $last reached the central office in $lat ms"
else
	note "no sqlite3 CLI: the unreadable outbox test is skipped"
fi

# --- SIGHUP: a broken configuration is not taken --------------------------
cp "$W/site/site.json" "$W/site/site.json.good"
echo '{ broken' >"$W/site/site.json"
kill -HUP "$SYNCD_PID"
sleep 0.5
kill -0 "$SYNCD_PID" || fail "syncd died on SIGHUP with a broken configuration"
grep -q "keeping the old configuration" "$W/site/syncd.log" || fail "no log line about the failed reload"
cp "$W/site/site.json.good" "$W/site/site.json"
kill -HUP "$SYNCD_PID"
sleep 0.5
grep -q "reloaded" "$W/site/syncd.log" || fail "no log line about the reload"
"${CTL[@]}" take tax >/dev/null
wait_synced "$W/site" 10 || fail "not synced after the reload"
note "SIGHUP ok"

# --- SIGTERM ends it at once, even with a request stalled -----------------
kill -TERM "$SYNCD_PID"
wait "$SYNCD_PID" || fail "syncd exit status after SIGTERM: $?"

# --- SIGHUP during start-up is a reload, not the end ------------------------
# (systemd takes a death by SIGHUP for a clean exit and would not restart
# it.) The database held in exclusive mode keeps syncd in store_open.
if command -v sqlite3 >/dev/null; then
	(
		echo "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM outbox;"
		sleep 2
		echo "COMMIT;"
	) | sqlite3 "$W/site/site.db" >/dev/null &
	holder=$!
	sleep 0.3
	start_syncd "$W/site"
	sleep 0.5
	kill -HUP "$SYNCD_PID"
	wait "$holder"
	for _ in $(seq 1 30); do
		[ "$(grep -c "reloaded" "$W/site/syncd.log")" = 2 ] && break
		sleep 0.1
	done
	kill -0 "$SYNCD_PID" 2>/dev/null || fail "syncd died of a SIGHUP during start-up"
	[ "$(grep -c "reloaded" "$W/site/syncd.log")" = 2 ] || fail "no reload after a SIGHUP during start-up"
	kill -TERM "$SYNCD_PID"
	wait "$SYNCD_PID" || fail "syncd exit status after SIGTERM: $?"
	note "SIGHUP during start-up: reloaded once running"
fi
start_proxy "$XP" "$CP" 1 1 --faults stall
sed "s#127.0.0.1:$CP#127.0.0.1:$XP#" "$W/site/site.json.good" >"$W/site/site.json"
"${CTL[@]}" take tax >/dev/null
start_syncd "$W/site"
sleep 1.5 # the batch is sent and stalls
t=$(ms_now)
kill -TERM "$SYNCD_PID"
wait "$SYNCD_PID" || fail "syncd exit status after SIGTERM while stalled"
took=$(( $(ms_now) - t ))
[ "$took" -lt 1000 ] || fail "SIGTERM took $took ms while the central office stalled"
grep -q "dropping the batch in flight" "$W/site/syncd.log" || fail "no transfer was in flight"
note "SIGTERM while stalled: exited in $took ms"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID"

# --- a lying central office is refused ------------------------------------
start_proxy "$XP" "$CP" 1 1 --faults lie
"${CTL[@]}" take tax >/dev/null
before=$(site_acked "$W/site")
"${SYNCD[@]}" --once 2>"$W/lie.log"
rc=$?
[ $rc = 76 ] || fail "lying central: --once exit $rc, want 76 ($(tail -n 2 "$W/lie.log"))"
grep -q "claims to hold seq 999999999" "$W/lie.log" || fail "no loud log line about the lie"
[ "$(site_acked "$W/site")" = "$before" ] || fail "the lie moved acked_through"
"${CTL[@]}" status | grep -q "last error: the central office claims to hold seq 999999999" ||
	fail "the lie is not in the status: $("${CTL[@]}" status | tail -n 1)"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID"
note "lying central office refused"

# --- a 200 that makes no progress is not a success -------------------------
start_proxy "$XP" "$CP" 1 1 --faults lie-low
"${CTL[@]}" take tax >/dev/null
before=$(site_acked "$W/site")
success=$("${CTL[@]}" --json status | sed -n 's/.*"last_success": *\("[^"]*"\|null\).*/\1/p')
"${SYNCD[@]}" --once 2>"$W/low.log"
rc=$?
[ $rc = 75 ] || fail "central without progress: --once exit $rc, want 75 ($(tail -n 2 "$W/low.log"))"
[ "$(site_acked "$W/site")" = "$before" ] || fail "a 200 without progress moved acked_through"
after=$("${CTL[@]}" --json status | sed -n 's/.*"last_success": *\("[^"]*"\|null\).*/\1/p')
[ "$after" = "$success" ] || fail "a 200 without progress counted as a success ($success -> $after)"
"${CTL[@]}" status | grep -q "last error: the central office answered 200 but holds only through 0" ||
	fail "no progress is not in the status: $("${CTL[@]}" status | tail -n 1)"
kill -TERM "$PROXY_PID"
wait "$PROXY_PID"
note "a 200 without progress: an error, not a success"

# --- a wrong token: visible to staff, no retry storm ---------------------
start_proxy "$XP" "$CP" 1 0
printf 'not-the-token\n' >"$W/site/token"
"${SYNCD[@]}" --once 2>"$W/wrong.log"
rc=$?
[ $rc = 77 ] || fail "wrong token: --once exit $rc, want 77"
"${CTL[@]}" status | grep -q "last error: central office refused: wrong or missing token" ||
	fail "wrong token not in the status: $("${CTL[@]}" status | tail -n 1)"
t0=$(ms_now)
start_syncd "$W/site"
for i in $(seq 1 20); do
	"${CTL[@]}" take digital >/dev/null
	sleep 0.2
done
kill -TERM "$PROXY_PID"
wait "$PROXY_PID"
took=$(( $(ms_now) - t0 ))
reqs=$(sed -n 's/.*requests \([0-9]*\).*/\1/p' "$W/proxy.stats")
# backoff_max_seconds 2: the --once attempt; the daemon's heartbeat, its
# ask for the configuration and its profile, each refused once and not
# again until a reload; then a batch every 2 s at most, over the time it
# took (more than 4 s on a loaded machine).
allowed=$((1 + 3 + took / 2000 + 1))
[ "$reqs" -le "$allowed" ] || fail "wrong token: $reqs requests in $took ms (a retry storm; at most $allowed)"
note "wrong token: $reqs requests in $took ms (at most $allowed), status shows it"
# Fix the token, SIGHUP: it sends at once.
start_proxy "$XP" "$CP" 1 0
printf '%s\n' "$SITE_TOKEN" >"$W/site/token"
kill -HUP "$SYNCD_PID"
wait_synced "$W/site" 10 || fail "not synced after fixing the token and SIGHUP"
kill -TERM "$SYNCD_PID"
wait "$SYNCD_PID"
same_events "$W/site" "$CP"
note "token fixed with SIGHUP: synced"
kill -TERM "$PROXY_PID" "$CENTRAL_PID"
wait

# --- 409 for events the site already purged: loud, not silent -------------
L=$W/lost
LP=$(free_port) || fail "no free port"
new_central "$L/central" "$LP"
new_sync_site "$L" "http://127.0.0.1:$LP" 50 2
start_central "$L/central" "$LP"
"$BIN/tools/syncd_ticketer" "$L/site.json" 5 0 2 || fail "ticketer"
# 40 days on: after the drain, syncd purges what was acknowledged (all but the last).
# Its first look at the store closes that old day (ticket.expired, desk.closed,
# dated when that day ended): all of it is old, all but the newest event goes.
later=$(( $(date +%s) * 1000 + 40 * 86400000 ))
LOKET_FAKE_NOW=$later "$BIN/loket-syncd" -c "$L/site.json" --once 2>"$L/once.log" ||
	fail "--once before the purge: $(tail -n 2 "$L/once.log")"
n=$(site_last "$L")
grep -q "purged $((n - 1)) acknowledged events" "$L/once.log" ||
	fail "no purge of $((n - 1)) events: $(tail -n 3 "$L/once.log")"
# The central office loses everything (restored from a backup made before).
kill -9 "$CENTRAL_PID"
wait "$CENTRAL_PID" 2>/dev/null
rm -f "$L/central/central.db"*
start_central "$L/central" "$LP"
"$BIN/loketctl" -c "$L/site.json" take other >/dev/null
"$BIN/loket-syncd" -c "$L/site.json" --once 2>"$L/lost.log"
rc=$?
[ $rc = 76 ] || fail "central lost purged events: --once exit $rc, want 76"
grep -q "error: EVENTS LOST: the central office holds only through seq 0" "$L/lost.log" ||
	fail "no loud log line: $(tail -n 2 "$L/lost.log")"
"$BIN/loketctl" -c "$L/site.json" status | grep -q "last error: EVENTS LOST" ||
	fail "the loss is not in the status"
kill -TERM "$CENTRAL_PID"
wait
note "central lost events the site purged: EVENTS LOST in log and status"

# --- HTTPS: the central office's private CA in sync.ca_file ----------------
# A throwaway CA and a certificate for 127.0.0.1 (only), made here.
T=$W/tls
TP=$(free_port) || fail "no free port"
mkdir -p "$T"
{
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.crt" \
		-days 2 -subj "/CN=loket test CA" &&
	openssl req -newkey rsa:2048 -nodes -keyout "$T/central.key" -out "$T/central.csr" \
		-subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san" &&
	openssl x509 -req -in "$T/central.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
		-CAcreateserial -out "$T/central.crt" -days 2 -extfile "$T/san"
} >"$T/openssl.log" 2>&1 || fail "openssl: $(tail -n 3 "$T/openssl.log")"
new_central "$T/central" "$TP" "\"tls\": {\"cert_file\": \"$T/central.crt\", \"key_file\": \"$T/central.key\"}"
new_sync_site "$T" "https://127.0.0.1:$TP" 50 1
start_central "$T/central" "$TP"
grep -q "(HTTPS, " "$T/central/central.log" || fail "central does not say it serves HTTPS"
"$BIN/tools/syncd_ticketer" "$T/site.json" 20 0 3 || fail "ticketer"
# Without the CA the certificate is not trusted: nothing is sent, and the
# reason is in the log and the status (not a success, not a refusal).
"$BIN/loket-syncd" -c "$T/site.json" --once 2>"$T/noca.log"
rc=$?
[ $rc = 75 ] || fail "HTTPS without sync.ca_file: --once exit $rc, want 75"
grep -q "cannot reach the central office: SSL certificate problem" "$T/noca.log" ||
	fail "no certificate error in the log: $(tail -n 2 "$T/noca.log")"
"$BIN/loketctl" -c "$T/site.json" status | grep -q "last error: cannot reach the central office: SSL certificate problem" ||
	fail "the certificate error is not in the status"
[ "$(site_acked "$T")" = 0 ] || fail "an untrusted central office moved acked_through"
sed -i "s#\"token_file\": \"token\"#\"token_file\": \"token\", \"ca_file\": \"$T/ca.crt\"#" "$T/site.json"
grep -q '"ca_file"' "$T/site.json" || fail "no ca_file in $T/site.json"
# The CA, but a name the certificate does not hold: refused all the same.
sed "s#https://127.0.0.1:#https://localhost:#" "$T/site.json" >"$T/byname.json"
"$BIN/loket-syncd" -c "$T/byname.json" --once 2>"$T/byname.log"
rc=$?
[ $rc = 75 ] || fail "HTTPS to a name not in the certificate: --once exit $rc, want 75"
grep -q "cannot reach the central office: .*\(subject name\|certificate\)" "$T/byname.log" ||
	fail "no host name error in the log: $(tail -n 2 "$T/byname.log")"
[ "$(site_acked "$T")" = 0 ] || fail "a central office under another name moved acked_through"
# With the CA: delivered, every event once.
"$BIN/loket-syncd" -c "$T/site.json" --once 2>"$T/ca.log" ||
	fail "HTTPS with sync.ca_file: --once exit $? ($(tail -n 2 "$T/ca.log"))"
CENTRAL_CA=$T/ca.crt same_events "$T" "$TP"
kill -TERM "$CENTRAL_PID"
wait "$CENTRAL_PID" || fail "central serving HTTPS: exit $? after SIGTERM"
note "HTTPS: refused without the CA and under another name, delivered with sync.ca_file"

# --- a short chaos run ------------------------------------------------------
# (at least 3 faults: it must have exercised something; how many requests,
# and so faults, fit in the run depends on the machine's load: 8 failed 1
# run in 20 on a loaded machine)
CHAOS_EVENTS=${CHAOS_EVENTS:-2500} CHAOS_RATE=${CHAOS_RATE:-250} CHAOS_BATCH=${CHAOS_BATCH:-50} \
	CHAOS_MIN_FAULTS=${CHAOS_MIN_FAULTS:-3} "$(dirname "$0")/chaos.sh" || fail "chaos run"
note "PASS"
