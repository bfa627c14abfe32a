# Shared by the sync tests (run.sh, chaos.sh) and the sync benchmark: a
# scratch site and central office on loopback, the fault proxy between
# them, and the one check that matters: the central office's copy of the
# site's events equals the site's outbox (every event once, same bytes).
#
# Every process started here is recorded and killed by `cleanup` (the
# callers trap EXIT). Ports are free ones picked at random on 127.0.0.1.
BIN=${LOKET_BIN:?LOKET_BIN must name the folder of the programs}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SITE_TOKEN=site-token-for-tests-0123456789
ADMIN_TOKEN=admin-token-for-tests-0123456789
PIDS=()
T0=$(date +%s%N)

fail() { echo "FAIL: $*"; dump_logs; exit 1; }
note() { echo "[$(( ($(date +%s%N) - T0) / 1000000 )) ms] $*"; }
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

dump_logs() {
	[ -n "${W:-}" ] || return 0
	for f in "$W"/*.log; do
		[ -f "$f" ] || continue
		echo "--- last lines of $f"
		tail -n 15 "$f"
	done
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${W:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$W"
}

# free_port: a TCP port nobody listens on (probed, then likely still free).
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_port PORT SECONDS: until something accepts on PORT.
wait_port() {
	local i
	for i in $(seq 1 $(( $2 * 20 ))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# new_sync_site DIR URL [BATCH_EVENTS] [BACKOFF_MAX_S]: the demo site with
# its database in DIR, syncing to URL with the test token (mode 0600).
new_sync_site() {
	local d=$1 url=$2 batch=${3:-500} backoff=${4:-2}
	mkdir -p "$d"
	sed -e 's/"database": "[^"]*"/"database": "site.db"/' \
	    -e "s#\"url\": \"[^\"]*\"#\"url\": \"$url\"#" \
	    -e "s/\"batch_events\": [0-9]*/\"batch_events\": $batch, \"backoff_max_seconds\": $backoff/" \
	    "$TOP/assets/demo/site.json" >"$d/site.json"
	printf '%s\n' "$SITE_TOKEN" >"$d/token"
	chmod 600 "$d/token"
}

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# new_central DIR PORT [MEMBERS]: a central office for site paddepoel;
# MEMBERS are more top-level keys ("tls": {...}).
new_central() {
	mkdir -p "$1"
	cat >"$1/central.json" <<-EOF
	{"listen": "127.0.0.1:$2", "database": "central.db",${3:+ $3,}
	 "admin_token_sha256": "$(sha "$ADMIN_TOKEN")",
	 "sites": [{"id": "paddepoel", "name": "WIJS Paddepoel",
	            "token_sha256": "$(sha "$SITE_TOKEN")"}]}
	EOF
}

# start_central DIR PORT: runs it in the background (pid in CENTRAL_PID)
# and returns once it has logged "listening on 127.0.0.1:PORT (...)": that
# line comes after the server is up and says whether it serves HTTPS; an
# accepting port alone does not mean the line is written yet. The log is
# appended to across restarts, so only lines after the start count.
start_central() {
	local before i
	before=$(wc -l <"$1/central.log" 2>/dev/null || echo 0)
	"$BIN/loket-central" -c "$1/central.json" >>"$1/central.log" 2>&1 &
	CENTRAL_PID=$!
	PIDS+=("$CENTRAL_PID")
	for i in $(seq 1 400); do
		tail -n +"$((before + 1))" "$1/central.log" 2>/dev/null |
			grep -q "listening on 127\.0\.0\.1:$2 (" && return 0
		kill -0 "$CENTRAL_PID" 2>/dev/null ||
			fail "loket-central exited before listening on $2: $(tail -n 3 "$1/central.log")"
		sleep 0.05
	done
	fail "loket-central did not say it listens on $2 within 20 s: $(tail -n 3 "$1/central.log")"
}

# start_proxy LISTEN TARGET SEED RATE [more faultproxy options]: pid in PROXY_PID.
start_proxy() {
	local l=$1 t=$2 s=$3 r=$4
	shift 4
	"$BIN/tools/faultproxy" --listen "$l" --target "$t" --seed "$s" --rate "$r" \
		--stats "$W/proxy.stats" "$@" >>"$W/proxy.log" 2>&1 &
	PROXY_PID=$!
	PIDS+=("$PROXY_PID")
	wait_port "$l" 10 || fail "faultproxy did not listen on $l"
}

# start_syncd SITEDIR [options]: the daemon in the background (SYNCD_PID).
start_syncd() {
	local d=$1
	shift
	"$BIN/loket-syncd" -c "$d/site.json" "$@" >>"$d/syncd.log" 2>&1 &
	SYNCD_PID=$!
	PIDS+=("$SYNCD_PID")
}

# json_int KEY: the first integer value of "KEY" in the JSON on stdin.
json_int() { sed -n "s/.*\"$1\": *\([0-9-]*\).*/\1/p" | head -n 1; }

site_status() { "$BIN/loketctl" -c "$1/site.json" --json status; }
site_acked() { site_status "$1" | json_int acked_through; }
site_last() { site_status "$1" | json_int last_seq; }

# central_export PORT AFTER: the central office's events of paddepoel
# after seq AFTER (one page: at most the server's default limit). Over
# HTTPS when CENTRAL_CA names the CA of its certificate.
central_export() {
	curl -sS --fail --max-time 30 -H "Authorization: Bearer $ADMIN_TOKEN" \
		${CENTRAL_CA:+--cacert "$CENTRAL_CA"} \
		"http${CENTRAL_CA:+s}://127.0.0.1:$1/api/v1/sites/paddepoel/events?after=$2${3:+&limit=$3}"
}

# central_export_all PORT: every event of paddepoel, page after page.
central_export_all() {
	local after=0 page n
	while :; do
		page=$(central_export "$1" "$after" 10000) || return 1
		[ -n "$page" ] || return 0
		printf '%s\n' "$page"
		n=$(printf '%s\n' "$page" | tail -n 1 | sed -n 's/^{"seq":\([0-9]*\),.*/\1/p')
		[ -n "$n" ] && [ "$n" -gt "$after" ] || return 1
		after=$n
	done
}

# wait_synced SITEDIR SECONDS: until the central office acknowledged every event.
wait_synced() {
	local i a l
	for i in $(seq 1 $(( $2 * 10 ))); do
		a=$(site_acked "$1")
		l=$(site_last "$1")
		[ -n "$a" ] && [ "$a" = "$l" ] && return 0
		sleep 0.1
	done
	echo "not synced after $2 s: acked_through $a, last_seq $l"
	return 1
}

# same_events SITEDIR PORT: the outbox and the central office's copy are
# equal, byte for byte, line for line (every event once, in seq order).
same_events() {
	"$BIN/loketctl" -c "$1/site.json" events >"$1/outbox.jsonl" || fail "loketctl events"
	central_export_all "$2" >"$1/central.jsonl" || fail "central export failed"
	local n m
	n=$(wc -l <"$1/outbox.jsonl")
	m=$(wc -l <"$1/central.jsonl")
	if ! cmp -s "$1/outbox.jsonl" "$1/central.jsonl"; then
		echo "outbox: $n events, central: $m events; first difference:"
		diff "$1/outbox.jsonl" "$1/central.jsonl" | head -n 6
		dups=$(sed 's/^{"seq":\([0-9]*\),.*/\1/' "$1/central.jsonl" | sort | uniq -d | head -n 3)
		[ -z "$dups" ] || echo "central holds these seqs more than once: $dups"
		fail "the central office's copy differs from the outbox"
	fi
	note "central office holds exactly the site's $n events"
}
