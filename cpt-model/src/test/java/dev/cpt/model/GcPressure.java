package dev.cpt.model;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the JVM free and reuse native memory while a test runs: a daemon thread keeps calling
 * {@link System#gc()} and allocating small direct buffers filled with 0xFF (a NaN bit pattern).
 * Any libtorch tensor still reading a Java direct buffer that the JVM has freed then sees garbage
 * at once instead of only when a GC happens to run at the wrong moment, as in a long-lived service.
 */
final class GcPressure implements AutoCloseable {

    private final Thread thread;
    private volatile boolean running = true;

    private GcPressure() {
        thread = new Thread(this::churn, "gc-pressure");
        thread.setDaemon(true);
        thread.start();
    }

    static GcPressure start() {
        return new GcPressure();
    }

    /** Frees what is unreachable now and scribbles over the freed memory, synchronously. */
    static void collectAndReuse() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(20);
        }
        List<ByteBuffer> keep = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            keep.add(filled(4 << (i % 11)));
        }
        keep.clear();
    }

    private void churn() {
        List<ByteBuffer> recent = new ArrayList<>();
        while (running) {
            for (int i = 0; i < 256; i++) {
                recent.add(filled(4 << (i % 8)));
            }
            recent.clear();
            System.gc();
            sleep(5);
        }
    }

    private static ByteBuffer filled(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        while (b.hasRemaining()) {
            b.put((byte) 0xFF);
        }
        return b;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
