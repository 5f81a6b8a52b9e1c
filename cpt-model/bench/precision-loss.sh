#!/usr/bin/env bash
# What fp16 mixed precision does to the training loss against float32, on the CPU: runs
# dev.cpt.model.bench.PrecisionLossBenchmark (one byte-level Llama, one seed, the same batches of the shipped general
# corpus, STEPS steps at each precision) and prints both losses every 10 steps.
#
# Environment knobs: STEPS (100), BATCH (8), SEQ (128), THREADS (2), CORPUS (corpus/general/documents.jsonl.gz).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"

echo ">> building cpt-model"
mvn -o -B -q -f "$ROOT/pom.xml" -pl cpt-model -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"
export OMP_NUM_THREADS="${THREADS:-2}"

java -Xmx1g -Dai.djl.offline=true -cp "$CP" dev.cpt.model.bench.PrecisionLossBenchmark \
    --corpus "${CORPUS:-$ROOT/corpus/general/documents.jsonl.gz}" --steps "${STEPS:-100}" --batch "${BATCH:-8}" \
    --seq "${SEQ:-128}" --threads "${THREADS:-2}" 2>/dev/null
