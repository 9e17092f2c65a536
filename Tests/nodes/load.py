#!/usr/bin/env python3
"""Drives case registrations through one or several `minsheng serve` nodes and records what was acknowledged.

    load.py --nodes http://127.0.0.1:8101,http://127.0.0.1:8102 --token T --workers 8 --seconds 5 --out acks.json

Each worker sends POST /api/v1/cases with an Idempotency-Key; every third request is sent again with the same key
and body to a *different* node (a client retrying after a timeout behind a load balancer): both answers must name
the same case. A request that fails with a connection error (a node shutting down) is retried on the next node
with the same key, so nothing the client was told is lost and nothing is created twice.
Writes {"acked": {key: caseId}, "titles": {key: title}, "retries": n, "mismatches": [...], "errors": [...]} to --out.
With --risk, each case carries a risk word (and so queues a notice). With --first, stops at the first acknowledged case (exit status 1 if none came within --seconds): "this node takes
creates again", timed. Requests time out after --timeout seconds (a node that hangs shows as retries, then errors).
"""
import argparse
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request


def post(base, token, body, key, timeout):
    req = urllib.request.Request(base + "/api/v1/cases", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + token, "Idempotency-Key": key})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


TOPICS = ["小区门口路灯不亮", "夜间施工噪音扰民", "快递代收点违规收费", "工地拖欠农民工工资", "燃气费计费异常",
          "公交站台破损", "楼道堆放杂物", "学校周边交通拥堵", "医保报销进度慢", "菜市场油烟扰民"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--first", action="store_true")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--risk", action="store_true", help="content with a risk word: each case queues a notice to its center")
    a = ap.parse_args()
    nodes = a.nodes.split(",")
    acked, titles, mismatches, errors = {}, {}, [], []
    retries = [0]
    lock = threading.Lock()
    stop = time.time() + a.seconds

    def worker(w):
        n = 0
        rnd = random.Random(w)
        while time.time() < stop and not (a.first and acked):
            n += 1
            key = f"{a.prefix}-{w}-{n}"
            topic = rnd.choice(TOPICS)
            title = f"{topic}（{a.prefix}-{w}-{n}）"
            body = json.dumps({"channel": "phone", "kind": "complaint", "title": title,
                               "content": f"{topic}，已经持续一段时间，请有关部门尽快处理。编号{w}-{n}" + ("再不解决就不想活了。" if a.risk else ""),
                               "citizen": {"name": "测试", "phone": "139%08d" % (w * 100000 + n)}}).encode()
            first = (w + n) % len(nodes)
            case_id = None
            for attempt in range(len(nodes) * 3):
                node = nodes[(first + attempt) % len(nodes)]
                try:
                    status, doc = post(node, a.token, body, key, a.timeout)
                    case_id = doc["id"]
                    break
                except urllib.error.HTTPError as e:
                    if e.code in (502, 503):
                        with lock:
                            retries[0] += 1
                        time.sleep(0.2)
                        continue
                    with lock:
                        errors.append(f"{key}: HTTP {e.code} {e.read()[:200]!r}")
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    with lock:
                        retries[0] += 1
                    time.sleep(0.2)
            if case_id is None:
                continue
            with lock:
                acked[key] = case_id
                titles[key] = title
            if n % 3 == 0 and len(nodes) > 1:
                # The same request again, to another node: must return the same case (200, not a second 201).
                other = nodes[(first + 1) % len(nodes)]
                try:
                    status, doc = post(other, a.token, body, key, a.timeout)
                    if doc["id"] != case_id or status != 200:
                        with lock:
                            mismatches.append(f"{key}: first {case_id}, retry on {other} gave {doc['id']} ({status})")
                except Exception as e:  # the other node may be shutting down: not a mismatch
                    with lock:
                        retries[0] += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(a.out, "w") as f:
        json.dump({"acked": acked, "titles": titles, "retries": retries[0], "mismatches": mismatches, "errors": errors}, f)
    print(f"load: {len(acked)} acknowledged, {retries[0]} retries, {len(mismatches)} mismatches, {len(errors)} errors")
    if a.first and not acked:
        sys.exit(1)


if __name__ == "__main__":
    main()
