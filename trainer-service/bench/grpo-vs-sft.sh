#!/usr/bin/env bash
# GRPO vs SFT from the same freshly pre-trained tiny base: held-out task reward before/after, and the change of the
# loss on general text for each (what each forgets).
#   trainer-service/bench/grpo-vs-sft.sh [pretrain steps] [steps] [arithmetic|units|mixed] [G] [inprocess|SCORE_URL] [seed] [lr]
# SCORE_URL, e.g. http://localhost:8085/score, scores with a running reward service instead of in process.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${CPT_SKIP_BUILD:-}" != 1 ]]; then
  mvn -q -B -DskipTests install -pl trainer-service -am
fi
mvn -q -B -f trainer-service/pom.xml test-compile exec:java \
  -Dexec.mainClass=dev.cpt.trainer.bench.GrpoVsSftBenchmark -Dexec.classpathScope=test \
  -Dexec.args="${1:-600} ${2:-60} ${3:-arithmetic} ${4:-8} ${5:-inprocess} ${6:-7} ${7:-1e-4}" -Dai.djl.offline=true ${CPT_BENCH_JAVA_OPTS:-}
