#!/bin/bash
# The site box's systemd files and `make install`, checked without a
# running systemd: `make install` into a staging DESTDIR writes nothing
# outside it; the installed units (loket-kiosk@ for every view, syncd,
# central) pass `systemd-analyze verify` with their ExecStart pointed at the
# staged programs; sysusers.d and tmpfiles.d make the user loket,
# /var/lib/loket (0750 loket:loket) and /etc/loket (0770 root:loket) in a
# scratch root; the example configurations carry no secret (no PIN, no
# token, no digest) and pass the kiosk's check.
#
# Skips (exit 0, a "skip:" line) where systemd-analyze is missing;
# scripts/deps.sh installs it (the package systemd).
set -u
cd "$(dirname "$0")/../.."
B=${B:-build/test}
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
if ! command -v systemd-analyze >/dev/null; then
	echo "skip: systemd-analyze is not installed (Debian package systemd; scripts/deps.sh)"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage

# --- make install: only under DESTDIR -----------------------------------------
# -o all: the programs of $B as they are (a test does not rebuild them);
# the default PREFIX keeps $B's prefix stamp.
touch "$tmp/before"
make --no-print-directory -s -o all B="$B" DESTDIR="$stage" install >"$tmp/install.log" 2>&1 ||
	{ bad "make install DESTDIR=$stage"; cat "$tmp/install.log"; }
outside=$(find /etc /var/lib /usr/local /usr/lib/systemd /usr/lib/sysusers.d /usr/lib/tmpfiles.d \
	-xdev -newer "$tmp/before" \( -name 'loket*' -o -path '*/loket/*' \) 2>/dev/null | head -5)
[ -z "$outside" ] && ok "make install DESTDIR=… wrote nothing outside it" ||
	bad "make install wrote outside DESTDIR: $outside"
p=$stage/usr/local
for f in bin/loket-kiosk bin/loket-syncd bin/loketctl bin/loket-central share/loket/sounds/chime.wav \
	share/loket/locale/ar/LC_MESSAGES/loket.mo share/loket/examples/site.json.example \
	share/loket/examples/central.json.example share/loket/examples/README.md share/doc/loket-site/install.md \
	lib/systemd/system/loket-kiosk@.service lib/systemd/system/loket-syncd.service \
	lib/systemd/system/loket-central.service lib/sysusers.d/loket.conf lib/tmpfiles.d/loket.conf; do
	[ -e "$p/$f" ] || bad "make install: $f missing"
done
[ ! -e "$stage/etc" ] && [ ! -e "$stage/var" ] && ok "make install: nothing in DESTDIR/etc or DESTDIR/var" ||
	bad "make install wrote DESTDIR/etc or DESTDIR/var"
make --no-print-directory -s -o all B="$B" DESTDIR="$stage" install-config >>"$tmp/install.log" 2>&1 &&
	[ -f "$stage/etc/loket/site.json.example" ] && [ -d "$stage/var/lib/loket" ] &&
	ok "make install-config: the examples in DESTDIR/etc/loket, DESTDIR/var/lib/loket" ||
	bad "make install-config"

# --- no secret in what is installed -------------------------------------------
ex=$p/share/loket/examples
! grep -q staff_pin_sha256 "$ex/site.json.example" && ! grep -qiE '[0-9a-f]{64}|demo-' "$ex"/*.example &&
	ok "the examples carry no PIN, no token and no digest" || bad "a secret in the examples"
! grep -rqE '03ac674216f3e15c|cce7a2cf1ae04598|4968166cf381830e|demo-token|demo-admin' "$stage" &&
	ok "no demo PIN, token or digest anywhere in the installed files" || bad "demo secret installed"
grep -q '"token_file": "/etc/loket/token"' "$ex/site.json.example" &&
	grep -q '"database": "/var/lib/loket/site.db"' "$ex/site.json.example" &&
	"$B/loket-kiosk" -c "$ex/site.json.example" --check-config >/dev/null &&
	ok "site.json.example: /var/lib/loket/site.db, /etc/loket/token, passes the kiosk's check" ||
	bad "site.json.example"

# --- systemd-analyze verify ---------------------------------------------------
u=$tmp/units
mkdir -p "$u"
for f in "$p"/lib/systemd/system/*.service; do
	sed "s#/usr/local/bin/#$p/bin/#g" "$f" >"$u/${f##*/}"
done
grep -q "^ExecStart=$p/bin/loket-kiosk -c /etc/loket/site.json --view %i" "$u/loket-kiosk@.service" ||
	bad "kiosk unit: ExecStart"
for view in ticket counter display combined; do
	cp "$u/loket-kiosk@.service" "$u/loket-kiosk@$view.service"
done
for unit in loket-kiosk@ticket loket-kiosk@counter loket-kiosk@display loket-kiosk@combined \
	loket-syncd loket-central; do
	out=$(systemd-analyze verify "$u/$unit.service" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && ok "systemd-analyze verify $unit.service" ||
		bad "systemd-analyze verify $unit.service (rc $rc): $out"
done
# what the issue asks of them
k=$u/loket-kiosk@.service
grep -q '^Restart=always' "$k" && grep -q '^WatchdogSec=' "$k" && grep -q '^Type=notify' "$k" &&
	grep -q '^User=loket' "$k" && grep -q '^SupplementaryGroups=.*video.*input.*render' "$k" &&
	grep -q '^Environment=SDL_VIDEODRIVER=kmsdrm' "$k" && grep -q '^WantedBy=multi-user.target' "$k" &&
	ok "kiosk unit: notify, watchdog, Restart=always, user loket with video/input/render, kmsdrm, at boot" ||
	bad "kiosk unit settings"
s=$u/loket-syncd.service
grep -q '^Type=notify' "$s" && grep -q '^WatchdogSec=' "$s" && grep -q '^User=loket' "$s" &&
	ok "syncd unit: notify and watchdog" || bad "syncd unit settings"

# --- sysusers.d and tmpfiles.d in a scratch root ------------------------------
r=$tmp/root
mkdir -p "$r/etc" "$r/var/lib"
if systemd-sysusers --root="$r" "$p/lib/sysusers.d/loket.conf" >"$tmp/sysusers.log" 2>&1 &&
	grep -q '^loket:x:[0-9]*:[0-9]*:loket queue kiosk:/var/lib/loket:/usr/sbin/nologin$' "$r/etc/passwd"; then
	ok "sysusers.d: the system user loket"
else
	bad "sysusers.d: $(cat "$tmp/sysusers.log"; cat "$r/etc/passwd" 2>/dev/null)"
fi
uid=$(awk -F: '$1 == "loket" {print $3}' "$r/etc/passwd")
gid=$(awk -F: '$1 == "loket" {print $3}' "$r/etc/group")
if systemd-tmpfiles --root="$r" --create "$p/lib/tmpfiles.d/loket.conf" >"$tmp/tmpfiles.log" 2>&1 &&
	[ "$(stat -c '%a %u %g' "$r/var/lib/loket")" = "750 $uid $gid" ] &&
	[ "$(stat -c '%a %u %g' "$r/etc/loket")" = "770 0 $gid" ]; then
	ok "tmpfiles.d: /var/lib/loket 0750 loket:loket, /etc/loket 0770 root:loket"
else
	bad "tmpfiles.d: $(cat "$tmp/tmpfiles.log"; stat -c '%n %a %u %g' "$r/var/lib/loket" "$r/etc/loket" 2>&1)"
fi

[ $failures -eq 0 ] && echo "units: all passed" || echo "units: $failures failed"
[ $failures -eq 0 ]
