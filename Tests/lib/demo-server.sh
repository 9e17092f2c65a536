# Sourced by the scripts that try a real server from outside (Tests/open311, Tests/openapi): a throw-away demo
# server on a free port, its cleanup, and signing in. The caller sets NAME (its log prefix) and
# MINSHENG_DEMO_PASSWORD, and calls `demo_server BIN [extra serve options]`. Sets TMP, SERVER, PORT, BASE.

TMP=$(mktemp -d)
SERVER=""
demo_cleanup() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap demo_cleanup EXIT

fail() {
    echo "$NAME: $*" >&2
    if [[ -f "$TMP/server.log" ]]; then echo "--- server log (last 30 lines) ---" >&2; tail -30 "$TMP/server.log" >&2; fi
    exit 1
}

# A JSON field of stdin, by a Python expression over `d`.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

demo_server() {
    local bin=$1; shift
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    BASE="http://127.0.0.1:$PORT"
    "$bin" serve --demo --db "$TMP/m.sqlite" --port "$PORT" --watch-interval 0 "$@" >"$TMP/server.log" 2>&1 &
    SERVER=$!
    echo "$NAME: server $SERVER on port $PORT (demo world loading)"
    for _ in $(seq 1 600); do
        kill -0 "$SERVER" 2>/dev/null || fail "the server exited"
        if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    fail "the server did not become ready within 300 s"
}

# A demo account's session token.
login() {
    curl -fsS -X POST -H 'Content-Type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" "$BASE/api/v1/auth/login" | json 'd["token"]'
}

# An API token the admin issues to a demo account (LABEL, valid DAYS).
issue_token() {
    local admin uid
    admin=$(login admin) || fail "admin cannot log in"
    uid=$(curl -fsS -G -H "Authorization: Bearer $admin" --data-urlencode "q=$1" "$BASE/api/v1/users" |
        json "[u['id'] for u in d['items'] if u['login'] == '$1'][0]") || fail "$1 not found"
    curl -fsS -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
        -d "{\"label\":\"$2\",\"days\":${3:-30}}" "$BASE/api/v1/users/$uid/tokens" | json 'd["token"]'
}
