#!/usr/bin/env bash
# `minsheng migrate` end to end: a demo installation on SQLite is moved to PostgreSQL, and a server on PostgreSQL
# then answers exactly what the SQLite server answered: the same cases, the same search results, the same clear
# contact (the data key came along), the same logins.
#
#   Tests/postgres/migrate.sh path/to/minsheng postgres://…     (an empty database)
set -euo pipefail
if [[ $# -ne 2 || ! -x "$1" ]]; then echo "usage: $0 path/to/minsheng postgres://…" >&2; exit 2; fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PG=$2
TMP=$(mktemp -d)
SERVER=""
cleanup() { [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "migrate: FAIL: $*" >&2; tail -20 "$TMP"/*.log >&2 || true; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export MINSHENG_DEMO_PASSWORD=migrate-test-2026
unset MINSHENG_DATA_KEY MINSHENG_DATABASE_URL

start() {
    "$BIN" serve --port "$PORT" --watch-interval 0 "$@" >"$TMP/serve-$#.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
    fail "server did not start ($*)"
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }
# What a dispatcher sees: the newest case, a search, and one case's clear contact.
snapshot() {
    local token
    token=$(curl -sf -X POST -H 'Content-Type: application/json' -d "{\"login\":\"city.dispatcher\",\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" \
        "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    python3 - "$PORT" "$token" <<'EOF'
import json, sys, urllib.request, urllib.parse
port, token = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
newest = get("/api/v1/cases?limit=5")["items"]
found = get("/api/v1/cases?limit=100&order=relevance&q=" + urllib.parse.quote("路灯"))["items"]
cid = newest[0]["id"]
contact = get(f"/api/v1/cases/{cid}/contact")
print(json.dumps({"newest": [(c["id"], c["trackingCode"], c["title"]) for c in newest],
                  "search": sorted(c["id"] for c in found), "contact": contact}, ensure_ascii=False, sort_keys=True))
EOF
}

start --demo --db "$TMP/data/minsheng.sqlite"
BEFORE=$(snapshot) || fail "reading the SQLite server"
stop
"$BIN" migrate --from "$TMP/data/minsheng.sqlite" --to "$PG" --data-dir "$TMP/pgdata" >"$TMP/migrate.out" 2>"$TMP/migrate.err" \
    || { cat "$TMP/migrate.out" "$TMP/migrate.err" >&2; fail "migrate exited non-zero"; }
grep -q "verified: every table has the same number of rows" "$TMP/migrate.out" || fail "no verification line"
cat "$TMP/migrate.out"
start --database "$PG" --data-dir "$TMP/pgdata"
AFTER=$(snapshot) || fail "reading the PostgreSQL server"
stop
[[ "$BEFORE" == "$AFTER" ]] || { echo "SQLite:     $BEFORE" >&2; echo "PostgreSQL: $AFTER" >&2; fail "the servers answer differently"; }
# A second run must refuse: the target is no longer empty.
if "$BIN" migrate --from "$TMP/data/minsheng.sqlite" --to "$PG" >/dev/null 2>"$TMP/again.err"; then fail "a second migrate into a full database succeeded"; fi
grep -q "empty database" "$TMP/again.err" || { cat "$TMP/again.err" >&2; fail "the refusal does not say why"; }
echo "migrate: OK — the PostgreSQL server answers like the SQLite one (cases, search, sealed contact, logins)"
