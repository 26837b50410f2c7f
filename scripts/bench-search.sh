#!/usr/bin/env bash
# Catalog search benchmark (issue 13): seeds PRODUCTS generated products into a durable embedded
# PostgreSQL (fsync and synchronous_commit on), starts one node running catalog + gateway + auth,
# whose catalog builds its Lucene index from the table (timed), then measures:
#   - the mixed search load (scripts/SearchLoad.java) at 8 and at 32 clients: p50/p95/p99 by query type, req/s
#   - suggestions (SearchLoad suggest) at 8 clients
#   - product cards with wrk at 32 connections, next to a pgbench point SELECT on the same server
#   - freshness: a seller's price change -> the new price in search results, 100 changes
#   - the node's heap (after a full GC) and RSS, and its CPU use during each load
#
#   scripts/bench-search.sh                                   # 1,000,000 products, 30 s per load
#   PRODUCTS=100000 DURATION=20 WARMUP=5 scripts/bench-search.sh
#   JFR_DIR=/tmp/jfr PRODUCTS=150000 scripts/bench-search.sh      # also a JFR profile of each load (search-8.jfr, ...)
#
# Needs the fat jar (built here if missing), wrk and pgbench (PostgreSQL 15's). Not part of
# `mvn verify`: it takes minutes. The machine is shared: the load average is printed around it.
set -euo pipefail
cd "$(dirname "$0")/.."

PRODUCTS=${PRODUCTS:-1000000}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-10}
PG_PORT=${PG_PORT:-35432}
KAFKA_PORT=${KAFKA_PORT:-39092}
HTTP_PORT=${HTTP_PORT:-38080}
HEAP=${HEAP:-1g}
JAR=verticles/app/target/marketplace.jar
PGBENCH=${PGBENCH:-$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)}

if [[ ! -f "$JAR" ]]; then
  mvn -o -q -pl verticles/app -am package -DskipTests
fi
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# runs "$@" and prints how many cores the node used meanwhile; with JFR_DIR, records a profile of the node meanwhile
PHASE=load
with_node_cpu() {
  local before after t0 t1
  if [[ -n "${JFR_DIR:-}" ]]; then
    mkdir -p "$JFR_DIR"
    jcmd "$NODE_PID" JFR.start name="$PHASE" settings=profile filename="$JFR_DIR/$PHASE.jfr" >/dev/null
  fi
  before=$(cpu_ticks "$NODE_PID"); t0=$(date +%s.%N)
  "$@"
  after=$(cpu_ticks "$NODE_PID"); t1=$(date +%s.%N)
  if [[ -n "${JFR_DIR:-}" ]]; then
    jcmd "$NODE_PID" JFR.stop name="$PHASE" >/dev/null && echo "   JFR profile of this load: $JFR_DIR/$PHASE.jfr"
  fi
  awk -v b="$before" -v a="$after" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "   node CPU during this load: %.2f cores of %d; load average now %s\n", (a - b) / hz / (t1 - t0), '"$(nproc)"', "'"$(load)"'" }'
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load average before: $(load)"

java -Xmx256m -jar "$JAR" infra --data-dir "$WORK/data" --pg-port "$PG_PORT" --kafka-port "$KAFKA_PORT" >"$WORK/infra.log" 2>&1 &
PIDS+=($!)
# a first start unpacks and initialises PostgreSQL: minutes under nice on a busy machine
for _ in $(seq 1 600); do grep -q '^pg-url=\|failed' "$WORK/infra.log" && break; sleep 1; done
PG_URL=$(grep '^pg-url=' "$WORK/infra.log" | cut -d= -f2- || true)
KAFKA=$(grep '^kafka=' "$WORK/infra.log" | cut -d= -f2- || true)
[[ -n "$PG_URL" ]] || { cat "$WORK/infra.log"; exit 1; }
echo "== embedded PostgreSQL $PG_URL (durable: fsync on, synchronous_commit on), Kafka $KAFKA"

echo "== seeding $PRODUCTS products"
java -Xmx1g -jar "$JAR" seed --products "$PRODUCTS" --pg-url "$PG_URL" --with-availability 2>&1 | { grep -v -E 'INFO|DEBUG' || true; }

cat >"$WORK/node.json" <<JSON
{"gateway": {"required_components": ["catalog", "auth"], "rate_limits": {"enabled": false}},
 "catalog": {"cursor_secret": "bench-$RANDOM-$RANDOM-$RANDOM", "index_dir": "$WORK/index", "wait_for_index_ms": 0},
 "bank": {"shared_secret": "bench-$RANDOM-$RANDOM-$RANDOM"}}
