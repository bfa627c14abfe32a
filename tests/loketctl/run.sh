#!/bin/bash
# loketctl as scripts and people use it: the outputs README.md and loketctl --help promise and
# the sysexits statuses, including every way to call it wrongly.
set -u
. "$(dirname "$0")/../store/lib.sh"
dir=$(mktemp -d /tmp/loket-ctl.XXXXXX)
trap 'rm -rf "$dir"' EXIT
new_site "$dir"
C=("$BIN/loketctl" -c "$dir/site.json")

want() { # rc stdout-exact command...
	local rc=$1 out=$2 got grc
	shift 2
	got=$("$@" 2>"$dir/stderr"); grc=$?
	[ "$grc" -eq "$rc" ] || fail "$*: exit $grc, want $rc (stderr: $(cat "$dir/stderr"))"
	[ "$out" = "-" ] || [ "$got" = "$out" ] || fail "$*: printed \"$got\", want \"$out\""
}
stderr_says() { grep -q -- "$1" "$dir/stderr" || fail "stderr does not say \"$1\": $(cat "$dir/stderr")"; }

want 0 A001 "${C[@]}" take digital
want 0 A002 "${C[@]}" take digital --lang ar
want 0 B001 "${C[@]}" take tax
want 0 A001 "${C[@]}" next --desk 1
want 0 B001 "${C[@]}" next --desk 2 --category tax,letters
want 1 "" "${C[@]}" next --desk 3 --category tax
stderr_says "nobody is waiting"
want 65 "" "${C[@]}" next --desk 1
stderr_says "A001 is still at desk 1"
want 0 A001 "${C[@]}" recall --desk 1
want 0 A001 "${C[@]}" serve A001
want 65 "" "${C[@]}" serve A001
stderr_says "A001 is served, not at a desk"
want 0 B001 "${C[@]}" no-show --desk 2
want 0 A002 "${C[@]}" transfer letters A002
want 0 A002 "${C[@]}" next --desk 3 --category letters
want 0 A002 "${C[@]}" cancel --desk 3
want 65 "" "${C[@]}" take nonsense
stderr_says 'unknown category "nonsense"'
want 65 "" "${C[@]}" take digital --lang xx
want 65 "" "${C[@]}" serve Z999
stderr_says "there is no ticket Z999"
want 65 "" "${C[@]}" next --desk 9
stderr_says "desk 9 does not exist"

# events: JSON lines in seq order, one per action above, and a desk.opened
# before the first call at each desk (14 in all).
"${C[@]}" events >"$dir/events" || fail "events failed"
[ "$(wc -l <"$dir/events")" -eq 14 ] || fail "want 14 events, got $(wc -l <"$dir/events")"
seqs=$(sed 's/^{"seq":\([0-9]*\),.*/\1/' "$dir/events" | tr '\n' ' ')
[ "$seqs" = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 " ] || fail "events out of order: $seqs"
types=$(grep -o '"type":"[a-z._]*"' "$dir/events" | cut -d'"' -f4 | tr '\n' ' ')
[ "$types" = "ticket.issued ticket.issued ticket.issued desk.opened ticket.called desk.opened ticket.called ticket.recalled ticket.served ticket.no_show ticket.transferred desk.opened ticket.called ticket.cancelled " ] ||
	fail "event types: $types"
grep -q '"type":"ticket.transferred".*"category":"letters","from":"digital"' "$dir/events" || fail "transfer event lacks from"
want 0 - "${C[@]}" events --after 9
[ "$("${C[@]}" events --after 9 | wc -l)" -eq 5 ] || fail "events --after 9"

# --json for scripts.
out=$("${C[@]}" --json take homework) || fail "take --json"
case "$out" in '{"code":"D001",'*'"state":"waiting"'*) ;; *) fail "take --json printed $out" ;; esac
out=$("${C[@]}" --json status) || fail "status --json"
case "$out" in *'"waiting":1,'*'"backlog":15'*) ;; *) fail "status --json printed $out" ;; esac
out=$("${C[@]}" --json list) || fail "list --json"
case "$out" in '[{"code":"D001"'*) ;; *) fail "list --json printed $out" ;; esac
"${C[@]}" status | grep -q "1 waiting" || fail "status for people"
"${C[@]}" list | grep -q "^D001 " || fail "list for people"

# Using it wrongly: 64, with a message.
want 64 "" "${C[@]}"
want 64 "" "${C[@]}" frobnicate
stderr_says 'unknown command "frobnicate"'
want 64 "" "${C[@]}" take
want 64 "" "${C[@]}" take digital tax
want 64 "" "${C[@]}" next
want 64 "" "${C[@]}" next --desk x
stderr_says "desk needs a number"
want 64 "" "${C[@]}" serve
want 64 "" "${C[@]}" events --after -3
want 64 "" "${C[@]}" list extra
want 64 "" "${C[@]}" --bogus list
want 0 - "${C[@]}" --help
want 0 - "$BIN/loketctl" --version
want 0 - "${C[@]}" check-config
want 78 "" "$BIN/loketctl" -c "$dir/nonexistent.json" list

# How a visit ended: every field, none (all null, never a default), and
# every way to get it wrong (named, exit 65 or 64, nothing written).
want 0 A003 "${C[@]}" take digital
want 0 A003 "${C[@]}" next --desk 1 --category digital
want 65 "" "${C[@]}" serve --desk 1 --referred-to nowhere
stderr_says 'unknown referral "nowhere"'
want 65 "" "${C[@]}" serve --desk 1 --outcome solved --referred-to wij
stderr_says 'goes with outcome referred'
want 65 "" "${C[@]}" serve --desk 1 --outcome done
stderr_says 'outcome "done": must be solved, referred or follow_up'
want 65 "" "${C[@]}" serve --desk 1 --topics tax,nope
stderr_says 'unknown kind of help "nope" in topics'
want 64 "" "${C[@]}" serve --desk 1 --first-visit maybe
want 64 "" "${C[@]}" no-show --desk 1 --outcome solved
want 0 A003 "${C[@]}" serve --desk 1 --outcome referred --referred-to wij --topics tax,letters --first-visit no
"${C[@]}" events | tail -1 | grep -q '"outcome":"referred","referred_to":"wij","topics":\["tax","letters"\],"first_visit":false}$' ||
	fail "served event with an outcome: $("${C[@]}" events | tail -1)"
want 0 A004 "${C[@]}" take digital
want 0 A004 "${C[@]}" next --desk 1 --category digital
want 0 A004 "${C[@]}" serve --desk 1
"${C[@]}" events | tail -1 | grep -q '"outcome":null,"referred_to":null,"topics":null,"first_visit":null}$' ||
	fail "served event without an outcome: $("${C[@]}" events | tail -1)"

# Retention: nothing unacknowledged goes.
want 0 "purged 0 acknowledged events" "${C[@]}" purge --days 0
[ "$("${C[@]}" events | wc -l)" -eq 21 ] || fail "purge deleted unacknowledged events"

# Busy: a database held locked past the busy timeout gives 75.
# The sqlite3 shell holds the write lock for 7 s, past the 5 s busy timeout.
( printf 'BEGIN IMMEDIATE;\nINSERT INTO meta VALUES ("hold", 1);\n'; sleep 7; printf 'ROLLBACK;\n' ) | sqlite3 "$dir/site.db" &
holder=$!
sleep 0.5
want 75 "" "${C[@]}" take digital
stderr_says "locked"
wait $holder
want 0 D002 "${C[@]}" take homework
echo "loketctl: all outputs and statuses as documented"
