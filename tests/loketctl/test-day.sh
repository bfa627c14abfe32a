#!/bin/bash
# A site's day through loketctl, as a coordinator would try it with the
# clock moved by LOKET_FAKE_NOW: the three cases of issue 9 (each failed
# before the day cycle), desks opening and closing, and a code that names
# two open tickets refused with exit 65.
set -u
. "$(dirname "$0")/../store/lib.sh"
dir=$(mktemp -d /tmp/loket-day.XXXXXX)
trap 'rm -rf "$dir"' EXIT
new_site "$dir"
export TZ=Europe/Amsterdam
C=("$BIN/loketctl" -c "$dir/site.json")
at() { LOKET_FAKE_NOW=$(date -d "$1" +%s000); export LOKET_FAKE_NOW; }
want() { # rc stdout-exact command...
	local rc=$1 out=$2 got grc
	shift 2
	got=$("$@" 2>"$dir/stderr"); grc=$?
	[ "$grc" -eq "$rc" ] || fail "$*: exit $grc, want $rc (stderr: $(cat "$dir/stderr"))"
	[ "$out" = "-" ] || [ "$got" = "$out" ] || fail "$*: printed \"$got\", want \"$out\""
}

# 1. Yesterday does not come back.
at "2026-11-30 15:00"
for c in A001 A002 A003; do want 0 $c "${C[@]}" take digital; done
at "2026-12-01 09:05"
want 0 A001 "${C[@]}" take digital
list=$("${C[@]}" list) || fail "list"
[ "$(grep -c '^A00' <<<"$list")" = 1 ] || fail "yesterday's tickets are listed: $list"
"${C[@]}" status | grep -q ": 1 waiting" || fail "status counts yesterday: $("${C[@]}" status)"
today=$("${C[@]}" --json list | grep -o '"uuid":"[^"]*"')
called=$("${C[@]}" --json next --desk 1 | grep -o '"uuid":"[^"]*"')
[ "$today" = "$called" ] || fail "next called $called, not today's A001 ($today)"
[ "$("${C[@]}" events | grep -c '"ticket.expired"')" = 3 ] || fail "want 3 ticket.expired"
want 0 A001 "${C[@]}" serve --desk 1

# 2. A kiosk that booted in 1970, corrected at noon: one code, one ticket.
# (A reboot at 11:00 into 1970: numbering goes on from the last good day.)
LOKET_FAKE_NOW=28800000 # 1970-01-01 09:00
want 0 A002 "${C[@]}" take digital
want 0 A003 "${C[@]}" take digital
LOKET_FAKE_NOW=30000000
want 0 B001 "${C[@]}" take tax
at "2026-12-01 12:00"
want 0 B002 "${C[@]}" take tax
want 0 A004 "${C[@]}" take digital
codes=$("${C[@]}" --json list | grep -o '"code":"[A-Z0-9]*"' | sort)
[ "$(wc -l <<<"$codes")" = 5 ] || fail "the morning's residents lost their tickets: $codes"
[ -z "$(uniq -d <<<"$codes")" ] || fail "two open tickets share a code: $codes"
# How long the 1970 morning waited is unknown: "?", not 56 years.
"${C[@]}" list | grep -q '^A002 .* ? ' || fail "list shows a wait for a 1970 ticket: $("${C[@]}" list)"
"${C[@]}" --json list | grep -q '"code":"A002",[^}]*"issued":null' || fail "issued of a 1970 ticket"
want 0 A002 "${C[@]}" next --desk 1
want 0 A002 "${C[@]}" serve A002
want 0 A003 "${C[@]}" cancel A003
want 65 "" "${C[@]}" serve A003
grep -q "A003 is cancelled, not at a desk" "$dir/stderr" || fail "serve A003: $(cat "$dir/stderr")"

# 3. Honest waits: one ticket in each kind, one desk for all kinds.
at "2026-12-02 10:00"
want 0 - "${C[@]}" desk open 1
for k in digital tax letters homework business other; do "${C[@]}" take $k >/dev/null || fail "take $k"; done
aheads=$("${C[@]}" --json list | grep -o '"ahead":[0-9]*' | cut -d: -f2 | tr '\n' ' ')
[ "$aheads" = "0 1 2 3 4 5 " ] || fail "ahead across kinds: $aheads"
waits=$("${C[@]}" --json list | grep -o '"est_wait_s":[0-9a-z]*' | cut -d: -f2 | tr '\n' ' ')
[ "$waits" = "0 720 1440 2160 2880 3600 " ] || fail "waits (12 min each): $waits"
want 0 "desk 1 closed" "${C[@]}" desk close 1
"${C[@]}" --json list | grep -q '"est_wait_s":null' || fail "no desk open, yet a wait is shown"
"${C[@]}" list | grep -q "no desk" || fail "list does not say no desk is open"
"${C[@]}" status | grep -q "no desk is open" || fail "status does not say no desk is open"

# Desks from the command line.
want 65 "" "${C[@]}" desk close 1
grep -q "desk 1 is not open" "$dir/stderr" || fail "closing a closed desk: $(cat "$dir/stderr")"
want 64 "" "${C[@]}" desk open
want 64 "" "${C[@]}" desk ajar 1
want 65 "" "${C[@]}" desk open 9
want 65 "" "${C[@]}" desk open 2 --category nonsense
want 0 "desk 2 open" "${C[@]}" desk open 2 --category tax,letters

# A code two open tickets share (a database from before the day cycle):
# refused with 65, naming both, and nothing happens.
sqlite3 "$dir/site.db" "INSERT INTO tickets(uuid, day, code, category, lang, state, issued_ms,
	last_seq) SELECT '01937000-0000-7000-8000-0000000000aa', day, code, category, lang, 0,
	issued_ms, last_seq FROM tickets WHERE code = 'B001' AND state = 0" || fail "sqlite3"
before=$("${C[@]}" events | wc -l)
want 65 "" "${C[@]}" cancel B001
grep -q "B001 names 2 open tickets" "$dir/stderr" || fail "ambiguity: $(cat "$dir/stderr")"
[ "$("${C[@]}" events | wc -l)" = "$before" ] || fail "an ambiguous code changed something"
sqlite3 "$dir/site.db" "DELETE FROM tickets WHERE uuid = '01937000-0000-7000-8000-0000000000aa'"
check_db "$dir/site.db"
echo "loketctl: a day, a clock corrected at noon, honest waits, desks, ambiguous codes"
