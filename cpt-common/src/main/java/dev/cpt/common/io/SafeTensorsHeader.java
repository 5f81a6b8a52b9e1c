package dev.cpt.common.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.SafeTensors.SafeTensorsException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checked safetensors header: the tensors in header order, the string metadata, and the file offset where the data
 * section starts. Checked against the file it came from: every dtype known, every shape's byte size equal to its
 * {@code data_offsets} span, and the tensors tiling the data section exactly (no hole, overlap or missing or
 * trailing bytes), so a truncated file is refused before any tensor is read.
 */
public record SafeTensorsHeader(List<TensorEntry> tensors, Map<String, String> metadata, long dataStart) {

    /** Same cap as the reference implementation; a larger header is a corrupt or hostile file. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and checks the header of {@code file}; every error names the file. */
    public static SafeTensorsHeader read(FileChannel channel, Path file) throws IOException {
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafeTensorsException("file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0, file);
            long headerLen = checkedHeaderLength(prefix.getLong(0), size - 8);
            ByteBuffer json = ByteBuffer.allocate((int) headerLen);
            readFully(channel, json, 8, file);
            return parse(json.array(), 0, (int) headerLen, size - 8 - headerLen);
        } catch (SafeTensorsException e) {
            throw new SafeTensorsException(file + ": " + e.getMessage(), e);
        }
    }

    /** The header length after checking it against the cap and the bytes that follow it. */
    static long checkedHeaderLength(long headerLen, long bytesAfterPrefix) throws SafeTensorsException {
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw new SafeTensorsException("header length " + headerLen + " is out of range");
        }
        if (headerLen > bytesAfterPrefix) {
            throw new SafeTensorsException("header length " + headerLen + " exceeds the " + bytesAfterPrefix
                    + " bytes after the length prefix (truncated file?)");
        }
        return headerLen;
    }

    /** Parses the JSON at {@code bytes[offset, offset + length)}, followed in its file by {@code dataLen} bytes. */
    static SafeTensorsHeader parse(byte[] bytes, int offset, int length, long dataLen) throws SafeTensorsException {
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, offset, length, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException("header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new SafeTensorsException("header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorEntry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(readEntry(field.getKey(), field.getValue(), dataLen));
            }
        }
        checkCoverage(entries, dataLen);
        return new SafeTensorsHeader(List.copyOf(entries), metadata, 8L + length);
    }

    /**
     * The header JSON for tensors laid out back to back in the given order, padded with spaces so the data section
     * starts 8-byte aligned, as upstream does. Metadata keys are sorted, so the same tensors and metadata give the
     * same bytes whatever order the caller's map iterates in.
     */
    static byte[] encode(List<TensorEntry> entries, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        for (TensorEntry e : entries) {
            if (METADATA_KEY.equals(e.name())) {
                throw new IllegalArgumentException("tensor name " + METADATA_KEY + " is reserved");
            }
            ObjectNode entry = header.putObject(e.name());
            entry.put("dtype", e.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Back-to-back entries for tensors of the given shapes, in order, all of {@code dtype}. */
    static List<TensorEntry> layOut(Map<String, long[]> shapes, Dtype dtype) {
        List<TensorEntry> entries = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = Math.multiplyExact(elements(e.getValue()), dtype.bytes());
            entries.add(new TensorEntry(e.getKey(), dtype, e.getValue(), offset, offset + bytes));
            offset += bytes;
        }
        return entries;
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static void readFully(FileChannel channel, ByteBuffer into, long position, Path file) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, at);
            if (n < 0) {
                throw new EOFException(file + ": ends at byte " + at + ", " + into.remaining()
                        + " bytes short of what its header says (truncated file?)");
            }
            at += n;
        }
    }

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

    private static TensorEntry readEntry(String name, JsonNode node, long dataLen) throws SafeTensorsException {
        if (!node.isObject()) {
            throw new SafeTensorsException("tensor " + name + ": entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafeTensorsException("tensor " + name + ": missing dtype");
        }
        Dtype dtype = Dtype.fromHeader(dtypeNode.asText());
        if (dtype == null) {
            throw new SafeTensorsException("tensor " + name + ": dtype " + dtypeNode.asText()
                    + " is not supported (supported: " + Arrays.toString(Dtype.values()) + ")");
        }
        long[] shape = readShape(name, node.get("shape"));
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
                    + dataLen + "-byte data section (truncated file?)");
        }
        long elements;
        try {
            elements = elements(shape);
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsException("tensor " + name + ": shape overflows");
        }
        if (elements > Long.MAX_VALUE / 8 || end - begin != elements * dtype.bytes()) {
            throw new SafeTensorsException("tensor " + name + ": " + dtype + " shape " + Arrays.toString(shape)
                    + " needs " + (elements * dtype.bytes()) + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static long[] readShape(String name, JsonNode shapeNode) throws SafeTensorsException {
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafeTensorsException("tensor " + name + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new SafeTensorsException("tensor " + name + ": bad dimension " + d);
            }
            shape[i] = d.asLong();
        }
        return shape;
    }

    private static void checkCoverage(List<TensorEntry> entries, long dataLen) throws SafeTensorsException {
        List<TensorEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long expected = 0;
        for (TensorEntry e : sorted) {
            if (e.begin() != expected) {
                throw new SafeTensorsException("tensor " + e.name() + " starts at " + e.begin() + ", expected "
                        + expected + " (overlap or hole in the data section)");
            }
            expected = e.end();
        }
        if (expected != dataLen) {
            throw new SafeTensorsException("tensors cover " + expected + " bytes but the data section has " + dataLen
                    + " (truncated or trailing bytes)");
        }
    }
}
