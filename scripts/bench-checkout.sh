#!/usr/bin/env bash
# Checkout and payment throughput, in one run on one machine (issue 11):
#   scripts/bench-checkout.sh [checkouts=3000] [inflight=64,256]            all-in-one fat jar on a durable data dir
#   MODE=cluster scripts/bench-checkout.sh [checkouts] [inflight]          2-node local cluster (scripts/cluster.sh)
# It prints, against the same PostgreSQL:
#   - that PostgreSQL is durable (fsync and synchronous_commit as the server reports them);
#   - pgbench's checkout-shaped transaction (decrement a random SKU of 10,000 + insert an order +
#     insert an outbox row, one transaction, 32 clients, PGBENCH_SECONDS=15), in tps;
#   - checkouts to PENDING_PAYMENT and confirm-to-PAID at each in-flight level, with p50/p99 and
#     the ratio checkouts/s ÷ pgbench tps;
#   - a flash sale: FLASH_ATTEMPTS=2000 checkouts by FLASH_BUYERS=40 buyers of one SKU with
#     FLASH_UNITS=500 units, 64 in flight: attempts/s, wins (must equal the units), refusals, 5xx;
#   - per phase, the CPU of the load generator, the marketplace JVM(s), PostgreSQL and the machine;
#   - the load average before and after, and `marketplace.jar audit` at the end (must be OK).
# Env: BUYERS (200), CONFIG (a JSON config file for the marketplace), JAVA_OPTS (-Xmx1g; cluster: -Xmx768m),
#      PHASES (checkout,flash), KEEP=1 keeps the data dir.
set -euo pipefail
# load tests must not be rate limited (gateway.rate_limits.enabled)
export MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED=false
# nor hoarding-capped: each of its buyers keeps many checkouts open (checkout.max_open_per_buyer,
# 3 by default, is what scripts/bench-sale.sh and the tests exercise)
export MARKETPLACE_CHECKOUT_MAX_OPEN_PER_BUYER=1000000
cd "$(dirname "$0")/.."
CHECKOUTS="${1:-3000}"
INFLIGHT="${2:-64,256}"
MODE="${MODE:-all-in-one}"
BUYERS="${BUYERS:-200}"
PGBENCH_SECONDS="${PGBENCH_SECONDS:-15}"
FLASH_ATTEMPTS="${FLASH_ATTEMPTS:-2000}"
FLASH_UNITS="${FLASH_UNITS:-500}"
FLASH_BUYERS="${FLASH_BUYERS:-40}"
PHASES="${PHASES:-checkout,flash}"
# shellcheck source=lib/bench-common.sh
source scripts/lib/bench-common.sh
bench_ensure_jar
bench_print_machine
CONFIG_ARGS=()
if [[ -n "${CONFIG:-}" ]]; then CONFIG_ARGS=(--config "$CONFIG"); echo "config: $CONFIG $(tr -d '\n ' < "$CONFIG")"; fi

if [[ "$MODE" == "cluster" ]]; then
  export STATE_DIR="${STATE_DIR:-$(mktemp -d -t bench-cluster-XXXX)}"
  export PG_PORT="$(free_port)" KAFKA_PORT="$(free_port)" BANK_PORT="$(free_port)"
  export HTTP_BASE_PORT="${HTTP_BASE_PORT:-$(free_port)}"
  # the nodes' TCP bridges too: never the default 7000 another run on this machine may hold
  export BRIDGE_BASE_PORT="${BRIDGE_BASE_PORT:-$(free_port)}"
  export JAVA_OPTS="${JAVA_OPTS:--Xmx768m}"
  # a cluster of its own: never join (or be joined by) another local cluster
  export CLUSTER_NAME="bench-checkout-$$"
  trap 'scripts/cluster.sh down; [[ -n "${KEEP:-}" ]] || rm -rf "$STATE_DIR"' EXIT
  RATE_LIMITS=off scripts/cluster.sh up 2
  PG_URL="$(grep '^pg-url=' "$STATE_DIR/infra.log" | head -1 | cut -d= -f2-)"
  GATEWAYS="http://127.0.0.1:$HTTP_BASE_PORT,http://127.0.0.1:$((HTTP_BASE_PORT + 1))"
  SERVER_PIDS="$(cat "$STATE_DIR/node-1.pid"),$(cat "$STATE_DIR/node-2.pid"),$(cat "$STATE_DIR/infra.pid")"
  echo "2-node cluster up (state $STATE_DIR); checkouts round-robin over both gateways"
