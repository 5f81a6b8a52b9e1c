#!/usr/bin/env bash
# Eval throughput with the demo model (GptConfig.small1M, ~1M parameters, context 128), on CPU:
#  1. held-out tokens scored per second (the service's scorer, in process, on a real checkpoint);
#  2. checkpoint event -> eval report: the packaged eval-service runs as its own process on an embedded KRaft
#     broker; each real checkpoint is announced on cpt.checkpoints and timed until its report is on cpt.eval.reports.
#
# Environment knobs: DOCS (held-out documents per domain, 64), DOC_BYTES (512), DOMAINS (3), CHECKPOINTS (5),
# ROUNDS (3), SKIP_BUILD=1 to reuse target/. Needs the other modules installed (mvn -DskipTests install at the root).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE="$(dirname "$HERE")"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo ">> building eval-service (package, tests compiled but not run)"
  mvn -B -q -f "$MODULE/pom.xml" -DskipTests package
fi
mvn -B -q -f "$MODULE/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$MODULE/target/bench-classpath.txt" -Dmdep.includeScope=test
CP="$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$MODULE/target/bench-classpath.txt")"

echo ">> $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx1g -Dai.djl.offline=true -cp "$CP" dev.cpt.eval.EvalThroughputBenchmark \
    --docs "${DOCS:-64}" --doc-bytes "${DOC_BYTES:-512}" --domains "${DOMAINS:-3}" \
    --checkpoints "${CHECKPOINTS:-5}" --rounds "${ROUNDS:-3}" \
    --service-jar "$MODULE/target/quarkus-app/quarkus-run.jar" 2> "$MODULE/target/eval-bench.stderr" \
  | grep -v '^\s*$' | grep -E '^(RESULT|Held-out|Checkpoint)'
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
