#!/usr/bin/env bash
# `minsheng ingest-mail` from the outside, as a mail server runs it: messages piped on standard input and a Maildir
# folder, with the exit codes an MTA reads (0, 65 EX_DATAERR, 75 EX_TEMPFAIL).
#
#   Tests/mail/run.sh path/to/minsheng        (a built binary: this script builds nothing)
#
# Makes a throw-away database with the demo units (`serve --demo`, stopped once it is up), writes the test
# messages with make_fixtures.py, and checks the cases in the database with python3's sqlite3.
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
    echo "usage: $0 path/to/minsheng (a built binary)" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
SERVER=""
LOCKER=""
cleanup() {
    for p in "$SERVER" "$LOCKER"; do
        if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "mail: $*" >&2; exit 1; }
DB="$TMP/data/minsheng.sqlite"
sql() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])" "$DB" "$1"; }

# A database with the demo world (units, a center), then no server: the command opens the file itself.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
MINSHENG_DEMO_PASSWORD=mailtest1234 "$BIN" serve --demo --db "$DB" --port "$PORT" --watch-interval 0 >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do grep -q "API:" "$TMP/server.log" 2>/dev/null && break; sleep 0.5; done
grep -q "API:" "$TMP/server.log" || { tail -20 "$TMP/server.log" >&2; fail "server did not start"; }
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
BEFORE=$(sql "SELECT count(*) FROM cases")
EMAIL0=$(sql "SELECT count(*) FROM cases WHERE channel = 'email'")   # the demo world has some
FILES0=$(sql "SELECT count(*) FROM attachments")
emails() { echo $(( $(sql "SELECT count(*) FROM cases WHERE channel = 'email'") - EMAIL0 )); }

python3 "$HERE/make_fixtures.py" --eml "$TMP/eml"

# 1. Standard input: registered, then the same message again: nothing new, said so, exit 0.
out=$("$BIN" ingest-mail --db "$DB" < "$TMP/eml/foxmail.eml") || fail "foxmail: exit $?"
echo "$out" | grep -q "registered case" || fail "foxmail: $out"
set +e
again=$("$BIN" ingest-mail --db "$DB" < "$TMP/eml/foxmail.eml" 2>&1); code=$?
set -e
[[ $code -eq 0 ]] || fail "retry: exit $code"
echo "$again" | grep -q "already registered" || fail "retry did not say so: $again"
[[ $(emails) == 1 ]] || fail "retry registered again"
[[ $(sql "SELECT count(*) FROM attachments") == $((FILES0 + 1)) ]] || fail "attachment count"
SHA=$(sql "SELECT sha256 FROM attachments ORDER BY id DESC LIMIT 1")
[[ -f "$TMP/data/files/${SHA:0:2}/$SHA" ]] || fail "attachment file not under data/files"
[[ $(sql "SELECT title FROM cases WHERE channel = 'email' ORDER BY id DESC LIMIT 1") == "投诉：解放碑工地夜间施工噪音扰民" ]] || fail "title"
if grep -a -q -i "zhangsan@foxmail.com" "$DB" "$DB-wal" 2>/dev/null; then fail "the e-mail address is in the database in clear"; fi

# 2. Malformed input: 65 and a reason on stderr; nothing registered.
for bad in "no headers at all" $'From: a@b.cn\nContent-Transfer-Encoding: base64\n\n!!!!' \
           $'From: a@b.cn\nContent-Type: multipart/mixed\n\nx' $'From: a@b.cn\nContent-Type: text/plain; charset=x-klingon\n\nx'; do
    set +e
    err=$(printf '%s' "$bad" | "$BIN" ingest-mail --db "$DB" 2>&1 >/dev/null); code=$?
    set -e
    [[ $code -eq 65 ]] || fail "malformed input gave exit $code: $bad"
    [[ -n "$err" ]] || fail "no message on stderr for: $bad"
done
set +e
head -c 2000 /dev/zero | "$BIN" ingest-mail --db "$DB" --max-message-bytes 1000 2>/dev/null; code=$?
set -e
[[ $code -eq 65 ]] || fail "oversized: exit $code"
[[ $(emails) == 1 ]] || fail "malformed input registered something"

# 3. Maildir: new/ and cur/; registered ones move to cur/ with :2,S, a malformed one with :2,F.
MD="$TMP/Maildir"; mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
cp "$TMP/eml/outlook.eml" "$MD/new/1700000001.M1P1.mx"
cp "$TMP/eml/qq.eml" "$MD/new/1700000002.M2P1.mx"
cp "$TMP/eml/foxmail.eml" "$MD/new/1700000003.M3P1.mx"          # a repeat
printf 'not a message' > "$MD/new/1700000004.M4P1.mx"
cp "$TMP/eml/gmail.eml" "$MD/cur/1700000000.M0P1.mx:2,"
cp "$TMP/eml/big5.eml" "$MD/cur/1700000005.M5P1.mx:2,S"
set +e
out=$("$BIN" ingest-mail --db "$DB" --maildir "$MD" 2>"$TMP/md.err"); code=$?
set -e
[[ $code -eq 65 ]] || fail "maildir with one malformed message: exit $code ($out)"
echo "$out" | grep -q "4 registered, 1 already registered, 1 malformed" || fail "maildir summary: $out"
[[ -z "$(ls "$MD/new")" ]] || fail "new/ not emptied: $(ls "$MD/new")"
for f in 1700000001.M1P1.mx:2,S 1700000002.M2P1.mx:2,S 1700000003.M3P1.mx:2,S 1700000004.M4P1.mx:2,F; do
    [[ -f "$MD/cur/$f" ]] || fail "cur/$f missing: $(ls "$MD/cur")"
