# Shared by the store's black-box tests: a scratch site and the checks that
# every site database must pass, whatever happened to it.
BIN=${LOKET_BIN:?LOKET_BIN must name the folder of the programs}
TOP=$(cd "$(dirname "$0")/../.." && pwd)

# new_site DIR: a copy of the demo configuration whose database lives in DIR.
new_site() {
	mkdir -p "$1"
	sed 's/"database": "[^"]*"/"database": "site.db"/' "$TOP/assets/demo/site.json" >"$1/site.json"
}

fail() { echo "FAIL: $*"; exit 1; }

# check_db DB: integrity ok, outbox seq without gaps,
# no code twice on a day, no ticket called twice (the test workers never
# transfer, the one way a ticket is rightly called again).
check_db() {
	local db=$1 r
	r=$(sqlite3 "$db" 'PRAGMA integrity_check') || fail "sqlite3 cannot read $db"
	[ "$r" = ok ] || fail "integrity_check: $r"
	r=$(sqlite3 "$db" "SELECT count(*) = coalesce(max(seq) - min(seq) + 1, 0) FROM outbox")
	[ "$r" = 1 ] || fail "outbox seq has gaps: $(sqlite3 "$db" 'SELECT count(*), min(seq), max(seq) FROM outbox')"
	r=$(sqlite3 "$db" "SELECT day, code FROM tickets GROUP BY day, code HAVING count(*) > 1")
	[ -z "$r" ] || fail "codes given twice: $r"
	r=$(sqlite3 "$db" "SELECT json_extract(body, '$.code') FROM outbox
		WHERE json_extract(body, '$.type') = 'ticket.issued'
		GROUP BY substr(json_extract(body, '$.at'), 1, 10), json_extract(body, '$.code')
		HAVING count(*) > 1")
	[ -z "$r" ] || fail "issued events repeat a code: $r"
	r=$(sqlite3 "$db" "SELECT json_extract(body, '$.ticket') FROM outbox
		WHERE json_extract(body, '$.type') = 'ticket.called'
		GROUP BY 1 HAVING count(*) > 1")
	[ -z "$r" ] || fail "tickets called twice: $r"
	r=$(sqlite3 "$db" "SELECT count(*) FROM tickets WHERE state IN (1, 2, 3) AND uuid NOT IN
		(SELECT json_extract(body, '$.ticket') FROM outbox
		 WHERE json_extract(body, '$.type') = 'ticket.called')")
	[ "$r" = 0 ] || fail "$r tickets changed state without an event"
}
