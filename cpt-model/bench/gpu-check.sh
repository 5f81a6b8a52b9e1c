#!/usr/bin/env bash
# What a GPU machine gives this project: device and libtorch build found, training tokens/s and MFU of the
# SmolLM2-135M shape at float32 and fp16 mixed precision, generation tokens/s with the key/value cache.
#
# Usage: bench/gpu-check.sh [--device gpu|cpu] [more GpuCheck arguments, e.g. --batch 16 --seq 2048]
#   --device gpu (default) builds with -Dcuda (CUDA 12.4 libtorch 2.5.1 from Maven Central, about 2.5 GB on the first
#       build) and needs an NVIDIA driver for CUDA 12.4 or newer; the card's name from nvidia-smi selects the peak
#       TFLOPS for MFU (H100, H200, A100; otherwise pass --peak-fp16-tflops and --peak-fp32-tflops).
#   --device cpu is a smoke run of a tiny model on the CPU libtorch, in seconds (the test suite runs the same code in
#       GpuCheckTest).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
DEVICE=gpu
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
# the CPU build resolves offline; the first CUDA build downloads the CUDA libtorch once
PROFILE=(-o)
if [ "$DEVICE" = gpu ]; then
  PROFILE=(-Dcuda)
  if command -v nvidia-smi >/dev/null; then
    ARGS+=(--gpu-name "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)")
  fi
fi

echo ">> building cpt-model ${PROFILE[*]:-}"
# from the root with -am, so cpt-common comes from this checkout (its target/classes), not from ~/.m2
mvn -B -q -f "$ROOT/pom.xml" -pl cpt-model -am "${PROFILE[@]}" -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"

java -Xmx4g -Dai.djl.offline=true -cp "$CP" dev.cpt.model.bench.GpuCheck --device "$DEVICE" "${ARGS[@]}"
