package dev.cpt.eval;

import dev.cpt.common.Sha256;
import dev.cpt.contracts.Document;
import dev.cpt.contracts.DomainScore;
import dev.cpt.contracts.EvalReport.HeldoutSetInfo;
import dev.cpt.model.LanguageModel;
import dev.cpt.training.HeldoutScorer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The held-out documents materialised from {@code cpt.heldout}, per domain, in the order they were read (topic
 * order: ingest keys by domain, so a domain's documents sit on one partition in offset order), deduplicated by id.
 *
 * <p>A domain's set freezes once it holds {@code capacity} documents: later documents of that domain are ignored, so
 * every checkpoint scored after that sees exactly the same documents, on every worker (each reads the topic from the
 * beginning). Until then a domain is scored on the set as it stands; its hash (sha256 over ids and tokens, in order)
 * names it, so two scores on a domain are comparable only when their hashes match.
 */
public final class HeldoutSet {
    private final int capacity;
    private final Map<String, Map<String, int[]>> byDomain = new TreeMap<>();

    public HeldoutSet(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("held-out documents per domain must be positive, was " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds a document unless its domain's set is frozen or it is a redelivery; says whether it was added. */
    public synchronized boolean add(Document doc) {
        Map<String, int[]> docs = byDomain.computeIfAbsent(doc.domain(), d -> new LinkedHashMap<>());
        if (docs.size() >= capacity || docs.containsKey(doc.id())) {
            return false;
        }
        docs.put(doc.id(), doc.tokens().clone());
        return true;
    }

    /** An immutable copy to score on while more documents keep arriving. */
    public synchronized Snapshot snapshot() {
        Map<String, DomainSet> sets = new TreeMap<>();
        byDomain.forEach((domain, byId) -> {
            MessageDigest digest = Sha256.newDigest();
            byId.forEach((id, tokens) -> {
                digest.update((id + '\u0000').getBytes(StandardCharsets.UTF_8));
                ByteBuffer buffer = ByteBuffer.allocate(4 * tokens.length + 4).putInt(tokens.length);
                for (int t : tokens) {
                    buffer.putInt(t);
                }
                digest.update(buffer.array());
            });
            sets.put(
                    domain,
                    new DomainSet(
                            List.copyOf(new ArrayList<>(byId.values())), Sha256.hex(digest), byId.size() >= capacity));
        });
        return new Snapshot(sets);
    }

    /** One domain's documents (token ids, in order), their hash, and whether the set is frozen. */
    public record DomainSet(List<int[]> documents, String sha256, boolean frozen) {
        public HeldoutSetInfo info() {
            return new HeldoutSetInfo(sha256, documents.size(), frozen);
        }
    }

    public record Snapshot(Map<String, DomainSet> sets) {
        public int size() {
            return sets.values().stream().mapToInt(s -> s.documents().size()).sum();
        }

        /** The hash of every domain's set: sha256 over "domain:hash" lines in domain order. */
        public String sha256() {
            MessageDigest digest = Sha256.newDigest();
            sets.forEach((domain, set) ->
                    digest.update((domain + ':' + set.sha256() + '\n').getBytes(StandardCharsets.UTF_8)));
            return Sha256.hex(digest);
        }

        /**
         * {@code model}'s score on each domain's set ({@link HeldoutScorer}); a domain whose documents hold no target
         * token has none.
         */
        public Map<String, DomainScore> scoredBy(LanguageModel model) {
            Map<String, DomainScore> scores = new TreeMap<>();
            sets.forEach((domain, set) -> {
                DomainScore score = HeldoutScorer.score(model, set.documents());
                if (score != null) {
                    scores.put(domain, score);
                }
            });
            return scores;
        }

        public Map<String, HeldoutSetInfo> infos() {
            Map<String, HeldoutSetInfo> infos = new TreeMap<>();
            sets.forEach((domain, set) -> infos.put(domain, set.info()));
            return infos;
        }
    }
}
