#!/usr/bin/env bash
# Peak resident memory of training steps of the SmolLM2-135M-shaped Llama (random weights) on CPU, batch 1 x 512
# tokens by default: VmHWM growth over a JVM baseline with libtorch loaded, set against the float32 weights, gradients
# and AdamW moments (dev.cpt.model.bench.TrainMemoryBenchmark). Prints one RESULT line per step and a BREAKDOWN line.
#
# Environment knobs: SHAPE (smollm2-135m; qwen2.5-0.5b also works), BATCH (1), TOKENS (512), STEPS (2), THREADS (2),
# XMX (1g: the tensors live outside the Java heap).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
SHAPE="${SHAPE:-smollm2-135m}"
BATCH="${BATCH:-1}"
TOKENS="${TOKENS:-512}"
STEPS="${STEPS:-2}"
THREADS="${THREADS:-2}"
XMX="${XMX:-1g}"

echo ">> building cpt-model"
# from the root with -am, so cpt-common comes from this checkout (its target/classes), not from ~/.m2
mvn -o -B -q -f "$ROOT/pom.xml" -pl cpt-model -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"
export OMP_NUM_THREADS="$THREADS"

echo ">> $(nproc) cores, $THREADS threads, -Xmx$XMX, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
OUT="$(java "-Xmx$XMX" -Dai.djl.offline=true -cp "$CP" dev.cpt.model.bench.TrainMemoryBenchmark \
    --shape "$SHAPE" --batch "$BATCH" --tokens "$TOKENS" --steps "$STEPS" --threads "$THREADS" 2>/dev/null)"
grep -E '^(RESULT|BREAKDOWN)' <<<"$OUT"
echo
# the breakdown again, one figure a line
grep '^BREAKDOWN' <<<"$OUT" | tr ' ' '\n' | sed -n '2,$p' | column -t -s=
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
