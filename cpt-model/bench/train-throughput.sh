#!/usr/bin/env bash
# Training throughput on CPU: DJL (dev.cpt.model.LanguageModel) vs the same model in PyTorch.
#
# By default runs ~1M and ~10M parameter GPT-2 models (context 128, same batch) on both sides;
# SIZES=llama20m runs the ~20M Llama layout (context 256) instead (see train-vs-torch.sh).
# Alternates implementations over several rounds so background load hits both alike, then prints
# tokens/s, peak RSS and the DJL/PyTorch ratio against GOAL. Every process gets the same thread
# settings.
#
# Environment knobs: SIZES ("small medium"), THREADS (default 2), BATCH (8), ROUNDS (3),
# SMALL_STEPS (20), MEDIUM_STEPS (8), LLAMA_STEPS (6), WARMUP (3), GOAL (0.8), ALLOCATOR (tuned: both sides
# with deploy/libtorch-malloc.env, as the services run; default: glibc's own settings).
# Needs Debian/Ubuntu apt for the PyTorch side if python3-torch is missing.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"
ROOT="$(dirname "$MODULE")"
SIZES="${SIZES:-small medium}"
THREADS="${THREADS:-2}"
BATCH="${BATCH:-8}"
ROUNDS="${ROUNDS:-3}"
SMALL_STEPS="${SMALL_STEPS:-20}"
MEDIUM_STEPS="${MEDIUM_STEPS:-8}"
LLAMA_STEPS="${LLAMA_STEPS:-6}"
WARMUP="${WARMUP:-3}"
GOAL="${GOAL:-0.8}"
# Debian's python3-torch lives in the system interpreter, not in pyenv/venv shims
PY="${PYTHON:-/usr/bin/python3}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo ">> installing python3-torch via apt"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq python3-torch
fi
# Debian's torch links libblas.so.3; without OpenBLAS that is the netlib reference BLAS, which
# would make the PyTorch side ~10x slower and the comparison meaningless.
if ! ls /usr/lib/x86_64-linux-gnu/openblas-*/libblas.so.3 >/dev/null 2>&1; then
  echo ">> installing OpenBLAS (OpenMP build) so Debian's torch does not use the reference BLAS"
  $SUDO apt-get install -y -qq libopenblas0-openmp
fi

echo ">> building cpt-model"
# from the root with -am, so cpt-common comes from this checkout (its target/classes), not from ~/.m2
mvn -o -B -q -f "$ROOT/pom.xml" -pl cpt-model -am -DskipTests compile dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime
CP="$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")"

export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS=1
# both sides with the allocator settings the services run with (ALLOCATOR=default compares glibc's defaults)
if [ "${ALLOCATOR:-tuned}" = tuned ]; then
  set -a
  . "$ROOT/deploy/libtorch-malloc.env"
  set +a
fi
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT

echo ">> $(nproc) cores, threads per side: $THREADS intra-op / 1 inter-op, batch $BATCH, rounds $ROUNDS"
echo ">> allocator: ${ALLOCATOR:-tuned} (MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-glibc default})"
echo ">> load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for size in $SIZES; do
    case "$size" in
      small) steps="$SMALL_STEPS" ;;
      medium) steps="$MEDIUM_STEPS" ;;
      *) steps="$LLAMA_STEPS" ;;
    esac
    java -Xmx1g -Dai.djl.offline=true -cp "$CP" dev.cpt.model.bench.TrainThroughputBenchmark \
        --size "$size" --batch "$BATCH" --steps "$steps" --warmup "$WARMUP" --threads "$THREADS" 2>/dev/null \
        | grep '^RESULT' | tee -a "$RESULTS"
    "$PY" "$HERE/train_throughput.py" \
        --size "$size" --batch "$BATCH" --steps "$steps" --warmup "$WARMUP" --threads "$THREADS" \
        | grep '^RESULT' | tee -a "$RESULTS"
  done
done
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$RESULTS" "$GOAL" <<'PYEOF'
import statistics, sys
goal = float(sys.argv[2])
rows = []
for line in open(sys.argv[1]):
    rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
def pick(impl, size, key):
    return [float(r[key]) for r in rows if r["impl"] == impl and r["size"] == size]
print()
print("median over rounds; tokens/s from the median step time (robust to background load),")
print("mean tokens/s = all tokens / all step time")
print(f"{'size':7} {'params':>9} {'impl':8} {'tok/s (median step)':>20} {'tok/s (mean)':>13} {'peak RSS MB':>12}")
for size in dict.fromkeys(r["size"] for r in rows):
    counts = {r["impl"]: r["params"] for r in rows if r["size"] == size}
    if len(set(counts.values())) != 1:
        sys.exit(f"{size}: the two sides built different models, parameters {counts}")
    params = counts["djl"]
    med = {}
    for impl in ("djl", "pytorch"):
        med[impl] = statistics.median(pick(impl, size, "tokens_per_s_median"))
        mean = statistics.median(pick(impl, size, "tokens_per_s"))
        rss = max(pick(impl, size, "peak_rss_mb"))
        print(f"{size:7} {params:>9} {impl:8} {med[impl]:>20.1f} {mean:>13.1f} {rss:>12.1f}")
    ratio = med["djl"] / med["pytorch"]
    verdict = "met" if ratio >= goal else "NOT met"
    print(f"{size:7} {'':>9} {'ratio':8} {ratio:>20.2f}   (DJL / PyTorch over {len(pick('djl', size, 'params'))} rounds, goal >= {goal}: {verdict})")
PYEOF
