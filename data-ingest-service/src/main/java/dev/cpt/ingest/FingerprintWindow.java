package dev.cpt.ingest;

/**
 * A set of 64-bit fingerprints that remembers the most recent {@code capacity} additions and forgets the oldest:
 * dedup's memory is bounded (16 to 24 bytes per fingerprint) however long the service runs. Open addressing with
 * linear probing over primitive longs, so a million fingerprints cost no objects and no GC pressure.
 * Not thread-safe: {@link Deduplicator} serialises access.
 */
final class FingerprintWindow {
    private final long[] ring;
    private final long[] table;
    private final int mask;
    private int next;
    private int size;

    FingerprintWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        ring = new long[capacity];
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) << 1; // load factor at most 1/2
        table = new long[slots];
        mask = slots - 1;
    }

    int capacity() {
        return ring.length;
    }

    int size() {
        return size;
    }

    boolean contains(long fingerprint) {
        long key = nonZero(fingerprint);
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long t = table[i];
            if (t == 0) {
                return false;
            }
            if (t == key) {
                return true;
            }
        }
    }

    /** Adds the fingerprint as the newest, forgetting the oldest when full; no effect if it is already present. */
    void add(long fingerprint) {
        long key = nonZero(fingerprint);
        if (contains(key)) {
            return;
        }
        if (size == ring.length) {
            removeFromTable(ring[next]);
        } else {
            size++;
        }
        ring[next] = key;
        next = (next + 1) % ring.length;
        insert(key);
    }

    /** Forgets a fingerprint at once (a reservation whose document never reached the broker). */
    void remove(long fingerprint) {
        removeFromTable(nonZero(fingerprint));
    }

    /** The remembered fingerprints, oldest first (what a snapshot writes). */
    long[] oldestFirst() {
        long[] out = new long[size];
        int start = size == ring.length ? next : 0;
        int n = 0;
        for (int i = 0; i < size; i++) {
            long key = ring[(start + i) % ring.length];
            if (contains(key)) {
                out[n++] = key;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private void insert(long key) {
        int i = slot(key);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = key;
    }

    /** Backward-shift deletion keeps every probe chain intact without tombstones. */
    private void removeFromTable(long key) {
        int i = slot(key);
        while (table[i] != key) {
            if (table[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int home = slot(table[j]);
            // move j into the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = 0;
    }

    private int slot(long key) {
        return (int) MinHasher.mix(key) & mask;
    }

    /** 0 marks an empty slot, so the one fingerprint equal to 0 is stored as 1 (a 2^-64 chance of a merge). */
    private static long nonZero(long fingerprint) {
        return fingerprint == 0 ? 1 : fingerprint;
    }
}
