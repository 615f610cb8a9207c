#!/usr/bin/env bash
# Callback ack benchmark: api + worker on local PostgreSQL/Redis, pushed by callbackbench.
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
bin/api >/tmp/bench-api.log 2>&1 & api=$!
bin/worker >/tmp/bench-worker.log 2>&1 & worker=$!
trap 'kill $api $worker $redis 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS wecom_bench WITH (FORCE)" postgres' EXIT
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.1; done
echo "== callbacks: signed suite_ticket pushes, concurrency 16, 1000/s for 20 s (after 2 s warm-up)"
bin/callbackbench -url http://127.0.0.1:18080 -suite "$DEMO_SUITE_ID" -token "$DEMO_SUITE_TOKEN" -aes-key "$DEMO_SUITE_AES_KEY" \
  -rate 1000 -concurrency 16 -duration 20s
echo "== callbacks: as fast as possible, concurrency 16, 10 s"
bin/callbackbench -url http://127.0.0.1:18080 -suite "$DEMO_SUITE_ID" -token "$DEMO_SUITE_TOKEN" -aes-key "$DEMO_SUITE_AES_KEY" \
  -rate 0 -concurrency 16 -duration 10s
sleep 3
psql -h 127.0.0.1 -U postgres -d wecom_bench -c "SELECT status, count(*) FROM inbox_events GROUP BY status"
