#!/bin/bash
# `make deb` and lintian: the Debian packages loket-site and loket-central
# build with Debian's own tools from the committed tree (about 40 s on two
# cores), lintian finds no error (its warnings are listed), and what they
# hold is what a site box and a central office need, with no secret: the
# maintainer scripts make the user and its folders through sysusers.d and
# tmpfiles.d and write no configuration, token or PIN.
#
# Skips (exit 0, a "skip:" line) without dpkg-buildpackage, dh or lintian;
# scripts/deps.sh installs them (dpkg-dev, debhelper, lintian).
set -u
cd "$(dirname "$0")/../.."
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
for t in dpkg-buildpackage dh lintian; do
	command -v $t >/dev/null || { echo "skip: $t is not installed (scripts/deps.sh)"; exit 0; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/deb

t0=$SECONDS
if make --no-print-directory -s deb DEB_OUT="$out" >"$tmp/make.log" 2>&1; then
	ok "make deb ($((SECONDS - t0)) s): $(cd "$out" && ls *.deb | tr '\n' ' ')"
else
	bad "make deb"
	tail -n 30 "$tmp/make.log"
	exit 1
fi
site=$(ls "$out"/loket-site_*.deb 2>/dev/null | head -1)
central=$(ls "$out"/loket-central_*.deb 2>/dev/null | head -1)
[ -n "$site" ] && [ -n "$central" ] && ok "two packages: loket-site, loket-central" || bad "packages missing"

# lintian: no error; the warnings listed
lintian "$out"/*.changes >"$tmp/lintian.log" 2>&1
if grep -q '^E:' "$tmp/lintian.log"; then
	bad "lintian errors: $(grep '^E:' "$tmp/lintian.log")"
else
	ok "lintian: no errors ($(grep -c '^W:' "$tmp/lintian.log") warnings)"
fi
grep '^[WI]:' "$tmp/lintian.log" | sed 's/^/     /'

# contents
dpkg-deb -c "$site" | awk '{print $6}' >"$tmp/site.list"
dpkg-deb -c "$central" | awk '{print $6}' >"$tmp/central.list"
for f in ./usr/bin/loket-kiosk ./usr/bin/loketctl ./usr/bin/loket-syncd \
	./lib/systemd/system/loket-kiosk@.service ./lib/systemd/system/loket-syncd.service \
	./usr/lib/sysusers.d/loket-site.conf ./usr/lib/tmpfiles.d/loket.conf \
	./usr/share/loket/sounds/chime.wav ./usr/share/loket/locale/uk/LC_MESSAGES/loket.mo \
	./usr/share/loket/examples/site.json.example ./usr/share/loket/examples/README.md \
	./usr/share/doc/loket-site/install.md; do
	grep -qxF "$f" "$tmp/site.list" || bad "loket-site lacks $f"
done
for f in ./usr/bin/loket-central ./lib/systemd/system/loket-central.service \
	./usr/share/loket/examples/central.json.example; do
	grep -qxF "$f" "$tmp/central.list" || bad "loket-central lacks $f"
done
! grep -qE '^\./etc/|^\./var/' "$tmp/site.list" "$tmp/central.list" &&
	ok "contents: programs, units, sysusers/tmpfiles, catalogs, examples; nothing in /etc or /var" ||
	bad "a package ships files in /etc or /var"

# no secret, and the maintainer scripts
mkdir -p "$tmp/x" "$tmp/c"
dpkg-deb -x "$site" "$tmp/x" && dpkg-deb -x "$central" "$tmp/x"
! grep -rqE '03ac674216f3e15c|cce7a2cf1ae04598|4968166cf381830e|demo-token|demo-admin' "$tmp/x" &&
	! grep -qE 'staff_pin_sha256|token_sha256|[0-9a-f]{64}' "$tmp"/x/usr/share/loket/examples/*.example &&
	ok "no PIN, token or digest in the packages' files" || bad "a secret in the packages"
# `make test` runs this with B=build/test SAN=1: none of it reaches the package
! readelf -d "$tmp/x/usr/bin/loket-kiosk" "$tmp/x/usr/bin/loket-central" | grep NEEDED | grep -qiE 'asan|ubsan' &&
	ok "the packaged programs are the optimised build (no sanitizer)" || bad "sanitizer build packaged"
dpkg-deb -e "$site" "$tmp/c"
pi=$tmp/c/postinst
u=$(grep -n 'systemd-sysusers' "$pi" | head -1 | cut -d: -f1)
f=$(grep -n 'systemd-tmpfiles' "$pi" | head -1 | cut -d: -f1)
[ -n "$u" ] && [ -n "$f" ] && [ "$u" -lt "$f" ] &&
	ok "postinst: systemd-sysusers (the user loket), then systemd-tmpfiles (its folders)" ||
	bad "postinst: sysusers/tmpfiles missing or in the wrong order"
! grep -hv '^[[:space:]]*#' "$tmp"/c/postinst "$tmp"/c/postrm 2>/dev/null | grep -qE 'token|pin|site\.json|central\.json' &&
	ok "maintainer scripts write no configuration, token or PIN" || bad "maintainer scripts touch a secret"
! grep -q "deb-systemd-invoke start" "$pi" &&
	ok "postinst starts nothing on a new box (it needs its configuration first)" || bad "postinst starts a unit"

[ $failures -eq 0 ] && echo "deb: all passed" || echo "deb: $failures failed"
[ $failures -eq 0 ]
