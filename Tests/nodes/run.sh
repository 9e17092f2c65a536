#!/usr/bin/env bash
# Nodes from the outside: graceful shutdown under load loses nothing acknowledged, and (with PostgreSQL) several
# nodes on one database give no duplicate case, no duplicate or missing notice, and the alert counts one node gives.
#
#   Tests/nodes/run.sh path/to/minsheng                  SQLite: one node, SIGTERM under load, restart, check
#   Tests/nodes/run.sh path/to/minsheng postgres://…     PostgreSQL: the same, then three nodes at once
#
# Builds nothing; needs python3 (and psql for the PostgreSQL leg).
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
# graceful NAME PID: SIGTERM, then the process must exit by itself, with status 0, within 30 s.
graceful() {
    local name=$1 pid=$2
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "$name did not stop within 30 s of SIGTERM"
    local rc=0; wait "$pid" || rc=$?
    [[ $rc == 0 ]] || fail "$name exited with status $rc after SIGTERM"
}
# check_acked ACKS.json DBARGS…: every acknowledged case id exists (nothing acknowledged is lost).
check_acked() {
    local acks=$1; shift
    python3 "$HERE/check.py" acked "$acks" "$@" || fail "acknowledged cases missing"
}

# --- 1. One node, SIGTERM under load -------------------------------------------------------------------------
if [[ -z "$PG" ]]; then
    DBARGS=(--db "$TMP/data/minsheng.sqlite")
    CHECK=(--sqlite "$TMP/data/minsheng.sqlite")
else
    DBARGS=(--database "$PG" --data-dir "$TMP/data")
    CHECK=(--postgres "$PG")
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

[[ -z "$PG" ]] && { echo "nodes: OK (SQLite leg; pass a postgres:// URL for the multi-node leg)"; exit 0; }

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
for i in 1 2 3; do graceful "m$i" "$(eval echo \$PID_m$i)"; done
echo "nodes: OK (three nodes on PostgreSQL)"
