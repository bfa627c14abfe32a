#!/bin/bash
# loket-kiosk, tested as a person would use it: replayed taps through each
# view (checked in the store; the layout of every view x language x size is
# tests/kiosk/test-layout.sh), a real X11 window
# clicked with xdotool, a tap storm, the staff corner, the closed screen, a
# store failure, the display's spoken announcement in each language
# (espeak-ng) with its fallbacks, and every call announced once, in commit
# order, with four desks calling at once (LOKET_ANNOUNCE_LOG). Screenshots
# stay in $B/test-out/kiosk/.
#
# Runs headless (SDL_VIDEODRIVER=offscreen, SDL_AUDIODRIVER=dummy), bounded
# by timeouts; `make test` runs it against the ASan + UBSan build.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
BIN=${LOKET_BIN:-$PWD/$B}
KIOSK=$BIN/loket-kiosk
CTL=$BIN/loketctl
CHECK=$BIN/tools/kiosk_check
OUT=$PWD/$B/test-out/kiosk
rm -rf "$OUT"
mkdir -p "$OUT"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
export LOKET_LOG=${LOKET_LOG:-info}
export TZ=UTC
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
for f in "$KIOSK" "$CTL" "$CHECK"; do
	[ -x "$f" ] || { echo "missing $f (build it first)"; exit 1; }
done

