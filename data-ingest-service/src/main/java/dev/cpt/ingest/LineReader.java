package dev.cpt.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads lines as raw bytes (so that each line's UTF-8 is validated on its own, and one bad line does not spoil the
 * rest) and knows the byte position after the last line it returned: the resume point of a watched file.
 * A line longer than {@code maxLine} is returned cut at that length with {@link #truncated()} set, and the rest of
 * it is skipped, so one enormous line cannot exhaust memory.
 */
final class LineReader {
    private final InputStream in;
    private final int maxLine;
    private final byte[] buffer = new byte[1 << 16];
    private int pos;
    private int limit;
    private long position;
    private boolean truncated;

    LineReader(InputStream in, long startPosition, int maxLine) {
        this.in = in;
        this.position = startPosition;
        this.maxLine = maxLine;
    }

    /** The next line without its terminator (LF or CR LF), or null at the end of the stream. */
    byte[] next() throws IOException {
        byte[] line = new byte[128];
        int length = 0;
        long total = 0;
        truncated = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buffer, 0, buffer.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    return total == 0 ? null : finish(line, length);
                }
            }
            int start = pos;
            while (pos < limit && buffer[pos] != '\n') {
                pos++;
            }
            int chunk = pos - start;
            total += chunk;
            int room = Math.min(chunk, maxLine - length);
            if (room > 0) {
                if (length + room > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, length + room));
                }
                System.arraycopy(buffer, start, line, length, room);
                length += room;
            }
            truncated |= room < chunk;
            position += chunk;
            if (pos < limit) { // found the LF
                pos++;
                position++;
                return finish(line, length);
            }
        }
    }

    private static byte[] finish(byte[] line, int length) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return Arrays.copyOf(line, end);
    }

    /** Bytes consumed so far, counted from the start of the stream: the position of the next line. */
    long position() {
        return position;
    }

    boolean truncated() {
        return truncated;
    }
}
