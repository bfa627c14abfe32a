#!/bin/sh
# Make sure the Debian packages loket builds, tests and runs with are here.
# As root, missing ones are installed with apt-get; otherwise the exact
# command is printed and we stop (exit 1), so nobody is left guessing.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libsqlite3-dev sqlite3 postgresql libpq-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev
libssl-dev zlib1g-dev libsdl2-dev libsdl2-ttf-dev libespeak-ng-dev espeak-ng-data
libcmocka-dev gettext libxlsxwriter-dev python3-openpyxl libargon2-dev
fonts-noto-core xvfb xauth xdotool curl ca-certificates procps util-linux
libsystemd-dev systemd debhelper dpkg-dev fakeroot lintian
crossbuild-essential-arm64 qemu-user file
libsqlite3-dev:arm64 libjansson-dev:arm64 libssl-dev:arm64 zlib1g-dev:arm64
libcmocka-dev:arm64 libsdl2-dev:arm64 libsdl2-ttf-dev:arm64 libespeak-ng-dev:arm64
libsystemd-dev:arm64"
[ -n "${LOKET_EXTRA_PKGS:-}" ] && PKGS="$PKGS $LOKET_EXTRA_PKGS"

missing=""
for p in $PKGS; do
	# one line per architecture (multiarch): installed if one says so
	dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "loket needs these Debian packages:$missing" >&2
	echo "install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# the :arm64 libraries of make cross-arm64 (multiarch)
case "$missing" in *:arm64*) dpkg --add-architecture arm64 ;; esac
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
