#!/bin/bash
# A throwaway PostgreSQL cluster for the tests: sourced (". tests/tools/pg.sh"),
# it gives
#   pg_start DIR   initdb into DIR (made if need be), start the server on a
#                  Unix socket in DIR only (no TCP: listen_addresses=''),
#                  create the database loket and set PG_URI to its
#                  libpq URI (postgresql:///loket?host=DIR&port=PORT)
#   pg_stop DIR    stop it (fast), if it runs
#   pg_restart DIR [MODE]  restart it (pg_ctl restart -m MODE, default
#                  fast; immediate is a crash): clients lose their
#                  connections
#   pg_psql DIR SQL  one statement with psql, output unaligned
# As root the cluster belongs to an unprivileged user (LOKET_PG_USER,
# default nobody): PostgreSQL refuses to run as root. The caller stops it
# in its trap. Exits 77 from pg_start when no PostgreSQL is installed
# (the caller decides whether that is a skip). As root, the folder above
# DIR gets o+x.
PG_BIN=${PG_BIN:-}
if [ -z "$PG_BIN" ]; then
	if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
		PG_BIN=$(pg_config --bindir)
	else
		PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	fi
fi
PG_URI=

# pg_as CMD...: CMD as the cluster's owner.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "${LOKET_PG_USER:-nobody}" -- "$@"
	else
		"$@"
	fi
}

pg_start() { # DIR
	local dir=$1 port
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || { echo "pg.sh: no PostgreSQL (initdb) here" >&2; return 77; }
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown "${LOKET_PG_USER:-nobody}" "$dir"
		# The owner must reach DIR: the folder above it (a mktemp -d,
		# 0700) becomes traversable, not readable.
		chmod o+x "$(dirname "$dir")"
	fi
	chmod 700 "$dir"
	# A port number is only a name for the socket file here (no TCP).
	port=$((20000 + RANDOM % 20000))
	pg_as "$PG_BIN/initdb" -D "$dir/data" -A trust -U loket -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c fsync=${LOKET_PG_FSYNC:-on}" \
		start >/dev/null || { tail -20 "$dir/server.log" >&2; return 1; }
	echo "$port" >"$dir/port"
	pg_as "$PG_BIN/createdb" -h "$dir" -p "$port" -U loket -E UTF8 -T template0 loket ||
		{ pg_stop "$dir"; return 1; }
	PG_URI="postgresql:///loket?host=$dir&port=$port&user=loket"
}

pg_stop() { # DIR
	[ -f "$1/data/postmaster.pid" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null
}

pg_restart() { # DIR [MODE]
	pg_as "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -m "${2:-fast}" -w -t 60 restart >/dev/null
}

pg_psql() { # DIR SQL
	"$PG_BIN/psql" -X -q -A -t -h "$1" -p "$(cat "$1/port")" -U loket -d loket -c "$2"
}
