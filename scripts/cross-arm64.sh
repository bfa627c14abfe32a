#!/bin/bash
# make cross-arm64: libloket, loketctl and the unit tests built for arm64
# (a Raspberry Pi 4 or 5 on 64-bit Raspberry Pi OS or Debian) with Debian's
# cross toolchain and arm64 libraries (multiarch), then run under qemu-user:
# the unit tests, and the loketctl black-box tests (tests/loketctl/) through
# a wrapper that starts the arm64 loketctl in qemu. Needs what
# scripts/deps.sh installs (crossbuild-essential-arm64, qemu-user and the
# :arm64 -dev packages). The kiosk, syncd and central need their arm64
# libraries too (SDL2, SDL2_ttf, espeak-ng, libcurl, libmicrohttpd, ...):
# they are not cross-built here (docs/install.md says what was measured).
set -eu
cd "$(dirname "$0")/.."
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
SYSROOT=/usr/aarch64-linux-gnu
QEMU=${QEMU:-qemu-aarch64}
O=build/arm64
command -v "$CC" >/dev/null || { echo "cross-arm64: no $CC (scripts/deps.sh installs it)"; exit 1; }
command -v "$QEMU" >/dev/null || { echo "cross-arm64: no $QEMU (qemu-user)"; exit 1; }
export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
PC="sqlite3 jansson libcrypto zlib"
CFLAGS="-std=c17 -Wall -Wextra -Werror -Wno-format-truncation -O2 -D_GNU_SOURCE -DLOKET_VERSION=\"$(sed -n 's/^VERSION *:*= *//p' Makefile | head -1)\" -Ishared $(pkg-config --cflags $PC)"
LIBS="$(pkg-config --libs $PC) -lm -lpthread"
mkdir -p "$O/obj" "$O/bin"
objs=()
for f in shared/*.c; do
	[ "$f" = shared/svc.c ] && continue # systemd's notify: the services only
	o=$O/obj/$(basename "$f" .c).o
	$CC $CFLAGS -c "$f" -o "$o"
	objs+=("$o")
done
ar rcs "$O/libloket.a" "${objs[@]}"
$CC $CFLAGS kiosk/loketctl.c "$O/libloket.a" $LIBS -o "$O/bin/loketctl"
for t in test_store test_day test_libloket; do
	$CC $CFLAGS $(pkg-config --cflags cmocka) tests/unit/$t.c "$O/libloket.a" \
		$(pkg-config --libs cmocka) $LIBS -o "$O/bin/$t"
done
file "$O/bin/loketctl" | grep -q 'ARM aarch64' || { echo "cross-arm64: not an arm64 binary"; exit 1; }
echo "cross-arm64: loketctl $(stat -c %s "$O/bin/loketctl") bytes ($(file -b "$O/bin/loketctl" | cut -d, -f1-2))"
export QEMU_LD_PREFIX=$SYSROOT
fail=0
for t in test_store test_day test_libloket; do
	if (cd tests/unit 2>/dev/null; "$QEMU" "$OLDPWD/$O/bin/$t") >"$O/$t.log" 2>&1; then
		echo "PASS $t (arm64, qemu)"
	else
		echo "FAIL $t (arm64, qemu): $(tail -3 "$O/$t.log")"
		fail=1
	fi
done
# the loketctl black-box tests against the arm64 binary
mkdir -p "$O/run"
printf '#!/bin/sh\nQEMU_LD_PREFIX=%s exec %s %s "$@"\n' "$SYSROOT" "$QEMU" "$PWD/$O/bin/loketctl" \
	>"$O/run/loketctl"
chmod +x "$O/run/loketctl"
for s in tests/loketctl/run.sh tests/loketctl/test-day.sh; do
	if LOKET_BIN=$PWD/$O/run bash "$s" >"$O/$(basename "$s").log" 2>&1; then
		echo "PASS $s (arm64 loketctl, qemu)"
	else
		echo "FAIL $s (arm64, qemu): $(tail -3 "$O/$(basename "$s").log")"
		fail=1
	fi
done
exit $fail
