#!/usr/bin/env bash
# Broker storage per byte of text: documents and training batches written in schema version 1 (token ids as JSON
# number arrays, the form before packing) and version 2 (packed ids, see cpt-contracts' PackedInts), and an LEB128
# varint alternative, side by side in one run on one embedded KRaft broker, for each producer compression codec.
# Prints the uncompressed JSON bytes, the serializer's CPU per MB of text, and the bytes in the broker's log (sum of
# the topic's partition log sizes from describeLogDirs) per byte of text; then version 2 against the issue's goals
# (documents <= 1.5, batches <= 1.0).
#
# Documents: the three corpora the demo streams (corpus/{general,python,postgresql}/documents.jsonl.gz) and the
# launcher's sample corpus, through ingest's pipeline with the byte tokenizer (the demo's), written by ingest's
# DocumentSerializer. Batches: those tokens packed as the mixer packs them (contextLength 128 + 1, 8 sequences a
# batch: the mixer's defaults).
#
# Properties (via BENCH_JAVA_OPTS): -Dbench.codecs=none,lz4,zstd, -Dbench.context-length=128, -Dbench.batch-size=8.
#
#   data-ingest-service/bench/broker-storage.sh [documents=all]
#
# Builds what it needs in the reactor (no mvn install).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"

mvn -q -B -o -f "$root/pom.xml" -pl data-ingest-service -am -DskipTests -Dspotless.check.skip=true test-compile \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null

exec java ${BENCH_JAVA_OPTS:-} -Xms1g -Xmx3g -XX:+UseParallelGC \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  dev.cpt.ingest.bench.BrokerStorage "$@"
