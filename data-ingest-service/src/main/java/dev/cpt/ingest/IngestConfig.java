package dev.cpt.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cpt.ingest")
public interface IngestConfig {
    /** Domain given to a document that arrives without one. */
    @WithDefault("general")
    String defaultDomain();

    /** Largest document accepted, in UTF-8 bytes; larger ones are rejected with a reason. */
    @WithDefault("1048576")
    int maxDocumentBytes();

    /** Share of each domain's documents kept out of training for evaluation, in percent (by a hash of the id). */
    @WithDefault("10")
    int heldoutPercent();
}
