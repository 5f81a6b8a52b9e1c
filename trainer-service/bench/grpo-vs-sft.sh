#!/usr/bin/env bash
# GRPO vs SFT on the user's task from one pre-trained tiny base, over seeds: held-out task reward gain and held-out LM
# loss change per CPT domain at several step counts, with 95% t-intervals, and the loss change at equal reward gain.
#   trainer-service/bench/grpo-vs-sft.sh [--tasks FILE.jsonl | --task arithmetic|units|mixed] [--domain NAME=FILE]...
#       [--seeds 5] [--at 50,100,200] [--pretrain 3000] [--group 8] [--lr 1e-4] [--score URL]
# Without --domain: the shipped corpora corpus/{general,python,postgresql}/documents.jsonl.gz. --score
# http://localhost:8085/score scores with a running reward service instead of in process. CPT_SKIP_BUILD=1 reuses the
# last build; CPT_BENCH_JAVA_OPTS adds JVM options (e.g. -Dai.djl.pytorch.num_threads=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${CPT_SKIP_BUILD:-}" != 1 ]]; then
  # compiles trainer-service and what it depends on in place (nothing installed) and writes each module's test
  # classpath, in which the reactor's siblings are their target/classes
  mvn -q -B -o -pl trainer-service -am test-compile dependency:build-classpath -Dpmd.skip -Dcpd.skip \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi
echo ">> $(nproc --all) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
java -Xmx2g -Dai.djl.offline=true ${CPT_BENCH_JAVA_OPTS:-} \
  -cp "trainer-service/target/test-classes:trainer-service/target/classes:$(cat trainer-service/target/bench-classpath.txt)" \
  dev.cpt.trainer.bench.GrpoVsSftBenchmark "$@"
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
