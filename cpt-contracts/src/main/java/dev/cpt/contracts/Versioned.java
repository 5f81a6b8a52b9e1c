package dev.cpt.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A contract message: a record that travels on Kafka, over HTTP or to disk as JSON on its own (records nested in
 * one carry its version). Each carries {@value #FIELD} in its JSON, written from this interface so that no record's
 * constructor or call site changes.
 *
 * <p>Versions: 1 is the JSON written before the field existed (absent means 1; token ids as number arrays); 2 packs
 * token ids ({@link PackedInts}). {@link Json} reads the current version and the previous one. A message of a newer
 * version than {@link #SCHEMA_VERSION} is refused with a {@link MalformedMessageException} naming both versions, so a
 * consumer dead-letters it instead of misreading it: upgrade every reader of a topic before its writers.
 */
public interface Versioned {
    /** The version this code writes and the newest it reads. */
    int SCHEMA_VERSION = 2;

    /** The oldest version this code reads. */
    int OLDEST_READABLE = 1;

    /** The JSON field holding the version. */
    String FIELD = "schemaVersion";

    @JsonProperty(FIELD)
    default int schemaVersion() {
        return SCHEMA_VERSION;
    }
}
