#!/usr/bin/env bash
# Catalog search benchmark: seeds PRODUCTS generated products into a throwaway embedded
# PostgreSQL, runs the catalog and the gateway as one node, and drives a realistic mix of
# searches over HTTP with scripts/SearchLoad.java, printing throughput and p50/p95/p99.
#
#   scripts/bench-search.sh                         # 1,000,000 products, 60 s, 16 workers
#   PRODUCTS=100000 DURATION=30 WORKERS=8 scripts/bench-search.sh
#   PG_URL=postgresql://postgres@127.0.0.1:45432/postgres KAFKA=127.0.0.1:49092 scripts/bench-search.sh
#                                                   # reuse a running, already seeded PostgreSQL (no seeding)
#
# Needs the fat jar (built here if missing). Not part of `mvn verify`: it takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=${PRODUCTS:-1000000}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-15}
WORKERS=${WORKERS:-16}
PG_PORT=${PG_PORT:-35432}
KAFKA_PORT=${KAFKA_PORT:-39092}
HTTP_PORT=${HTTP_PORT:-38080}
JAR=verticles/app/target/marketplace.jar

if [[ ! -f "$JAR" ]]; then
  mvn -o -q -pl verticles/app -am package -DskipTests
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z "${PG_URL:-}" ]]; then
  java -Xmx256m -jar "$JAR" infra --ephemeral --pg-port "$PG_PORT" --kafka-port "$KAFKA_PORT" >"$WORK/infra.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do grep -q '^pg-url=' "$WORK/infra.log" && break; sleep 1; done
  PG_URL=$(grep '^pg-url=' "$WORK/infra.log" | cut -d= -f2-)
  KAFKA=$(grep '^kafka=' "$WORK/infra.log" | cut -d= -f2-)
  [[ -n "$PG_URL" ]] || { cat "$WORK/infra.log"; exit 1; }
  echo "== embedded PostgreSQL $PG_URL (ephemeral: fsync off), Kafka $KAFKA"

  echo "== seeding $PRODUCTS products"
  java -Xmx1g -jar "$JAR" seed --products "$PRODUCTS" --pg-url "$PG_URL" --with-availability 2>&1 | grep -v -E 'INFO|DEBUG'
else
  echo "== reusing PostgreSQL $PG_URL and Kafka ${KAFKA:?set KAFKA too} (no seeding): $(psql "$PG_URL" -Atc 'SELECT count(*) FROM catalog.products' 2>/dev/null || echo '?') products"
fi

cat >"$WORK/node.json" <<JSON
{"gateway": {"required_components": ["catalog"], "rate_limits": {"enabled": false}}, "catalog": {"cursor_secret": "s-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"}}
JSON
java -Xmx512m -jar "$JAR" node --components catalog,gateway --pg-url "$PG_URL" --kafka "$KAFKA" \
  --http-port "$HTTP_PORT" --config "$WORK/node.json" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$HTTP_PORT/health" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$HTTP_PORT/health" >/dev/null || { tail -50 "$WORK/node.log"; exit 1; }

echo "== load: $WORKERS workers, ${WARMUP}s warm-up, ${DURATION}s measured"
java scripts/SearchLoad.java "http://127.0.0.1:$HTTP_PORT" "$DURATION" "$WORKERS" "$WARMUP"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
