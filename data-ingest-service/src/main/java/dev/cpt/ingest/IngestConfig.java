package dev.cpt.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything ingest can be told; every default runs (paths are relative to the working directory). */
@ConfigMapping(prefix = "cpt.ingest")
public interface IngestConfig {
    /** Domain given to a document that arrives without one and that no domain rule matches. */
    @WithDefault("general")
    String defaultDomain();

    /**
     * Domain rules for documents that arrive without a domain, tried in order: {@code REGEX=DOMAIN}, the regular
     * expression searched in a watched file's path relative to the inbox (or the client's {@code source}). E.g.
     * {@code cpt.ingest.domain-rules[0]=(?i)contracts?/=law}. A watched file without a matching rule takes the name of
     * its first directory under the inbox, else the default domain.
     */
    Optional<List<String>> domainRules();

    /** Smallest document accepted, in UTF-8 bytes; a 0-byte document is always refused as {@code empty}. */
    @WithDefault("1")
    int minDocumentBytes();

    /** Largest document accepted, in UTF-8 bytes; larger ones are rejected with a reason. */
    @WithDefault("1048576")
    int maxDocumentBytes();

    /**
     * Largest {@code POST /documents} body, in bytes; a larger upload is answered 413 (streamed uploads stop there).
     */
    @WithDefault("268435456")
    long maxRequestBytes();

    /** Share of each domain's documents kept out of training for evaluation, in percent (by a hash of the id). */
    @WithDefault("10")
    int heldoutPercent();

    /**
     * When set, {@code POST /documents} requires this value in the {@code X-API-Key} header (else 401). Health and
     * metrics stay open.
     */
    Optional<String> apiKey();

    /**
     * A Hugging Face {@code tokenizer.json} (or a directory holding one) to tokenize with; unset: bytes of UTF-8
     * (vocabulary 256). Every document carries its fingerprint, and the mixer ({@code cpt.mixer.tokenizer-file}) and
     * the trainer (its model's tokenizer) dead-letter documents and batches of any other, so all three must agree.
     */
    Optional<String> tokenizerFile();

    /** Where dedup fingerprints and watched-file progress are kept across restarts. */
    @WithDefault(".cpt/ingest-state")
    String stateDir();

    /**
     * Documents per chunk sent to the broker before waiting for its acknowledgements (HTTP uploads and watched files).
     */
    @WithDefault("500")
    int chunkDocuments();

    /** How long to wait for the broker to acknowledge a chunk before reporting its documents unavailable. */
    @WithDefault("120s")
    Duration ackTimeout();

    Inbox inbox();

    Dedup dedup();

    Quality quality();

    interface Inbox {
        /** Watch the inbox directory at all. */
        @WithDefault("true")
        boolean enabled();

        /** The watched directory ({@code .txt}, {@code .md}, {@code .jsonl}, {@code .jsonl.gz}); created if missing. */
        @WithDefault(".cpt/inbox")
        String dir();

        /** Time between two scans of the inbox. */
        @WithDefault("2s")
        Duration pollInterval();

        /** A file is taken up once it has not been modified for this long (it may still be being written). */
        @WithDefault("2s")
        Duration settle();
    }

    interface Dedup {
        /** Drop documents whose normalised text was stored before (SHA-256 of the text). */
        @WithDefault("true")
        boolean exact();

        /** Drop documents that nearly repeat one stored before (MinHash + LSH over word shingles). */
        @WithDefault("true")
        boolean near();

        /** Estimated Jaccard similarity of word shingles above which a document is a near-duplicate. */
        @WithDefault("0.8")
        double nearThreshold();

        /** Words per shingle for near dedup. */
        @WithDefault("5")
        int shingleWords();

        /** MinHash bins to split into LSH bands and rows (the layout is chosen from the threshold). */
        @WithDefault("128")
        int permutations();

        /** Most recent documents remembered for exact dedup (8 to 24 bytes of memory each). */
        @WithDefault("1000000")
        int exactWindow();

        /** Most recent documents remembered for near dedup (about 24 bytes per LSH band each, ~9 bands at 0.8). */
        @WithDefault("200000")
        int nearWindow();
    }

    interface Quality {
        /**
         * Documents whose quality score (0 to 1, see QualityScorer) is below this are rejected as low-quality; 0 keeps
         * all.
         */
        @WithDefault("0.5")
        double minScore();
    }
}
