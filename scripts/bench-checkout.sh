#!/usr/bin/env bash
# Checkout throughput: to PENDING_PAYMENT, and through the bank simulator's 3DS page to PAID.
#   scripts/bench-checkout.sh [checkouts=300] [concurrency=16]             all-in-one fat jar (--ephemeral)
#   MODE=cluster scripts/bench-checkout.sh [checkouts=300] [concurrency=16] 2-node local cluster (scripts/cluster.sh)
# Runs scripts/bench/CheckoutBench.java (JDK only) against the public API and prints checkouts/s,
# p50/p99 of POST /checkout, orders/s to PAID and confirm-to-PAID p50/p99; stops what it started.
# The all-in-one run uses an ephemeral PostgreSQL (fsync off); the cluster's infra keeps fsync on.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUTS="${1:-300}"
CONCURRENCY="${2:-16}"
MODE="${MODE:-all-in-one}"
JAR=verticles/app/target/marketplace.jar
if [[ ! -f "$JAR" ]]; then
  echo "Building $JAR ..."
  mvn -o -q -pl verticles/app -am package -DskipTests
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { # url pid
  for _ in $(seq 1 180); do
    if curl -fs "$1/health" >/dev/null 2>&1; then return 0; fi
    if [[ -n "${2:-}" ]] && ! kill -0 "$2" 2>/dev/null; then echo "the marketplace died"; exit 1; fi
    sleep 1
  done
  echo "timed out waiting for $1"; exit 1
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"

if [[ "$MODE" == "cluster" ]]; then
  export STATE_DIR="${STATE_DIR:-$(mktemp -d -t bench-cluster-XXXX)}"
  export PG_PORT="$(free_port)" KAFKA_PORT="$(free_port)" BANK_PORT="$(free_port)"
  export HTTP_BASE_PORT="${HTTP_BASE_PORT:-18080}"
  # a cluster of its own: never join (or be joined by) another local cluster
  export CLUSTER_NAME="bench-checkout-$$"
  trap 'scripts/cluster.sh down' EXIT
  RATE_LIMITS=off scripts/cluster.sh up 2
  GATEWAYS="http://127.0.0.1:$HTTP_BASE_PORT,http://127.0.0.1:$((HTTP_BASE_PORT + 1))"
  echo "2-node cluster up (state $STATE_DIR); $CHECKOUTS checkouts, $CONCURRENCY in flight, round-robin over both gateways"
else
  HTTP_PORT=$(free_port)
  BANK_PORT=$(free_port)
  LOG=$(mktemp -t bench-checkout-XXXX.log)
  MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED=false java -Xmx1g -jar "$JAR" --ephemeral --http-port "$HTTP_PORT" --bank-port "$BANK_PORT" >"$LOG" 2>&1 &
  JAR_PID=$!
  trap 'kill -TERM $JAR_PID 2>/dev/null; wait $JAR_PID 2>/dev/null || true' EXIT
  wait_ready "http://127.0.0.1:$HTTP_PORT" "$JAR_PID"
  GATEWAYS="http://127.0.0.1:$HTTP_PORT"
  echo "all-in-one up on :$HTTP_PORT (log $LOG); $CHECKOUTS checkouts, $CONCURRENCY in flight"
fi
java scripts/bench/CheckoutBench.java "$GATEWAYS" "$CHECKOUTS" "$CONCURRENCY"
