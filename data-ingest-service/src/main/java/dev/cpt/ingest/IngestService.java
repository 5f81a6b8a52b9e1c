package dev.cpt.ingest;

import dev.cpt.kafka.clients.KafkaClients;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.Tokenizer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Wires the framework-free pipeline from {@link IngestConfig}: the steps, the dedup state under the state
 * directory (bound to the current documents topic, see {@link StateDirectory}), the tokenizer, and the broker sink.
 * Every source (HTTP, the raw topic, the inbox) goes through {@link #ingester()}.
 */
@Startup
@ApplicationScoped
public class IngestService {
    private static final Logger LOG = Logger.getLogger(IngestService.class);

    private final IngestConfig config;
    private final Tokenizer tokenizer;
    private final Deduplicator dedup;
    private final Validator validator;
    private final IngestMetrics metrics;
    private final KafkaPublishedLog publishedLog;
    private final Ingester ingester;
    private final Path stateDir;

    IngestService(IngestConfig config, MeterRegistry registry, EmitterSink sink, KafkaClients kafka) {
        this.config = config;
        this.tokenizer = tokenizer(config);
        this.publishedLog = new KafkaPublishedLog(kafka);
        this.stateDir = StateDirectory.open(Path.of(config.stateDir()), topicId(publishedLog));
        IngestConfig.Dedup d = config.dedup();
        MinHasher minHasher = MinHasher.forThreshold(d.nearThreshold(), d.shingleWords(), d.permutations());
        this.dedup = new Deduplicator(
                new Deduplicator.Settings(d.exact(), d.near(), d.exactWindow(), d.nearWindow()),
                minHasher,
                stateDir.resolve("dedup"));
        this.validator = new Validator(config.minDocumentBytes(), config.maxDocumentBytes());
        this.metrics = new IngestMetrics(registry);
        DocumentPipeline pipeline = new DocumentPipeline(
                validator,
                new TextNormalizer(),
                new DomainRules(config.defaultDomain(), config.domainRules().orElse(List.of())),
                dedup,
                new QualityScorer(),
                config.quality().minScore(),
                config.heldoutPercent(),
                tokenizer,
                Clock.systemUTC());
        this.ingester = new Ingester(pipeline, dedup, sink, metrics, config.ackTimeout());
        LOG.infof(
                "ingest: tokenizer %s, dedup exact=%s near=%s (threshold %.2f: %d bands x %d rows), quality >= %.2f, state in %s",
                tokenizer.name(),
                d.exact(),
                d.near(),
                d.nearThreshold(),
                minHasher.bands(),
                minHasher.rows(),
                config.quality().minScore(),
                stateDir.toAbsolutePath());
    }

    public Ingester ingester() {
        return ingester;
    }

    public Validator validator() {
        return validator;
    }

    public IngestMetrics metrics() {
        return metrics;
    }

    public KafkaPublishedLog publishedLog() {
        return publishedLog;
    }

    public Path stateDir() {
        return stateDir;
    }

    public IngestConfig config() {
        return config;
    }

    void onStop(@Observes ShutdownEvent event) {
        dedup.close();
        publishedLog.close();
        if (tokenizer instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing the tokenizer failed", e);
            }
        }
    }

    private static Tokenizer tokenizer(IngestConfig config) {
        if (config.tokenizerFile().isEmpty()) {
            return ByteTokenizer.INSTANCE;
        }
        Path file = Path.of(config.tokenizerFile().get());
        try {
            return HuggingFaceTokenizerAdapter.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cpt.ingest.tokenizer-file: cannot load the tokenizer " + file.toAbsolutePath(), e);
        }
    }

    /** The documents topic's id; null (state kept as it is) when the broker cannot tell us now. */
    private static String topicId(KafkaPublishedLog log) {
        try {
            return log.documentsTopicId();
        } catch (RuntimeException e) {
            LOG.warnf("cannot read the documents topic's id (%s): keeping the ingest state as it is", e.getMessage());
            return null;
        }
    }
}