else
  HTTP_PORT=$(free_port)
  BANK_PORT=$(free_port)
  BRIDGE_PORT=$(free_port)
  DATA_DIR=$(mktemp -d -t bench-checkout-data-XXXX)
  LOG="$DATA_DIR.log"
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:--Xmx1g} -jar "$JAR" --data-dir "$DATA_DIR" --http-port "$HTTP_PORT" --bank-port "$BANK_PORT" --bridge-port "$BRIDGE_PORT" "${CONFIG_ARGS[@]}" >"$LOG" 2>&1 &
  JAR_PID=$!
  trap 'kill -TERM $JAR_PID 2>/dev/null; wait $JAR_PID 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$DATA_DIR"' EXIT
  wait_ready "http://127.0.0.1:$HTTP_PORT" "$JAR_PID"
  PG_URL="$(bench_pg_url "$LOG")"
  GATEWAYS="http://127.0.0.1:$HTTP_PORT"
  SERVER_PIDS="$JAR_PID"
  echo "all-in-one up on :$HTTP_PORT, data dir $DATA_DIR (log $LOG)"
fi
bench_pgbench_checkout "$PG_URL" "$PGBENCH_SECONDS"

OUT=$(mktemp -t bench-checkout-out-XXXX)
BENCH_CLASSES=$(bench_compile scripts/bench/CheckoutBench.java)
java -cp "$BENCH_CLASSES" CheckoutBench --gateways="$GATEWAYS" --checkouts="$CHECKOUTS" --inflight="$INFLIGHT" --buyers="$BUYERS" \
  --flash-attempts="$FLASH_ATTEMPTS" --flash-units="$FLASH_UNITS" --flash-buyers="$FLASH_BUYERS" \
  --server-pids="$SERVER_PIDS" --phases="$PHASES" | tee "$OUT"
grep -E '^to PENDING_PAYMENT' "$OUT" | while read -r line; do
  rate=$(echo "$line" | sed -E 's/.*= ([0-9.]+) checkouts\/s.*/\1/')
  level=$(echo "$line" | sed -E 's/.*, ([0-9]+) in flight.*/\1/')
  bench_ratio "$level in flight" "$rate" checkouts
done
rm -f "$OUT"
# what /metrics says about the saga's steps and the group commits (first gateway's node)
curl -fs "${GATEWAYS%%,*}/metrics" | python3 -c '
import sys, re, collections
s = collections.defaultdict(float)
for line in sys.stdin:
    m = re.match(r"(checkout_saga_step_seconds|marketplace_batch_size)_(sum|count)\{(.*)\} (\S+)", line)
    if m:
        labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(3)))
        key = (m.group(1), labels.get("step") or labels.get("batch"), labels.get("outcome", ""))
        s[key + (m.group(2),)] += float(m.group(4))
for (name, what, outcome, kind) in sorted(k for k in s if k[3] == "count"):
    n = s[(name, what, outcome, "count")]; total = s[(name, what, outcome, "sum")]
    if n == 0: continue
    if name == "marketplace_batch_size":
        print(f"  group commit {what}: {int(n)} transactions, mean {total / n:.1f} requests each")
    else:
        print(f"  saga step {what} ({outcome}): {int(n)} steps, mean {1000 * total / n:.1f} ms")
' || true
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "audit:"
java -jar "$JAR" audit --pg-url "$PG_URL"
