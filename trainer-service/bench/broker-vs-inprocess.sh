#!/usr/bin/env bash
# Trainer benchmark: training tokens/s with batches from a real Kafka broker vs. batches in memory.
#   trainer-service/bench/broker-vs-inprocess.sh [batches per round] [rounds] [tiny|small1M|medium10M]
# CPT_SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${CPT_SKIP_BUILD:-}" != 1 ]]; then
  # compiles trainer-service and what it depends on in place (nothing installed) and writes its test classpath, in
  # which the reactor's siblings are their target/classes
  mvn -q -B -o -pl trainer-service -am test-compile dependency:build-classpath -Dpmd.skip -Dcpd.skip \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi
java -Dai.djl.offline=true \
  -cp "trainer-service/target/test-classes:trainer-service/target/classes:$(cat trainer-service/target/bench-classpath.txt)" \
  dev.cpt.trainer.bench.BrokerPathBenchmark "${1:-30}" "${2:-3}" "${3:-small1M}"
