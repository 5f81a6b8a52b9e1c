#!/usr/bin/env bash
# GRPO rollouts and steps at the demo stage's configuration (GPT-2 small1M, arithmetic, G=8, 4 prompts/step, 48 new
# tokens, beta 0.1, lr 1e-4): rollout tokens/s without the key/value cache, with it one group at a time, and with it
# all prompts in one batch; then seconds per GRPO step with sequential against overlapped reward requests, rewards
# from the in-process trigram reward answered after each given latency.
#   trainer-service/bench/grpo-rollouts.sh [pretrain steps] [measured steps] [latencies ms, e.g. 0,100,300] [rounds] [seed]
# Environment: THREADS (2), XMX (2g).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
THREADS="${THREADS:-2}"
XMX="${XMX:-2g}"

echo ">> building trainer-service and its modules"
# from the root with -am, so sibling modules come from this checkout (their target/classes), not from ~/.m2
mvn -o -B -q -f "$ROOT/pom.xml" -pl trainer-service -am -DskipTests -Dpmd.skip -Dcpd.skip test-compile \
    dependency:build-classpath -Dmdep.outputFile="$MODULE/target/bench-classpath.txt" -Dmdep.includeScope=test
CP="$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$MODULE/target/bench-classpath.txt")"
export OMP_NUM_THREADS="$THREADS"

echo ">> $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$ROOT" && java "-Xmx$XMX" -Dai.djl.offline=true -cp "$CP" dev.cpt.trainer.bench.GrpoRolloutBenchmark \
    "${1:-200}" "${2:-10}" "${3:-0,100,300}" "${4:-3}" "${5:-7}" 2>/dev/null)
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
