package dev.cpt.ingest;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Makes a {@link FingerprintWindow} survive restarts: an append-only file of fingerprints, each batch forced to disk
 * once the broker has acknowledged the documents it belongs to. On start the last {@code capacity} entries are read
 * back. When the file holds twice the window it is rewritten from the window (temp file, then an atomic rename), so
 * the file stays bounded too. A file written with other parameters (another shingle size or band layout) is not
 * comparable and is discarded. A torn final entry (a crash mid-write) is ignored.
 */
final class FingerprintJournal implements AutoCloseable {
    private static final long MAGIC = 0x4350545F46505631L; // "CPT_FPV1"

    private final Path file;
    private final long parameters;
    private final FingerprintWindow window;
    private FileChannel channel;
    private long entries;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    FingerprintJournal(Path file, long parameters, FingerprintWindow window) {
        this.file = file;
        this.parameters = parameters;
        this.window = window;
        try {
            Files.createDirectories(file.getParent());
            load();
            rewrite();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the dedup journal " + file.toAbsolutePath(), e);
        }
    }

    /** Appends the fingerprints and forces them to disk. */
    void append(long[] fingerprints) {
        try {
            for (long f : fingerprints) {
                if (buffer.remaining() < Long.BYTES) {
                    drain();
                }
                buffer.putLong(f);
            }
            drain();
            channel.force(false);
            entries += fingerprints.length;
            if (entries > 2L * window.capacity()) {
                rewrite();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dedup journal " + file.toAbsolutePath(), e);
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            if (in.readLong() != MAGIC || in.readLong() != parameters) {
                return; // another format or other parameters: start empty
            }
            while (true) {
                window.add(in.readLong());
            }
        } catch (EOFException endOrTornEntry) {
            // the end of the file, or a final entry a crash cut short
        }
    }

    /** Writes the window as a fresh journal and continues appending to it. */
    private void rewrite() throws IOException {
        if (channel != null) {
            channel.close();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        long[] kept = window.oldestFirst();
        try (DataOutputStream out =
                new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeLong(MAGIC);
            out.writeLong(parameters);
            for (long f : kept) {
                out.writeLong(f);
            }
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        entries = kept.length;
    }

    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
