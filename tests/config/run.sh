#!/bin/bash
# Broken configurations, each a case in tests/config/cases/: NAME.json and
# NAME.expect (the lines the error must contain, after the file name). Every
# case must exit 78 (EX_CONFIG) and print its expected lines; the good one
# must pass. Run by every program's --check-config that exists.
set -u
cd "$(dirname "$0")/cases"
BIN=${LOKET_BIN:?}
fail=0 n=0
check() { # program-args... ; uses $case, $want_rc
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $case: exit $rc, want $want_rc: $out"; fail=$((fail + 1)); return
	fi
	if [ -n "${expect:-}" ]; then
		while IFS= read -r line; do
			case "$out" in
			*"$line"*) ;;
			*) echo "FAIL $case: missing \"$line\" in: $out"; fail=$((fail + 1)); return ;;
			esac
		done <"$expect"
	fi
	n=$((n + 1))
}

for f in *.json; do
	case=${f%.json}
	if [ "$case" = good ]; then want_rc=0 expect=; else want_rc=78 expect=$case.expect; fi
	# The expectation names the file too: prepend it to each line.
	if [ -n "$expect" ]; then
		sed "s|^|$f|" "$case.expect" >"/tmp/loket-expect.$$"
		expect=/tmp/loket-expect.$$
	fi
	check "$BIN/loketctl" -c "$f" check-config
	[ -x "$BIN/loket-kiosk" ] && check "$BIN/loket-kiosk" -c "$f" --check-config
	if [ -x "$BIN/loket-syncd" ]; then
		if [ "$case" = good ]; then
			# A site without a central office is valid for the kiosk and
			# loketctl, but loket-syncd has nothing to do: it says so.
			want_rc=78 expect=/tmp/loket-expect.$$
			echo 'good.json: no "sync" section: there is no central office to send to' >"$expect"
			check "$BIN/loket-syncd" -c "$f" --check-config
		else
			check "$BIN/loket-syncd" -c "$f" --check-config
		fi
	fi
done
rm -f "/tmp/loket-expect.$$"

# Files that cannot be read at all.
want_rc=78 expect=
case=missing-file; echo "/nonexistent/site.json: cannot read the configuration: No such file or directory" >/tmp/loket-expect.$$; expect=/tmp/loket-expect.$$
check "$BIN/loketctl" -c /nonexistent/site.json check-config
case=directory; echo "cannot read the configuration" >"$expect"
check "$BIN/loketctl" -c /tmp check-config
case=too-large; big=/tmp/loket-big.$$.json
{ printf '{"site": {"id": "x", "name": "'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}}'; } >"$big"
echo "$big: cannot read the configuration: larger than 1048576 bytes" >"$expect"
check "$BIN/loketctl" -c "$big" check-config
rm -f "$big"
case=no-config; echo "no configuration: give -c FILE or set LOKET_CONFIG" >"$expect"
check env -u LOKET_CONFIG "$BIN/loketctl" check-config
case=env-config; want_rc=0; expect=
LOKET_CONFIG=good.json check "$BIN/loketctl" check-config
rm -f "/tmp/loket-expect.$$"

echo "config: $n checks passed, $fail failed"
[ "$fail" -eq 0 ]
