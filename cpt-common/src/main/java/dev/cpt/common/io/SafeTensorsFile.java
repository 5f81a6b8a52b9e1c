package dev.cpt.common.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One safetensors file of any size, its header read and checked on {@link #open} and its tensors read one at a time,
 * whole or a byte range at a time, into a caller's buffer, so no more than that buffer is ever held and neither files
 * nor tensors over 2 GiB are a problem.
 */
public final class SafeTensorsFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final SafeTensorsHeader header;
    private final Map<String, TensorEntry> byName = new LinkedHashMap<>();

    private SafeTensorsFile(Path path, FileChannel channel, SafeTensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        header.tensors().forEach(e -> byName.put(e.name(), e));
    }

    /** Opens {@code file} and checks its header against the file's size; errors name the file. */
    public static SafeTensorsFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafeTensorsFile(file, channel, SafeTensorsHeader.read(channel, file));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The tensors in header order. */
    public Map<String, TensorEntry> tensors() {
        return byName;
    }

    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * Reads the bytes of {@code tensor} (little-endian, in its dtype) into {@code into} from its position, which must
     * leave room for {@link TensorEntry#byteSize()} bytes; on return the buffer is flipped to exactly those bytes.
     */
    public void read(TensorEntry tensor, ByteBuffer into) throws IOException {
        read(tensor, 0, tensor.byteSize(), into);
    }

    /**
     * Reads {@code length} bytes of {@code tensor} starting {@code offset} bytes into it, as {@link #read(TensorEntry,
     * ByteBuffer)} does: a tensor too large for one buffer (over 2 GiB) is read in such ranges.
     */
    public void read(TensorEntry tensor, long offset, long length, ByteBuffer into) throws IOException {
        if (offset < 0 || length < 0 || offset + length > tensor.byteSize()) {
            throw new IllegalArgumentException("bytes [" + offset + ", " + (offset + length) + ") are outside " + tensor
                    + " (" + tensor.byteSize() + " bytes)");
        }
        if (into.remaining() < length) {
            throw new IllegalArgumentException(
                    "buffer of " + into.remaining() + " bytes cannot hold " + length + " bytes of " + tensor);
        }
        into.limit(into.position() + (int) length);
        SafeTensorsHeader.readFully(channel, into, header.dataStart() + tensor.begin() + offset, path);
        into.flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
