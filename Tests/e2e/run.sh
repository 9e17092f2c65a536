#!/usr/bin/env bash
# Browser journeys (Tests/e2e/journeys.py) against a real server: headless Chromium through chromedriver.
#
#   Tests/e2e/run.sh path/to/minsheng [screenshot-dir]     (a built binary: this script builds nothing)
#
# Starts `minsheng serve --demo` on a free port with a throw-away database, runs the journeys, keeps the
# screenshots (default: e2e-screenshots/), stops the server. Needs chromium, chromedriver, a CJK font
# (fonts-wqy-microhei) and python3 with selenium.
set -euo pipefail
if [[ $# -lt 1 || ! -x "$1" ]]; then echo "usage: $0 path/to/minsheng [screenshot-dir]" >&2; exit 2; fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SHOTS=$(mkdir -p "${2:-e2e-screenshots}" && cd "${2:-e2e-screenshots}" && pwd)
TMP=$(mktemp -d)
SERVER=""
cleanup() {
    if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export MINSHENG_DEMO_PASSWORD="e2e-Demo-2026"
"$BIN" serve --demo --db "$TMP/m.sqlite" --port "$PORT" --watch-interval 0 >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do
    kill -0 "$SERVER" 2>/dev/null || { tail -30 "$TMP/server.log"; echo "e2e: the server exited" >&2; exit 1; }
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
# The demo accounts are made after the world is loaded: wait for the login to work.
for _ in $(seq 1 120); do
    curl -fsS -X POST -d "{\"login\":\"admin\",\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" >/dev/null 2>&1 && break
    sleep 0.5
done
if ! python3 "$HERE/journeys.py" "http://127.0.0.1:$PORT" "$MINSHENG_DEMO_PASSWORD" "$SHOTS"; then
    echo "--- server log (last 30 lines) ---" >&2; tail -30 "$TMP/server.log" >&2
    exit 1
fi
echo "e2e: screenshots in $SHOTS"
