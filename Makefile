# loket — build, test, run, install.
#
#   make            every program into build/ (optimised, warnings are errors)
#   make test       the whole suite, built with ASan + UBSan into build/test/
#   make run        a demo site: loket-central, loket-syncd and the kiosk
#   make bench      the performance goals (medians and ratios, never in tests)
#   make install    PREFIX=/usr/local DESTDIR=
#
# snprintf truncation is checked where it matters, so GCC's guess is off.
# Each part keeps its own rules in a fragment (shared/module.mk,
# kiosk/module.mk, ...) that adds to PROGRAMS, TESTS, BENCHES and CLEAN.
# `make test` and `make run` first make sure the Debian packages are there
# (scripts/deps.sh: installs them as root, otherwise prints the command).

.DEFAULT_GOAL := all
VERSION := 0.1.0

PREFIX  ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc/loket
STATEDIR ?= /var/lib/loket

B ?= build
SAN ?= 0

PKGS := sqlite3 jansson libcurl sdl2 SDL2_ttf libmicrohttpd libcrypto zlib espeak-ng libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wno-format-truncation
CFLAGS_COMMON := -std=c17 $(WARN) -D_GNU_SOURCE -DLOKET_VERSION='"$(VERSION)"' \
	-DLOKET_DATADIR='"$(PREFIX)/share/loket"' -Ishared -g
ifeq ($(SAN),1)
CFLAGS_OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
else
CFLAGS_OPT := -O2
LDFLAGS_SAN :=
endif
ALL_CFLAGS = $(CFLAGS_COMMON) $(CFLAGS_OPT) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
# One list of libraries for all: each program keeps only those it uses.
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS_SAN) $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm -lpthread

PROGRAMS :=
TEST_PROGRAMS :=
BENCH_PROGRAMS :=
TESTS :=
BENCHES :=
CLEAN :=

include shared/module.mk
include kiosk/module.mk
include syncd/module.mk
include central/module.mk
include tests/module.mk

# The kiosk compiles in where its installed assets are: rebuild it when
# PREFIX changes (`make && make install PREFIX=/usr` must not install a
# kiosk that looks in /usr/local).
$(shell mkdir -p $(B) && { echo '$(PREFIX)' | cmp -s - $(B)/prefix.stamp || echo '$(PREFIX)' >$(B)/prefix.stamp; })
$(B)/obj/kiosk/main.o: $(B)/prefix.stamp

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

.SECONDARY:
.PHONY: all test check-deps run bench chaos fuzz install clean format style cross-arm64
all: $(PROGRAMS)

check-deps:
	@scripts/deps.sh

# The test build lives apart from the normal one so both can coexist.
test: check-deps
	@$(MAKE) --no-print-directory B=build/test SAN=1 run-tests

.PHONY: run-tests
run-tests: all test-programs
	@scripts/style-check.sh
	@B=$(B) tests/run-suite.sh $(TESTS)

run: check-deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: check-deps
	@$(MAKE) --no-print-directory all bench-programs
	@B=build tests/run-bench.sh $(BENCHES)

style:
	@scripts/style-check.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# `make install` writes only under $(DESTDIR)$(PREFIX): the programs, the
