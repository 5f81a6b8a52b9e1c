package dev.cpt.ingest;

import static dev.cpt.contracts.metrics.Metrics.INGEST_BYTES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DOCUMENTS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_DUPLICATES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_FILES;
import static dev.cpt.contracts.metrics.Metrics.INGEST_QUALITY;
import static dev.cpt.contracts.metrics.Metrics.INGEST_RECEIVED;
import static dev.cpt.contracts.metrics.Metrics.INGEST_REJECTS;
import static dev.cpt.contracts.metrics.Metrics.INGEST_TOKENS;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What ingest receives, lets through and turns away, per domain, source and reason. Framework-free (a Micrometer
 * registry is all it needs); the service's registry is the Prometheus one behind {@code /q/metrics}.
 *
 * <p>Prometheus names: {@code cpt_ingest_received_total{domain,source}}, {@code
 * cpt_ingest_documents_total{domain,split}},
 * {@code cpt_ingest_bytes_total{domain}}, {@code cpt_ingest_tokens_total{domain}}, {@code
 * cpt_ingest_rejects_total{reason}},
 * {@code cpt_ingest_duplicates_total{domain,kind}}, {@code cpt_ingest_quality_bucket|_count|_sum{domain,le}},
 * {@code cpt_ingest_files_total{outcome}}.
 */
public class IngestMetrics {
    /** Histogram buckets of the quality score, which lies in [0, 1]. */
    private static final double[] QUALITY_BUCKETS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

    private final MeterRegistry registry;
    /**
     * The meters already registered, by name and tag values: building and registering a meter (tag sorting, id
     * lookup) for each of the four or five counts of every document cost more than the counting itself.
     */
    private final Map<Key, Meter> meters = new ConcurrentHashMap<>();

    private record Key(String name, String tag1, String tag2) {}

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts one document's outcome. A document whose input was too broken to name a domain counts as "unknown". */
    public void record(Outcome outcome, Origin origin) {
        String domain = outcome.domain() == null ? "unknown" : outcome.domain();
        counter(
                        INGEST_RECEIVED.name(),
                        domain,
                        origin.kind(),
                        () -> Counter.builder(INGEST_RECEIVED.name())
                                .description("Documents received, whatever became of them")
                                .tag("domain", domain)
                                .tag("source", origin.kind()))
                .increment();
        if (outcome instanceof Outcome.Accepted a) {
            String split = a.split() == Split.HELDOUT ? "heldout" : "train";
            counter(
                            INGEST_DOCUMENTS.name(),
                            domain,
                            split,
                            () -> Counter.builder(INGEST_DOCUMENTS.name())
                                    .description("Documents published, per split")
                                    .tag("domain", domain)
                                    .tag("split", split))
                    .increment();
            counter(
                            INGEST_BYTES.name(),
                            domain,
                            null,
                            () -> Counter.builder(INGEST_BYTES.name())
                                    .description("UTF-8 bytes of the published (normalised) texts")
                                    .tag("domain", domain))
                    .increment(a.bytes());
            counter(
                            INGEST_TOKENS.name(),
                            domain,
                            null,
                            () -> Counter.builder(INGEST_TOKENS.name())
                                    .description("Tokens of the published documents")
                                    .tag("domain", domain))
                    .increment(a.document().tokens().length);
            quality(domain, a.document().quality().get(QualityScorer.SCORE));
        } else if (outcome instanceof Outcome.Duplicate d) {
            String kind = d.kind().tag();
            counter(
                            INGEST_DUPLICATES.name(),
                            domain,
                            kind,
                            () -> Counter.builder(INGEST_DUPLICATES.name())
                                    .description("Documents dropped as exact or near duplicates of one already stored")
                                    .tag("domain", domain)
                                    .tag("kind", kind))
                    .increment();
        } else if (outcome instanceof Outcome.Rejected r) {
            rejected(r.reason());
            quality(domain, r.quality());
        }
    }

    public void rejected(String reason) {
        counter(
                        INGEST_REJECTS.name(),
                        reason,
                        null,
                        () -> Counter.builder(INGEST_REJECTS.name())
                                .description(
                                        "Documents refused, by reason; each also lands in the dead-letter topic or the HTTP error")
                                .tag("reason", reason))
                .increment();
    }

    /**
     * A watched file finished ({@code done}), was taken up again after a restart ({@code resumed}), or could not be
     * read ({@code failed}).
     */
    public void file(String outcome) {
        Counter.builder(INGEST_FILES.name())
                .description("Watched files, by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    private void quality(String domain, Double score) {
        if (score == null) {
            return;
        }
        ((DistributionSummary) meters.computeIfAbsent(
                        new Key(INGEST_QUALITY.name(), domain, null),
                        k -> DistributionSummary.builder(INGEST_QUALITY.name())
                                .description("Quality score of every scored document, before the filter")
                                .tag("domain", domain)
                                .serviceLevelObjectives(QUALITY_BUCKETS)
                                .register(registry)))
                .record(score);
    }

    private Counter counter(String name, String tag1, String tag2, Supplier<Counter.Builder> builder) {
        return (Counter) meters.computeIfAbsent(
                new Key(name, tag1, tag2), k -> builder.get().register(registry));
    }
}
