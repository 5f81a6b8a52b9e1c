package dev.cpt.common.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-memory reader and writer for small F32 safetensors files (Java float arrays; large, sharded or F16/BF16 files go
 * through {@link SafeTensorsFile}, {@link SafeTensorsShards} and {@link SafeTensorsWriter}): an 8-byte little-endian header length
 * N, N bytes of JSON ({@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * "__metadata__": {...}}}), then the raw little-endian tensor bytes. Offsets are relative to the
 * start of the data section, which must be covered exactly, without holes or overlaps.
 */
public final class SafeTensors {

    private SafeTensors() {}

    /** A named F32 tensor held in Java memory (row-major). */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = SafeTensorsHeader.elements(shape);
            if (n != data.length) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
            }
        }
    }

    /** Parsed file: tensors in file order plus the optional string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(toBytes(tensors, metadata));
        }
    }

    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        List<TensorEntry> entries = SafeTensorsHeader.layOut(shapes, Dtype.F32);
        byte[] header = SafeTensorsHeader.encode(entries, metadata);
        long dataBytes = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).end();
        long total = 8L + header.length + dataBytes;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "an in-memory safetensors payload over 2 GiB is not supported; stream it with SafeTensorsWriter");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        buf.put(header);
        for (Tensor t : tensors.values()) {
            buf.asFloatBuffer().put(t.data());
            buf.position(buf.position() + 4 * t.data().length);
        }
        return buf.array();
    }

    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(file + ": files over 2 GiB cannot be read into Java arrays; "
                    + "read them tensor by tensor with SafeTensorsFile");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** Parses a complete F32 safetensors buffer, checking every length and offset against it. */
    public static Contents parse(byte[] bytes) throws SafeTensorsException {
        if (bytes.length < 8) {
            throw new SafeTensorsException("file is " + bytes.length + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = SafeTensorsHeader.checkedHeaderLength(buf.getLong(0), bytes.length - 8L);
        SafeTensorsHeader header = SafeTensorsHeader.parse(bytes, 8, (int) headerLen, bytes.length - 8L - headerLen);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorEntry e : header.tensors()) {
            if (e.dtype() != Dtype.F32) {
                throw new SafeTensorsException("tensor " + e.name() + ": dtype " + e.dtype()
                        + " is not supported by the float[] reader (only F32); read it natively with SafeTensorsFile");
            }
            float[] data = new float[Math.toIntExact(e.elementCount())];
            ByteBuffer slice = ByteBuffer.wrap(bytes, (int) (header.dataStart() + e.begin()), (int) e.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
            slice.asFloatBuffer().get(data);
            tensors.put(e.name(), new Tensor(e.shape(), data));
        }
        return new Contents(tensors, header.metadata());
    }

    /** The bytes are not a well-formed F32 safetensors file. */
    public static final class SafeTensorsException extends IOException {
        private static final long serialVersionUID = 1L;

        public SafeTensorsException(String message) {
            super(message);
        }

        public SafeTensorsException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
