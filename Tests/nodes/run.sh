#!/usr/bin/env bash
# Nodes from the outside: graceful shutdown and a crash (kill -9) under load lose nothing acknowledged, and (with
# PostgreSQL) several nodes on one database give no duplicate case, no duplicate or missing notice, and the alert counts
# one node gives, and they outlive the database server being killed and restarted under load.
#
#   Tests/nodes/run.sh path/to/minsheng                  SQLite: SIGTERM under load; kill -9 under load with
#                                                        --durability full and normal; restart, check it serves
#   Tests/nodes/run.sh path/to/minsheng postgres://…     PostgreSQL: SIGTERM under load, three nodes at once, the
#                                                        server killed under load (with MINSHENG_TEST_POSTGRES_CTL, as
#                                                        Tests/postgres/with-postgres.sh sets it), kill -9 of a node
#
# "Nothing acknowledged lost": every case a 201 named is stored with its title and its registration event, and no case
# exists without that event. Builds nothing; needs python3 (and psql for the PostgreSQL leg).
set -euo pipefail
if [[ $# -lt 1 || ! -x "$1" ]]; then echo "usage: $0 path/to/minsheng [postgres-url]" >&2; exit 2; fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PG=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "nodes: FAIL: $*" >&2; for f in "$TMP"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2; done; exit 1; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
export MINSHENG_DEMO_PASSWORD=nodes-test-2026
export MINSHENG_DATA_KEY=${MINSHENG_DATA_KEY:-$(python3 -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())')}

# start NAME PORT [args…]: one serve process, waits until /readyz answers.
start() {
    local name=$1 port=$2; shift 2
    "$BIN" serve --port "$port" "$@" >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
    eval "PID_$name=$!"
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
    fail "$name did not become ready"
}
login() {
    curl -sf -X POST -H 'Content-Type: application/json' -d "{\"login\":\"city.registrar\",\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" \
        "http://127.0.0.1:$1/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
# graceful NAME PID [SECONDS]: SIGTERM, then the process must exit by itself, with status 0, within SECONDS (30).
graceful() {
    local name=$1 pid=$2 limit=${3:-30}
    local t0=$SECONDS
    kill -TERM "$pid"
    for _ in $(seq 1 $((limit * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "$name did not stop within $limit s of SIGTERM"
    local rc=0; wait "$pid" || rc=$?
    [[ $rc == 0 ]] || fail "$name exited with status $rc after SIGTERM"
    echo "nodes: $name stopped $((SECONDS - t0)) s after SIGTERM"
}
# crash NAME PID: kill -9, as a power cut would.
crash() {
    kill -KILL "$2"
    wait "$2" 2>/dev/null || true
}
# check_acked ACKS.json… DBARGS…: every acknowledged case is stored with its content and registration event.
check_acked() {
    python3 "$HERE/check.py" acked "$@" || fail "acknowledged cases lost or incomplete"
}
# serves NAME PORT [TOKEN]: the node answers a create (201), within 10 s. The case carries a risk word, so it queues a
# notice to its center (which the outbox must then deliver).
serves() {
    local token=${3:-}
    [[ -n "$token" ]] || token=$(login "$2") || fail "$1: cannot log in"
    python3 "$HERE/load.py" --nodes "http://127.0.0.1:$2" --token="$token" --workers 1 --first --risk --seconds 10 --timeout 5 \
        --out "$TMP/serves-$1.json" --prefix "serves$1" >/dev/null || fail "$1 took no create within 10 s"
    [[ -n "${SINCE_MS:-}" ]] && echo "nodes: $1 took a create $(( $(date +%s%3N) - SINCE_MS )) ms after the server's restart"
    check_acked "$TMP/serves-$1.json" "${CHECK[@]}"
}
# crash_under_load NAME [serve args…]: a node on the database, a create load, kill -9 in the middle of it; then
# nothing it acknowledged is lost.
crash_under_load() {
    local name=$1; shift
    local port; port=$(freeport)
    start "$name" "$port" "${DBARGS[@]}" --watch-interval 0 "$@"
    local token; token=$(login "$port")
    python3 "$HERE/load.py" --nodes "http://127.0.0.1:$port" --token="$token" --workers 8 --seconds 3 --timeout 5 \
        --out "$TMP/acks-$name.json" --prefix "$name" >/dev/null &
    local load=$!
    sleep 1.5
    crash "$name" "$(eval echo \$PID_$name)"
    wait $load || true
    local n; n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["acked"]))' "$TMP/acks-$name.json")
    [[ $n -gt 0 ]] || fail "$name acknowledged nothing before kill -9"
    check_acked "$TMP/acks-$name.json" "${CHECK[@]}"
    echo "nodes: kill -9 under load ($name $*) — $n acknowledged cases, all stored"
}

# --- 1. One node, SIGTERM under load -------------------------------------------------------------------------
if [[ -z "$PG" ]]; then
    DBARGS=(--db "$TMP/data/minsheng.sqlite")
    CHECK=(--sqlite "$TMP/data/minsheng.sqlite")
else
    DBARGS=(--database "$PG" --data-dir "$TMP/data")
    CHECK=(--postgres "$PG")
    # A throwaway cluster may run with synchronous_commit off (Tests/postgres/with-postgres.sh does): then a commit is
    # acknowledged before it is on disk, and a killed server forgets it. The nodes promise durable commits: test that.
    psql "$PG" -qAt -c "ALTER DATABASE \"$(psql "$PG" -qAt -c 'SELECT current_database()')\" SET synchronous_commit = on" \
        || fail "cannot set synchronous_commit"
fi
P1=$(freeport)
start n1 "$P1" --demo "${DBARGS[@]}" --watch-interval 0
TOKEN=$(login "$P1")
python3 "$HERE/load.py" --nodes "http://127.0.0.1:$P1" --token="$TOKEN" --workers 8 --seconds 4 --out "$TMP/acks1.json" --prefix one &
LOAD=$!
sleep 2
graceful n1 "$PID_n1"
wait $LOAD || true
N=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["acked"]))' "$TMP/acks1.json")
[[ $N -gt 0 ]] || fail "no case acknowledged before the shutdown"
check_acked "$TMP/acks1.json" "${CHECK[@]}"
grep -q "unhandled error" "$TMP/n1.log" && fail "errors in the log during shutdown"
echo "nodes: graceful shutdown under load — $N acknowledged cases, all stored"

if [[ -z "$PG" ]]; then
    # --- 2. kill -9 under load, with each commit durability; then a restart on the same file serves ----------------
    crash_under_load full --durability full
    crash_under_load normal --durability normal
    P2=$(freeport)
    start after "$P2" "${DBARGS[@]}" --watch-interval 0
    serves after "$P2"
    graceful after "$PID_after"
    echo "nodes: OK (SQLite leg; pass a postgres:// URL for the multi-node leg)"
    exit 0
fi

# --- 2. Three nodes on one PostgreSQL --------------------------------------------------------------------------
python3 "$HERE/check.py" snapshot "$TMP/sent-before.json" "${CHECK[@]}"
PORTS=($(freeport) $(freeport) $(freeport))
i=0
for p in "${PORTS[@]}"; do
    i=$((i + 1))
    # Short watch and delivery intervals, so every node competes for every due alert and notice.
    start "m$i" "$p" "${DBARGS[@]}" --watch-interval 1 --notice-log "$TMP/notices-m$i.log"
done
TOKEN=$(login "${PORTS[0]}")
URLS=$(printf 'http://127.0.0.1:%s,' "${PORTS[@]}"); URLS=${URLS%,}
python3 "$HERE/load.py" --nodes "$URLS" --token="$TOKEN" --workers 9 --seconds 6 --out "$TMP/acks2.json" --prefix multi
python3 "$HERE/check.py" multi "$TMP/acks2.json" "${CHECK[@]}" || fail "multi-node checks"
# Notices: each delivered by exactly one node (the union of the three logs has no repeated message id), and none
# left behind once the nodes have had time to drain the outbox.
for _ in $(seq 1 60); do
    python3 "$HERE/check.py" backlog "${CHECK[@]}" && break
    sleep 1
done
python3 "$HERE/check.py" notices "$TMP/sent-before.json" "$TMP"/notices-m*.log "${CHECK[@]}" || fail "notices not exactly once"
# Alerts: the three watchers together raised each level once per case, as one node would.
python3 "$HERE/check.py" alerts "${CHECK[@]}" || fail "alerts raised more than once"
echo "nodes: three nodes on PostgreSQL — no duplicate case, notice or alert"

# --- 3. The PostgreSQL server killed under load and restarted ------------------------------------------------------
# Every node: not ready while it is down (and answers that at once), takes creates again within 10 s of the restart,
# lost nothing it acknowledged; and SIGTERM stops it quickly even while the server is down.
if [[ -n "${MINSHENG_TEST_POSTGRES_CTL:-}" ]]; then
    PGCTL=$MINSHENG_TEST_POSTGRES_CTL
    python3 "$HERE/load.py" --nodes "$URLS" --token="$TOKEN" --workers 9 --seconds 9 --timeout 5 --out "$TMP/acks-outage.json" \
        --prefix outage > "$TMP/load-outage.txt" &
    LOAD=$!
    sleep 2
    "$PGCTL" crash
    for p in "${PORTS[@]}"; do
        ok=0
        for _ in $(seq 1 25); do
            code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/readyz" || true)
            [[ $code == 503 ]] && { ok=1; break; }
            sleep 0.2
        done
        [[ $ok == 1 ]] || fail "node on port $p did not answer not-ready within 5 s of the server's death (last: $code)"
    done
    echo "nodes: server killed — every node answers /readyz 503"
    sleep 1
    "$PGCTL" start
    T0=$SECONDS
    RESTARTED=$(date +%s)
    SINCE_MS=$(date +%s%3N)
    # The session from before: sessions live in the database, so any node honours it once it is back.
    for i in 1 2 3; do serves "m$i" "${PORTS[$((i - 1))]}" "$TOKEN"; done
    SINCE_MS=
    echo "nodes: server restarted — every node took a create again within $((SECONDS - T0)) s"
    for p in "${PORTS[@]}"; do curl -sf -m 2 "http://127.0.0.1:$p/readyz" >/dev/null || fail "node on port $p not ready after the restart"; done
    wait $LOAD || true
    cat "$TMP/load-outage.txt"
    check_acked "$TMP/acks-outage.json" "${CHECK[@]}"
    # The background work came back too: the outbox delivered what was queued since the restart, and every node's
    # deadline watch has finished a pass since then.
    ok=0
    for _ in $(seq 1 20); do python3 "$HERE/check.py" recovered "$RESTARTED" "${CHECK[@]}" 2>/dev/null && { ok=1; break; }; sleep 0.5; done
    [[ $ok == 1 ]] || fail "notices queued after the restart were not delivered within 10 s"
    for p in "${PORTS[@]}"; do
        ok=0
        for _ in $(seq 1 20); do
            tick=$(curl -s -m 2 "http://127.0.0.1:$p/metrics" | awk '/^minsheng_watch_last_tick_timestamp_seconds/ {printf "%d", $2}')
            [[ -n "$tick" && $tick -ge $RESTARTED ]] && { ok=1; break; }
            sleep 0.5
        done
        [[ $ok == 1 ]] || fail "the deadline watch of the node on port $p did not tick after the restart"
    done
    # 503 while the server was down is expected (the load retries it); any other refusal is not.
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["errors"]; sys.exit("errors: %s" % e[:3] if e else 0)' \
        "$TMP/acks-outage.json" || fail "requests failed during the outage other than with 503"
    # Down again, and the nodes stopped meanwhile: bounded, whatever the database does.
    "$PGCTL" crash
    sleep 0.5
    for i in 1 2 3; do graceful "m$i" "$(eval echo \$PID_m$i)" 8; done
    "$PGCTL" start
    grep -q "unhandled error" "$TMP"/m*.log && fail "unhandled errors in the nodes' logs during the outage"
    echo "nodes: PostgreSQL outage — survived, nothing acknowledged lost"
else
    echo "nodes: MINSHENG_TEST_POSTGRES_CTL not set (run under Tests/postgres/with-postgres.sh): server-outage leg skipped"
    for i in 1 2 3; do graceful "m$i" "$(eval echo \$PID_m$i)"; done
fi

# --- 4. kill -9 of a node under load; a restart on the same database serves --------------------------------------
crash_under_load crashpg
P4=$(freeport)
start after "$P4" "${DBARGS[@]}" --watch-interval 0
serves after "$P4"
graceful after "$PID_after"
echo "nodes: OK (three nodes on PostgreSQL, a server outage, kill -9)"