# kiosk's sounds and catalogs, the example configurations (no secret: no
# token, no PIN; share/loket/examples/README.md says where they go),
# share/doc/loket-site/install.md (the units' Documentation=), the
# systemd units, sysusers.d and tmpfiles.d (which make the user loket,
# /var/lib/loket and /etc/loket when systemd reads them). The units name
# $(PREFIX)/bin and $(SYSCONFDIR). /etc and /var/lib are written only by
# the explicit `make install-config` (docs/install.md).
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
EXAMPLEDIR = $(PREFIX)/share/loket/examples
SYSTEMD_SED = -e 's\#/usr/local/bin/\#$(PREFIX)/bin/\#g' -e 's\#/etc/loket\#$(SYSCONFDIR)\#g' \
	-e 's\#/usr/share/doc/loket-site/\#$(PREFIX)/share/doc/loket-site/\#g'
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/loket/sounds \
		$(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 assets/sounds/*.wav $(DESTDIR)$(PREFIX)/share/loket/sounds/
	sed -e 's#"database": "[^"]*"#"database": "$(STATEDIR)/site.db"#' \
	    -e 's#"token_file": "[^"]*"#"token_file": "$(SYSCONFDIR)/token"#' \
	    -e 's#"url": "[^"]*"#"url": "https://central.example.nl"#' \
	    -e '/"staff_pin_sha256"/d' \
	    assets/demo/site.json >$(DESTDIR)$(EXAMPLEDIR)/site.json.example
	install -m 644 docs/examples/central.json.example docs/examples/README.md $(DESTDIR)$(EXAMPLEDIR)/
	install -d $(DESTDIR)$(PREFIX)/share/doc/loket-site
	install -m 644 docs/install.md $(DESTDIR)$(PREFIX)/share/doc/loket-site/
	for u in docs/systemd/*.service; do \
		sed $(SYSTEMD_SED) "$$u" >$(DESTDIR)$(UNITDIR)/$${u##*/}; \
	done
	sed $(SYSTEMD_SED) docs/systemd/loket.sysusers.conf >$(DESTDIR)$(SYSUSERSDIR)/loket.conf
	sed $(SYSTEMD_SED) docs/systemd/loket.tmpfiles.conf >$(DESTDIR)$(TMPFILESDIR)/loket.conf

# The examples into $(SYSCONFDIR) (never over a file there) and the
# database's folder: for a box installed from source, as root.
.PHONY: install-config
install-config:
	install -d -m 0770 $(DESTDIR)$(SYSCONFDIR)
	install -d -m 0750 $(DESTDIR)$(STATEDIR)
	for f in site.json central.json; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$$f ] || [ -e $(DESTDIR)$(SYSCONFDIR)/$$f.example ] || \
		install -m 640 $(DESTDIR)$(EXAMPLEDIR)/$$f.example $(DESTDIR)$(SYSCONFDIR)/$$f.example; \
	done

# `make deb`: the Debian packages loket-site and loket-central, built with
# Debian's tools (debhelper, dpkg-buildpackage -us -uc -b) from the
# committed tree (git archive HEAD; a tree without git is copied) in
# $(DEB_OUT)/src, the .debs in $(DEB_OUT). `make deb-check` also runs
# lintian on them (errors fail; warnings are listed). debian/rules says
# what the packages do. The package's build never inherits this make's
# variables (`make test`'s B=build/test SAN=1 must not reach it).
DEB_OUT ?= build/deb
# libloket, loketctl and the unit tests for arm64 (a Raspberry Pi), run under
# qemu-user with the loketctl black-box tests (scripts/cross-arm64.sh); make
# test runs it too (tests/packaging/test-cross-arm64.sh).
cross-arm64: check-deps
	@scripts/cross-arm64.sh

.PHONY: deb deb-check
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
		{ echo "make deb needs dpkg-dev and debhelper (scripts/deps.sh)" >&2; exit 1; }
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	if git rev-parse --verify -q HEAD >/dev/null 2>&1; then \
		git archive --format=tar HEAD | tar -x -C $(DEB_OUT)/src; \
	else \
		tar -c --exclude=./build --exclude=./.git . | tar -x -C $(DEB_OUT)/src; \
	fi
	cd $(DEB_OUT)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u B -u SAN \
		-u PREFIX -u DESTDIR -u SYSCONFDIR -u STATEDIR -u UNITDIR -u SYSUSERSDIR -u TMPFILESDIR \
		DEB_BUILD_OPTIONS="parallel=$$(nproc) $${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	@ls $(DEB_OUT)/*.deb
deb-check: deb
	lintian --fail-on error --info $(DEB_OUT)/*.changes

clean:
	rm -rf build $(CLEAN)

.PHONY: test-programs bench-programs
test-programs: $(TEST_PROGRAMS)
bench-programs: $(BENCH_PROGRAMS)
