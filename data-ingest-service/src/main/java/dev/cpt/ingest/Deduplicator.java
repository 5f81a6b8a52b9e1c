package dev.cpt.ingest;

import java.nio.file.Path;
import java.util.List;

/**
 * Exact and near-duplicate detection with bounded memory and state that survives a restart.
 *
 * <p>Exact: the first 64 bits of the SHA-256 of the normalised text (a false match needs a 2^-64 coincidence per
 * stored document). Near: the LSH band keys of {@link MinHasher}; a document sharing any band key with a stored one
 * is a near-duplicate. Each kind keeps a window of the most recent documents ({@link FingerprintWindow}).
 *
 * <p>Two-phase, so that no document is lost to dedup: {@link #reserve} checks and claims the fingerprints at once
 * (a second copy in the same batch or in a concurrent request is caught), {@link #commit} makes them durable only
 * after the broker has acknowledged the document, and {@link #release} forgets them when it has not. A crash
 * between the broker's acknowledgement and the commit can therefore let a later copy through, never drop an original.
 */
public final class Deduplicator implements AutoCloseable {
    public enum Kind {
        EXACT,
        NEAR;

        public String tag() {
            return name().toLowerCase();
        }
    }

    /** The fingerprints one unique document claimed; empty arrays for the kinds that are switched off. */
    public record Reservation(long[] exact, long[] near) {
        static final Reservation NONE = new Reservation(new long[0], new long[0]);
    }

    /** The verdict on one document: {@code duplicate} is null when it is unique, and then it holds the reservation. */
    public record Verdict(Kind duplicate, Reservation reservation) {}

    public record Settings(boolean exact, boolean near, int exactWindow, int nearWindow) {}

    private final Settings settings;
    private final MinHasher minHasher;
    private final FingerprintWindow exact;
    private final FingerprintWindow near;
    private final FingerprintJournal exactJournal;
    private final FingerprintJournal nearJournal;

    /** @param stateDir where the journals live; null keeps everything in memory (tests, benchmarks) */
    public Deduplicator(Settings settings, MinHasher minHasher, Path stateDir) {
        this.settings = settings;
        this.minHasher = minHasher;
        this.exact = new FingerprintWindow(Math.max(1, settings.exactWindow()));
        this.near = new FingerprintWindow(Math.max(1, settings.nearWindow()) * minHasher.bands());
        this.exactJournal = stateDir == null ? null : new FingerprintJournal(stateDir.resolve("exact.fp"), 1, exact);
        this.nearJournal = stateDir == null
                ? null
                : new FingerprintJournal(stateDir.resolve("near.fp"), minHasher.parameters(), near);
    }

    public MinHasher minHasher() {
        return minHasher;
    }

    /** The near-duplicate keys of a normalised text, or none when near dedup is off (saves the hashing). */
    public long[] nearKeys(String normalized) {
        return settings.near() ? minHasher.bandKeys(normalized) : new long[0];
    }

    /** Checks a document against everything stored or reserved, and claims its fingerprints when it is unique. */
    public synchronized Verdict reserve(long contentHash, long[] nearKeys) {
        if (settings.exact() && exact.contains(contentHash)) {
            return new Verdict(Kind.EXACT, null);
        }
        if (settings.near()) {
            for (long k : nearKeys) {
                if (near.contains(k)) {
                    return new Verdict(Kind.NEAR, null);
                }
            }
        }
        long[] exactKeys = settings.exact() ? new long[] {contentHash} : new long[0];
        long[] nearClaimed = settings.near() ? nearKeys : new long[0];
        for (long k : exactKeys) {
            exact.add(k);
        }
        for (long k : nearClaimed) {
            near.add(k);
        }
        return new Verdict(null, new Reservation(exactKeys, nearClaimed));
    }

    /** The documents of these reservations are on the broker: their fingerprints become durable. */
    public synchronized void commit(List<Reservation> reservations) {
        if (exactJournal == null || reservations.isEmpty()) {
            return;
        }
        exactJournal.append(concat(reservations, true));
        nearJournal.append(concat(reservations, false));
    }

    private static long[] concat(List<Reservation> reservations, boolean exact) {
        int n = 0;
        for (Reservation r : reservations) {
            n += (exact ? r.exact() : r.near()).length;
        }
        long[] all = new long[n];
        int at = 0;
        for (Reservation r : reservations) {
            long[] keys = exact ? r.exact() : r.near();
            System.arraycopy(keys, 0, all, at, keys.length);
            at += keys.length;
        }
        return all;
    }

    /** The document of this reservation did not reach the broker: forget it, so that a retry is not a "duplicate". */
    public synchronized void release(Reservation reservation) {
        for (long k : reservation.exact()) {
            exact.remove(k);
        }
        for (long k : reservation.near()) {
            near.remove(k);
        }
    }

    @Override
    public synchronized void close() {
        if (exactJournal != null) {
            exactJournal.close();
            nearJournal.close();
        }
    }
}
