package dev.cpt.eval;

import dev.cpt.contracts.Document;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The held-out documents materialised from {@code cpt.heldout}, per domain, deduplicated by id. Its hash names
 * exactly which documents a report was scored on, so two reports are comparable only when their hashes match.
 */
public final class HeldoutSet {
    private final Map<String, Map<String, int[]>> byDomain = new TreeMap<>();

    public synchronized void add(Document doc) {
        byDomain.computeIfAbsent(doc.domain(), d -> new TreeMap<>()).put(doc.id(), doc.tokens());
    }

    /** An immutable copy to score on while more documents keep arriving. */
    public synchronized Snapshot snapshot() {
        Map<String, List<int[]>> docs = new TreeMap<>();
        MessageDigest digest = sha256();
        byDomain.forEach((domain, byId) -> {
            docs.put(domain, new ArrayList<>(byId.values()));
            byId.forEach((id, tokens) -> digest.update((domain + '\u0000' + id + '\n').getBytes(StandardCharsets.UTF_8)));
        });
        return new Snapshot(docs, HexFormat.of().formatHex(digest.digest()));
    }

    public record Snapshot(Map<String, List<int[]>> documents, String sha256) {
        public int size() {
            return documents.values().stream().mapToInt(List::size).sum();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
