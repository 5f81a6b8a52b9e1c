#!/usr/bin/env bash
# Ingest throughput: documents/s, tokens/s and MB/s of text through the whole ingest path (validate, normalise,
# exact + near dedup, quality, split, tokenize, publish with acks=all) into a real embedded KRaft broker, on a
# generated corpus (default 64 MB of text with exact and near duplicates), after three uncounted warm-up passes over a
# separate 16 MB corpus of the same mix. Prints wall-clock MB/s, documents/s and tokens/s, and the CPU seconds per MB
# of text of the ingest JVM (by thread kind: ingest threads, producer I/O, GC, JIT) and of the broker, which is the
# figure to compare on a shared machine: on n quiet cores the path can do at most n / (core-s per MB) MB/s.
#
# Properties (via BENCH_JAVA_OPTS): -Dbench.warmup-passes=3, -Dbench.compression=lz4|snappy|zstd|none (default lz4,
# as the service), -Dbench.sink=serialize (no broker), -Dbench.encodings=numbers,packed (document encodings measured
# one after the other in the same run, each warmed up on its own: schema version 1's number arrays, version 2's packed
# ids; packed:none gives a run its own codec; a summary at the end compares their CPU per MB and the broker's log bytes
# per byte of text).
#
#   data-ingest-service/bench/ingest-throughput.sh [megabytes=64] [threads=2] [chunk=500]
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
  dev.cpt.ingest.bench.IngestThroughput "$@"
