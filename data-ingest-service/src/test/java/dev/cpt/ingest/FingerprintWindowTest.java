package dev.cpt.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FingerprintWindowTest {
    @Test
    void theOldestFingerprintIsForgottenWhenTheWindowIsFull() {
        FingerprintWindow w = new FingerprintWindow(3);
        for (long f : new long[] {10, 20, 30, 40}) {
            w.add(f);
        }
        assertFalse(w.contains(10));
        assertTrue(w.contains(20) && w.contains(30) && w.contains(40));
        assertEquals(3, w.size());
        assertArrayEquals(new long[] {20, 30, 40}, w.oldestFirst());
    }

    @Test
    void behavesLikeABoundedFifoSetUnderRandomUse() {
        FingerprintWindow w = new FingerprintWindow(500);
        ArrayDeque<Long> order = new ArrayDeque<>();
        Set<Long> reference = new HashSet<>();
        Random random = new Random(1);
        for (int i = 0; i < 50_000; i++) {
            long f = random.nextInt(3000) * 0x9E3779B97F4A7C15L; // collisions in the table's low bits on purpose
            if (!reference.contains(f)) {
                if (order.size() == 500) {
                    reference.remove(order.removeFirst());
                }
                order.addLast(f);
                reference.add(f);
            }
            w.add(f);
            if (i % 997 == 0) {
                for (long probe = 0; probe < 3000; probe++) {
                    long g = probe * 0x9E3779B97F4A7C15L;
                    assertEquals(reference.contains(g), w.contains(g), "fingerprint " + g + " at step " + i);
                }
            }
        }
    }

    @Test
    void aRemovedFingerprintIsForgottenAndTheOthersStay() {
        FingerprintWindow w = new FingerprintWindow(1000);
        for (long f = 1; f <= 1000; f++) {
            w.add(f * 1024); // same low bits: one long probe chain
        }
        w.remove(5 * 1024);
        assertFalse(w.contains(5 * 1024));
        for (long f = 1; f <= 1000; f++) {
            assertEquals(f != 5, w.contains(f * 1024), "fingerprint " + f);
        }
    }

    @Test
    void zeroIsAFingerprintLikeAnyOther() {
        FingerprintWindow w = new FingerprintWindow(2);
        assertFalse(w.contains(0));
        w.add(0);
        assertTrue(w.contains(0));
    }
}
