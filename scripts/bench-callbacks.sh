#!/usr/bin/env bash
# Callback benchmark on local PostgreSQL and a private Redis, pushed by callbackbench:
#   1. the ack path alone (api: verify, decrypt, store in the inbox, enqueue, answer);
#   2. the worker draining what phase 1 queued (processing throughput);
#   3. api and worker together on this one machine, as `make run` deploys them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
. scripts/demo.env
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/wecom_bench?sslmode=disable"
# A private redis-server, so the bench's queue and ticket keys never reach `make run`'s Redis.
redis-server --port 16379 --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null & redis=$!
export REDIS_URL="redis://127.0.0.1:16379/0" HTTP_ADDR="127.0.0.1:18080" WORKER_HTTP_ADDR="127.0.0.1:18090" LOG_LEVEL=warn
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS wecom_bench WITH (FORCE)" -c "CREATE DATABASE wecom_bench" postgres
go build -o bin/ ./cmd/api ./cmd/worker ./cmd/callbackbench
bin/api migrate >/dev/null
PPROF_ADDR="${API_PPROF_ADDR:-}" bin/api >/tmp/bench-api.log 2>&1 & api=$!
worker=
trap 'kill $api $worker $redis 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS wecom_bench WITH (FORCE)" postgres' EXIT
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.1; done
push() {
  bin/callbackbench -url http://127.0.0.1:18080 -suite "$DEMO_SUITE_ID" -token "$DEMO_SUITE_TOKEN" \
    -aes-key "$DEMO_SUITE_AES_KEY" -concurrency 16 "$@"
}
count() { psql -tAq -h 127.0.0.1 -U postgres -d wecom_bench -c "SELECT count(*) FROM inbox_events WHERE status = '$1'"; }

echo "== 1. ack path (api alone): signed suite_ticket pushes, concurrency 16, 1000/s for 20 s (after 2 s warm-up)"
push -rate 1000 -duration 20s
echo "== 1b. ack path (api alone): as fast as possible, 10 s"
push -rate 0 -duration 10s

echo "== 2. worker draining the $(count pending) queued events"
start=$(date +%s.%N)
PPROF_ADDR="${WORKER_PPROF_ADDR:-}" bin/worker >/tmp/bench-worker.log 2>&1 & worker=$!
while [ "$(count pending)" -gt 0 ]; do sleep 0.5; done
done_n=$(count done)
awk -v n="$done_n" -v dead="$(count dead)" -v s="$start" -v e="$(date +%s.%N)" \
  'BEGIN { printf "drained: %d done, %d dead in %.1f s: %.0f events/s\n", n, dead, e - s, n / (e - s) }'

echo "== 3. api and worker together: 1000/s for 20 s (after 2 s warm-up)"
push -rate 1000 -duration 20s
sleep 3
echo "still pending 3 s after the last push: $(count pending)"
