#!/usr/bin/env bash
# Eval start-up time against the number of reports on cpt.eval.reports: the time until a worker's report history is
# ready (read to the topic's end) when it replays the topic from its beginning (no snapshot) and when it starts from
# its snapshot in cpt.eval.state-dir, plus what the first checkpoint of a run then pays to read that run's file. The
# report history runs in process (ReportHistory, as the service uses it) on an embedded KRaft broker; reports look
# like real ones (3 domains, 3 phases, matrix, gate), interleaved over the runs.
#
#   flock /tmp/cpt-heavy.lock eval-service/bench/startup.sh [--reports 100,1000,10000] [--runs 10] [--rounds 3]
#
# Builds what it needs in the reactor (no mvn install).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"

mvn -q -B -o -f "$root/pom.xml" -pl eval-service -am -DskipTests -Dspotless.check.skip=true test-compile \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null

echo ">> $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx1g ${BENCH_JAVA_OPTS:-} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
    dev.cpt.eval.EvalStartupBenchmark "$@" 2> target/startup-bench.stderr \
  | grep -E '^(RESULT|Eval|\|)'
echo ">> load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
