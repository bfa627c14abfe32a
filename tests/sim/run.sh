#!/bin/bash
# The site simulator (tests/sim/sim.c): one week (Mon 2026-03-23 - Sun
# 2026-03-29, with the change to summer time on Sunday), seed fixed, with
# the season's events (staff tickets after closing, a desk left open, the
# machine off overnight twice, a morning on a clock in 1970 corrected at
# noon, a clock stepping back an hour), every minute checked against the
# invariants of tests/sim/check.c; and first the checker's self-test (it
# must catch broken histories). Prints the sim's one-line summary.
set -u
BIN=${LOKET_BIN:?}
SIM="$BIN/sim/loket-sim"
[ -x "$SIM" ] || { echo "FAIL: no $SIM"; exit 1; }
"$SIM" --selftest || { echo "FAIL: the checker's self-test"; exit 1; }
"$SIM" --events --seed "${SIM_SEED:-1}" --start 2026-03-23 --days 7 || {
	echo "FAIL: the simulated week (seed ${SIM_SEED:-1}; rerun with --verbose --keep)"
	exit 1
}
