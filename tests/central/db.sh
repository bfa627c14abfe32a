# The back end the central suites run on, sourced by them once $dir exists:
# LOKET_TEST_DB=sqlite (the default: files in $dir) or pg (a throwaway
# PostgreSQL cluster in $dir/pg, started here, one database per name).
#   test_db NAME        the "database" string of central.json for NAME
#   test_sql NAME SQL   runs SQL on database NAME (sqlite3 or psql),
#                       rows as "a|b", no header
#   test_db_stop        in the suite's cleanup
#   TEST_DB             sqlite or pg
TEST_DB=${LOKET_TEST_DB:-sqlite}
case "$TEST_DB" in
sqlite) ;;
pg)
	# shellcheck source=../tools/pg.sh
	. "$(dirname "${BASH_SOURCE[0]}")/../tools/pg.sh"
	pg_start "$dir/pg" || { echo "cannot start a PostgreSQL cluster"; exit 1; }
	echo "-- PostgreSQL cluster in $dir/pg"
	;;
*) echo "LOKET_TEST_DB=$TEST_DB: sqlite or pg"; exit 1 ;;
esac
test_db() { # NAME (made on first use; called in $(...), so no state here)
	if [ "$TEST_DB" = sqlite ]; then
		echo "$1.db"
		return
	fi
	local port
	port=$(cat "$dir/pg/port")
	pg_as "$PG_BIN/createdb" -h "$dir/pg" -p "$port" -U loket -E UTF8 -T template0 "$1" \
		2>/dev/null || true # there already
	echo "postgresql:///$1?host=$dir/pg&port=$port&user=loket"
}

test_sql() { # NAME SQL
	if [ "$TEST_DB" = sqlite ]; then
		sqlite3 "$dir/$1.db" "$2"
	else
		"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$(cat "$dir/pg/port")" \
			-U loket -d "$1" -c "$2"
	fi
}

test_db_stop() {
	[ "$TEST_DB" = pg ] && pg_stop "$dir/pg"
	return 0
}
