#!/usr/bin/env bash
# Inventory reservations per second: one hot SKU and 10,000 distinct SKUs through inventory.reserve
# (InventoryVerticle on the embedded PostgreSQL and in-process Kafka of the test fixture, outbox
# relay running), then pgbench's single-row conditional UPDATE on the same PostgreSQL server.
# Not part of `mvn verify`.
#
#   scripts/bench-inventory.sh     env: SECONDS=15 CONCURRENCY=64 POOL=8 BUCKETS=16 BATCH=128 (1 = no batching)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_RUN="${SECONDS:-15}"
CONCURRENCY="${CONCURRENCY:-64}"
POOL="${POOL:-8}"
BUCKETS="${BUCKETS:-16}"
BATCH="${BATCH:-128}"
PGBENCH="${PGBENCH:-$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1 || true)}"

mvn -o -q -pl verticles/inventory -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="verticles/inventory/target/test-classes:verticles/inventory/target/classes:$(cat verticles/inventory/target/bench.classpath)"
exec java -Xmx1g -cp "$CP" \
  -Dbench.seconds="$SECONDS_PER_RUN" -Dbench.concurrency="$CONCURRENCY" -Dbench.pool="$POOL" \
  -Dbench.buckets="$BUCKETS" -Dbench.batch="$BATCH" -Dbench.pgbench="$PGBENCH" \
  dev.marketplace.inventory.InventoryBench
