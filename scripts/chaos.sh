#!/usr/bin/env bash
# Chaos suite (issue 14): faults under checkout + payment load, everything on 127.0.0.1.
#
#   scripts/chaos.sh [scenario ...]     default: kill-node pg-restart kafka-stop bank-faults aio-restart
#
# Scenarios (each bounded: SCENARIO_MAX_SECONDS, and every wait has its own limit):
#   kill-node    3-node cluster (scripts/cluster.sh); KILLS times (default 20): SIGKILL node 2 or 3
#                (alternately), leave it dead KILL_DOWN_SECONDS, start it again, wait until it is up
#   pg-restart   same cluster: PostgreSQL stopped (fast shutdown), down PG_DOWN_SECONDS, started again
#   kafka-stop   same cluster: the Kafka broker (an infra process of its own) stopped for KAFKA_DOWN_SECONDS
#   bank-faults  same cluster: the bank simulator (PUT /api/simulator) at BANK_FAULTS for the run, then reset
#   aio-restart  the all-in-one jar on a durable data dir: kill -9, started again on the same data dir
# The load is CheckoutBench's soak phase (scripts/bench/CheckoutBench.java): WORKERS buyers in a loop of
# add to cart, checkout, confirm at the bank, poll the order until PAID, over node 1's gateway (node 1 also
# runs the bank and is never killed: a gateway that dies takes its own HTTP connections with it, which
# is the load balancer's business, not the back end's). Each scenario prints requests, answers by status,
# the errors (5xx and no answer) in %, the slowest requests (what and when), `marketplace.jar audit`, and
# whether every notification due was made exactly once and sent (NOTIFY_SQL); a summary table at the end.
#
# Env: KILLS (20), KILL_DOWN_SECONDS (10), WORKERS (16), SOAK_SECONDS (30: load after the last fault),
#      PG_DOWN_SECONDS (5), KAFKA_DOWN_SECONDS (30), BANK_FAULTS (JSON), SCENARIO_MAX_SECONDS (1800),
#      JAVA_OPTS (-Xmx512m), KEEP=1 keeps the state dir. Build first: mvn -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export JAR="${JAR:-$ROOT/verticles/app/target/marketplace.jar}"
[[ -f "$JAR" ]] || { echo "chaos.sh: $JAR not found: build it with 'mvn -q package -DskipTests'" >&2; exit 1; }
KILLS="${KILLS:-20}"
KILL_DOWN_SECONDS="${KILL_DOWN_SECONDS:-10}"
WORKERS="${WORKERS:-16}"
SOAK_SECONDS="${SOAK_SECONDS:-30}"
PG_DOWN_SECONDS="${PG_DOWN_SECONDS:-5}"
KAFKA_DOWN_SECONDS="${KAFKA_DOWN_SECONDS:-30}"
DEFAULT_BANK_FAULTS='{"latency_ms":800,"error_rate":0.2,"timeout_rate":0.15,"drop_callbacks":true}'
BANK_FAULTS="${BANK_FAULTS:-$DEFAULT_BANK_FAULTS}"
SCENARIO_MAX_SECONDS="${SCENARIO_MAX_SECONDS:-1800}"
export JAVA_OPTS="${JAVA_OPTS:--Xmx512m}"
# load from one address: no gateway rate limits (gateway.rate_limits.enabled)
export MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED=false
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=(kill-node pg-restart kafka-stop bank-faults aio-restart)

WORK="$(mktemp -d -t chaos-XXXX)"
RESULTS="$WORK/results.txt"
: > "$RESULTS"
CLUSTER_UP=0
LOAD_PID=""
AIO_PID=""
KAFKA_INFRA_PID=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
log() { echo "[chaos $(date -u +%H:%M:%S)] $*"; }
cleanup() {
  [[ -f "$WORK/stop" ]] || touch "$WORK/stop"
  # a load client cut short (a failed set-up) would go on until its --seconds: stop it by its pid
  [[ -n "$LOAD_PID" ]] && kill -TERM "$LOAD_PID" 2>/dev/null || true
  [[ $CLUSTER_UP -eq 1 ]] && scripts/cluster.sh down >/dev/null 2>&1 || true
  [[ -n "$KAFKA_INFRA_PID" ]] && kill -TERM "$KAFKA_INFRA_PID" 2>/dev/null || true
  [[ -n "$AIO_PID" ]] && kill -TERM "$AIO_PID" 2>/dev/null || true
  # a PostgreSQL this script restarted itself is no child of infra: stop it by its data dir's pid file
  for pidfile in "$WORK"/cluster/data/*/postmaster.pid "$WORK"/aio/*/postmaster.pid; do
    [[ -f "$pidfile" ]] && kill -INT "$(head -1 "$pidfile")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else echo "state kept in $WORK"; fi
}
trap cleanup EXIT
log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other work: latencies include it)"
log "scenarios: ${SCENARIOS[*]}; work dir $WORK"

