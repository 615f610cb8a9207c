#!/usr/bin/env bash
# JS-SDK signature benchmark: POST /api/v1/jssdk/signature on the real api handler (real
# PostgreSQL and Redis, the simulator as WeCom, one installed tenant, a valid session, warm
# ticket cache) against a bare gin handler returning a fixed JSON, on this machine in this
# run, with the same concurrent HTTP client. Prints req/s of both and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
DURATION="${SIGNBENCH_DURATION:-10s}" CONCURRENCY="${SIGNBENCH_CONCURRENCY:-32}"
echo "== jssdk signature vs bare gin, concurrency $CONCURRENCY, $DURATION each (after 1 s warm-up)"
go test -count=1 -run '^TestSignatureThroughput$' ./internal/jssdk/ \
  -signbench.duration="$DURATION" -signbench.concurrency="$CONCURRENCY" -v 2>&1 |
  grep -E '^(signature bench|  |--- FAIL|FAIL|ok )' | grep -v '^        '
