#!/usr/bin/env bash
# Trains the project's own sentence encoder (contrastive, in-batch negatives) and writes it in Hugging Face layout
# (config.json, model.safetensors, tokenizer.json), ready for cpt.reward.encoder.dir.
#
#   reward-service/bin/train-encoder.sh --out /path/to/encoder [--preset demo|tiny] [--steps N]
#
# THREADS (default 2) caps libtorch's intra-op threads.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
mvn -B -q -f "$MODULE/pom.xml" -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
export OMP_NUM_THREADS="${THREADS:-2}"
exec java -Xmx1g -Dai.djl.offline=true -cp "$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")" \
    dev.cpt.reward.encoder.EncoderTrainer "$@"
