package dev.cpt.ingest;

import dev.cpt.common.Sha256;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.Json;
import dev.cpt.contracts.MalformedMessageException;
import dev.cpt.contracts.RawDocument;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;

/**
 * The one path every document takes, whatever its source, read top to bottom in {@link #prepare}: validate,
 * normalise, domain and id, dedup, quality, split, tokenize. Framework-free and thread-safe (the only shared state
 * is the {@link Deduplicator}, which serialises itself); publishing is the {@link Ingester}'s job.
 */
public final class DocumentPipeline {
    private final Validator validator;
    private final TextNormalizer normalizer;
    private final DomainRules domains;
    private final Deduplicator dedup;
    private final QualityScorer quality;
    private final double minQuality;
    private final int heldoutPercent;
    private final Tokenizer tokenizer;
    private final Clock clock;

    public DocumentPipeline(
            Validator validator,
            TextNormalizer normalizer,
            DomainRules domains,
            Deduplicator dedup,
            QualityScorer quality,
            double minQuality,
            int heldoutPercent,
            Tokenizer tokenizer,
            Clock clock) {
        if (heldoutPercent < 0 || heldoutPercent > 100) {
            throw new IllegalArgumentException("the held-out share is a percentage, 0 to 100: " + heldoutPercent);
        }
        this.validator = validator;
        this.normalizer = normalizer;
        this.domains = domains;
        this.dedup = dedup;
        this.quality = quality;
        this.minQuality = minQuality;
        this.heldoutPercent = heldoutPercent;
        this.tokenizer = tokenizer;
        this.clock = clock;
    }

    /** A {@link RawDocument} as JSON bytes: an HTTP body or line, a Kafka value, a {@code .jsonl} line. */
    public Outcome fromJson(byte[] bytes, int offset, int length, Origin origin) {
        RawDocument raw;
        try {
            raw = Json.read(validator.decodeJson(bytes, offset, length), RawDocument.class);
        } catch (RejectedDocumentException e) {
            return new Outcome.Rejected(null, e);
        } catch (MalformedMessageException e) {
            return new Outcome.Rejected(
                    null, new RejectedDocumentException(RejectedDocumentException.MALFORMED, e.getMessage()));
        }
        return fromRaw(raw, origin);
    }

    /** A document already parsed from JSON: its text is checked as decoded text. */
    public Outcome fromRaw(RawDocument raw, Origin origin) {
        String domain = null;
        try {
            domain = domains.assign(raw.domain(), origin);
            int bytes = Validator.utf8Length(raw.text());
            if (bytes < 0) {
                throw Validator.unpairedSurrogate();
            }
            validator.check(raw.text(), bytes);
            return prepare(raw.text(), raw.id(), domain, raw.source(), origin);
        } catch (RejectedDocumentException e) {
            return new Outcome.Rejected(domain, e);
        }
    }

    /** A plain-text document ({@code .txt}, {@code .md}) as its raw bytes. */
    public Outcome fromText(byte[] bytes, Origin origin) {
        String domain = null;
        try {
            domain = domains.assign(null, origin);
            return prepare(validator.decode(bytes, 0, bytes.length), null, domain, null, origin);
        } catch (RejectedDocumentException e) {
            return new Outcome.Rejected(domain, e);
        }
    }

    private Outcome prepare(String text, String givenId, String domain, String givenSource, Origin origin) {
        String clean = normalizer.normalize(text);
        if (clean.isEmpty()) {
            throw new RejectedDocumentException(
                    RejectedDocumentException.EMPTY, "the document has no text, only whitespace or control characters");
        }
        byte[] utf8 = clean.getBytes(StandardCharsets.UTF_8);
        byte[] digest = Sha256.digest(utf8);
        String id = isBlank(givenId) ? contentId(digest) : givenId.trim();

        Deduplicator.Verdict verdict = dedup.reserve(first64Bits(digest), dedup.nearKeys(clean));
        if (verdict.duplicate() != null) {
            return new Outcome.Duplicate(id, domain, verdict.duplicate());
        }

        Map<String, Double> scores = quality.score(clean);
        double score = scores.get(QualityScorer.SCORE);
        if (score < minQuality) {
            return new Outcome.Rejected(
                    domain,
                    new RejectedDocumentException(
                            RejectedDocumentException.LOW_QUALITY,
                            "quality score " + score + " is below the threshold " + minQuality + " " + scores),
                    score,
                    verdict.reservation());
        }

        Split split = Split.of(domain, id, heldoutPercent);
        String source = isBlank(givenSource) ? origin.describe() : givenSource;
        Document doc = new Document(
                id,
                domain,
                clean,
                tokenizer.name(),
                tokenizer.fingerprint(),
                tokenize(clean, utf8),
                source,
                clock.instant(),
                scores);
        return new Outcome.Accepted(doc, split, utf8.length, verdict.reservation());
    }

    /** The byte tokenizer's ids are the UTF-8 bytes already at hand: no second encoding. */
    private int[] tokenize(String text, byte[] utf8) {
        if (tokenizer instanceof ByteTokenizer) {
            int[] ids = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                ids[i] = utf8[i] & 0xff;
            }
            return ids;
        }
        return tokenizer.encode(text);
    }

    /** The id of a document that came without one: the content hash, so a resent copy has the same id. */
    static String contentId(byte[] sha256) {
        return "sha256:" + HexFormat.of().formatHex(sha256, 0, 16);
    }

    private static long first64Bits(byte[] digest) {
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (digest[i] & 0xff);
        }
        return h;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
