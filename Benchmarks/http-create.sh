#!/usr/bin/env bash
# Cases created per second through the HTTP API with durable commits (synchronous=FULL), release build.
# Needs wrk (apt-get install wrk). Usage: Benchmarks/http-create.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}; conns=${2:-128}
swift build -c release --product minsheng >/dev/null
dir=$(mktemp -d)
export MINSHENG_DEMO_PASSWORD=Bench2026pass
# The demo world gives the unit tree; its 420 demo cases do not matter here.
.build/release/minsheng serve --demo --db "$dir/bench.sqlite" --port 8099 ${SERVE_ARGS:-} > "$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 300); do curl -sf http://127.0.0.1:8099/healthz >/dev/null && break; sleep 0.2; done
# Let the background services settle first: the demo world starts with ~3,000 notices to deliver.
for _ in $(seq 60); do
  n1=$(wc -l < "$dir/notices.log" 2>/dev/null || echo 0); sleep 1; n2=$(wc -l < "$dir/notices.log" 2>/dev/null || echo 0)
  [ "$n1" = "$n2" ] && [ "$n2" != 0 ] && break
done
# A registrar's session (the demo logins); wrk reads it from MINSHENG_TOKEN.
export MINSHENG_TOKEN=$(curl -s -X POST -d '{"login":"city.registrar","password":"Bench2026pass"}' http://127.0.0.1:8099/api/v1/auth/login | sed 's/.*"token":"\([^"]*\)".*/\1/')
before=$(curl -s -H "Authorization: Bearer $MINSHENG_TOKEN" "http://127.0.0.1:8099/api/v1/cases?limit=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
wrk -t2 -c"$conns" -d"${secs}s" --latency -s Benchmarks/create.lua http://127.0.0.1:8099
after=$(curl -s -H "Authorization: Bearer $MINSHENG_TOKEN" "http://127.0.0.1:8099/api/v1/cases?limit=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
echo "cases stored during the run: $((after - before))"
