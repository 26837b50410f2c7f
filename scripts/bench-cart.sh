#!/usr/bin/env bash
# Cart throughput and latency over the local event bus, fake catalog/inventory, embedded PostgreSQL
# (test settings: fsync off). Prints "BENCH ..." lines; figures go to BENCHMARKS.md (issue 5).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -pl verticles/cart -am verify -Dtest=CartBenchmark -Dcart.bench=true -Dsurefire.failIfNoSpecifiedTests=false
grep -h '^BENCH' verticles/cart/target/surefire-reports/dev.marketplace.cart.CartBenchmark-output.txt
