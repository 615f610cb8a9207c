#!/usr/bin/env bash
# `make run`: the whole platform on this machine: migrations, api, worker and the WeCom
# simulator with a demo suite, on local PostgreSQL and Redis. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
. scripts/demo.env
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wecom?sslmode=disable}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export HTTP_ADDR="${HTTP_ADDR:-127.0.0.1:8080}" PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:8080}"
export WECOM_API_BASE="${WECOM_API_BASE:-http://127.0.0.1:8081}" WECOM_INSTALL_BASE="${WECOM_INSTALL_BASE:-http://127.0.0.1:8081}"
export WORKER_HTTP_ADDR="${WORKER_HTTP_ADDR:-127.0.0.1:8090}"

db=$(basename "${DATABASE_URL%%\?*}")
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres | grep -q 1 \
  || psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $db" postgres

go build -o bin/ ./cmd/api ./cmd/worker ./cmd/wecomsim
bin/api migrate
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT INT TERM
bin/api &
bin/worker &
for _ in $(seq 1 100); do curl -fs "$PUBLIC_BASE_URL/readyz" >/dev/null && break; sleep 0.1; done
bin/wecomsim --config deploy/wecomsim.json &
cat <<TXT

  api        $PUBLIC_BASE_URL   (health: /readyz, metrics: /metrics)
  worker     http://$WORKER_HTTP_ADDR/metrics
  simulator  $WECOM_API_BASE    (state: /sim/state, deliveries: /sim/deliveries)

  Install a demo corp from the marketplace:
    curl -XPOST $WECOM_API_BASE/sim/installs -d '{"suite_id":"$DEMO_SUITE_ID","corp_name":"Demo Corp","via":"market"}'
  Push a suite_ticket now:
    curl -XPOST $WECOM_API_BASE/sim/suites/$DEMO_SUITE_ID/ticket

TXT
wait
