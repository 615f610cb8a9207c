#!/usr/bin/env bash
# `make run`: the whole platform on this machine: migrations, api, worker and the WeCom
# simulator with a demo suite, on local PostgreSQL and Redis. Ctrl-C stops everything;
# so does any one of the three exiting.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
. scripts/demo.env
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wecom?sslmode=disable}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export HTTP_ADDR="${HTTP_ADDR:-127.0.0.1:8080}" PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:8080}"
export WECOM_API_BASE="${WECOM_API_BASE:-http://127.0.0.1:8081}" WECOM_INSTALL_BASE="${WECOM_INSTALL_BASE:-http://127.0.0.1:8081}"
export WECOM_OAUTH_BASE="${WECOM_OAUTH_BASE:-$WECOM_API_BASE}" WECOM_LOGIN_BASE="${WECOM_LOGIN_BASE:-$WECOM_API_BASE}"
export WORKER_HTTP_ADDR="${WORKER_HTTP_ADDR:-127.0.0.1:8090}"
SIM_CONFIG=deploy/wecomsim.json
SIM_ADDR="${WECOM_API_BASE#*://}"

die() { echo "run: $*" >&2; exit 1; }

# The simulator signs with the suite in $SIM_CONFIG, the api verifies with scripts/demo.env.
for v in "$WECOM_PROVIDER_CORPID" "$WECOM_PROVIDER_SECRET" "$DEMO_SUITE_ID" "$DEMO_SUITE_SECRET" "$DEMO_SUITE_TOKEN" "$DEMO_SUITE_AES_KEY"; do
  grep -q "\"$v\"" "$SIM_CONFIG" || die "scripts/demo.env has \"$v\" but $SIM_CONFIG does not: make them match"
done

in_use() { local host="${1%:*}"; (exec 3<>"/dev/tcp/${host:-127.0.0.1}/${1##*:}") 2>/dev/null; }
for a in "$HTTP_ADDR" "$WORKER_HTTP_ADDR" "$SIM_ADDR"; do
  if in_use "$a"; then die "$a is already in use (another make run?)"; fi
done

# `make bench` shares this Redis DB and pushes demo-suite tickets stamped far in the future;
# its cached ticket would shadow every real one. PostgreSQL holds the ticket: drop the cache.
redis-cli -u "$REDIS_URL" DEL "wecom:suite:$DEMO_SUITE_ID:ticket" >/dev/null

# Create the database named in DATABASE_URL, connecting to the same server's postgres DB.
base="${DATABASE_URL%%\?*}"
db="${base##*/}" admin="${base%/*}/postgres${DATABASE_URL#"$base"}"
psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
  || psql -q "$admin" -c "CREATE DATABASE \"$db\""

go build -o bin/ ./cmd/api ./cmd/worker ./cmd/wecomsim
bin/api migrate || die "migrating $db failed; if it only holds make-run demo data, start afresh with:
  psql '$admin' -c 'DROP DATABASE \"$db\"'"

pids=()
stop() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.1; done
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

wait_for() { # url name
  for _ in $(seq 1 150); do curl -fs "$1" >/dev/null && return 0; sleep 0.1; done
  die "$2 did not answer $1 within 15 s (its log is above)"
}

declare -A names
start() { "$@" & pids+=($!); names[$!]="${1#bin/}"; }
start bin/api
wait_for "$PUBLIC_BASE_URL/readyz" api
# Once the api answers: the simulator verifies the callback URLs and pushes a suite_ticket
# at once. The worker comes last, so its first token fetches find the simulator up.
start bin/wecomsim --config "$SIM_CONFIG" --addr "$SIM_ADDR"
wait_for "$WECOM_API_BASE/sim/state" simulator
start bin/worker
wait_for "http://$WORKER_HTTP_ADDR/readyz" worker
deliveries=""
for _ in $(seq 1 100); do
  deliveries=$(curl -fs "$WECOM_API_BASE/sim/deliveries?type=suite_ticket" || true)
  [[ $deliveries == *'"suite_ticket"'* ]] && break
  sleep 0.1
done
startup="URL verification and suite_ticket answered \"success\""
if [[ $(curl -fs "$WECOM_API_BASE/sim/deliveries") == *'"ok":false'* ]]; then
  startup="NOT all answered: see $WECOM_API_BASE/sim/deliveries"
fi

cat <<TXT

  api        $PUBLIC_BASE_URL   (health: /readyz, metrics: /metrics)
  worker     http://$WORKER_HTTP_ADDR   (metrics: /metrics)
  simulator  $WECOM_API_BASE   (state: /sim/state, deliveries: /sim/deliveries)
  start-up pushes: $startup

  Install a demo corp from the marketplace:
    curl -XPOST $WECOM_API_BASE/sim/installs -d '{"suite_id":"$DEMO_SUITE_ID","corp_name":"Demo Corp","via":"market"}'
  Push a suite_ticket now:
    curl -XPOST $WECOM_API_BASE/sim/suites/$DEMO_SUITE_ID/ticket
  Then sign in as a member of that corp (the simulator approves at once):
    open $PUBLIC_BASE_URL/oauth/$DEMO_SUITE_ID/authorize?redirect=/app/

  Ctrl-C stops all three.

TXT
set +e
wait -n -p gone
status=$?
# Ctrl-C signals all three at once, and one may exit (status 0) before this shell sees it.
echo "run: ${names[$gone]:-a process} exited with status $status; stopping the others" >&2
[ "$status" -eq 0 ]
