#!/usr/bin/env python3
"""Checks on the database after Tests/nodes/run.sh drove load through one or several nodes.

    check.py acked ACKS.json…  (--sqlite FILE | --postgres URL)   every acknowledged case is stored, with its title and
                                                                its registration event; no case lacks that event
    check.py multi ACKS.json   …   + no mismatched idempotent retry, no error, no case twice for one key
    check.py snapshot OUT      …   the notices delivered so far (dedupe keys), to compare later
    check.py backlog           …   exit 0 when the outbox is empty
    check.py notices SNAP LOG… …   the notices delivered since SNAP are exactly the lines of the nodes' logs, once each
    check.py alerts            …   no alert level announced twice for the same case and phase; none left due
    check.py recovered SINCE   …   exit 0 when every notice queued since SINCE (Unix time) has been delivered
"""
import json
import sqlite3
import subprocess
import sys
import time


def db_query(db, sql):
    kind, where = db
    if kind == "sqlite":
        c = sqlite3.connect(where)
        try:
            return [tuple(r) for r in c.execute(sql).fetchall()]
        finally:
            c.close()
    out = subprocess.run(["psql", where, "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def parse(argv):
    args, db, i = [], None, 0
    while i < len(argv):
        if argv[i] in ("--sqlite", "--postgres"):
            db = (argv[i][2:], argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if db is None:
        sys.exit("check.py: --sqlite FILE or --postgres URL")
    return args, db


def fail(msg):
    print("check: " + msg, file=sys.stderr)
    sys.exit(1)


def check_acked(db, acks):
    ids = sorted(set(int(v) for v in acks["acked"].values()))
    stored, registered = {}, set()
    for k in range(0, len(ids), 500):
        chunk = ",".join(map(str, ids[k:k + 500]))
        stored |= {int(r[0]): r[1] for r in db_query(db, "SELECT id, title FROM cases WHERE id IN (%s)" % chunk)}
        registered |= {int(r[0]) for r in db_query(db, f"SELECT case_id FROM case_events WHERE action = 'register' AND case_id IN ({chunk})")}
    missing = [i for i in ids if i not in stored]
    if missing:
        fail(f"{len(missing)} acknowledged cases missing, e.g. {missing[:5]}")
    titles = acks.get("titles", {})
    wrong = [(key, cid) for key, cid in acks["acked"].items() if key in titles and stored[int(cid)] != titles[key]]
    if wrong:
        fail(f"{len(wrong)} acknowledged cases stored with another title, e.g. {wrong[:3]}")
    unregistered = [i for i in ids if i not in registered]
    if unregistered:
        fail(f"{len(unregistered)} acknowledged cases without their registration event, e.g. {unregistered[:5]}")
    if len(ids) != len(acks["acked"]):
        fail(f"{len(acks['acked'])} keys acknowledged but only {len(ids)} distinct cases: two keys got one case")
    return ids


def check_registered(db):
    """No case exists without its registration event (a crash between the two would leave one)."""
    orphans = db_query(db, "SELECT id FROM cases c WHERE NOT EXISTS "
                           "(SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.action = 'register') LIMIT 5")
    if orphans:
        fail(f"cases without their registration event, e.g. {[int(r[0]) for r in orphans]}")


def main():
    args, db = parse(sys.argv[1:])
    cmd = args[0]
    if cmd == "acked":
        n = 0
        for path in args[1:]:
            n += len(check_acked(db, json.load(open(path))))
        check_registered(db)
        print(f"check: {n} acknowledged cases stored with their content and registration event; none without it")
    elif cmd == "multi":
        acks = json.load(open(args[1]))
        ids = check_acked(db, acks)
        check_registered(db)
        if acks["mismatches"]:
            fail(f"idempotent retries on another node gave another case: {acks['mismatches'][:3]}")
        if acks["errors"]:
            fail(f"errors: {acks['errors'][:3]}")
        # Every case of this run came from one acknowledged key: no retry made a second case.
        # Stored keys are scoped to the client ("u<user>:<key>"); this run's keys share its prefix.
        prefix = next(iter(acks["acked"])).split("-")[0] if acks["acked"] else "none"
        n = int(db_query(db, f"SELECT COUNT(*) FROM cases WHERE client_key LIKE '%:{prefix}-%'")[0][0])
        if n != len(ids):
            fail(f"{n} cases stored for {len(ids)} acknowledged keys")
        dup = db_query(db, "SELECT client_key, COUNT(*) FROM cases WHERE client_key IS NOT NULL GROUP BY client_key HAVING COUNT(*) > 1")
        if dup:
            fail(f"client keys stored twice: {dup[:3]}")
        print(f"check: {len(ids)} cases, each once; retries on other nodes returned the same case")
    elif cmd == "snapshot":
        rows = db_query(db, "SELECT dedupe_key FROM outbox WHERE sent_at IS NOT NULL")
        json.dump([r[0] for r in rows], open(args[1], "w"))
    elif cmd == "backlog":
        n = int(db_query(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")[0][0])
        sys.exit(0 if n == 0 else 1)
    elif cmd == "notices":
        before = set(json.load(open(args[1])))
        seen, repeated = set(), []
        for path in args[2:]:
            try:
                lines = open(path, encoding="utf-8").read().splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                key = json.loads(line)["msgId"]
                if key in seen:
                    repeated.append(key)
                seen.add(key)
        if repeated:
            fail(f"{len(repeated)} notices delivered twice, e.g. {repeated[:3]}")
        sent = {r[0] for r in db_query(db, "SELECT dedupe_key FROM outbox WHERE sent_at IS NOT NULL")} - before
        if sent != seen:
            fail(f"outbox marks {len(sent)} sent, the nodes' logs hold {len(seen)}; "
                 f"missing {list(sent - seen)[:3]}, unexpected {list(seen - sent)[:3]}")
        print(f"check: {len(seen)} notices, each delivered by exactly one node")
    elif cmd == "alerts":
        dup = db_query(db, "SELECT case_id, data, COUNT(*) FROM case_events WHERE action = 'raiseAlert' "
                           "GROUP BY case_id, data HAVING COUNT(*) > 1")
        if dup:
            fail(f"{len(dup)} alerts announced more than once, e.g. {dup[:3]}")
        now = int(time.time())
        due = int(db_query(db, f"SELECT COUNT(*) FROM cases WHERE next_notice_at IS NOT NULL AND next_notice_at <= {now - 5}")[0][0])
        if due:
            fail(f"{due} cases still due for the watch")
        n = int(db_query(db, "SELECT COUNT(*) FROM case_events WHERE action = 'raiseAlert'")[0][0])
        print(f"check: {n} alert announcements, none twice, none left due")
    elif cmd == "recovered":
        since = int(args[1])
        pending, sent = (int(v) for v in db_query(db, f"SELECT COUNT(*) FILTER (WHERE sent_at IS NULL), COUNT(*) FILTER "
                                                      f"(WHERE sent_at IS NOT NULL) FROM outbox WHERE created_at >= {since}")[0])
        if pending:
            print(f"check: {pending} notices queued since the restart not delivered yet", file=sys.stderr)
            sys.exit(1)
        print(f"check: the {sent} notices queued since the restart were delivered")
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
