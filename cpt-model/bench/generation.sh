#!/usr/bin/env bash
# Generation throughput on CPU: the key/value cache against re-running the whole window for every token.
#
# Runs dev.cpt.model.bench.GenerationBenchmark in one JVM on the Llama-layout CPU-demo preset (random weights):
# a group of BATCH completions of a PROMPT-token prompt, NEW tokens each (temperature 0.8, top-k 50, top-p 0.95),
# sampled with and without the cache in alternating order over ROUNDS rounds. Prints a RESULT line per run, the
# median tokens/s of each, their ratio against the goal fixed in advance (>= 5x), and whether both sampled the
# same tokens.
#
# Environment knobs: PRESET (llamaDemo10M), BATCH (8), PROMPT (32), NEW (256), ROUNDS (2), THREADS (2), XMX (2g).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
PRESET="${PRESET:-llamaDemo10M}"
BATCH="${BATCH:-8}"
PROMPT="${PROMPT:-32}"
NEW="${NEW:-256}"
ROUNDS="${ROUNDS:-2}"
THREADS="${THREADS:-2}"
XMX="${XMX:-2g}"

echo ">> building cpt-model"
# from the root with -am, so cpt-common comes from this checkout (its target/classes), not from ~/.m2
mvn -o -B -q -f "$ROOT/pom.xml" -pl cpt-model -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"
export OMP_NUM_THREADS="$THREADS"

echo ">> $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java "-Xmx$XMX" -Dai.djl.offline=true -cp "$CP" dev.cpt.model.bench.GenerationBenchmark \
    --preset "$PRESET" --batch "$BATCH" --prompt "$PROMPT" --new "$NEW" --rounds "$ROUNDS" --threads "$THREADS" \
    2>/dev/null
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