JSON
echo "== starting catalog + gateway + auth (-Xmx$HEAP); the catalog builds its index from the table"
[[ -z "${JFR_DIR:-}" ]] || mkdir -p "$JFR_DIR"
java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC ${JFR_DIR:+-XX:StartFlightRecording=name=build,settings=profile,filename=$JFR_DIR/build.jfr} -jar "$JAR" node --components catalog,gateway,auth --pg-url "$PG_URL" --kafka "$KAFKA" \
  --http-port "$HTTP_PORT" --bridge-port "${BRIDGE_PORT:-0}" --config "$WORK/node.json" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
PIDS+=($NODE_PID)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$HTTP_PORT/ready" >/dev/null && break
  kill -0 "$NODE_PID" 2>/dev/null || { tail -50 "$WORK/node.log"; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$HTTP_PORT/ready" >/dev/null || { tail -50 "$WORK/node.log"; exit 1; }
for _ in $(seq 1 600); do grep -q "generation [0-9]* built" "$WORK/node.log" && break; sleep 1; done
echo "== index build: $(grep -o "generation [0-9]* built: .*" "$WORK/node.log" | head -1)"
[[ -z "${JFR_DIR:-}" ]] || { jcmd "$NODE_PID" JFR.stop name=build >/dev/null && echo "   JFR profile of the start and build: $JFR_DIR/build.jfr"; }
echo "   index on disk: $(du -sh "$WORK/index" | cut -f1)"

memory() {
  jcmd "$NODE_PID" GC.run >/dev/null 2>&1 || true
  local heap rss
  heap=$(jcmd "$NODE_PID" GC.heap_info 2>/dev/null | grep -m1 -o 'used [0-9]*K' | grep -o '[0-9]*' || echo 0)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$NODE_PID/status")
  printf "   node heap after a full GC: %d MB (max %s), RSS %d MB\n" $((heap / 1024)) "$HEAP" $((rss / 1024))
}
echo "== memory after the build"; memory

for workers in 8 32; do
  echo "== mixed search load: $workers clients, ${WARMUP}s warm-up, ${DURATION}s measured"
  PHASE=search-$workers
  with_node_cpu java scripts/SearchLoad.java "http://127.0.0.1:$HTTP_PORT" "$DURATION" "$workers" "$WARMUP" search
done

echo "== suggestions: 8 clients, ${WARMUP}s warm-up, ${DURATION}s measured"
PHASE=suggest-8
with_node_cpu java scripts/SearchLoad.java "http://127.0.0.1:$HTTP_PORT" "$DURATION" 8 "$WARMUP" suggest

echo "== product cards: wrk, 2 threads, 32 connections, 300 products, ${DURATION}s"
curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/catalog/products?limit=100&sort=new" | grep -o '"id":"[0-9a-f-]\{36\}","seller_id"' | cut -d'"' -f4 >"$WORK/ids"
curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/catalog/products?limit=100&sort=price_asc" | grep -o '"id":"[0-9a-f-]\{36\}","seller_id"' | cut -d'"' -f4 >>"$WORK/ids"
curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/catalog/products?limit=100&sort=popular" | grep -o '"id":"[0-9a-f-]\{36\}","seller_id"' | cut -d'"' -f4 >>"$WORK/ids"
{
  echo "ids = {"; sed 's/.*/"&",/' "$WORK/ids"; echo "}"
  cat <<'LUA'
request = function()
  return wrk.format("GET", "/api/v1/catalog/products/" .. ids[math.random(#ids)])
end
LUA
} >"$WORK/cards.lua"
wrk -t2 -c32 -d5s -s "$WORK/cards.lua" "http://127.0.0.1:$HTTP_PORT" >/dev/null
PHASE=cards-32
with_node_cpu wrk -t2 -c32 -d"${DURATION}s" --latency -s "$WORK/cards.lua" "http://127.0.0.1:$HTTP_PORT"
FIRST="http://127.0.0.1:$HTTP_PORT/api/v1/catalog/products/$(head -1 "$WORK/ids")"
ETAG=$(curl -s -D - -o /dev/null "$FIRST" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
echo "   the same card again with If-None-Match $ETAG: HTTP $(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$FIRST")"

if [[ -x "$PGBENCH" ]]; then
  echo "== baseline: pgbench point SELECT (-S), 32 clients, ${DURATION}s, on the same PostgreSQL"
  PGPORT=${PG_URL##*:}; PGPORT=${PGPORT%%/*}
  "$PGBENCH" -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1
  "$PGBENCH" -h 127.0.0.1 -p "$PGPORT" -U postgres -S -c 32 -j 2 -T "$DURATION" postgres 2>/dev/null | grep -E 'tps|latency average'
fi

echo "== freshness: 100 price changes through the API, each until search shows the new price"
java scripts/SearchLoad.java "http://127.0.0.1:$HTTP_PORT" 0 100 0 freshness

echo "== memory at the end"; memory
echo "== load average after: $(load)"
