# loket-central: the central office's receiver, store and reports.
CENTRAL_SRC := $(wildcard central/*.c)
ifneq ($(CENTRAL_SRC),)
PROGRAMS += $(B)/loket-central
$(B)/loket-central: $(CENTRAL_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(XLSX_LIBS) $(ARGON2_LIBS) $(PG_LIBS)

# Passwords (central/people.c): Argon2id from libargon2, Debian's libargon2-dev.
ARGON2_CFLAGS := $(shell pkg-config --cflags libargon2 2>/dev/null)
ARGON2_LIBS := $(shell pkg-config --libs libargon2 2>/dev/null || echo -largon2)
$(B)/obj/central/people.o: ALL_CFLAGS += $(ARGON2_CFLAGS)

# The PostgreSQL back end (central/cstore_pg*.c): libpq, Debian's libpq-dev.
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PG_LIBS := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
$(B)/obj/central/cstore_pg.o $(B)/obj/central/cstore_pg_people.o \
	$(B)/obj/central/cstore_pg_conf.o \
	$(B)/obj/central/cstore_pg_agg.o $(B)/obj/central/cstore_pg_aggkeep.o \
	$(B)/obj/central/cstore_pg_batch.o: ALL_CFLAGS += $(PG_CFLAGS)

# The sign-in throttle is pure logic: its unit test (tests/unit) links it.
$(B)/unit/test_throttle: $(B)/obj/central/throttle.o
$(B)/obj/tests/unit/test_throttle.o: ALL_CFLAGS += -Icentral
# So is who the client is behind a proxy (central/proxy.c).
$(B)/unit/test_proxy: $(B)/obj/central/proxy.o
$(B)/obj/tests/unit/test_proxy.o: ALL_CFLAGS += -Icentral
# So is calendar arithmetic and a period's split (central/days.c).
$(B)/unit/test_days: $(B)/obj/central/days.o
$(B)/obj/tests/unit/test_days.o: ALL_CFLAGS += -Icentral
# And the per-address connection cap (central/conncap.c).
$(B)/unit/test_conncap: $(B)/obj/central/conncap.o $(B)/obj/central/proxy.o
$(B)/obj/tests/unit/test_conncap.o: ALL_CFLAGS += -Icentral

# The report's .xlsx (central/xlsx.c): libxlsxwriter, Debian's libxlsxwriter-dev.
XLSX_LIBS := $(shell pkg-config --libs xlsxwriter 2>/dev/null || echo -lxlsxwriter)

# The store alone, for the bench's raw insert rate (same code as the server).
CENTRAL_STORE_OBJ := $(B)/obj/central/cstore.o $(B)/obj/central/cstore_sqlite.o \
	$(B)/obj/central/cstore_sqlite_conn.o $(B)/obj/central/cstore_sqlite_agg.o \
	$(B)/obj/central/cstore_sqlite_people.o \
	$(B)/obj/central/cstore_sqlite_conf.o $(B)/obj/central/cstore_sqlite_backup.o \
	$(B)/obj/central/cstore_pg.o $(B)/obj/central/cstore_pg_people.o \
	$(B)/obj/central/cstore_pg_conf.o $(B)/obj/central/cstore_pg_agg.o \
	$(B)/obj/central/cstore_pg_batch.o $(B)/obj/central/cstore_pg_aggkeep.o \
	$(B)/obj/central/hist.o $(B)/obj/central/strmap.o \
	$(B)/obj/central/days.o $(B)/obj/central/ingest.o $(B)/obj/central/buf.o
BENCH_PROGRAMS += $(B)/bench/central_raw
$(B)/bench/central_raw: $(B)/obj/tests/central-bench/central_raw.o $(CENTRAL_STORE_OBJ) $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(PG_LIBS)
# A central database of N sites x D days through the same store, for the
# report bench at scale (tests/bench/central-scale.sh).
BENCH_PROGRAMS += $(B)/bench/central_gen
$(B)/bench/central_gen: $(B)/obj/tests/central-bench/central_gen.o $(CENTRAL_STORE_OBJ) $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(PG_LIBS)
$(B)/obj/tests/central-bench/%.o: tests/central-bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icentral -MMD -MP -c $< -o $@

# libFuzzer target of the ingest decoder: `make fuzz` builds it (clang with
# ASan + UBSan) and runs it for FUZZ_SECONDS; `make test` builds it too when
# clang is there, and tests/central/run.sh runs it briefly.
FUZZ_CC ?= $(shell command -v clang-14 || command -v clang)
FUZZ_SRC := tests/central/fuzz_ingest.c central/ingest.c central/buf.c shared/event.c \
	shared/clock.c shared/uuid.c shared/log.c
FUZZ_SECONDS ?= 60
ifneq ($(FUZZ_CC),)
ifeq ($(SAN),1)
TEST_PROGRAMS += $(B)/fuzz/fuzz_ingest $(B)/fuzz/fuzz_profile
endif
endif
# The same for the site profile's check (central/profile_check.c);
# tests/central/test-report.sh runs it briefly.
$(B)/fuzz/fuzz_profile: tests/central/fuzz_profile.c central/profile_check.c central/profile_check.h central/cstore.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c17 -g -O1 -D_GNU_SOURCE -Ishared -Icentral \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/central/fuzz_profile.c central/profile_check.c $(shell pkg-config --libs jansson)
$(B)/fuzz/fuzz_ingest: $(FUZZ_SRC) central/ingest.h central/buf.h shared/event.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c17 -g -O1 -D_GNU_SOURCE -Ishared -Icentral \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_SRC) $(shell pkg-config --libs jansson zlib)

.PHONY: fuzz-central
fuzz: fuzz-central
fuzz-central: $(B)/fuzz/fuzz_ingest
	@mkdir -p $(B)/fuzz/corpus-ingest
	@for c in tests/central/cases/*/body; do cp $$c $(B)/fuzz/corpus-ingest/$$(basename $$(dirname $$c)); done
	$(B)/fuzz/fuzz_ingest -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
		$(B)/fuzz/corpus-ingest
endif
