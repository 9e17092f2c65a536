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
NAME=open311
export MINSHENG_DEMO_PASSWORD="open311-Demo-2026"
source "$HERE/../lib/demo-server.sh"
demo_server "$BIN"

REGISTRAR_SESSION=$(login city.registrar) || fail "city.registrar cannot log in"
[[ -n "$REGISTRAR_SESSION" ]] || fail "empty session"
# The registrar's own session is not an api_key (Open311 takes API tokens only); the admin issues one.
API_KEY=$(issue_token city.registrar open311) || fail "cannot issue an API token"
echo "open311: api_key issued to city.registrar"

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
