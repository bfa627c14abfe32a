#!/bin/bash
# make bench: the wait a resident is shown at the kiosk (store_take's
# est_wait_s) against the wait that follows, over three five-week seasons
# of the site simulator (tests/sim/sim.c, every check on), one line each:
#
#   estimate error SCENARIO: median N% p90 N% (naive: median N% p90 N%)
#
# error = |shown - actual| / the scenario's median actual wait, over the
# tickets that were called (a wait shown as unknown is not scored). naive:
# the tickets of the same kind waiting before it x the mean of the kind's
# last 25 desk times (10 minutes without), no division by desks.
# Scenarios: mixed-desks (desks taking different kinds of help), surge (six
# times the tax questions 10:00-11:00), desk-closing (the desk for every
# kind leaves between 10:30 and 11:00 with people waiting).
# Goal (not a test): median <= 30% and at least twice better than naive.
# `loket-sim --estimate --verbose` shows the error by place in the queue.
set -u
B=${B:-build}
SIM=$B/sim/loket-sim
[ -x "$SIM" ] || { echo "FAIL: no $SIM"; exit 1; }
for sc in mixed-desks surge desk-closing; do
	if ! out=$("$SIM" --scenario "$sc" --start 2026-03-02 --days 35 \
		--seed "${BENCH_SEED:-7}" --estimate 2>&1); then
		echo "$out" | tail -n 5
		echo "FAIL: loket-sim --scenario $sc"
		exit 1
	fi
	echo "$out" | grep '^estimate error '
done
