#!/usr/bin/env bash
# Reward scoring throughput, in process (no HTTP, no Kafka): the service's encoder, micro-batcher and PairScorer.
#
# Prints two RESULT lines:
#   phase=steady     groups of GROUP completions (one shared reference, as a GRPO rollout group) sent at RATE
#                    groups/s for SECONDS: texts/s scored, mean micro-batch size, p50/p99 latency of a whole group
#   phase=saturated  CLIENTS closed-loop clients: the most texts/s the model sustains, and the latency it costs
#
# Environment knobs: RATE (20 groups/s), GROUP (8), DURATION (15 s per phase), CLIENTS (8), MAX_TEXTS (64), MAX_WAIT_MS (3),
# THREADS (2, libtorch intra-op threads), ENCODER (a Hugging Face encoder directory; default: the service's own
# encoder, trained into the cache on first use), CACHE (default ${TMPDIR:-/tmp}/cpt-reward-encoder).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
mvn -B -q -f "$MODULE/pom.xml" -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
export OMP_NUM_THREADS="${THREADS:-2}"
ARGS=(--rate "${RATE:-20}" --group "${GROUP:-8}" --seconds "${DURATION:-15}"
      --clients "${CLIENTS:-8}" --max-texts "${MAX_TEXTS:-64}" --max-wait-ms "${MAX_WAIT_MS:-3}"
      --cache "${CACHE:-${TMPDIR:-/tmp}/cpt-reward-encoder}")
[ -n "${ENCODER:-}" ] && ARGS+=(--encoder "$ENCODER")
echo ">> $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx1g -Dai.djl.offline=true -cp "$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")" \
    dev.cpt.reward.bench.RewardThroughputBenchmark "${ARGS[@]}" 2>/dev/null | grep --line-buffered -E '^(RESULT|encoder)'
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
