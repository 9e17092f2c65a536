#!/usr/bin/env bash
# The API description is exact (issue 22 item 6): schemathesis (from PyPI) runs every check over every documented
# operation of a real demo server, with a signed-in dispatcher's token, for a bounded time, and must report nothing.
#
#   Tests/openapi/run.sh path/to/minsheng [seconds]       (a built binary; default 180 s of generated requests)
#
# The operations that end the run's own credential (logout, password change, revoking one's own token) run in a
# second, short pass with a second account, so the first pass keeps its token; the administrator's operations in a
# third, with an administrator made for the run. schemathesis.toml beside this script
# says which answers count as accepted for valid input, and why.
set -euo pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
    echo "usage: $0 path/to/minsheng [seconds]" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUDGET=${2:-180}
HERE=$(cd "$(dirname "$0")" && pwd)
NAME=openapi
export MINSHENG_DEMO_PASSWORD="openapi-Demo-2026"
source "$HERE/../lib/demo-server.sh"

ST=$(command -v st || true)
if [[ -z "$ST" ]]; then
    python3 -m venv "$TMP/venv"
    "$TMP/venv/bin/pip" install -q schemathesis >/dev/null
    ST="$TMP/venv/bin/st"
fi
demo_server "$BIN"

# An API token, not a session: generated logins may name the account and lock it (five wrong passwords), and a
# lock ends the account's sessions, but not its API tokens (README "Accounts").
MAIN=$(issue_token city.dispatcher schemathesis) || fail "cannot issue an API token for city.dispatcher"
[[ -n "$MAIN" ]] || fail "no token for city.dispatcher"
SECOND=$(login city.registrar) || fail "cannot log in as city.registrar"

# Data the generated requests cannot invent: a call of the dispatcher's own (the call screen and the reveal are the
# agent's only) and an existing reception schedule. schemathesis.toml reads them from the environment.
export ST_CALL_ID="ST-CALL-1"
curl -fsS -X POST -H "Authorization: Bearer $MAIN" -H 'Content-Type: application/json' \
    -d "{\"callId\":\"$ST_CALL_ID\",\"caller\":\"13912345678\"}" "$BASE/api/v1/calls" >/dev/null || fail "cannot report a call"
ST_SCHEDULE_ID=$(curl -fsS "$BASE/api/v1/reception/schedules" | json 'd["items"][0]["id"]') || fail "no reception schedule"
export ST_SCHEDULE_ID
# The admin operations need an administrator: a second one, made for this run, so that nothing the generated
# requests do to accounts (disable, reset, revoke) can end the first pass's credential or the demo's admin.
ADMIN=$(login admin) || fail "admin cannot log in"
ROOT=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/api/v1/auth/me" | json 'd["unit"]["id"]') || fail "no admin unit"
curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d "{\"login\":\"st.admin\",\"name\":\"接口测试管理员\",\"unit\":$ROOT,\"roles\":[\"admin\"],\"password\":\"$MINSHENG_DEMO_PASSWORD\"}" \
    "$BASE/api/v1/users" >/dev/null || fail "cannot create the run's administrator"
# A new account must change the password it was given before anything else (403 password_change_required).
FIRST=$(login st.admin) || fail "st.admin cannot log in"
curl -fsS -X POST -H "Authorization: Bearer $FIRST" -H 'Content-Type: application/json' \
    -d "{\"current\":\"$MINSHENG_DEMO_PASSWORD\",\"new\":\"openapi-Admin-2026-own\"}" "$BASE/api/v1/auth/password" >/dev/null \
    || fail "st.admin cannot change the first password"
THIRD=$(issue_token st.admin schemathesis) || fail "cannot issue an API token for st.admin"
curl -fsS -H "Authorization: Bearer $THIRD" "$BASE/api/v1/users?limit=1" >/dev/null || fail "st.admin's token cannot list users"
ADMIN_OPS=()
for op in listUsers createUser showUser updateUser resetPassword userTokens issueToken revokeUserToken accessLog authLog \
          listReceptionSchedules createReceptionSchedule showReceptionSchedule replaceReceptionSchedule; do
    ADMIN_OPS+=(--include-operation-id "$op")
done

cd "$HERE" # schemathesis.toml
SELF_ENDING=(--include-operation-id logout --include-operation-id changePassword --include-operation-id revokeOwnToken)
echo "openapi: every operation but those that end the session, ${BUDGET} s"
"$ST" run "$BASE/openapi.yaml" --url "$BASE" --checks all -H "Authorization: Bearer $MAIN" \
    --phases examples,coverage,fuzzing --max-examples 30 --max-time "$BUDGET" -w 2 --seed 2026 \
    --exclude-operation-id logout --exclude-operation-id changePassword --exclude-operation-id revokeOwnToken \
    >"$TMP/st-main.txt" 2>&1 || { cat "$TMP/st-main.txt"; fail "schemathesis reported failures"; }
tail -4 "$TMP/st-main.txt"
# The token must have lasted the whole run, or the run tested only 401s.
curl -fsS -H "Authorization: Bearer $MAIN" "$BASE/api/v1/auth/me" >/dev/null || fail "the dispatcher's token did not last the run"
echo "openapi: the session-ending operations, with a second account"
"$ST" run "$BASE/openapi.yaml" --url "$BASE" --checks all -H "Authorization: Bearer $SECOND" \
    --phases examples,coverage --max-examples 10 --max-time 60 -w 1 --seed 2026 "${SELF_ENDING[@]}" \
    >"$TMP/st-self.txt" 2>&1 || { cat "$TMP/st-self.txt"; fail "schemathesis reported failures"; }
tail -4 "$TMP/st-self.txt"
echo "openapi: the administrator's operations, as an administrator"
"$ST" run "$BASE/openapi.yaml" --url "$BASE" --checks all -H "Authorization: Bearer $THIRD" \
    --phases examples,coverage,fuzzing --max-examples 20 --max-time 90 -w 2 --seed 2026 "${ADMIN_OPS[@]}" \
    >"$TMP/st-admin.txt" 2>&1 || { cat "$TMP/st-admin.txt"; fail "schemathesis reported failures"; }
tail -4 "$TMP/st-admin.txt"
kill -0 "$SERVER" 2>/dev/null || fail "the server died during the run"
echo "openapi: schemathesis found nothing"
