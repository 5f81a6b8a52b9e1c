#!/usr/bin/env bash
# Hugging Face import at real sizes: time and resident-memory growth of LanguageModel.importHuggingFace.
#
# Writes SmolLM2-135M- and Qwen2.5-0.5B-shaped directories of random bf16 weights, sharded, into a temp
# directory (streamed tensor by tensor by dev.cpt.model.bench.HfImportBenchmark --write), then imports
# each in a fresh JVM and prints one RESULT line per model: import seconds, bytes held (float32),
# VmRSS before/after, the import's peak (VmHWM reset at the baseline) and pass/fail against the goal
# of growth <= 1.5x the bytes held; then exports each imported model back as bf16 shards and prints the
# export's seconds and peak RSS growth.
#
# Environment knobs: SHARD_BYTES (default 200000000, so both models shard), XMX (2g), THREADS (2),
# SHAPES ("smollm2-135m qwen2.5-0.5b"; add llama3-70b-embedding for one tensor of 4.2 GB as float32, which took
# 5.2 GB of RSS at its peak and 4.6 GB of disk with its export), WORK (a temp directory, removed at the end unless KEEP=1).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
SHARD_BYTES="${SHARD_BYTES:-200000000}"
XMX="${XMX:-2g}"
THREADS="${THREADS:-2}"
SHAPES="${SHAPES:-smollm2-135m qwen2.5-0.5b}"
WORK="${WORK:-$(mktemp -d)}"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

echo ">> building cpt-model"
# from the root with -am, so cpt-common comes from this checkout (its target/classes), not from ~/.m2
mvn -o -B -q -f "$ROOT/pom.xml" -pl cpt-model -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"
export OMP_NUM_THREADS="$THREADS"
JAVA=(java "-Xmx$XMX" -Dai.djl.offline=true "-Dai.djl.pytorch.num_threads=$THREADS" -cp "$CP")

echo ">> $(nproc) cores, -Xmx$XMX, shards of at most $SHARD_BYTES bytes, work dir $WORK"
for shape in $SHAPES; do
  dir="$WORK/$shape"
  "${JAVA[@]}" dev.cpt.model.bench.HfImportBenchmark --write "$dir" --shape "$shape" --shard-bytes "$SHARD_BYTES"
  echo ">> $(du -sh "$dir" | cut -f1) on disk; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "${JAVA[@]}" dev.cpt.model.bench.HfImportBenchmark --import "$dir" --shard-bytes "$SHARD_BYTES" 2>&1 \
      | grep -E '^RESULT|imported'
  [ "${KEEP:-0}" = 1 ] || rm -rf "$dir" "$dir-export"
done