# A site in its own folder: the demo configuration with the database there.
# mksite DIR [sed expressions...]
mksite() {
	local dir=$1
	shift
	mkdir -p "$dir"
	sed -e "s#\"database\": \"[^\"]*\"#\"database\": \"$dir/site.db\"#" \
		"$@" assets/demo/site.json >"$dir/site.json"
}
# kiosk DIR VIEW SIZE SCRIPT [more args]: replay a script; log in DIR/kiosk.log
kiosk() {
	local dir=$1 view=$2 size=$3 script=$4
	shift 4
	timeout -k 5 150 "$KIOSK" -c "$dir/site.json" --view "$view" --window "$size" \
		--replay "$script" "$@" 2>>"$dir/kiosk.log"
}
db() { sqlite3 "$1/site.db" "$2"; }
label_in() { grep -q "\"label\": \"$2\"" "$1"; }
id_in() { grep -q "\"id\": \"$2\"" "$1"; }
# wait_log FILE PATTERN [N]: until FILE has N (default 1) lines matching PATTERN, 20 s at most
wait_log() {
	for _ in $(seq 200); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- the command line -------------------------------------------------------
d=$tmp/cli
mksite "$d"
"$KIOSK" --help | grep -q -- "--view" && ok "--help" || bad "--help"
"$KIOSK" --version | grep -q "loket-kiosk" && ok "--version" || bad "--version"
"$KIOSK" -c "$d/site.json" --check-config >/dev/null && ok "--check-config" || bad "--check-config"
echo '{"site": {' >"$d/broken.json"
"$KIOSK" -c "$d/broken.json" --check-config 2>/dev/null
[ $? -eq 78 ] && ok "broken config: 78" || bad "broken config exit status"
"$KIOSK" -c "$d/site.json" --view nonsense 2>/dev/null
[ $? -eq 64 ] && ok "unknown view: 64" || bad "unknown view exit status"
printf 'tap-id no-such-control\nquit\n' >"$d/bad.txt"
kiosk "$d" ticket 800x480 "$d/bad.txt"
[ $? -ne 0 ] && ok "tap-id of an invisible control fails the replay" || bad "tap-id unknown id exit 0"
printf 'frobnicate 1 2\n' >"$d/bad2.txt"
kiosk "$d" ticket 800x480 "$d/bad2.txt"
[ $? -ne 0 ] && ok "an unknown replay command is refused" || bad "unknown replay command accepted"

# --- ticket view: two taps give a ticket, in the resident's language ---------
d=$tmp/take
mksite "$d"
cat >"$d/r.txt" <<EOF
dump $d/start.json
tap-id category:digital
dump $d/ticket.json
shot $OUT/take-ticket-nl.png
# a double tap: the second lands on the ticket screen within the guard
tap-id ticket-done
dump $d/still.json
wait 1300
tap 400 300
wait 600
tap-id lang:ar
tap-id category:tax
dump $d/ticket-ar.json
wait 1300
tap-id ticket-done
wait 600
# a resting palm: many presses at once on the same button
tap-id category:letters
tap 150 400
tap 160 410
tap 170 420
quit
EOF
kiosk "$d" ticket 800x480 "$d/r.txt"
rc=$?
[ $rc -eq 0 ] && ok "ticket replay ran" || bad "ticket replay exit $rc"
rows=$(db "$d" "select code||' '||category||' '||lang||' '||state from tickets order by id")
# (Done after the Arabic ticket returns the kiosk to Dutch for the next one.)
[ "$rows" = "A001 digital nl 0
B001 tax ar 0
C001 letters nl 0" ] && ok "tickets in the store: code, category, language" || bad "tickets in store: $rows"
label_in "$d/ticket.json" "A001" && id_in "$d/ticket.json" ticket-ahead && ok "ticket shown huge with code and ahead" || bad "ticket screen dump"
id_in "$d/still.json" ticket-code && ok "second tap of a double tap does not dismiss" || bad "double tap dismissed the ticket"
label_in "$d/ticket-ar.json" "B001" && grep -q "$(printf 'رقمك')" "$d/ticket-ar.json" && ok "Arabic ticket screen" || bad "Arabic ticket screen"
label_in "$d/start.json" "Waarmee wilt u hulp? Tik erop." && ok "Dutch by default" || bad "default language is not Dutch"

# --- timeouts: the ticket screen returns, an idle kiosk returns to Dutch ----
d=$tmp/timeouts
mksite "$d" -e 's/"ticket_seconds": 20/"ticket_seconds": 3/' -e 's/"reset_seconds": 90/"reset_seconds": 10/'
cat >"$d/r.txt" <<EOF
tap-id lang:en
tap-id category:homework
wait 3200
dump $d/back.json
tap-id lang:en
wait 10500
dump $d/dutch.json
quit
EOF
kiosk "$d" ticket 1024x600 "$d/r.txt"
id_in "$d/back.json" category:homework && label_in "$d/back.json" "Waarmee wilt u hulp? Tik erop." &&
	ok "ticket screen returns to the start after ticket_seconds, in Dutch" || bad "ticket screen did not time out to Dutch"
label_in "$d/dutch.json" "Waarmee wilt u hulp? Tik erop." && ok "idle kiosk goes back to Dutch" || bad "no reset to Dutch"

# --- counter view: call, recall, serve, no-show, transfer, desks -----------
d=$tmp/counter
mksite "$d"
for c in digital digital tax letters; do "$CTL" -c "$d/site.json" take $c >/dev/null; done
cat >"$d/r.txt" <<EOF
dump $d/c0.json
tap-id call-next
dump $d/c1.json
tap-id recall
tap-id serve
tap-id outcome:skip
tap-id call-next
tap-id no-show
tap-id call-next
tap-id transfer
dump $d/transfer.json
tap-id transfer:homework
tap-id desk
tap-id desk:3
tap-id call-next
dump $d/c2.json
tap-id call-next
dump $d/c3.json
quit
EOF
kiosk "$d" counter 1280x800 "$d/r.txt" --desk 1
rc=$?
[ $rc -eq 0 ] && ok "counter replay ran" || bad "counter replay exit $rc"
rows=$(db "$d" "select code||' '||category||' '||state||' '||coalesce(desk,0)||' '||recalls from tickets order by id")
want="A001 digital 2 1 1
A002 digital 3 1 0
B001 homework 1 3 0
C001 letters 0 0 0"
[ "$rows" = "$want" ] && ok "counter: call, recall, serve, no-show, transfer, desk 3 (in the store)" ||
	bad "counter store rows: $rows"
label_in "$d/c1.json" "Aan uw balie: A001" && ok "counter shows the ticket at the desk" || bad "counter at-desk"
id_in "$d/c0.json" "waiting:A002" && ok "counter waiting list" || bad "counter waiting list"
id_in "$d/transfer.json" "transfer:homework" && ok "transfer chooser" || bad "transfer chooser"
grep -q "Rond eerst het nummer" "$d/c3.json" && ok "call next with a ticket at the desk is refused" || bad "conflict message"

# --- counter: Cancel takes a confirming second tap; each ticket's language --
d=$tmp/cancel
mksite "$d"
"$CTL" -c "$d/site.json" take digital --lang ar >/dev/null # A001, Arabic
"$CTL" -c "$d/site.json" take tax --lang uk >/dev/null     # B001, Ukrainian
"$CTL" -c "$d/site.json" take letters >/dev/null           # C001, Dutch (the site's first)
cat >"$d/r.txt" <<EOF
dump $d/w.json
tap-id call-next
tap-id cancel
dump $d/armed.json
wait 6000
dump $d/disarmed.json
tap-id cancel
tap-id cancel
dump $d/done.json
quit
EOF
LOKET_KIOSK_GUARD_MS=0 kiosk "$d" counter 1024x600 "$d/r.txt" --desk 1
label_in "$d/w.json" "Arabisch" && label_in "$d/w.json" "Oekraïens" && ! id_in "$d/w.json" "waiting:C001:lang" &&
	ok "the waiting list names each resident's language (not the site's own)" ||
	bad "languages in the waiting list: $(grep -o '"label": "[A-Z][a-z]*"' "$d/w.json" | tr '\n' ' ')"
label_in "$d/armed.json" "Tik nogmaals om A001 te annuleren" && label_in "$d/armed.json" "Telefoon, tablet of computer · Arabisch" &&
	label_in "$d/disarmed.json" "Ticket annuleren" && label_in "$d/done.json" "A001 is geannuleerd." &&
	[ "$(db "$d" "select state from tickets where code = 'A001'")" = 4 ] &&
	ok "Cancel: the first tap asks, the question lapses after 5 s, a second tap cancels" ||
	bad "cancel: state $(db "$d" "select state from tickets where code = 'A001'")"

# --- counter: how the visit ended, in two taps, nothing made up ---------------
d=$tmp/outcome
mksite "$d"
for c in digital digital digital; do "$CTL" -c "$d/site.json" take $c >/dev/null; done
cat >"$d/r.txt" <<EOF
tap-id call-next
tap-id serve
dump $d/o.json
tap-id first:no
tap-id outcome:topics
tap-id topic:tax
tap-id topic:letters
tap-id topic:letters
tap-id topic:homework
tap-id topics-done
tap-id outcome:referred:wij
dump $d/after.json
tap-id call-next
tap-id serve
tap-id outcome:skip
tap-id call-next
tap-id serve
key Escape
dump $d/back.json
quit
EOF
LOKET_KIOSK_GUARD_MS=0 kiosk "$d" counter 1024x600 "$d/r.txt" --desk 1
served=$("$CTL" -c "$d/site.json" events | grep '"type":"ticket.served"')
id_in "$d/o.json" "outcome:solved" && id_in "$d/o.json" "outcome:referred:gemeente" && id_in "$d/o.json" "first:unknown" &&
	echo "$served" | sed -n 1p | grep -q '"code":"A001".*"outcome":"referred","referred_to":"wij","topics":\["tax","homework"\],"first_visit":false}$' &&
	echo "$served" | sed -n 2p | grep -q '"code":"A002".*"outcome":null,"referred_to":null,"topics":null,"first_visit":null}$' &&
	[ "$(echo "$served" | wc -l)" = 2 ] && id_in "$d/back.json" "call-next" &&
	[ "$(db "$d" "select state from tickets where code = 'A003'")" = 1 ] &&
	label_in "$d/after.json" "A001 is geholpen." &&
	ok "outcome: Helped, then one tap serves with what was chosen; Skip records nulls; Escape serves nothing" ||
	bad "outcome step: $served / A003 state $(db "$d" "select state from tickets where code = 'A003'")"

# --- SIGHUP: the configuration is read again between frames -----------------
# A counter and a ticket screen showing a resident's ticket get SIGHUP after
# a label changed: the counter shows the new label and says so, the ticket
# stays on screen; then a broken file is refused and the old one stays.
d=$tmp/reload
mksite "$d"
"$CTL" -c "$d/site.json" take digital >/dev/null
printf 'dump %s\nwait-file %s\ndump %s\nwait-file %s\ndump %s\nquit\n' \
	"$d/c0.json" "$d/go1" "$d/c1.json" "$d/go2" "$d/c2.json" >"$d/c.txt"
printf 'tap-id category:tax\ndump %s\nwait-file %s\ndump %s\nquit\n' "$d/t0.json" "$d/go1" "$d/t1.json" >"$d/t.txt"
# (not through kiosk(): the signal must reach the kiosk, not timeout; the
# replays end by themselves, wait-file is bounded, cleanup kills the rest)
"$KIOSK" -c "$d/site.json" --view counter --window 1024x600 --replay "$d/c.txt" 2>>"$d/kiosk.log" &
kc=$!
LOKET_KIOSK_GUARD_MS=0 "$KIOSK" -c "$d/site.json" --view ticket --window 800x480 --replay "$d/t.txt" \
	2>>"$d/kiosk.log" &
kt=$!
pids+=($kc $kt)
for _ in $(seq 300); do [ -s "$d/c0.json" ] && [ -s "$d/t0.json" ] && break; sleep 0.05; done
sed -i 's/"nl": "Telefoon, tablet of computer"/"nl": "Computerhulp"/' "$d/site.json"
kill -HUP $kc $kt
touch "$d/go1"
for _ in $(seq 300); do [ -s "$d/c1.json" ] && break; sleep 0.05; done
cp "$d/site.json" "$d/good.json"
echo '{"broken' >"$d/site.json"
kill -HUP $kc
touch "$d/go2"
wait $kc
rc_c=$?
wait $kt
rc_t=$?
cp "$d/good.json" "$d/site.json"
[ $rc_c = 0 ] && [ $rc_t = 0 ] && label_in "$d/c1.json" "Computerhulp" && ! label_in "$d/c0.json" "Computerhulp" &&
	label_in "$d/c1.json" "De instellingen zijn bijgewerkt." &&
	label_in "$d/c2.json" "De nieuwe instellingen zijn geweigerd; de oude blijven." && label_in "$d/c2.json" "Computerhulp" &&
	id_in "$d/t1.json" ticket-code && grep -q "reload failed (it has errors): keeping the old configuration" "$d/kiosk.log" &&
	ok "SIGHUP: a new label between frames, the ticket stays on screen; a broken file refused, the old one kept" ||
	bad "reload (rc $rc_c $rc_t): $(grep -i reload "$d/kiosk.log" | head -4)"

# --- counter view: the sync line in each state ------------------------------
# (the demo site syncs to a central office; the states are written into the
# store as syncd leaves them: its heartbeat, its last success, its last
# failure and why). A counter view opens its desk when it starts
# (desk.opened, unless open) and closes it when it quits (desk.closed):
# those events are part of the backlog it shows.
d=$tmp/syncline
mksite "$d"
"$CTL" -c "$d/site.json" desk open 1 >/dev/null
now_ms() { echo $(($(date +%s) * 1000)); }
beat() { db "$d" "INSERT OR REPLACE INTO meta(key, value) VALUES ('heartbeat_ms', $1), ('heartbeat_every_ms', ${2:-15000});"; }
line() { printf 'dump %s\nquit\n' "$d/$1.json" >"$d/$1.txt"; kiosk "$d" counter 1024x600 "$d/$1.txt"; }
sync_label() { grep -h -o '"label": "Synchronisatie[^"]*"\|"label": "Sync[^"]*"' "$1"; }
line s0 # no heartbeat ever
"$CTL" -c "$d/site.json" desk open 1 >/dev/null
beat "$(now_ms)"
db "$d" "UPDATE meta SET value = (SELECT max(seq) FROM outbox) WHERE key = 'acked_through';"
line s1 # running, nothing sent yet, nothing to send
old=$(($(now_ms) - 3600 * 1000))
"$CTL" -c "$d/site.json" desk open 1 >/dev/null
beat "$(now_ms)"
db "$d" "UPDATE meta SET value = (SELECT max(seq) FROM outbox) WHERE key = 'acked_through';
	INSERT OR REPLACE INTO meta(key, value) VALUES ('last_success_ms', $old), ('last_attempt_ms', $old), ('last_error', '');"
line s2 # up to date after an idle hour
"$CTL" -c "$d/site.json" take tax >/dev/null
beat "$(now_ms)"
db "$d" "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_error', 'cannot reach the central office: Connection refused'), ('last_fault', 1), ('failing_since_ms', $old);"
line s3 # offline since an hour ago, and why, in Dutch
beat "$old"
line s4 # the heartbeat is an hour old: syncd is gone
beat "$(now_ms)"
db "$d" "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_fault', 4);"
printf 'key L\ndump %s\nquit\n' "$d/s5.json" >"$d/s5.txt"
kiosk "$d" counter 1024x600 "$d/s5.txt" # the token refused, in English
hm='[0-9-]* *[0-9][0-9]:[0-9][0-9]'
sync_label "$d/s0.json" | grep -q '"Synchronisatie draait niet (hier nooit gestart), nog [0-9]* te versturen"' &&
	sync_label "$d/s1.json" | grep -q '"Synchronisatie: nog niets te versturen"' &&
	sync_label "$d/s2.json" | grep -q "\"Synchronisatie: bijgewerkt, laatst $hm\"" &&
	sync_label "$d/s3.json" | grep -q "\"Synchronisatie: offline sinds $hm, nog [0-9]* te versturen. Het centrale kantoor is niet bereikbaar; misschien is het netwerk uit.\"" &&
	sync_label "$d/s4.json" | grep -q "\"Synchronisatie draait niet sinds $hm, nog [0-9]* te versturen\"" &&
	sync_label "$d/s5.json" | grep -q "\"Sync: offline since $hm, [0-9]* to send. The central office does not accept this site's token.\"" &&
	! grep -q '"cut"' "$d"/s[0-5].json &&
	ok "sync line: never ran, nothing yet, up to date after an idle hour, offline and why, not running, in the counter's language, never cut" ||
	bad "sync line: $(for i in 0 1 2 3 4 5; do sync_label "$d/s$i.json"; done | tr '\n' ' ')"

# --- the sync line with a real loket-syncd: killed, it says "not running" -----
# syncd (heartbeat every second) cannot reach its central office; the
# counter says why. After kill -9 nothing writes the heartbeat: within twice
# its interval (and the counter's 300 ms look) the line says "not running".
d=$tmp/syncd-live
mksite "$d" -e 's#"url": "[^"]*"#"url": "http://127.0.0.1:9"#' -e "s#\"token_file\": \"[^\"]*\"#\"token_file\": \"$d/token\", \"heartbeat_seconds\": 1#"
printf 'sekrit-token-for-tests-0123456789\n' >"$d/token"
chmod 600 "$d/token"
"$CTL" -c "$d/site.json" take digital >/dev/null
"$BIN/loket-syncd" -c "$d/site.json" 2>"$d/syncd.log" &
sp=$!
pids+=($sp)
wait_log "$d/syncd.log" "cannot reach the central office"
printf 'dump %s\nwait 3500\ndump %s\nquit\n' "$d/live1.json" "$d/live2.json" >"$d/r.txt"
kiosk "$d" counter 1024x600 "$d/r.txt" &
kp=$!
for _ in $(seq 300); do [ -s "$d/live1.json" ] && break; sleep 0.05; done
kill -9 $sp
wait $kp
sync_label "$d/live1.json" | grep -q 'offline sinds .*Het centrale kantoor is niet bereikbaar' &&
	sync_label "$d/live2.json" | grep -q 'Synchronisatie draait niet sinds' &&
	ok "syncd offline: the counter says why; killed: \"not running\" within twice its heartbeat" ||
	bad "live sync line: $(sync_label "$d/live1.json") / $(sync_label "$d/live2.json"); $(tail -2 "$d/syncd.log")"

# --- display view: sees other processes' calls, chimes, idles without drawing
d=$tmp/display
mksite "$d"
"$CTL" -c "$d/site.json" take digital >/dev/null
"$CTL" -c "$d/site.json" take tax >/dev/null
"$CTL" -c "$d/site.json" next --desk 2 >/dev/null
cat >"$d/r.txt" <<EOF
dump $d/d0.json
wait 1500
dump $d/d1.json
wait 3000
quit
EOF
kiosk "$d" display 1920x1080 "$d/r.txt" &
kp=$!
sleep 0.7
"$CTL" -c "$d/site.json" next --desk 4 >/dev/null
wait $kp
rc=$?
[ $rc -eq 0 ] && ok "display replay ran" || bad "display exit $rc"
label_in "$d/d0.json" "A001 → Balie 2" && ok "display shows the call A001" || bad "display without A001"
label_in "$d/d1.json" "B001 → Balie 4" && label_in "$d/d1.json" "A001 → Balie 2" &&
	ok "display saw another process's call within the poll" || bad "display did not see B001"
frames=$(sed -n 's/.*exit: \([0-9]*\) frames drawn, \([0-9]*\) chimes.*/\1 \2/p' "$d/kiosk.log" | tail -1)
set -- $frames
[ "${1:-99}" -le 4 ] && ok "display idle: $1 frames in 4.5 s (redraws only on change)" || bad "display drew ${1:-?} frames"
[ "${2:-0}" -ge 1 ] && ok "display chimed on the new call" || bad "no chime"

# --- display: the spoken announcement after the chime -----------------------
# Each case is a display on its own site that sees $CALLS calls (recalls of
# A001 at desk 3), says them (LOKET_SPEECH_DUMP keeps what espeak-ng made,
# as WAV) and is ended by SIGTERM; the cases run side by side. The text
# must be the catalog's, in the display's language.
d=$tmp/speech
mkdir -p "$d"
# speak NAME UNTIL [env...] [-- kiosk args...]: in $d/NAME/, a display sees
# $CALLS calls (default 1; after the first, its log must show UNTIL), then
# SIGTERM; its exit status goes to rc, its log to kiosk.log.
speak() {
	local s=$d/$1 until=$2 calls=${CALLS:-1}
	shift 2
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	mksite "$s"
	"$CTL" -c "$s/site.json" take digital --lang "${TAKE_LANG:-nl}" >/dev/null
	"$CTL" -c "$s/site.json" next --desk 3 >/dev/null
	env "${envs[@]}" LOKET_SPEECH_DUMP="$s/say-{lang}.wav" timeout -k 5 60 "$KIOSK" \
		-c "$s/site.json" --view display --window 800x480 "$@" 2>"$s/kiosk.log" &
	local kp=$!
	wait_log "$s/kiosk.log" "first frame"
	for i in $(seq "$calls"); do
		"$CTL" -c "$s/site.json" recall --desk 3 >/dev/null
		wait_log "$s/kiosk.log" "call A001 to desk 3" "$i" && wait_log "$s/kiosk.log" "$until"
	done
	sleep 0.3
	kill -TERM $kp 2>/dev/null
	wait $kp
	echo $? >"$s/rc"
}
# wav_secs FILE: the length of a 16-bit mono WAV in 1/100 s, if it is more
# than 0.3 s and not silence
wav_secs() {
	[ -s "$1" ] || return 1
	local rate bytes peak
	rate=$(od -An -tu4 -j24 -N4 "$1" | tr -d ' ')
	bytes=$(od -An -tu4 -j40 -N4 "$1" | tr -d ' ')
	peak=$(od -An -v -td2 -j44 "$1" | awk '{ for (i = 1; i <= NF; i++) { v = $i < 0 ? -$i : $i; if (v > m) m = v } } END { print m + 0 }')
	[ "$rate" -gt 0 ] && [ $((bytes * 10 / 2 / rate)) -ge 3 ] && [ "$peak" -gt 2000 ] || return 1
	echo "$((bytes * 100 / 2 / rate))"
}
langs="nl en ar tr pl uk"
sp=()
for l in $langs; do
	speak "$l" "announcement queued" -- --lang "$l" &
	sp+=($!)
done
speak off "call A001" LOKET_SPEECH=0 -- --lang nl &
sp+=($!)
speak noflag "call A001" -- --lang nl --no-speech &
sp+=($!)
# the combined view speaks the site's language, whatever a resident chose below
speak combined "announcement queued" -- --lang ar --view combined &
sp+=($!)
# a ticket taken in Arabic: the hall hears Dutch, then Arabic
TAKE_LANG=ar speak resident "announcement queued" -- --lang nl &
sp+=($!)
# espeak-ng without its data, and a voice without its dictionary: one
# warning, the chime plays alone, nothing crashes or waits
mkdir -p "$d/empty/espeak-ng-data"
CALLS=2 speak nodata "call A001" ESPEAK_DATA_PATH="$d/empty" -- --lang nl &
sp+=($!)
sys=""
for p in /usr/lib/*/espeak-ng-data /usr/share/espeak-ng-data; do [ -e "$p/phontab" ] && sys=$p && break; done
if [ -n "$sys" ]; then
	mkdir -p "$d/notr/espeak-ng-data"
	for f in "$sys"/*; do [ "${f##*/}" = tr_dict ] || ln -s "$f" "$d/notr/espeak-ng-data/"; done
	CALLS=2 speak novoice 'no spoken announcements in\|speech tr' ESPEAK_DATA_PATH="$d/notr" -- --lang tr &
	sp+=($!)
fi
wait "${sp[@]}"
declare -A said=([nl]="Nummer A 1, balie 3" [en]="Number A 1, desk 3"
	[ar]="رقم A 1، المكتب 3" [tr]="A 1 numaralı bilet, 3 numaralı masaya."
	[pl]="Numer A 1, stanowisko 3" [uk]="Номер A 1, стійка 3")
for l in $langs; do
	s=$d/$l
	cs=$(wav_secs "$s/say-$l.wav")
	[ "$(cat "$s/rc")" = 0 ] && [ -n "$cs" ] && grep -qF "speech $l: \"${said[$l]}\"" "$s/kiosk.log" &&
		grep -q "announcement queued" "$s/kiosk.log" &&
		ok "display says \"${said[$l]}\" after the chime ($l, $((cs / 100)).$(printf %02d $((cs % 100))) s)" ||
		bad "spoken announcement in $l (rc $(cat "$s/rc")): $(grep -E 'speech|announce' "$s/kiosk.log" | head -3)"
done
s=$d/combined
[ "$(cat "$s/rc")" = 0 ] && [ -n "$(wav_secs "$s/say-nl.wav")" ] && ! [ -e "$s/say-ar.wav" ] &&
	ok "combined view in Arabic: the hall hears Dutch" ||
	bad "combined view announcement (rc $(cat "$s/rc")): $(ls "$s"; grep -E 'speech' "$s/kiosk.log" | head -3)"
s=$d/resident
[ "$(cat "$s/rc")" = 0 ] && [ -n "$(wav_secs "$s/say-nl.wav")" ] && [ -n "$(wav_secs "$s/say-ar.wav")" ] &&
	[ "$(grep -o 'speech [a-z]*: "' "$s/kiosk.log" | head -2 | tr '\n' ' ')" = 'speech nl: " speech ar: " ' ] &&
	ok "a ticket taken in Arabic: the call in Dutch, then in Arabic" ||
	bad "resident's language: $(grep -E 'speech' "$s/kiosk.log" | head -3)"
for c in off:LOKET_SPEECH=0 noflag:--no-speech; do
	s=$d/${c%%:*}
	[ "$(cat "$s/rc")" = 0 ] && grep -q "speech: off (${c#*:})" "$s/kiosk.log" && ! ls "$s"/say-*.wav >/dev/null 2>&1 &&
		grep -q "exit: .* 1 chimes" "$s/kiosk.log" && ok "${c#*:}: the chime, no announcement" || bad "${c#*:} (rc $(cat "$s/rc"))"
done
s=$d/nodata
[ "$(cat "$s/rc")" = 0 ] && [ "$(grep -c "espeak-ng cannot start" "$s/kiosk.log")" = 1 ] &&
	grep -q "exit: .* 2 chimes" "$s/kiosk.log" && ok "no espeak-ng data: one warning, chimes alone" ||
	bad "no espeak-ng data (rc $(cat "$s/rc")): $(grep -E 'warn|error' "$s/kiosk.log" | head -3)"
if [ -n "$sys" ]; then
	s=$d/novoice
	[ "$(cat "$s/rc")" = 0 ] && [ "$(grep -c 'no spoken announcements in "tr"' "$s/kiosk.log")" = 1 ] &&
		[ -n "$(wav_secs "$s/say-nl.wav")" ] && ! [ -e "$s/say-tr.wav" ] &&
		grep -q "exit: .* 2 chimes" "$s/kiosk.log" &&
		ok "a voice without its dictionary: one warning, the call said in the resident's Dutch only" ||
		bad "missing voice (rc $(cat "$s/rc")): $(grep -E 'warn|error|speech' "$s/kiosk.log" | head -3)"
else
	echo "skip missing-voice test: espeak-ng-data not found"
fi

# --- display: every call announced once, in commit order --------------------
# Four desks call within a few milliseconds of each other, 20 rounds, with
# the residents served between rounds: the display (LOKET_ANNOUNCE_LOG)
# plays all 80 calls one after the other, in the order the store committed
# them (the order of ticket.called in the outbox), each once. A chime of
# 0.05 s (LOKET_ASSETS) keeps it short: the dummy audio plays in real time.
d=$tmp/announce
mksite "$d"
mkdir -p "$d/assets/sounds"
for f in assets/*; do [ "${f##*/}" = sounds ] || ln -s "$PWD/$f" "$d/assets/"; done
le() { for ((i = 0; i < $2; i++)); do printf "\\x$(printf %02x $(($1 >> (8 * i) & 255)))"; done; }
{
	printf 'RIFF'; le $((36 + 2206)) 4; printf 'WAVEfmt '; le 16 4; le 1 2; le 1 2
	le 22050 4; le 44100 4; le 2 2; le 16 2; printf 'data'; le 2206 4; head -c 2206 /dev/zero
} >"$d/assets/sounds/chime.wav"
for i in $(seq 84); do "$CTL" -c "$d/site.json" take digital >/dev/null; done
LOKET_ASSETS=$d/assets LOKET_ANNOUNCE_LOG=$d/announce.log timeout -k 5 150 "$KIOSK" \
	-c "$d/site.json" --view display --window 800x480 --no-speech 2>"$d/kiosk.log" &
kp=$!
wait_log "$d/kiosk.log" "first frame"
for r in $(seq 20); do
	cp=()
	for k in 1 2 3 4; do
		"$CTL" -c "$d/site.json" next --desk $k >/dev/null &
		cp+=($!)
	done
	wait "${cp[@]}"
	for k in 1 2 3 4; do "$CTL" -c "$d/site.json" serve --desk $k >/dev/null; done
done
# lines_at_least FILE N: wait (60 s at most) until FILE has N lines
lines_at_least() {
	for _ in $(seq 600); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
lines_at_least "$d/announce.log" 80
want=$("$CTL" -c "$d/site.json" events | grep '"type":"ticket.called"' |
	sed -E 's/.*"code":"([^"]*)".*"desk":([0-9]+).*/\1 \2/')
got=$(awk '{ print $2, $3 }' "$d/announce.log")
[ "$(wc -l <"$d/announce.log")" = 80 ] && [ "$got" = "$want" ] &&
	[ "$(awk '{ print $4 }' "$d/announce.log" | sort -u)" = chime ] &&
	[ "$(awk '{ print $1 }' "$d/announce.log" | sort -n | uniq | tr '\n' ' ')" = "$(awk '{ print $1 }' "$d/announce.log" | tr '\n' ' ')" ] &&
	ok "4 desks x 20 rounds: 80 calls announced, each once, in commit order" ||
	bad "announcements: $(wc -l <"$d/announce.log") lines; first differences: $(diff <(echo "$want") <(echo "$got") | head -4 | tr '\n' ' ')"
# A recall is announced again, and moves its ticket to the top of the
# display without a second row.
"$CTL" -c "$d/site.json" next --desk 1 >/dev/null  # A081
"$CTL" -c "$d/site.json" next --desk 2 >/dev/null  # A082
"$CTL" -c "$d/site.json" recall --desk 1 >/dev/null
lines_at_least "$d/announce.log" 83
printf 'dump %s\nquit\n' "$d/d.json" >"$d/r.txt"
kiosk "$d" display 1920x1080 "$d/r.txt"
# shown DUMP: the calls on the display, "ID LABEL" per line
# (the dump writes "id" and then "label" on lines of their own)
shown() {
	awk -F'"' '$2 == "id" { id = $4 } $2 == "label" && (id == "now" || id ~ /^call:/) { print id, $4 }' "$1"
}
rows=$(shown "$d/d.json")
[ "$(tail -3 "$d/announce.log" | awk '{ print $2, $3 }' | tr '\n' ' ')" = "A081 1 A082 2 A081 1 " ] &&
	[ "$(echo "$rows" | head -2 | tr '\n' ' ')" = "now A081 → Balie 1 call:2 A082 → Balie 2 " ] &&
	[ "$(echo "$rows" | grep -c 'A081 →')" = 1 ] &&
	ok "a recall is announced again and moves to the top, one row" ||
	bad "recall: $(tail -3 "$d/announce.log" | tr '\n' ' '); $(echo "$rows" | tr '\n' ' ')"
# A transferred ticket leaves the display; "Called before" shows four.
"$CTL" -c "$d/site.json" transfer tax --desk 1 >/dev/null
printf 'dump %s\nquit\n' "$d/d2.json" >"$d/r2.txt"
kiosk "$d" display 1920x1080 "$d/r2.txt"
rows=$(shown "$d/d2.json")
! echo "$rows" | grep -q 'A081 →' && [ "$(echo "$rows" | head -1)" = "now A082 → Balie 2" ] &&
	[ "$(echo "$rows" | grep -c '^call:')" = 4 ] &&
	ok "a transferred ticket leaves the display; four calls before the newest" ||
	bad "after a transfer: $(echo "$rows" | tr '\n' ' ')"
kill -TERM $kp 2>/dev/null
wait $kp
[ $? = 0 ] && [ "$(wc -l <"$d/announce.log")" = 83 ] && ok "display ends cleanly, nothing announced twice" ||
	bad "display exit or extra lines: $(wc -l <"$d/announce.log")"

# --- views see each other: a kiosk's ticket appears in a counter -----------
d=$tmp/together
mksite "$d"
printf 'wait 1200\ndump %s\nquit\n' "$d/c.json" >"$d/c.txt"
printf 'tap-id category:business\nquit\n' >"$d/t.txt"
kiosk "$d" counter 1024x600 "$d/c.txt" &
kp=$!
sleep 0.4
kiosk "$d" ticket 1024x600 "$d/t.txt"
wait $kp
id_in "$d/c.json" "waiting:E001" && ok "counter sees a ticket from the kiosk process" || bad "counter missed E001"

# --- combined view ------------------------------------------------------------
d=$tmp/combined
mksite "$d"
"$CTL" -c "$d/site.json" take other >/dev/null
"$CTL" -c "$d/site.json" next --desk 1 >/dev/null
printf 'tap-id category:digital\ndump %s\nquit\n' "$d/m.json" >"$d/r.txt"
kiosk "$d" combined 1024x768 "$d/r.txt"
label_in "$d/m.json" "F001 → Balie 1" && label_in "$d/m.json" "A001" && ok "combined: display band and ticket" || bad "combined view"

# --- staff corner: long press, PIN, counter, quit --------------------------
d=$tmp/staff
mksite "$d"
cat >"$d/r.txt" <<EOF
long-press 5 5 800
dump $d/s0.json
long-press 5 5 2100
dump $d/s1.json
text 9999
key Return
dump $d/s2.json
tap-id pin:1
tap-id pin:2
tap-id pin:3
tap-id pin:4
tap-id pin:ok
dump $d/s3.json
tap-id staff:counter
dump $d/s4.json
tap-id menu
dump $d/s5.json
tap-id staff:combined
dump $d/s6.json
long-press 5 5 2100
tap-id pin:1
tap-id pin:2
tap-id pin:3
tap-id pin:4
tap-id pin:ok
tap-id staff:quit
dump $d/never.json
EOF
kiosk "$d" ticket 800x480 "$d/r.txt"
rc=$?
! id_in "$d/s0.json" "pin:1" && ok "a short press in the corner does nothing" || bad "short press opened the pad"
id_in "$d/s1.json" "pin:1" && ok "a 2 s press in the corner opens the PIN pad" || bad "no PIN pad"
grep -q "Verkeerde pincode" "$d/s2.json" && ok "a wrong PIN is refused" || bad "wrong PIN"
id_in "$d/s3.json" "staff:counter" && ok "PIN 1234 opens the staff menu" || bad "right PIN"
id_in "$d/s4.json" "call-next" && ok "staff switch to the counter" || bad "counter from staff"
# Back is the main action, quit is quiet (no filled card), and the combined
# view is one tap away
objs() { tr -d ' \n' <"$1" | sed 's/},{/}\n{/g'; }
objs "$d/s5.json" | grep -q '"id":"staff:close".*"bg":"#1B3A6B"' &&
	objs "$d/s5.json" | grep -q '"id":"staff:quit".*"bg":"#F3F0E8"' &&
	id_in "$d/s6.json" "display-site" && id_in "$d/s6.json" "category:digital" &&
	ok "staff menu: Back first, a quiet Quit, and the way to the combined view" || bad "staff menu styles or combined view"
[ $rc -eq 0 ] && [ ! -e "$d/never.json" ] && ok "staff quit ends the kiosk" || bad "staff quit (rc $rc)"
! grep -q "1234" "$d/kiosk.log" && ok "the PIN is never logged" || bad "PIN in the log"

# --- no PIN configured: the corner says so and opens nothing ------------------
d=$tmp/nopin
mksite "$d" -e '/"staff_pin_sha256"/d'
for lang in nl ar; do
	cat >"$d/r-$lang.txt" <<EOF
tap-id lang:$lang
long-press 5 5 2100
dump $d/n1-$lang.json
shot $OUT/nopin-$lang.png
text 1234
key Return
dump $d/n2-$lang.json
tap-id pin:cancel
dump $d/n3-$lang.json
EOF
	kiosk "$d" ticket 800x480 "$d/r-$lang.txt" || bad "no-PIN replay ($lang)"
done
grep -q "Er is geen pincode voor medewerkers ingesteld" "$d/n1-nl.json" && ! id_in "$d/n1-nl.json" "pin:1" &&
	grep -q "kiosk.staff_pin_sha256" "$d/n1-ar.json" && grep -q "لم يُضبط رمز PIN" "$d/n1-ar.json" &&
	ok "no PIN set: the corner shows why, in the resident's language, and no pad" || bad "no-PIN message"
! id_in "$d/n2-nl.json" "staff:counter" && id_in "$d/n3-nl.json" "category:digital" &&
	ok "no PIN set: typing a PIN opens nothing, Back returns" || bad "no-PIN: a menu opened or no way back"
"$CHECK" "$d/n1-nl.json" 800 480 "$OUT/nopin-nl.png" >"$d/check-nl.out" 2>&1 &&
	"$CHECK" "$d/n1-ar.json" 800 480 "$OUT/nopin-ar.png" >"$d/check-ar.out" 2>&1 &&
	ok "no-PIN screen: the layout check passes (nl, ar)" ||
	bad "no-PIN screen layout: $(cat "$d"/check-*.out | head -6)"

# --- closed: outside the opening hours, the next opening --------------------
d=$tmp/closed
mksite "$d" -e 's/"desks": 4,/"desks": 4, "hours": {"mon": ["09:00-17:00"]},/'
printf 'dump %s\nshot %s\ntap-id lang:ar\nshot %s\nquit\n' "$d/c.json" "$OUT/closed-nl.png" "$OUT/closed-ar.png" >"$d/r.txt"
LOKET_FAKE_NOW=1795348800000 kiosk "$d" ticket 800x480 "$d/r.txt" # a Sunday, 12:00 UTC
grep -q "We zijn morgen weer open om 09:00 uur." "$d/c.json" && ! id_in "$d/c.json" category:digital &&
	ok "closed screen with the next opening" || bad "closed screen"

# --- a store failure: calm screen, no ticket, no crash -----------------------
d=$tmp/fail
mksite "$d"
"$CTL" -c "$d/site.json" status >/dev/null
(
	echo "BEGIN IMMEDIATE;"
	sleep 9
	echo "COMMIT;"
) | sqlite3 "$d/site.db" &
pids+=($!)
sleep 0.3
printf 'tap-id category:digital\ndump %s\nshot %s\ntap-id lang:ar\ndump %s\nshot %s\nquit\n' \
	"$d/f.json" "$OUT/store-failure-nl.png" "$d/f-ar.json" "$OUT/store-failure-ar.png" >"$d/r.txt"
kiosk "$d" ticket 800x480 "$d/r.txt"
rc=$?
[ $rc -eq 0 ] && id_in "$d/f.json" error && ! grep -q ticket-code "$d/f.json" &&
	ok "locked database: calm error screen, no ticket shown" || bad "store failure screen (rc $rc)"
grep -q "cannot issue a ticket" "$d/kiosk.log" && ok "store failure logged" || bad "store failure not logged"
label_in "$d/f-ar.json" "هذا الجهاز لا يستطيع إعطاء أرقام الآن." && id_in "$d/f-ar.json" "lang:nl" &&
	ok "the failure screen has the language row: a tap on العربية reads it in Arabic" || bad "failure screen language row"
wait
[ "$(db "$d" 'select count(*) from tickets')" = 0 ] && ok "no ticket was stored" || bad "ticket stored"


# --- a real X11 window clicked with xdotool -------------------------------------
if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
	d=$tmp/x11
	mksite "$d"
	# A display number nobody uses (another Xvfb on this machine, say a
	# second test run, would own its socket and the window search fails).
	n=$((90 + RANDOM % 9))
	for _ in $(seq 20); do
		[ ! -e /tmp/.X11-unix/X$n ] && [ ! -e /tmp/.X$n-lock ] && break
		n=$((90 + RANDOM % 60))
	done
	Xvfb :$n -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
	xp=$!
	pids+=($xp)
	# Wait until the display answers (a loaded machine may take seconds
	# to start Xvfb; bounded at 30 s).
	xup=0
	for _ in $(seq 300); do
		DISPLAY=:$n xdotool getdisplaygeometry >/dev/null 2>&1 && { xup=1; break; }
		sleep 0.1
	done
	[ $xup = 1 ] || echo "Xvfb :$n did not answer within 30 s"
	DISPLAY=:$n SDL_VIDEODRIVER=x11 LSAN_OPTIONS=suppressions=$PWD/tests/kiosk/lsan.supp \
		timeout -k 5 60 "$KIOSK" -c "$d/site.json" --view ticket \
		--window 800x480 2>>"$d/kiosk.log" &
	kp=$!
	pids+=($kp)
	win=""
	for _ in $(seq 100); do
		win=$(DISPLAY=:$n xdotool search --name "loket" 2>/dev/null | head -1)
		[ -n "$win" ] && break
		sleep 0.1
	done
	sleep 0.5
	# where category:digital is at 800x480 (the same layout as offscreen)
	printf 'dump %s\nquit\n' "$d/l.json" >"$d/l.txt"
	kiosk "$d" ticket 800x480 "$d/l.txt"
	xy=$(grep -A10 '"id": "category:digital"' "$d/l.json" | tr -d ' \n' | sed -n 's/.*"rect":\[\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1 \2 \3 \4/p')
	set -- $xy
	if [ -n "$win" ] && [ $# -eq 4 ]; then
		DISPLAY=:$n xdotool mousemove --window "$win" $(($1 + $3 / 2)) $(($2 + $4 / 2)) click 1
		for _ in $(seq 50); do
			[ "$(db "$d" 'select count(*) from tickets' 2>/dev/null)" = 1 ] && break
			sleep 0.1
		done
		[ "$(db "$d" 'select code from tickets')" = A001 ] && ok "X11 window clicked with xdotool issues a ticket" ||
			bad "xdotool click gave no ticket"
	else
		bad "X11 window not found (display :$n; the kiosk's log: $(tail -n 5 "$d/kiosk.log" | tr '\n' ' '))"
	fi
	kill -TERM $kp 2>/dev/null
	wait $kp
	rc=$?
	[ $rc -eq 0 ] && ok "SIGTERM ends the kiosk cleanly" || bad "kiosk exit $rc after SIGTERM"
	kill $xp 2>/dev/null
	wait $xp 2>/dev/null
else
	echo "skip X11 test: Xvfb or xdotool not installed"
fi

# --- a tap storm: one ticket per tap on a category, nothing else ---------------
d=$tmp/storm
mksite "$d"
rounds=${KIOSK_STORM_ROUNDS:-500}
awk -v rounds="$rounds" 'BEGIN {
	srand(20261122)
	split("digital tax letters homework business other", cats, " ")
	for (r = 0; r < rounds; r++) {
		print "tap-id category:" cats[int(rand() * 6) + 1]
		k = int(rand() * 4)            # double taps, palms: all inside the guard
		for (i = 0; i < k; i++) print "tap " int(rand() * 800) " " int(rand() * 480)
		print "wait 30"
		print "tap " int(rand() * 800) " " int(rand() * 480)   # dismisses the ticket
		k = int(rand() * 4)            # right after: category taps still ignored
		for (i = 0; i < k; i++) print "tap " int(rand() * 800) " " int(rand() * 480)
		print "wait 30"
	}
	print "quit"
}' >"$d/storm.txt"
taps=$(grep -c '^tap' "$d/storm.txt")
t0=$(date +%s)
LOKET_KIOSK_GUARD_MS=25 LOKET_LOG=warn kiosk "$d" ticket 800x480 "$d/storm.txt"
rc=$?
n=$(db "$d" 'select count(*) from tickets')
[ $rc -eq 0 ] && ok "tap storm: $taps taps, the kiosk ran to the end, ASan clean ($(($(date +%s) - t0)) s)" ||
	bad "tap storm exit $rc"
[ "$n" = "$rounds" ] && ok "tap storm: exactly one ticket per category tap ($n)" || bad "tap storm: $n tickets for $rounds category taps"

echo "screenshots: $OUT"
if [ $failures -gt 0 ]; then
	echo "kiosk: $failures failures"
	exit 1
fi
echo "kiosk: all passed"
