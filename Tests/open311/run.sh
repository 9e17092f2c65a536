#!/usr/bin/env bash
# Open311 interoperability test against a real server: an existing Open311 client (georeport, from PyPI,
# unmodified) creates and reads requests through /open311/v2.
#
#   Tests/open311/run.sh path/to/minsheng        (a built binary: this script builds nothing)
#
# Starts `minsheng serve --demo` on a free port with a throw-away database, gets an API token for the demo
# registrar city.registrar from the admin (the Open311 api_key), runs client_test.py against it, stops the server.
# Python: a virtualenv with georeport 0.3.1 is made in the temp folder (OPEN311_PYTHON=/path/to/python skips
# that and uses a Python that already has georeport).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
    echo "usage: $0 path/to/minsheng (a built binary)" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
    echo "open311: $*" >&2
    if [[ -f "$TMP/server.log" ]]; then echo "--- server log (last 30 lines) ---" >&2; tail -30 "$TMP/server.log" >&2; fi
    exit 1
}

# A JSON field of stdin, by a Python expression over `d` (python3 is needed for the client anyway).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
export MINSHENG_DEMO_PASSWORD="open311-Demo-2026"

"$BIN" serve --demo --db "$TMP/m.sqlite" --port "$PORT" --watch-interval 0 >"$TMP/server.log" 2>&1 &
SERVER=$!
echo "open311: server $SERVER on port $PORT (demo world loading)"
for _ in $(seq 1 600); do
    kill -0 "$SERVER" 2>/dev/null || fail "the server exited"
    if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null || fail "the server did not come up within 300 s"

login() {
    curl -fsS -X POST -H 'Content-Type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" "$BASE/api/v1/auth/login" | json 'd["token"]'
}
REGISTRAR_SESSION=$(login city.registrar) || fail "city.registrar cannot log in"
ADMIN=$(login admin) || fail "admin cannot log in"
# The registrar's own session is not an api_key (Open311 takes API tokens only); the admin issues one.
USER_ID=$(curl -fsS -G -H "Authorization: Bearer $ADMIN" --data-urlencode q=city.registrar "$BASE/api/v1/users" |
    json '[u["id"] for u in d["items"] if u["login"] == "city.registrar"][0]') || fail "city.registrar not found"
API_KEY=$(curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"label":"open311","days":30}' "$BASE/api/v1/users/$USER_ID/tokens" | json 'd["token"]') || fail "cannot issue an API token"
echo "open311: api_key issued to city.registrar (user $USER_ID)"
[[ -n "$REGISTRAR_SESSION" ]] || fail "empty session"

if [[ -n "${OPEN311_PYTHON:-}" ]]; then
    PY=$OPEN311_PYTHON
else
    python3 -m venv "$TMP/venv" || fail "python3 -m venv failed (apt-get install python3-venv)"
    "$TMP/venv/bin/pip" install --quiet --disable-pip-version-check "georeport==0.3.1" || fail "pip install georeport failed"
    PY="$TMP/venv/bin/python"
fi

set +e
"$PY" "$HERE/client_test.py" "$BASE/open311/v2" "$API_KEY"
STATUS=$?
set -e
[[ $STATUS -eq 0 ]] || fail "client test failed ($STATUS)"
echo "open311: client test passed"
