package dev.cpt.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Train / held-out assignment from a hash of the domain and id: the same document always lands on the same side,
 * on every replica and after every restart, so a held-out document can never reach training.
 */
public enum Split {
    TRAIN,
    HELDOUT;

    public static Split of(String domain, String id, int heldoutPercent) {
        byte[] h = sha256(domain + '\u0000' + id);
        int bucket = Math.floorMod(((h[0] & 0xff) << 8) | (h[1] & 0xff), 100);
        return bucket < heldoutPercent ? HELDOUT : TRAIN;
    }

    static byte[] sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
