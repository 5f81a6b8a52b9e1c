package dev.cpt.common.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for the safetensors format, F32 only: an 8-byte little-endian header length
 * N, N bytes of JSON ({@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]},
 * "__metadata__": {...}}}), then the raw little-endian tensor bytes. Offsets are relative to the
 * start of the data section, which must be covered exactly, without holes or overlaps.
 */
public final class SafeTensors {

    /** Same cap as the reference implementation; a larger header is a corrupt or hostile file. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {}

    /** A named F32 tensor held in Java memory (row-major). */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
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
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            // Sorted, so the same tensors and metadata give the same bytes (and the same sha256 in a checkpoint's
            // manifest) whatever order the caller's map iterates in, e.g. Map.of across JVM runs.
            new java.util.TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (METADATA_KEY.equals(e.getKey())) {
                throw new IllegalArgumentException("tensor name " + METADATA_KEY + " is reserved");
            }
            Tensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = 4L * t.data().length;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // pad the header with spaces so the data section starts 8-byte aligned, as upstream does
        int padded = (json.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("safetensors payload over 2 GiB is not supported");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        buf.put(json);
        for (int i = json.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            buf.asFloatBuffer().put(t.data());
            buf.position(buf.position() + 4 * t.data().length);
        }
        return buf.array();
    }

    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(file + ": files over 2 GiB are not supported");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /** Parses a complete safetensors buffer, checking every length and offset against it. */
    public static Contents parse(byte[] bytes) throws SafeTensorsException {
        if (bytes.length < 8) {
            throw new SafeTensorsException("file is " + bytes.length + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw new SafeTensorsException("header length " + headerLen + " is out of range");
        }
        if (headerLen > bytes.length - 8L) {
            throw new SafeTensorsException("header length " + headerLen + " exceeds the " + (bytes.length - 8)
                    + " bytes after the length prefix (truncated file?)");
        }
        int dataStart = 8 + (int) headerLen;
        long dataLen = bytes.length - (long) dataStart;
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new SafeTensorsException("header is not a JSON object");
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(readEntry(field.getKey(), field.getValue(), dataLen));
            }
        }
        checkCoverage(entries, dataLen);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            float[] data = new float[(int) ((e.end - e.begin) / 4)];
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) e.begin, (int) (e.end - e.begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            slice.asFloatBuffer().get(data);
            tensors.put(e.name, new Tensor(e.shape, data));
        }
        return new Contents(tensors, metadata);
    }

    private record Entry(String name, long[] shape, long begin, long end) {}

    private static void readMetadata(JsonNode node, Map<String, String> into) throws SafeTensorsException {
        if (!node.isObject()) {
            throw new SafeTensorsException(METADATA_KEY + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw new SafeTensorsException(METADATA_KEY + "." + f.getKey() + " is not a string");
            }
            into.put(f.getKey(), f.getValue().asText());
        }
    }

    private static Entry readEntry(String name, JsonNode node, long dataLen) throws SafeTensorsException {
        if (!node.isObject()) {
            throw new SafeTensorsException("tensor " + name + ": entry is not an object");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new SafeTensorsException("tensor " + name + ": missing dtype");
        }
        if (!"F32".equals(dtype.asText())) {
            throw new SafeTensorsException(
                    "tensor " + name + ": dtype " + dtype.asText() + " is not supported (only F32)");
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafeTensorsException("tensor " + name + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafeTensorsException("tensor " + name + ": bad dimension " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new SafeTensorsException("tensor " + name + ": shape overflows");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null
                || !offsets.isArray()
                || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber()) {
            throw new SafeTensorsException("tensor " + name + ": data_offsets must be [begin, end]");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw new SafeTensorsException("tensor " + name + ": data_offsets [" + begin + ", " + end + "] outside the "
                    + dataLen + "-byte data section");
        }
        if (elements > Integer.MAX_VALUE / 4 || end - begin != elements * 4) {
            throw new SafeTensorsException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs "
                    + (elements * 4) + " bytes but data_offsets span " + (end - begin));
        }
        return new Entry(name, shape, begin, end);
    }

    private static void checkCoverage(List<Entry> entries, long dataLen) throws SafeTensorsException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin != expected) {
                throw new SafeTensorsException("tensor " + e.name + " starts at " + e.begin + ", expected " + expected
                        + " (overlap or hole in the data section)");
            }
            expected = e.end;
        }
        if (expected != dataLen) {
            throw new SafeTensorsException("tensors cover " + expected + " bytes but the data section has " + dataLen
                    + " (truncated or trailing bytes)");
        }
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