done
[[ $(emails) == 5 ]] || fail "maildir: email cases"
set +e
out=$("$BIN" ingest-mail --db "$DB" --maildir "$MD" 2>/dev/null); code=$?
set -e
[[ $code -eq 0 ]] || fail "maildir rerun: exit $code (the malformed message is in cur/ now, flagged)"
echo "$out" | grep -q "0 registered, 5 already registered, 1 malformed" || fail "maildir rerun: $out"

# 4. A busy database (another process holds the write lock past the busy timeout): 75, the MTA retries.
python3 -c "
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(30)
" "$DB" > "$TMP/lock.log" &
LOCKER=$!
for _ in $(seq 1 50); do grep -q locked "$TMP/lock.log" 2>/dev/null && break; sleep 0.2; done
set +e
"$BIN" ingest-mail --db "$DB" < "$TMP/eml/gmail.eml" 2>"$TMP/busy.err" >/dev/null; code=$?
set -e
kill "$LOCKER"; wait "$LOCKER" 2>/dev/null || true; LOCKER=""
[[ $code -eq 75 ]] || fail "busy database: exit $code ($(cat "$TMP/busy.err"))"

[[ $(sql "SELECT count(*) FROM cases") == $((BEFORE + 5)) ]] || fail "case count"

# 5. A live server and ingest-mail write the same database: after the command registers a message, the server
# keeps registering on every channel (the next id is read from the database, not kept in the server's memory).
MINSHENG_DEMO_PASSWORD=mailtest1234 "$BIN" serve --demo --db "$DB" --port "$PORT" --watch-interval 0 >"$TMP/server2.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do grep -q "API:" "$TMP/server2.log" 2>/dev/null && break; sleep 0.5; done
grep -q "API:" "$TMP/server2.log" || { tail -20 "$TMP/server2.log" >&2; fail "server did not start again"; }
# "API:" is printed before the listener is up: wait until it answers.
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
API="http://127.0.0.1:$PORT/api/v1"
post_case() {  # prints the HTTP status, then the body
    curl -s -o "$TMP/post.json" -w '%{http_code}' -X POST "$API/public/cases" -H 'Content-Type: application/json' \
        -d "{\"kind\":\"complaint\",\"title\":\"$1\",\"content\":\"小区门口路灯坏了一个月，晚上很黑。\",\"citizen\":{\"phone\":\"1390000$2\"}}"
}
[[ $(post_case "门口路灯不亮" 1001) == 201 ]] || fail "before ingest-mail: $(cat "$TMP/post.json")"
# A message not seen before (the fixtures above are all registered): the gmail one under a new Message-ID.
python3 - "$TMP/eml/gmail.eml" "$TMP/eml/live.eml" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
data, n = re.subn(rb"(?im)^Message-ID:[^\r\n]*", b"Message-ID: <live-server-leg@mail.example.cn>", data, count=1)
assert n == 1, "no Message-ID header in the fixture"
open(sys.argv[2], "wb").write(data)
PY
out=$("$BIN" ingest-mail --db "$DB" < "$TMP/eml/live.eml") || fail "ingest-mail beside a live server: exit $?"
echo "$out" | grep -q "registered case" || fail "ingest-mail beside a live server: $out"
MAILID=$(echo "$out" | grep -o "registered case [0-9]*" | grep -o "[0-9]*$")
code=$(post_case "门口路灯还是不亮" 1002)
[[ $code == 201 ]] || fail "after ingest-mail the server answered $code: $(cat "$TMP/post.json")"
grep -q '"trackingCode"' "$TMP/post.json" || fail "no tracking code after ingest-mail: $(cat "$TMP/post.json")"
code=$(post_case "路灯第三次反映" 1003)
[[ $code == 201 ]] || fail "second registration after ingest-mail: $code $(cat "$TMP/post.json")"
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || fail "server not serving after ingest-mail"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
[[ $(sql "SELECT count(DISTINCT id) FROM cases WHERE id >= $MAILID") == 3 ]] || fail "ids after the mail case"
# 6. `minsheng verify` (issue 22 item 7): every chain holds; then one event's bytes are edited in the file by someone
# who drops the trigger, and verify names that case and event (exit 1).
out=$("$BIN" verify --db "$DB" --quiet) || fail "verify on an untouched database: exit $? ($out)"
echo "$out" | grep -q "every chain holds" || fail "verify: $out"
read -r CASEID SEQ < <(python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
row = c.execute(\"SELECT case_id, seq FROM case_events WHERE data LIKE '%\\\"chain\\\"%' ORDER BY case_id DESC, seq DESC LIMIT 1\").fetchone()
print(row[0], row[1])
" "$DB")
python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('DROP TRIGGER case_events_no_update')
c.execute('UPDATE case_events SET note = note || \'（已改）\' WHERE case_id = ? AND seq = ?', (int(sys.argv[2]), int(sys.argv[3])))
" "$DB" "$CASEID" "$SEQ"
set +e
out=$("$BIN" verify --db "$DB" --quiet); code=$?
set -e
[[ $code -eq 1 ]] || fail "verify after an edit: exit $code ($out)"
echo "$out" | grep -q "case $CASEID: event $SEQ was changed" || fail "verify did not name case $CASEID event $SEQ: $out"
echo "mail: ok (stdin, retry, malformed → 65, Maildir, busy → 75, beside a live server, verify names an edited event)"
