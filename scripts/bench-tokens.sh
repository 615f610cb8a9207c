#!/usr/bin/env bash
# Token service benchmark (cmd/tokenbench): N tenants in an in-process simulator, three
# platform "processes" inside one Go process, the simulator clock driven over 3 token
# lifetimes. Uses local PostgreSQL (a scratch database) and a private redis-server.
# Usage: scripts/bench-tokens.sh [TENANTS...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
db=wecom_tokbench
export PGOPTIONS="--client-min-messages=warning"
port=${BENCH_REDIS_PORT:-16399}
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no >/tmp/bench-tokens-redis.log 2>&1 & redis=$!
trap 'kill $redis 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS '$db' WITH (FORCE)" postgres' EXIT
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
go build -o bin/ ./cmd/tokenbench
for n in "${@:-10000 100000}"; do
  for m in $n; do
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres
    # Bigger clock steps for bigger N keep a run under ~5 minutes on 2 cores; a token is
    # still never handed out within 3 s (tokens.Config.Skew) of its expiry.
    step="-step 2s"; [ "$m" -ge 50000 ] && step="-step 10s -step-wait 1s"
    echo "== tokenbench: $m tenants"
    bin/tokenbench -tenants "$m" $step -db "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" \
      -redis "redis://127.0.0.1:$port/0" ${BENCH_TOKENS_FLAGS:-}
  done
done
