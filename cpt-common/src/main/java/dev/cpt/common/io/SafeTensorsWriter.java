package dev.cpt.common.io;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a model's tensors as Hugging Face does: one {@code model.safetensors}, or, above a size limit, shards named
 * {@code model-00001-of-00003.safetensors} plus a {@code model.safetensors.index.json} in the {@code transformers}
 * format. Tensors are written one at a time from a caller's source, so the writer never holds more than the source
 * hands it.
 */
public final class SafeTensorsWriter {

    /** {@code transformers}' default {@code max_shard_size} ("5GB", decimal). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final String SHARD_PATTERN = "model-\\d{5}-of-\\d{5}\\.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SafeTensorsWriter() {}

    /** Writes exactly one tensor's bytes: little-endian, in the dtype being written, row-major. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(WritableByteChannel out, Dtype dtype) throws IOException;
    }

    /** A tensor to write: its name, its shape, and where its bytes come from. */
    public record Source(String name, long[] shape, TensorBytes bytes) {}

    /** {@code model.safetensors.index.json}. */
    record Index(
            IndexMetadata metadata,
            @JsonProperty("weight_map") Map<String, String> weightMap) {}

    /** The index's {@code metadata}: the bytes of all tensors together. */
    record IndexMetadata(@JsonProperty("total_size") long totalSize) {}

    /**
     * Writes {@code tensors} in {@code dtype} into {@code dir}, starting a new shard whenever the next tensor would
     * take the current one over {@code maxShardBytes} (a tensor larger than the limit gets a shard of its own). Weight
     * files of an earlier export in {@code dir} are removed first so they cannot mix with these. Returns the names
     * of the files written.
     */
    public static List<String> write(
            Path dir, List<Source> tensors, Dtype dtype, long maxShardBytes, Map<String, String> metadata)
            throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<List<Source>> shards = split(tensors, dtype, maxShardBytes);
        Files.createDirectories(dir);
        removeEarlierWeights(dir);
        if (shards.size() == 1) {
            writeFile(dir.resolve(SafeTensorsShards.SINGLE_FILE), shards.get(0), dtype, metadata);
            return List.of(SafeTensorsShards.SINGLE_FILE);
        }
        List<String> written = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            total += writeFile(dir.resolve(name), shards.get(i), dtype, metadata);
            shards.get(i).forEach(s -> weightMap.put(s.name(), name));
            written.add(name);
        }
        JSON.writeValue(
                dir.resolve(SafeTensorsShards.INDEX_FILE).toFile(), new Index(new IndexMetadata(total), weightMap));
        written.add(SafeTensorsShards.INDEX_FILE);
        return written;
    }

    private static List<List<Source>> split(List<Source> tensors, Dtype dtype, long maxShardBytes) {
        List<List<Source>> shards = new ArrayList<>();
        List<Source> current = new ArrayList<>();
        long currentBytes = 0;
        for (Source s : tensors) {
            long bytes = Math.multiplyExact(SafeTensorsHeader.elements(s.shape()), dtype.bytes());
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(s);
            currentBytes += bytes;
        }
        shards.add(current);
        return shards;
    }

    private static void removeEarlierWeights(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(SafeTensorsShards.SINGLE_FILE));
        Files.deleteIfExists(dir.resolve(SafeTensorsShards.INDEX_FILE));
        try (DirectoryStream<Path> stale =
                Files.newDirectoryStream(dir, p -> p.getFileName().toString().matches(SHARD_PATTERN))) {
            for (Path p : stale) {
                Files.delete(p);
            }
        }
    }

    /** Writes {@code tensors} into one file, whatever its size, and returns the bytes of its data section. */
    public static long writeFile(Path file, List<Source> tensors, Dtype dtype, Map<String, String> metadata)
            throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach(s -> shapes.put(s.name(), s.shape()));
        List<TensorEntry> entries = SafeTensorsHeader.layOut(shapes, dtype);
        byte[] header = SafeTensorsHeader.encode(entries, metadata);
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            while (prefix.hasRemaining()) {
                out.write(prefix);
            }
            long data = 0;
            for (int i = 0; i < tensors.size(); i++) {
                long before = out.position();
                tensors.get(i).bytes().writeTo(out, dtype);
                long wrote = out.position() - before;
                if (wrote != entries.get(i).byteSize()) {
                    throw new IllegalStateException("source of " + entries.get(i) + " wrote " + wrote + " bytes, "
                            + "its header says " + entries.get(i).byteSize());
                }
                data += wrote;
            }
            return data;
        }
    }
}
