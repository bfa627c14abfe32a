#!/bin/bash
# Runs each test given (a cmocka binary or a script), each with a time limit,
# keeps its output in $B/test-logs/, and ends with one summary line.
set -u
B=${B:-build/test}
export B
export LOKET_BIN="$PWD/$B"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs="$B/test-logs"
mkdir -p "$logs"
pass=0 fail=0 failed=()
start=$(date +%s)
for t in "$@"; do
	name=$(echo "$t" | sed 's#^\./##; s#/#_#g')
	log="$logs/$name.log"
	t0=$(date +%s)
	if timeout -k 10 "${LOKET_TEST_TIMEOUT:-900}" "$t" >"$log" 2>&1; then
		pass=$((pass + 1)); res=PASS
	else
		fail=$((fail + 1)); res=FAIL; failed+=("$t")
	fi
	printf '%-4s %-50s %4ss\n' "$res" "$t" "$(( $(date +%s) - t0 ))"
	if [ "$res" = FAIL ]; then tail -n 40 "$log" | sed 's/^/    | /'; fi
done
total=$((pass + fail))
echo "== loket tests: $pass of $total passed, $fail failed ($(( $(date +%s) - start ))s; logs in $logs)"
[ "$fail" -eq 0 ]
