#!/bin/bash
# A world that is not kind to the site database: a file that is not SQLite,
# a damaged database, a full disk, a read-only disk. Each must give a clear
# message and a non-zero exit, leave nothing half-written and keep every
# ticket that was already there.
set -u
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/loket-faults.XXXXXX)
mnt="$dir/mnt"
cleanup() { umount "$mnt" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
ctl() { "$BIN/loketctl" -c "$1/site.json" "${@:2}"; }

expect_fail() { # want_rc message-substring command...
	local want=$1 msg=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: exit $rc, want $want ($out)"
	case "$out" in *"$msg"*) ;; *) fail "$*: message \"$out\" does not say \"$msg\"" ;; esac
}

# 1. Not SQLite at all: refused, untouched.
new_site "$dir/a"
head -c 10000 /dev/urandom >"$dir/a/site.db"
before=$(sha256sum <"$dir/a/site.db")
expect_fail 65 "file is not a database" ctl "$dir/a" take digital
expect_fail 65 "file is not a database" ctl "$dir/a" list
[ "$(sha256sum <"$dir/a/site.db")" = "$before" ] || fail "a foreign file was changed"
[ ! -e "$dir/a/site.db-wal" ] || [ ! -s "$dir/a/site.db-wal" ] || fail "a WAL was written beside a foreign file"

# 2. Another SQLite database that is not loket's: refused, untouched.
new_site "$dir/b"
sqlite3 "$dir/b/site.db" 'CREATE TABLE recipes(name); INSERT INTO recipes VALUES ("stamppot")'
before=$(sha256sum <"$dir/b/site.db")
expect_fail 65 "not a loket site database" ctl "$dir/b" take digital
[ "$(sha256sum <"$dir/b/site.db")" = "$before" ] || fail "a foreign database was changed"

# 3. A damaged loket database: pages overwritten in the middle.
new_site "$dir/c"
for i in $(seq 1 300); do echo digital; done | while read -r c; do ctl "$dir/c" take "$c" >/dev/null || exit 1; done ||
	fail "could not fill the database"
sqlite3 "$dir/c/site.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
size=$(stat -c %s "$dir/c/site.db")
[ "$size" -gt 16384 ] || fail "database unexpectedly small ($size)"
dd if=/dev/urandom of="$dir/c/site.db" bs=4096 seek=2 count=2 conv=notrunc status=none
before=$(sha256sum <"$dir/c/site.db")
out=$(ctl "$dir/c" list 2>&1); rc=$?
[ "$rc" -ne 0 ] || fail "a damaged database was read without complaint"
case "$out" in *malformed* | *"not a database"* | *damaged*) ;; *) fail "unclear message for a damaged database: $out" ;; esac
out=$(ctl "$dir/c" take digital 2>&1); rc=$?
[ "$rc" -ne 0 ] || fail "a ticket was issued into a damaged database: $out"
[ "$(sha256sum <"$dir/c/site.db")" = "$before" ] || fail "a damaged database was changed"

# 4 and 5 need a small file system of their own.
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=320k tmpfs "$mnt" 2>/dev/null; then
	echo "faults: cannot mount a tmpfs here (not root?): full and read-only disks NOT tested"
	echo "faults: foreign, alien and damaged files ok"
	exit 0
fi
new_site "$mnt"
ctl "$mnt" take digital >/dev/null || fail "cannot start a site on the tmpfs"
# Fill the disk with ballast, then take tickets until one is refused.
dd if=/dev/zero of="$mnt/ballast" bs=1k count=200 status=none 2>/dev/null
ok=1
for i in $(seq 1 3000); do
	out=$(ctl "$mnt" take tax 2>&1); rc=$?
	if [ "$rc" -ne 0 ]; then break; fi
	ok=$((ok + 1))
done
[ "$rc" -eq 74 ] || fail "full disk: exit $rc, want 74 ($out)"
case "$out" in *"disk is full"*) ;; *) fail "full disk: unclear message: $out" ;; esac
rm -f "$mnt/ballast"
check_db "$mnt/site.db"
n=$(sqlite3 "$mnt/site.db" 'SELECT count(*) FROM tickets')
[ "$n" -eq "$ok" ] || fail "full disk: $ok tickets taken, $n in the database"
n=$(sqlite3 "$mnt/site.db" 'SELECT count(*) FROM outbox')
[ "$n" -eq "$ok" ] || fail "full disk: $ok tickets taken, $n events"
ctl "$mnt" take tax >/dev/null || fail "no ticket after space came back"
ok=$((ok + 1))

# Read-only: remount and try again.
sqlite3 "$mnt/site.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
mount -o remount,ro "$mnt" || fail "cannot remount read-only"
out=$(ctl "$mnt" take tax 2>&1); rc=$?
[ "$rc" -ne 0 ] || fail "read-only disk: a ticket was issued"
case "$out" in *read-only* | *readonly* | *"unable to open"*) ;; *) fail "read-only disk: unclear message: $out" ;; esac
mount -o remount,rw "$mnt"
check_db "$mnt/site.db"
n=$(sqlite3 "$mnt/site.db" 'SELECT count(*) FROM tickets')
[ "$n" -eq "$ok" ] || fail "read-only: $ok tickets taken, $n in the database"
echo "faults: foreign, alien, damaged, full ($ok tickets kept) and read-only: all refused clearly, nothing lost"
