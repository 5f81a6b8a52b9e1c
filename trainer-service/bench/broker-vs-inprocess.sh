#!/usr/bin/env bash
# Trainer benchmark: training tokens/s with batches from a real Kafka broker vs. batches in memory.
#   trainer-service/bench/broker-vs-inprocess.sh [batches per round] [rounds] [tiny|small1M|medium10M]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -B -DskipTests install -pl trainer-service -am
mvn -q -B -f trainer-service/pom.xml test-compile exec:java \
  -Dexec.mainClass=dev.cpt.trainer.bench.BrokerPathBenchmark -Dexec.classpathScope=test \
  -Dexec.args="${1:-30} ${2:-3} ${3:-small1M}" -Dai.djl.offline=true
