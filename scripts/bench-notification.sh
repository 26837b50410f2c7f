#!/usr/bin/env bash
# Notification pipeline throughput: Kafka events -> inbox -> notifications -> sent (local outbox + push),
# on the embedded PostgreSQL (fsync off) and the in-process broker of the test fixture.
# Usage: scripts/bench-notification.sh [events]   (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
events="${1:-2000}"
mvn -o -q -pl verticles/notification -am verify -DskipITs \
  -Dtest=NotificationThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbench.events="$events"
grep -h "BENCH notification" verticles/notification/target/surefire-reports/*-output.txt