# ---------------------------------------------------------------- load and report

# the load generator compiled once with javac: the single-file launcher hides an exception the
# generator throws from another thread ("0 > -1" in its own trace trimming)
BENCH_CLASSES="$WORK/bench-classes"
# with the helpers it shares with the other generators (scripts/bench/BenchSupport.java)
javac -d "$BENCH_CLASSES" -sourcepath scripts/bench scripts/bench/CheckoutBench.java

start_load() { # name gateway
  rm -f "$WORK/stop"
  java -cp "$BENCH_CLASSES" CheckoutBench --gateways="$2" --phases=soak --seconds="$SCENARIO_MAX_SECONDS" \
    --workers="$WORKERS" --buyers="$WORKERS" --products=4 --stop-file="$WORK/stop" > "$WORK/$1.load.log" 2>&1 &
  LOAD_PID=$!
  local deadline=$((SECONDS + 300))
  until grep -q '^soak set-up' "$WORK/$1.load.log" 2>/dev/null; do
    kill -0 "$LOAD_PID" 2>/dev/null || { cat "$WORK/$1.load.log"; echo "chaos.sh: the load client died" >&2; exit 1; }
    [[ $SECONDS -lt $deadline ]] || { echo "chaos.sh: load set-up took over 300 s" >&2; exit 1; }
    sleep 1
  done
  log "$1: load running ($WORKERS buyers)"
}

# Notifications exactly once: every order that reached PENDING_PAYMENT, PAID or CANCELLED (its history)
# has its notification (order_placed, order_paid, order_cancelled) on each channel, once, and SENT.
# Waits up to NOTIFY_WAIT_SECONDS (60) for the last ones to be sent; prints one line.
NOTIFY_SQL="WITH expected AS (
    SELECT DISTINCT h.order_id::text AS order_id, t.template FROM orders.order_history h
    JOIN (VALUES ('PENDING_PAYMENT', 'order_placed'), ('PAID', 'order_paid'), ('CANCELLED', 'order_cancelled')) AS t(status, template)
      ON t.status = h.status),
  made AS (
    SELECT order_id, template, channel, count(*) AS n, count(*) FILTER (WHERE status = 'SENT') AS sent
    FROM notification.notifications GROUP BY order_id, template, channel)
  SELECT (SELECT count(*) FROM expected) || ' ' ||
    (SELECT count(*) FROM expected e WHERE NOT EXISTS (SELECT 1 FROM made m WHERE m.order_id = e.order_id AND m.template = e.template)) || ' ' ||
    (SELECT coalesce(sum(n - sent), 0) FROM made m JOIN expected e USING (order_id, template)) || ' ' ||
    (SELECT coalesce(sum(n - 1), 0) FROM made WHERE n > 1) || ' ' ||
    (SELECT coalesce(sum(sent), 0) FROM made m JOIN expected e USING (order_id, template)) || ' ' ||
    (SELECT count(*) FROM notification.notifications WHERE status = 'PARKED')"
notifications_report() { # pg-url
  local out expected missing unsent dup sent parked deadline=$((SECONDS + ${NOTIFY_WAIT_SECONDS:-60}))
  while :; do
    out="$(psql -X -q -t -A "$1" -c "$NOTIFY_SQL" 2>&1 | tail -1)"
    read -r expected missing unsent dup sent parked <<< "$out" || true
    [[ "$expected" =~ ^[0-9]+$ ]] || { echo "notifications: not checked ($out)"; return 0; }
    [[ "$missing" == 0 && "$unsent" == 0 ]] && break
    [[ $SECONDS -lt $deadline ]] || break
    sleep 2
  done
  local verdict="EXACTLY ONCE"
  [[ "$missing" == 0 && "$unsent" == 0 && "$dup" == 0 ]] || verdict="NOT EXACTLY ONCE"
  echo "notifications: $verdict: $expected (order, message) pairs due, $missing missing, $dup duplicates, $unsent not sent, $sent sent (all channels), $parked parked"
}

