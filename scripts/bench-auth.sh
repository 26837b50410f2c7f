#!/usr/bin/env bash
# Login throughput and /health latency during a login burst, against the fat jar.
#   scripts/bench-auth.sh [logins=500] [concurrency=16]
# Starts `java -jar marketplace.jar --ephemeral` on free ports (so the embedded PostgreSQL runs with
# fsync off), runs scripts/bench/AuthBench.java (JDK only, no build needed),
# prints logins/s, login p50/p99 and /health p50/p99/max, then stops the jar it started.
set -euo pipefail
cd "$(dirname "$0")/.."
LOGINS="${1:-500}"
CONCURRENCY="${2:-16}"
JAR=verticles/app/target/marketplace.jar
if [[ ! -f "$JAR" ]]; then
  echo "Building $JAR ..."
  mvn -o -q -pl verticles/app -am package -DskipTests
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HTTP_PORT=$(free_port)
BANK_PORT=$(free_port)
LOG=$(mktemp -t bench-auth-XXXX.log)
MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED=false java -Xmx1g -jar "$JAR" --ephemeral --http-port "$HTTP_PORT" --bank-port "$BANK_PORT" --bridge-port "${BRIDGE_PORT:-0}" >"$LOG" 2>&1 &
JAR_PID=$!
trap 'kill -TERM $JAR_PID 2>/dev/null; wait $JAR_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 $JAR_PID 2>/dev/null; then echo "the marketplace died; log: $LOG"; exit 1; fi
  sleep 1
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
echo "marketplace up on :$HTTP_PORT (log $LOG); $LOGINS logins, $CONCURRENCY in flight"
java scripts/bench/AuthBench.java "http://127.0.0.1:$HTTP_PORT" "$LOGINS" "$CONCURRENCY"
