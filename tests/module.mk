# The test suite. Unit tests are tests/unit/test_*.c (cmocka, linked with
# libloket); every other suite is a script tests/*/run.sh or tests/*/test-*.sh that
# finds the programs in $B. Each entry of TESTS is run by tests/run-suite.sh.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
TEST_PROGRAMS += $(UNIT_BIN)
TESTS += $(UNIT_BIN)

$(B)/unit/%: $(B)/obj/tests/unit/%.o $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)

$(B)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

# Helper programs the black-box tests need (crash child, fault proxy, ...):
# tests/tools/NAME.c -> $(B)/tools/NAME
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
TEST_PROGRAMS += $(TOOL_BIN)
$(B)/tools/%: $(B)/obj/tests/tools/%.o $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

TESTS += $(sort $(wildcard tests/*/run.sh tests/*/test-*.sh))

BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_PROGRAMS += $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
BENCHES += $(sort $(wildcard tests/bench/*.sh))
$(B)/bench/%: $(B)/obj/tests/bench/%.o $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The site simulator (tests/sim/): weeks at a site against the real store,
# with its invariant checker; tests/sim/run.sh and tests/bench/estimate.sh.
SIM_SRC := $(wildcard tests/sim/*.c)
SIM_BIN := $(B)/sim/loket-sim
TEST_PROGRAMS += $(SIM_BIN)
BENCH_PROGRAMS += $(SIM_BIN)
$(SIM_BIN): $(SIM_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
