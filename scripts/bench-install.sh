#!/usr/bin/env bash
# Install latency benchmark: 200 marketplace installs end to end (simulator → api callback →
# inbox → workers → tenant with its admin list) on local PostgreSQL/Redis, twice: paced at
# BENCH_INSTALL_RATE (default 50/s: latency without queueing) and as one burst (queueing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
n="${BENCH_INSTALLS:-200}"
echo "== $n installs paced at ${BENCH_INSTALL_RATE:-50}/s"
BENCH_INSTALL_RATE="${BENCH_INSTALL_RATE:-50}" go test -run '^$' -bench BenchmarkInstall -benchtime "${n}x" ./internal/tenants/ | grep -E '^Benchmark|^ok|FAIL'
echo "== $n installs as one burst (8 pushers)"
BENCH_INSTALL_RATE=0 go test -run '^$' -bench BenchmarkInstall -benchtime "${n}x" ./internal/tenants/ | grep -E '^Benchmark|^ok|FAIL'
