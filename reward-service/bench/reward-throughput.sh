#!/usr/bin/env bash
# Reward scoring throughput, in process (no HTTP, no Kafka): the service's encoder, micro-batcher and PairScorer.
#
# Prints two RESULT lines:
#   phase=steady     groups of GROUP completions (one shared reference, as a GRPO rollout group) sent at RATE
#                    groups/s for DURATION s after WARMUP s at that rate unrecorded: texts/s scored, mean micro-batch
#                    size, p50/p99 latency of a whole group
#   phase=saturated  CLIENTS closed-loop clients: the most texts/s the model sustains, and the latency it costs
#
# Environment knobs: RATE (20 groups/s), GROUP (8), DURATION (15 s per phase), WARMUP (10 s), CLIENTS (8),
# MAX_TEXTS (64), MAX_WAIT_MS (3), THREADS (2, libtorch intra-op threads), ENCODER (a Hugging Face encoder directory;
# default: the service's own encoder, trained into the cache on first use), CACHE (default
# ${TMPDIR:-/tmp}/cpt-reward-encoder), QUIET_WAIT (120: seconds to wait, after the build, for a 1-minute load average
# below 1, so that the latency is the service's and not its neighbours').
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
mvn -B -q -f "$MODULE/pom.xml" -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
export OMP_NUM_THREADS="${THREADS:-2}"
ARGS=(--rate "${RATE:-20}" --group "${GROUP:-8}" --seconds "${DURATION:-15}" --warmup-seconds "${WARMUP:-10}"
      --clients "${CLIENTS:-8}" --max-texts "${MAX_TEXTS:-64}" --max-wait-ms "${MAX_WAIT_MS:-3}"
      --cache "${CACHE:-${TMPDIR:-/tmp}/cpt-reward-encoder}")
[ -n "${ENCODER:-}" ] && ARGS+=(--encoder "$ENCODER")
for _ in $(seq 1 $(( ${QUIET_WAIT:-120} / 5 ))); do
    awk '{ exit !($1 < 1) }' /proc/loadavg && break
    sleep 5
done
echo ">> $(nproc --all) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx1g -Dai.djl.offline=true -cp "$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")" \
    dev.cpt.reward.bench.RewardThroughputBenchmark "${ARGS[@]}" 2>/dev/null | grep --line-buffered -E '^(RESULT|encoder)'
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
