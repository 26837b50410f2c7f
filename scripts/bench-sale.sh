#!/usr/bin/env bash
# A flash sale (issue 12), in one run on one machine, all-in-one fat jar on a DURABLE data dir:
#   scripts/bench-sale.sh [buyers=2000] [units=1000]
# Prints, against the same PostgreSQL:
#   - that PostgreSQL is durable (fsync and synchronous_commit as the server reports them);
#   - pgbench's checkout-shaped transaction (32 clients, PGBENCH_SECONDS=15) as the baseline;
#   - without a waiting room: BUYERS buyers race for UNITS units of one product, each retrying until
#     it wins or is told OUT_OF_STOCK: attempts/s, time to sell out, wins (must equal the units),
#     refusals by code, 5xx (must be 0), p50/p99; the ratio attempts/s ÷ pgbench tps;
#   - after the sell-out, HAMMER_SECONDS=5 of every buyer still trying: refusals/s and their p99
#     (answered from the sold-out set);
#   - with a waiting room (a sale at ADMIT_PER_SECOND=200 on a second product with UNITS units):
#     the same figures, the fairness (rank correlation ticket order ↔ admission order) and the
#     operator's view;
#   - the load generator's own CPU per phase, the load average before and after (the machine is
#     shared), and `marketplace.jar audit` at the end (must be OK).
# Rate limits are off (gateway.rate_limits.enabled=false): the benchmark measures the platform,
# not the bot friction. Env: INFLIGHT (128), JAVA_OPTS (-Xmx1g), KEEP=1 keeps the data dir.
set -euo pipefail
cd "$(dirname "$0")/.."
BUYERS="${1:-2000}"
UNITS="${2:-1000}"
INFLIGHT="${INFLIGHT:-128}"
HAMMER_SECONDS="${HAMMER_SECONDS:-5}"
ADMIT_PER_SECOND="${ADMIT_PER_SECOND:-200}"
PGBENCH_SECONDS="${PGBENCH_SECONDS:-15}"
# shellcheck source=lib/bench-common.sh
source scripts/lib/bench-common.sh
bench_ensure_jar
bench_print_machine
HTTP_PORT=$(free_port)
BANK_PORT=$(free_port)
DATA_DIR=$(mktemp -d -t bench-sale-data-XXXX)
LOG="$DATA_DIR.log"
CONFIG="$DATA_DIR.json"
echo '{"gateway": {"rate_limits": {"enabled": false}}}' > "$CONFIG"
# shellcheck disable=SC2086
java ${JAVA_OPTS:--Xmx1g} -jar "$JAR" --data-dir "$DATA_DIR" --http-port "$HTTP_PORT" --bank-port "$BANK_PORT" --bridge-port "$(free_port)" --config "$CONFIG" >"$LOG" 2>&1 &
JAR_PID=$!
trap 'kill -TERM $JAR_PID 2>/dev/null; wait $JAR_PID 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$DATA_DIR" "$CONFIG"' EXIT
wait_ready "http://127.0.0.1:$HTTP_PORT" "$JAR_PID"
PG_URL="$(bench_pg_url "$LOG")"
BASE="http://127.0.0.1:$HTTP_PORT"
echo "all-in-one up on :$HTTP_PORT, data dir $DATA_DIR (log $LOG)"
bench_pgbench_checkout "$PG_URL" "$PGBENCH_SECONDS"

ADMIN_EMAIL="bench-admin-$$@example.com"
ADMIN_PASSWORD="Bench-Admin-2024"
curl -fs -o /dev/null -H 'Content-Type: application/json' -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\",\"name\":\"Bench admin\"}" "$BASE/api/v1/auth/register"
java -jar "$JAR" admin grant "$ADMIN_EMAIL" --pg-url "$PG_URL" >/dev/null

OUT=$(mktemp -t bench-sale-out-XXXX)
BENCH_CLASSES=$(bench_compile scripts/bench/FlashSaleBench.java)
java -Xmx512m -cp "$BENCH_CLASSES" FlashSaleBench --gateway="$BASE" --buyers="$BUYERS" --units="$UNITS" --inflight="$INFLIGHT" \
  --hammer-seconds="$HAMMER_SECONDS" --admit-per-second="$ADMIT_PER_SECOND" \
  --admin-email="$ADMIN_EMAIL" --admin-password="$ADMIN_PASSWORD" | tee "$OUT"
grep -E '^(no waiting room|waiting room)' "$OUT" | while read -r line; do
  rate=$(echo "$line" | sed -E 's/.* = ([0-9.]+) attempts\/s.*/\1/')
  bench_ratio "${line%%:*}" "$rate" attempts
done
rm -f "$OUT"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "audit:"
java -jar "$JAR" audit --pg-url "$PG_URL"
