package dev.cpt.ingest;

import dev.cpt.common.Sha256;

/**
 * Train / held-out assignment from a hash of the domain and id: the same document always lands on the same side,
 * on every replica and after every restart, so a held-out document can never reach training.
 */
public enum Split {
    TRAIN,
    HELDOUT;

    public static Split of(String domain, String id, int heldoutPercent) {
        byte[] h = Sha256.digest(domain + '\u0000' + id);
        int bucket = Math.floorMod(((h[0] & 0xff) << 8) | (h[1] & 0xff), 100);
        return bucket < heldoutPercent ? HELDOUT : TRAIN;
    }
}
