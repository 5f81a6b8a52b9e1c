package dev.cpt.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Passes a stream through until more than {@code limit} bytes have come, then throws {@link LimitExceeded}. */
final class BoundedInputStream extends FilterInputStream {
    static final class LimitExceeded extends IOException {
        LimitExceeded(long limit) {
            super("more than " + limit + " bytes", null);
        }
    }

    private final long limit;
    private long count;

    BoundedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(long n) throws LimitExceeded {
        count += n;
        if (count > limit) {
            throw new LimitExceeded(limit);
        }
    }
}
