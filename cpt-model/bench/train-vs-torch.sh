#!/usr/bin/env bash
# Training tokens/s of the ~20M-parameter Llama layout (TrainThroughputBenchmark.llama20M, context 256), DJL
# against plain PyTorch (Debian's python3-torch, bench/train_throughput.py --size llama20m): same batch, sequence
# length, thread count and AdamW settings, implementations alternated over ROUNDS rounds, the median printed side by
# side with the ratio against the goal of 1.0x.
#
# Knobs as train-throughput.sh; defaults here: BATCH 8, ROUNDS 5, LLAMA_STEPS 6, WARMUP 2, THREADS 2.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SIZES=llama20m BATCH="${BATCH:-8}" ROUNDS="${ROUNDS:-5}" LLAMA_STEPS="${LLAMA_STEPS:-6}" WARMUP="${WARMUP:-2}" \
    GOAL="${GOAL:-1.0}" exec "$HERE/train-throughput.sh"
