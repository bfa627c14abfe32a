#!/bin/bash
# make cross-arm64: libloket, loketctl and the unit tests built for arm64
# (a Raspberry Pi 4 or 5 on 64-bit Raspberry Pi OS or Debian) with Debian's
# cross toolchain and arm64 libraries (multiarch), then run under qemu-user:
# the unit tests, and the loketctl black-box tests (tests/loketctl/) through
# a wrapper that starts the arm64 loketctl in qemu; and loket-kiosk for
# arm64, its size reported, drawing a frame offscreen under qemu. Needs
# what scripts/deps.sh installs (crossbuild-essential-arm64, qemu-user and
# the :arm64 -dev packages). syncd and central (libcurl, libmicrohttpd,
# libxlsxwriter for arm64) are not cross-built here.
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
# the kiosk: every kiosk/*.c but loketctl, with SDL2, SDL2_ttf, espeak-ng, libsystemd
KPC="sdl2 SDL2_ttf espeak-ng libsystemd"
kobjs=()
$CC $CFLAGS $(pkg-config --cflags libsystemd) -c shared/svc.c -o "$O/obj/svc.o"
for f in kiosk/*.c; do
	[ "$f" = kiosk/loketctl.c ] && continue
	o=$O/obj/kiosk-$(basename "$f" .c).o
	$CC $CFLAGS -DLOKET_DATADIR=\"/usr/share/loket\" $(pkg-config --cflags $KPC) -c "$f" -o "$o"
	kobjs+=("$o")
done
$CC "${kobjs[@]}" "$O/obj/svc.o" "$O/libloket.a" $(pkg-config --libs $KPC) $LIBS -o "$O/bin/loket-kiosk"
aarch64-linux-gnu-strip -o "$O/bin/loket-kiosk.stripped" "$O/bin/loket-kiosk"
echo "cross-arm64: loket-kiosk $(stat -c %s "$O/bin/loket-kiosk") bytes, $(stat -c %s "$O/bin/loket-kiosk.stripped") stripped"
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
# the arm64 kiosk draws a frame offscreen under qemu (assets and catalogs
# from the tree: LOKET_ASSETS)
k=$O/kiosk
rm -rf "$k"
mkdir -p "$k"
sed "s#\"database\": \"[^\"]*\"#\"database\": \"$PWD/$k/site.db\"#" assets/demo/site.json >"$k/site.json"
printf 'tap-id lang:ar\nshot %s\nquit\n' "$PWD/$k/frame.png" >"$k/r.txt"
loc=$PWD/build/test/locale
[ -d "$loc" ] || loc=$PWD/build/locale # the catalogs make builds (any architecture)
if SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy LOKET_ASSETS=$PWD/assets LOKET_LOCALEDIR=$loc timeout 120 \
	"$QEMU" "$O/bin/loket-kiosk" -c "$k/site.json" --view ticket --window 800x480 \
	--replay "$k/r.txt" >"$k/kiosk.log" 2>&1 && [ -s "$k/frame.png" ]; then
	echo "PASS loket-kiosk draws a frame offscreen (arm64, qemu): $(grep -o 'first frame after [0-9]* ms' "$k/kiosk.log")"
else
	echo "FAIL loket-kiosk under qemu: $(tail -3 "$k/kiosk.log")"
	fail=1
fi
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