stop_load_and_report() { # name pg-url detail
  touch "$WORK/stop"
  local deadline=$((SECONDS + 120))
  while kill -0 "$LOAD_PID" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 1; done
  kill -0 "$LOAD_PID" 2>/dev/null && kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  local summary audit
  summary="$(grep '^soak:' "$WORK/$1.load.log" || echo "soak: no summary (see $WORK/$1.load.log)")"
  grep -E '^  5|^soak-tick' "$WORK/$1.load.log" | tail -8 || true
  audit="$(timeout 120 java -jar "$JAR" audit --pg-url "$2" 2>&1 | tail -15 || true)"
  notified="$(notifications_report "$2")"
  echo "== $1 ($3)"
  echo "$summary"
  grep -E '^soak (slowest|tokens)' "$WORK/$1.load.log" || true
  echo "audit:"; echo "$audit"
  echo "$notified"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$summary" "$(echo "$audit" | grep -m1 -E '^AUDIT' || echo "$audit" | tail -1)" \
    "${notified#notifications: }" >> "$RESULTS"
}

# ---------------------------------------------------------------- the 3-node cluster

cluster_up() {
  [[ $CLUSTER_UP -eq 1 ]] && return 0
  export STATE_DIR="$WORK/cluster" CLUSTER_NAME="chaos-$$-$RANDOM"
  export PG_PORT="$(free_port)" KAFKA_PORT="$(free_port)" BANK_PORT="$(free_port)" HTTP_BASE_PORT="$(free_port)" BRIDGE_BASE_PORT="$(free_port)"
  mkdir -p "$STATE_DIR"
  CLUSTER_UP=1
  if [[ " ${SCENARIOS[*]} " == *" kafka-stop "* ]]; then
    # Kafka in an infra process of its own, so that it can be stopped without PostgreSQL
    KAFKA_ONLY_PORT="$(free_port)"
    start_kafka_infra
    KAFKA="$(grep '^kafka=' "$WORK/kafka-infra.log" | head -1 | cut -d= -f2-)" RATE_LIMITS=off scripts/cluster.sh up 3
  else
    RATE_LIMITS=off scripts/cluster.sh up 3
  fi
  PG_URL="$(grep '^pg-url=' "$STATE_DIR/infra.log" | head -1 | cut -d= -f2-)"
  GATEWAY="http://127.0.0.1:$HTTP_BASE_PORT"
}

start_kafka_infra() {
  local unused_pg_port; unused_pg_port="$(free_port)"
  touch "$WORK/kafka-infra.log"
  # shellcheck disable=SC2086
  nohup java $JAVA_OPTS -jar "$JAR" infra --data-dir "$WORK/kafka-infra" --pg-port "$unused_pg_port" --kafka-port "$KAFKA_ONLY_PORT" \
    >> "$WORK/kafka-infra.log" 2>&1 &
  KAFKA_INFRA_PID=$!
  local deadline=$((SECONDS + 120)) before="${1:-0}"
  until [[ "$(grep -c '^kafka=' "$WORK/kafka-infra.log")" -gt "$before" ]]; do
    kill -0 "$KAFKA_INFRA_PID" 2>/dev/null || { tail -20 "$WORK/kafka-infra.log"; echo "chaos.sh: kafka infra died" >&2; exit 1; }
    [[ $SECONDS -lt $deadline ]] || { echo "chaos.sh: kafka infra took over 120 s" >&2; exit 1; }
    sleep 0.5
  done
}

restart_node() { # i: the same command line, environment and log as before
  local i=$1 before
  before="$(grep -c 'is up with' "$STATE_DIR/node-$i.log")"
  mapfile -d '' -t args < "$STATE_DIR/node-$i.cmdline"
  ( set -a; . "$STATE_DIR/secrets.env"; set +a; nohup "${args[@]}" >> "$STATE_DIR/node-$i.log" 2>&1 & echo $! > "$STATE_DIR/node-$i.pid" )
  local deadline=$((SECONDS + 240))
  until [[ "$(grep -c 'is up with' "$STATE_DIR/node-$i.log")" -gt "$before" ]]; do
    [[ $SECONDS -lt $deadline ]] || { echo "chaos.sh: node $i not up again in 240 s" >&2; return 1; }
    sleep 0.5
  done
}

scenario_kill_node() {
  cluster_up
  start_load kill-node "$GATEWAY"
  local t_end=$((SECONDS + SCENARIO_MAX_SECONDS)) done_kills=0
  sleep 5
  for k in $(seq 1 "$KILLS"); do
    [[ $SECONDS -lt $t_end ]] || { log "kill-node: time is up after $done_kills kills"; break; }
    local victim=$((2 + k % 2)) pid
    pid="$(cat "$STATE_DIR/node-$victim.pid")"
    cp "/proc/$pid/cmdline" "$STATE_DIR/node-$victim.cmdline"
    log "kill-node: kill $k/$KILLS: SIGKILL node $victim (pid $pid)"
    kill -KILL "$pid"
    sleep "$KILL_DOWN_SECONDS"
    log "kill-node: starting node $victim again"
    restart_node "$victim" || break
    done_kills=$k
    sleep 3
  done
  sleep "$SOAK_SECONDS"
  stop_load_and_report kill-node "$PG_URL" "$done_kills SIGKILLs of 1 node of 3, ${KILL_DOWN_SECONDS}s down each"
}

scenario_pg_restart() {
  cluster_up
  start_load pg-restart "$GATEWAY"
  sleep 10
  local pidfile pgpid
  pidfile="$(ls "$STATE_DIR"/data/*/postmaster.pid 2>/dev/null | head -1 || true)"
  [[ -z "$pidfile" ]] && pidfile="$(find "$STATE_DIR/data" -name postmaster.pid | head -1)"
  pgpid="$(head -1 "$pidfile")"
  local datadir; datadir="$(dirname "$pidfile")"
  cp "/proc/$pgpid/cmdline" "$WORK/pg.cmdline"
  local pguser; pguser="$(stat -c %U "$datadir")"
  log "pg-restart: fast shutdown of PostgreSQL (pid $pgpid, data $datadir, user $pguser)"
  kill -INT "$pgpid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pgpid" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 0.2; done
  sleep "$PG_DOWN_SECONDS"
  mapfile -d '' -t args < "$WORK/pg.cmdline"
  if [[ "$pguser" == "root" && "$(id -u)" == "0" ]]; then
    # PostgreSQL refuses to run as root; in a user namespace of its own it runs as nobody, with the
    # files still its own (the embedded server runs that way too)
    nohup unshare -U "${args[@]}" > "$WORK/pg-restarted.log" 2>&1 &
  elif [[ "$pguser" == "$(id -un)" ]]; then
    nohup "${args[@]}" > "$WORK/pg-restarted.log" 2>&1 &
  else
    nohup runuser -u "$pguser" -- "${args[@]}" > "$WORK/pg-restarted.log" 2>&1 &
  fi
  local t_back=$SECONDS back=1
  until psql -X -q -t -A "$PG_URL" -c 'select 1' >/dev/null 2>&1; do
    [[ $SECONDS -lt $((t_back + 60)) ]] || { echo "chaos.sh: PostgreSQL did not come back" >&2; cat "$WORK/pg-restarted.log"; back=0; break; }
    sleep 0.2
  done
  [[ $back -eq 1 ]] && log "pg-restart: PostgreSQL answers again $((SECONDS - t_back)) s after its start"
  sleep "$SOAK_SECONDS"
  stop_load_and_report pg-restart "$PG_URL" "PostgreSQL down ${PG_DOWN_SECONDS}s (fast shutdown, restart)"
}

scenario_kafka_stop() {
  cluster_up
  start_load kafka-stop "$GATEWAY"
  sleep 10
  local before; before="$(grep -c '^kafka=' "$WORK/kafka-infra.log")"
  log "kafka-stop: stopping the broker (pid $KAFKA_INFRA_PID)"
  kill -TERM "$KAFKA_INFRA_PID"
  local deadline=$((SECONDS + 60))
  while kill -0 "$KAFKA_INFRA_PID" 2>/dev/null && [[ $SECONDS -lt $deadline ]]; do sleep 0.2; done
  kill -KILL "$KAFKA_INFRA_PID" 2>/dev/null || true
  sleep "$KAFKA_DOWN_SECONDS"
  log "kafka-stop: starting the broker again on the same log dir and port"
  start_kafka_infra "$before"
  sleep "$SOAK_SECONDS"
  stop_load_and_report kafka-stop "$PG_URL" "Kafka broker down ${KAFKA_DOWN_SECONDS}s"
}

scenario_bank_faults() {
  cluster_up
  local bank="http://127.0.0.1:$BANK_PORT/api/simulator"
  start_load bank-faults "$GATEWAY"
  log "bank-faults: $BANK_FAULTS"
  curl -fsS -X PUT -H 'Content-Type: application/json' -d "$BANK_FAULTS" "$bank"; echo
  sleep "$SOAK_SECONDS"; sleep "$SOAK_SECONDS"
  curl -fsS -X PUT -H 'Content-Type: application/json' \
    -d '{"latency_ms":0,"error_rate":0,"timeout_rate":0,"drop_callbacks":false}' "$bank"; echo
  sleep 10
  stop_load_and_report bank-faults "$PG_URL" "bank $BANK_FAULTS for $((2 * SOAK_SECONDS))s"
}

# ---------------------------------------------------------------- the all-in-one

scenario_aio_restart() {
  mkdir -p "$WORK/aio"
  local data="$WORK/aio/data" http bank bridge
  http="$(free_port)"; bank="$(free_port)"; bridge="$(free_port)"
  start_aio() {
    # shellcheck disable=SC2086
    nohup java $JAVA_OPTS -jar "$JAR" --data-dir "$data" --http-port "$http" --bank-port "$bank" --bridge-port "$bridge" >> "$WORK/aio.log" 2>&1 &
    AIO_PID=$!
    local deadline=$((SECONDS + 240))
    until curl -fs "http://127.0.0.1:$http/ready" >/dev/null 2>&1; do
      kill -0 "$AIO_PID" 2>/dev/null || { tail -30 "$WORK/aio.log"; echo "chaos.sh: the all-in-one died" >&2; return 1; }
      [[ $SECONDS -lt $deadline ]] || { echo "chaos.sh: the all-in-one not ready in 240 s" >&2; return 1; }
      sleep 0.5
    done
  }
  start_aio
  # the embedded server's address, from its start line (trust auth on loopback, user postgres)
  local pg_addr pg_url
  pg_addr="$(grep -m1 -o 'PostgreSQL started on [0-9.:]*' "$WORK/aio.log" | awk '{print $4}' || true)"
  [[ -n "$pg_addr" ]] || { echo "chaos.sh: no 'PostgreSQL started on' line in $WORK/aio.log" >&2; return 1; }
  pg_url="postgresql://postgres@$pg_addr/postgres"
  start_load aio-restart "http://127.0.0.1:$http"
  sleep 10
  log "aio-restart: kill -9 the all-in-one (pid $AIO_PID)"
  kill -KILL "$AIO_PID"
  local t0=$SECONDS
  start_aio
  log "aio-restart: ready again $((SECONDS - t0)) s after the kill"
  pg_url="postgresql://postgres@$(grep -o 'PostgreSQL started on [0-9.:]*' "$WORK/aio.log" | tail -1 | awk '{print $4}')/postgres"
  sleep "$SOAK_SECONDS"
  stop_load_and_report aio-restart "$pg_url" "kill -9 of the all-in-one, same data dir, ready again after $((SECONDS - t0 - SOAK_SECONDS)) s"
  kill -TERM "$AIO_PID" 2>/dev/null || true
  wait "$AIO_PID" 2>/dev/null || true
  AIO_PID=""
}

for s in "${SCENARIOS[@]}"; do
  case "$s" in
    kill-node) scenario_kill_node ;;
    pg-restart) scenario_pg_restart ;;
    kafka-stop) scenario_kafka_stop ;;
    bank-faults) scenario_bank_faults ;;
    aio-restart) scenario_aio_restart ;;
    *) echo "chaos.sh: unknown scenario $s" >&2; exit 1 ;;
  esac
done

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| scenario | fault | load: requests, by status, errors, max latency, checkouts/paid | audit | notifications |"
echo "|---|---|---|---|---|"
while IFS=$'\t' read -r name fault summary audit notified; do
  echo "| $name | $fault | ${summary#soak: } | $audit | $notified |"
done < "$RESULTS"
