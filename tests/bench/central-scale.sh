#!/bin/bash
# make bench: the dashboard and the report of a network of sites over many
# days (issue 14 item 6). central_gen writes BENCH_SITES sites x BENCH_DAYS
# days of ordinary help-desk days (BENCH_TICKETS tickets per site and day,
# about 3 events each) straight through the store, ending today; then
# loket-central (registering the sites from its configuration) answers, for
# BENCH_RUNS requests each, the dashboard `/` for a month, a quarter and a
# year, `/report` for a year, tickets.csv for a month and staffed.csv for a
# year (both streamed). Prints the data size (events, tickets, days,
# database bytes, and the rows of the aggregate tables the pages read) and
# the median of each, with the size of the answer. The machine may be
# shared: medians, and say so.
# Goal: the dashboard and a year's report within 300 ms (median) for 700
# sites over five years: BENCH_SITES=700 BENCH_DAYS=1825. central_gen
# writes 5,000-8,400 events/s on a shared 2-core machine (it prints its
# rate after each round of batches), so that is 35-60 minutes even at
# BENCH_TICKETS=3; docs/central.md says what was measured instead.
#
#   BENCH_SITES (50) BENCH_DAYS (60) BENCH_TICKETS (40) BENCH_RUNS (5)
#   BENCH_DIR (/var/tmp): where the database goes; BENCH_DB=FILE: use (and
#   keep) that database, generated only if it is not there yet.
#   Back ends: with neither BENCH_DB nor BENCH_PG set (make bench), the
#   bench runs twice, on SQLite and then on PostgreSQL when it is
#   installed. BENCH_PG=1 only on PostgreSQL: generated into a throwaway
#   cluster in BENCH_DIR (tests/tools/pg.sh), removed at the end;
#   BENCH_PG=0 only on SQLite. BENCH_DB=postgresql://... uses (and keeps)
#   that database, generated only if it holds no site yet (and ANALYZEd
#   after).
set -eu
if [ -z "${BENCH_DB:-}" ] && [ -z "${BENCH_PG:-}" ]; then
	echo "== on SQLite"
	BENCH_PG=0 "$0" || rc=1
	. "$(dirname "$0")/../tools/pg.sh"
	if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
		echo "== on PostgreSQL"
		BENCH_PG=1 "$0" || rc=1
	else
		echo "== PostgreSQL is not installed: its run skipped"
	fi
	exit "${rc:-0}"
fi
B=${B:-build}
BIN=${LOKET_BIN:-$PWD/$B}
SITES=${BENCH_SITES:-50}
DAYS=${BENCH_DAYS:-60}
TICKETS=${BENCH_TICKETS:-40}
RUNS=${BENCH_RUNS:-5}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/loket-scale-bench.XXXXXX")
db=${BENCH_DB:-$dir/central.db}
pid=
pg=0
case "$db" in postgresql:* | postgres:*) pg=1 ;; esac
if [ "${BENCH_PG:-0}" = 1 ] && [ -z "${BENCH_DB:-}" ]; then
	. "$(dirname "$0")/../tools/pg.sh"
	pg_start "$dir/pg" || exit 1
	db=$PG_URI
	pg=1
fi
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	[ -d "$dir/pg" ] && pg_stop "$dir/pg"
	rm -rf "$dir"
}
trap cleanup EXIT
# sql QUERY: one value from the database
sql() {
	if [ $pg = 1 ]; then
		psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$1"
	else
		sqlite3 "$db" "$1"
	fi
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

if { [ $pg = 0 ] && [ ! -e "$db" ]; } || { [ $pg = 1 ] && [ "$(sql "SELECT count(*) FROM sites" 2>/dev/null || echo 0)" = 0 ]; }; then
	echo "generating $SITES sites x $DAYS days x $TICKETS tickets ..."
	"$BIN/bench/central_gen" "$db" "$SITES" "$DAYS" "$TICKETS"
	[ $pg = 1 ] && sql "ANALYZE" >/dev/null
fi
{
	printf '{"listen":"127.0.0.1:0","database":"%s","admin_token_sha256":"%s","sites":[' "$db" "$(sha bench-admin)"
	tok=$(sha bench-site)
	for i in $(seq 1 "$SITES"); do
		[ "$i" -gt 1 ] && printf ,
		# One token for all would be refused: each its own digest.
		printf '{"id":"s%04d","name":"Site %d","token_sha256":"%s"}' "$i" "$i" "$(sha "bench-$i")"
	done
	printf ']}'
} >"$dir/central.json"
"$BIN/loket-central" -c "$dir/central.json" 2>"$dir/log" &
pid=$!
port=
for _ in $(seq 1 600); do
	port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/log" | cut -d: -f2 || true)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { cat "$dir/log"; echo "central did not start"; exit 1; }
URL=http://127.0.0.1:$port
events=$(sql "SELECT sum(events) FROM sites")
tickets=$(sql "SELECT count(*) FROM tickets")
ndays=$(sql "SELECT count(DISTINCT day) FROM day_cats")
rows=$(sql "SELECT (SELECT count(*) FROM day_aggs) || ' day_aggs, ' ||
	(SELECT count(*) FROM month_aggs) || ' month_aggs, ' || (SELECT count(*) FROM day_totals) ||
	' day_totals, ' || (SELECT count(*) FROM month_counts) || ' month_counts'")
if [ $pg = 1 ]; then
	bytes=$(sql "SELECT pg_database_size(current_database())")
else
	bytes=$(du -cb "$db"* | tail -1 | cut -f1)
fi
echo "data: $SITES sites x $ndays days: $events events, $tickets tickets, database $((bytes / 1000000)) MB"
echo "aggregates: $rows"

day() { date -d "$1 days ago" +%Y-%m-%d; }
TODAY=$(date +%Y-%m-%d)
ok=1
for p in "/|month|$(day 29)" "/|quarter|$(day 90)" "/|year|$(day 364)" "/report|year|$(day 364)" \
	"/export/tickets.csv|month|$(day 29)" "/export/staffed.csv|year|$(day 364)"; do
	IFS='|' read -r page what from <<<"$p"
	times=()
	size=0
	for _ in $(seq 1 "$RUNS"); do
		out=$(curl -s -o "$dir/page" -w '%{http_code} %{time_total}' -H 'Authorization: Bearer bench-admin' \
			"$URL$page?from=$from&to=$TODAY")
		[ "${out%% *}" = 200 ] || { echo "$page ($what) answered ${out%% *}: $(head -c 200 "$dir/page")"; ok=0; }
		times+=("$(awk '{printf "%.1f", $2 * 1000}' <<<"$out")")
		size=$(wc -c <"$dir/page")
	done
	med=$(printf '%s\n' "${times[@]}" | median)
	echo "$page, a $what ($from .. $TODAY): median $med ms of $RUNS, $((size / 1000)) kB"
	case "$page" in
	/ | /report) awk -v m="$med" 'BEGIN {exit !(m > 300)}' && ok=0 ;;
	esac
done
[ $ok -eq 1 ] && echo "goals met (dashboard and report within 300 ms)" || echo "goals NOT met"
