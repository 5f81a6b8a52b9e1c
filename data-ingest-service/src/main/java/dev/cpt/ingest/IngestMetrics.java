package dev.cpt.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** What ingest lets through and what it turns away, per domain and per reason. */
@ApplicationScoped
public class IngestMetrics {
    private final MeterRegistry registry;

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void published(DocumentPreparer.Prepared p) {
        String domain = p.document().domain();
        String split = p.split().name().toLowerCase();
        registry.counter("cpt.ingest.documents", "domain", domain, "split", split).increment();
        registry.counter("cpt.ingest.bytes", "domain", domain).increment(p.bytes());
        registry.counter("cpt.ingest.tokens", "domain", domain).increment(p.document().tokens().length);
    }

    void rejected(String reason) {
        Counter.builder("cpt.ingest.rejects")
                .description("Documents refused, by reason; each also lands in the dead-letter topic or the HTTP error")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }
}
