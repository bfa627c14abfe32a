#!/bin/bash
# Runs each benchmark given and shows its report.
# keeps its output in $B/bench-logs/, and ends with one summary line.
set -u
B=${B:-build}
export B
export LOKET_BIN="$PWD/$B"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs="$B/bench-logs"
mkdir -p "$logs"
pass=0 fail=0 failed=()
start=$(date +%s)
for t in "$@"; do
	name=$(echo "$t" | sed 's#^\./##; s#/#_#g')
	log="$logs/$name.log"
	t0=$(date +%s)
	if timeout -k 10 "${LOKET_TEST_TIMEOUT:-1800}" "$t" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		pass=$((pass + 1)); res=PASS
	else
		fail=$((fail + 1)); res=FAIL; failed+=("$t")
	fi
	printf '%-4s %-50s %4ss\n' "$res" "$t" "$(( $(date +%s) - t0 ))"
	done
total=$((pass + fail))
echo "== loket benchmarks: $pass of $total passed, $fail failed ($(( $(date +%s) - start ))s; logs in $logs)"
[ "$fail" -eq 0 ]
