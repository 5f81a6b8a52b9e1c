package dev.cpt.ingest;

import dev.cpt.contracts.Document;
import dev.cpt.contracts.RawDocument;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;

/**
 * Turns a raw document into an accepted one, or rejects it with a reason: validation, an id when none was
 * given (the content hash), the domain, and the split. Framework-free so that each rule is tested alone.
 */
public class DocumentPreparer {
    private final IngestConfig config;
    private final TextTokenizer tokenizer;
    private final Clock clock;

    public DocumentPreparer(IngestConfig config, TextTokenizer tokenizer, Clock clock) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.clock = clock;
    }

    public Prepared prepare(RawDocument raw, String defaultSource) {
        String text = raw.text();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (text.isBlank()) {
            throw new RejectedDocumentException("empty", "the document has no text");
        }
        if (bytes > config.maxDocumentBytes()) {
            throw new RejectedDocumentException("too-large",
                    "the document is " + bytes + " bytes, the limit is " + config.maxDocumentBytes());
        }
        String domain = isBlank(raw.domain()) ? config.defaultDomain() : raw.domain().trim();
        String id = isBlank(raw.id()) ? contentId(text) : raw.id().trim();
        String source = isBlank(raw.source()) ? defaultSource : raw.source();
        Document doc = new Document(id, domain, text, tokenizer.name(), tokenizer.encode(text), source, clock.instant());
        return new Prepared(doc, Split.of(domain, id, config.heldoutPercent()), bytes);
    }

    static String contentId(String text) {
        return "sha256:" + HexFormat.of().formatHex(Split.sha256(text)).substring(0, 32);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    public record Prepared(Document document, Split split, int bytes) {}
}
