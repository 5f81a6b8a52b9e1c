#!/usr/bin/env bash
# Mixer throughput: tokens/s from cpt.documents into packed batches committed on cpt.batches, on a real embedded KRaft
# broker on this machine, through the mixer service's own classes. Also documents/s, rounds/s, CPU seconds per million
# tokens of the mixer JVM (by thread) and of the broker, and the broker's log bytes per token on cpt.documents and
# cpt.batches (sum of the topics' partition log sizes the broker reports).
#
# Input: synthetic documents (SyntheticDocuments: four domains, 1-8 KB of text with some 20-80 KB, about 3.5 bytes of
# text a token, ids 256 to ~50k so the packed form takes 2 bytes an id), written before the clock starts as ingest
# writes them: schema version 2 (the contracts' JsonSerializer, which writes the same JSON as ingest's
# DocumentSerializer), keyed by domain, lz4, acks=all. The same path runs first on bench.warmup-tokens, uncounted.
#
# Timed: a KafkaConsumer configured as the service's documents-in channel (poll, lz4, decoding) handing each record to
# DocumentMixer.onDocument (Document JSON parsing with the packed ids) and so to MixingRounds: buffers, rounds, the
# completed-documents file, the replay reservoir, the ledger, and RoundPublisher's transactional lz4 producer committing
# each round. Not timed, not run: SmallRye's Kafka connector (its polling thread and worker hand-over, offset commits)
# and the rest of Quarkus.
#
# Properties (via BENCH_JAVA_OPTS): the mixer's own settings, e.g. -Dcpt.mixer.context-length=1024
# -Dcpt.mixer.batch-size=16 -Dcpt.mixer.batches-per-round=4 (the benchmark's defaults; the service's are 128, 8, 1),
# -Dcpt.mixer.reservoir.enabled=true; -Dbench.warmup-tokens=8000000; -Dbench.seed=7.
#
#   flock /tmp/cpt-heavy.lock mixer-service/bench/mixer-throughput.sh [million-tokens=32]
#
# Builds what it needs in the reactor (no mvn install).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"

mvn -q -B -o -f "$root/pom.xml" -pl mixer-service -am -DskipTests -Dspotless.check.skip=true test-compile \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null

exec java ${BENCH_JAVA_OPTS:-} -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Xms1g -Xmx3g -XX:+UseParallelGC \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  dev.cpt.mixer.MixerThroughput "$@"
