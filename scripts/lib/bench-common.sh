# What the whole-system benchmarks share (sourced by scripts/bench-checkout.sh and
# scripts/bench-sale.sh): the jar, free ports, the machine line, waiting for /ready, the durability
# line and pgbench's checkout-shaped transaction on the server under test.
# Callers set `set -euo pipefail` and run from the repository root.

JAR=verticles/app/target/marketplace.jar

bench_ensure_jar() {
  if [[ ! -f "$JAR" ]]; then
    echo "Building $JAR ..."
    mvn -o -q -pl verticles/app -am package -DskipTests
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

bench_print_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other work runs too)"
}

# wait_ready <base url> [pid]: until GET /ready answers 2xx; fails when the process died first
wait_ready() {
  for _ in $(seq 1 240); do
    if curl -fs "$1/ready" >/dev/null 2>&1; then return 0; fi
    if [[ -n "${2:-}" ]] && ! kill -0 "$2" 2>/dev/null; then echo "the marketplace died"; exit 1; fi
    sleep 1
  done
  echo "timed out waiting for $1"; exit 1
}

# bench_pg_url <all-in-one log>: the PostgreSQL URL the all-in-one printed at start
bench_pg_url() {
  for _ in $(seq 1 30); do grep -q 'PostgreSQL:' "$1" && break; sleep 1; done
  grep -m1 'PostgreSQL:' "$1" | awk '{print $2}'
}

# bench_pgbench_checkout <pg url> <seconds>: prints the durability settings, then runs pgbench's
# checkout-shaped transaction (decrement a random one of 10,000 SKUs + insert an order + insert an
# outbox row, one transaction, 32 clients) in a schema of its own, and sets PGB_TPS
bench_pgbench_checkout() {
  local url="$1" seconds="$2" script out
  local psql=(psql -X -q -t -A -v ON_ERROR_STOP=1 "$url")
  echo "PostgreSQL $("${psql[@]}" -c 'SHOW server_version'): fsync=$("${psql[@]}" -c 'SHOW fsync'), synchronous_commit=$("${psql[@]}" -c 'SHOW synchronous_commit'), wal_sync_method=$("${psql[@]}" -c 'SHOW wal_sync_method') (durable only if both are on)"
  "${psql[@]}" <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS pgbench_checkout CASCADE;
CREATE SCHEMA pgbench_checkout;
CREATE TABLE pgbench_checkout.stock (sku int PRIMARY KEY, available int NOT NULL CHECK (available >= 0));
INSERT INTO pgbench_checkout.stock SELECT g, 1000000000 FROM generate_series(1, 10000) g;
CREATE TABLE pgbench_checkout.orders (id uuid PRIMARY KEY, sku int NOT NULL, quantity int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE pgbench_checkout.outbox (id bigserial PRIMARY KEY, topic text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
SQL
  script=$(mktemp -t pgbench-checkout-XXXX.sql)
  cat >"$script" <<'SQL'
\set sku random(1, 10000)
BEGIN;
UPDATE pgbench_checkout.stock SET available = available - 1 WHERE sku = :sku AND available >= 1;
INSERT INTO pgbench_checkout.orders (id, sku, quantity) VALUES (gen_random_uuid(), :sku, 1);
INSERT INTO pgbench_checkout.outbox (topic, payload) VALUES ('orders.events', jsonb_build_object('type', 'OrderCreated', 'sku', :sku));
COMMIT;
SQL
  out=$(pgbench -n -c 32 -j 2 -T "$seconds" -f "$script" "$url" 2>&1)
  rm -f "$script"
  PGB_TPS=$(echo "$out" | grep -m1 -E '^tps' | sed -E 's/tps = ([0-9.]+).*/\1/')
  if [[ -z "$PGB_TPS" ]]; then echo "pgbench failed: $out"; exit 1; fi
  echo "pgbench checkout-shaped transaction, 32 clients, ${seconds} s: $PGB_TPS tps (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "${psql[@]}" -c "SET client_min_messages = warning; DROP SCHEMA pgbench_checkout CASCADE"
}

# bench_ratio <label> <rate> <unit>: rate ÷ pgbench tps
bench_ratio() {
  echo "ratio ($1): $2 $3/s / $PGB_TPS pgbench tps = $(python3 -c "print(f'{$2/$PGB_TPS:.3f}')")"
}

# bench_compile <Bench.java>: compiles a load generator, with the classes it uses from its folder
# (BenchSupport.java: what the generators share), into a temporary directory and prints it (javac,
# not the single-file launcher, which hides a generator's own exception and sees one file only)
bench_compile() {
  local dir
  dir=$(mktemp -d -t bench-classes-XXXX)
  javac -d "$dir" -sourcepath "$(dirname "$1")" "$1" >&2
  echo "$dir"
}
