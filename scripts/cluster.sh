#!/usr/bin/env bash
# A local marketplace cluster: one `infra` process (embedded PostgreSQL + Kafka) and N `node`
# processes that form one Hazelcast cluster on loopback. Every node runs every back-end component
# and a gateway (ports 8080, 8081, ...); node 1 also runs the bank simulator (8089). Each gateway also runs the TCP event bus bridge (7000, 7001, ...).
#
#   scripts/cluster.sh up N      start infra and N nodes (builds nothing: run `mvn package` first)
#   scripts/cluster.sh status    what runs, and each gateway's /ready
#   scripts/cluster.sh down      stop exactly what `up` started (pid files), nodes first
#
# Environment: JAR (default verticles/app/target/marketplace.jar), STATE_DIR (default .run/cluster),
# PG_PORT (15432), KAFKA_PORT (19092), HTTP_BASE_PORT (8080), BRIDGE_BASE_PORT (7000), BANK_PORT (8089),
# COMPONENTS (default: every component but bank), JAVA_OPTS (default -Xmx512m).
# The bank and cursor secrets are generated once into STATE_DIR/secrets.env and given to every node.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR="${JAR:-$ROOT/verticles/app/target/marketplace.jar}"
STATE_DIR="${STATE_DIR:-$ROOT/.run/cluster}"
PG_PORT="${PG_PORT:-15432}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
HTTP_BASE_PORT="${HTTP_BASE_PORT:-8080}"
BRIDGE_BASE_PORT="${BRIDGE_BASE_PORT:-7000}"
BANK_PORT="${BANK_PORT:-8089}"
COMPONENTS="${COMPONENTS:-auth,catalog,cart,inventory,orders,payment,notification,checkout,sales,gateway}"
JAVA_OPTS="${JAVA_OPTS:--Xmx512m}"
CLUSTER_NAME="${CLUSTER_NAME:-marketplace-local}"

die() { echo "cluster.sh: $*" >&2; exit 1; }

# true when the pid in $1 runs our jar (a stale pid file must never make us kill a stranger)
ours() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "marketplace.jar"
}

wait_for_line() { # file pattern seconds pidfile
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    ours "$4" || { tail -20 "$1" >&2; die "process of $4 died; see $1"; }
    [ $SECONDS -lt $deadline ] || { tail -20 "$1" >&2; die "timed out waiting for '$2' in $1"; }
    sleep 0.5
  done
}

up() {
  local n="${1:-}"
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "usage: cluster.sh up N   (N from 1 to 99)"
  [ -f "$JAR" ] || die "$JAR not found: build it with 'mvn -q package -DskipTests'"
  mkdir -p "$STATE_DIR"
  if ls "$STATE_DIR"/*.pid >/dev/null 2>&1; then
    for f in "$STATE_DIR"/*.pid; do ours "$f" && die "a cluster is already up (see 'cluster.sh status'; 'cluster.sh down' first)"; done
    rm -f "$STATE_DIR"/*.pid
  fi

  echo "starting infra (PostgreSQL :$PG_PORT, Kafka :$KAFKA_PORT)"
  # shellcheck disable=SC2086
  nohup java $JAVA_OPTS -jar "$JAR" infra --data-dir "$STATE_DIR/data" --pg-port "$PG_PORT" --kafka-port "$KAFKA_PORT" \
    > "$STATE_DIR/infra.log" 2>&1 &
  echo $! > "$STATE_DIR/infra.pid"
  wait_for_line "$STATE_DIR/infra.log" '^kafka=' 120 "$STATE_DIR/infra.pid"
  local pg_url kafka
  # real shared secrets, made once per state dir (nodes refuse development values); owner-only
  if [ ! -s "$STATE_DIR/secrets.env" ]; then
    ( umask 077
      printf 'MARKETPLACE_BANK_SHARED_SECRET=s-%s\nMARKETPLACE_CATALOG_CURSOR_SECRET=s-%s\n' \
        "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" \
        "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')" > "$STATE_DIR/secrets.env" )
  fi
  set -a; . "$STATE_DIR/secrets.env"; set +a
  pg_url="$(grep '^pg-url=' "$STATE_DIR/infra.log" | head -1 | cut -d= -f2-)"
  kafka="$(grep '^kafka=' "$STATE_DIR/infra.log" | head -1 | cut -d= -f2-)"

  for i in $(seq 1 "$n"); do
    local http_port=$((HTTP_BASE_PORT + i - 1)) bridge_port=$((BRIDGE_BASE_PORT + i - 1)) components="$COMPONENTS"
    [ "$i" -eq 1 ] && components="$components,bank"
    echo "starting node $i (gateway :$http_port, TCP bridge :$bridge_port, components $components)"
    # shellcheck disable=SC2086
    # RATE_LIMITS=off (benchmarks from one address) turns the gateways' limits off
    [ "${RATE_LIMITS:-on}" = off ] && export MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED=false
    nohup java $JAVA_OPTS -Dhazelcast.logging.type=slf4j -jar "$JAR" node --cluster --cluster-name "$CLUSTER_NAME" \
      --components "$components" --pg-url "$pg_url" --kafka "$kafka" \
      --cluster-host 127.0.0.1 --cluster-port $((5700 + i)) --cluster-members 127.0.0.1:5701-5710 \
      --http-port "$http_port" --bridge-port "$bridge_port" --bank-port "$BANK_PORT" > "$STATE_DIR/node-$i.log" 2>&1 &
    echo $! > "$STATE_DIR/node-$i.pid"
    # one at a time: the first node's cold start forms the cluster and runs the migrations
    wait_for_line "$STATE_DIR/node-$i.log" 'is up with' 180 "$STATE_DIR/node-$i.pid"
  done
  echo "cluster up: $n node(s); gateways on ports $HTTP_BASE_PORT..$((HTTP_BASE_PORT + n - 1)); logs in $STATE_DIR"
}

down() {
  [ -d "$STATE_DIR" ] || { echo "nothing to stop"; return 0; }
  local files=()
  mapfile -t files < <(ls "$STATE_DIR"/node-*.pid 2>/dev/null; ls "$STATE_DIR"/infra.pid 2>/dev/null)
  [ ${#files[@]} -gt 0 ] || { echo "nothing to stop"; return 0; }
  for f in "${files[@]}"; do
    if ours "$f"; then
      local pid; pid="$(cat "$f")"
      echo "stopping $(basename "$f" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      local deadline=$((SECONDS + 30))
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.3; done
      if kill -0 "$pid" 2>/dev/null; then echo "  did not stop in 30 s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$f"
  done
  echo "cluster down"
}

status() {
  local any=0
  for f in "$STATE_DIR"/infra.pid "$STATE_DIR"/node-*.pid; do
    [ -f "$f" ] || continue
    any=1
    local name; name="$(basename "$f" .pid)"
    if ours "$f"; then
      local line="$name: running (pid $(cat "$f"))"
      if [[ "$name" == node-* ]]; then
        local port=$((HTTP_BASE_PORT + ${name#node-} - 1))
        local ready; ready="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)"
        line="$line, gateway :$port /ready $ready"
      fi
      echo "$line"
    else
      echo "$name: not running (stale pid file)"
    fi
  done
  [ $any -eq 1 ] || echo "no cluster started from $STATE_DIR"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  *) die "usage: cluster.sh up N | down | status" ;;
esac
