# loket-syncd: pushes the outbox to the central office.
SYNCD_SRC := $(wildcard syncd/*.c)
ifneq ($(SYNCD_SRC),)
PROGRAMS += $(B)/loket-syncd
$(B)/loket-syncd: $(SYNCD_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests of the daemon's pure parts (retry policy, token file, batch
# building): cmocka, linked with those objects and libloket.
SYNCD_UNIT := $(B)/syncd/test_syncd
SYNCD_UNIT_OBJ := $(B)/obj/syncd/policy.o $(B)/obj/syncd/token.o $(B)/obj/syncd/batch.o
TEST_PROGRAMS += $(SYNCD_UNIT)
TESTS += $(SYNCD_UNIT)
$(SYNCD_UNIT): $(B)/obj/tests/syncd/test_syncd.o $(SYNCD_UNIT_OBJ) $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

$(B)/obj/tests/syncd/%.o: tests/syncd/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Isyncd -MMD -MP -c $< -o $@
endif

# The long fault run (tens of thousands of events, hundreds of faults):
# tests/syncd/chaos.sh with its knobs (CHAOS_EVENTS, CHAOS_SEED, ...).
chaos: check-deps
	@$(MAKE) --no-print-directory B=build/test SAN=1 all test-programs
	@B=build/test LOKET_BIN="$$PWD/build/test" CHAOS_MIN_FAULTS=$${CHAOS_MIN_FAULTS:-100} tests/syncd/chaos.sh

# The sync benchmark (tests/bench/syncd.sh) fills a backlog with the
# ticketer and counts bytes on the wire with the proxy in pass-through.
BENCH_PROGRAMS += $(B)/tools/faultproxy $(B)/tools/syncd_ticketer
