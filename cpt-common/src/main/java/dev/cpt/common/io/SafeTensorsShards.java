package dev.cpt.common.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face model directory: one {@code model.safetensors}, or the shards that {@code
 * model.safetensors.index.json} maps tensors to (the index wins when both exist, as in {@code transformers}). Every
 * shard is checked to exist, then every header is read and checked against its file and against the index, all
 * before any tensor is read; tensors are then read one at a time.
 */
public final class SafeTensorsShards implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path source;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> fileOf = new LinkedHashMap<>();
    private final Map<String, TensorEntry> tensors = new LinkedHashMap<>();

    private SafeTensorsShards(Path source, List<SafeTensorsFile> files) {
        this.source = source;
        this.files = files;
        for (SafeTensorsFile f : files) {
            for (TensorEntry e : f.tensors().values()) {
                fileOf.put(e.name(), f);
                tensors.put(e.name(), e);
            }
        }
    }

    /** Opens the weights of {@code dir}; errors name the file at fault and nothing stays open. */
    public static SafeTensorsShards open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new NoSuchFileException(
                    single.toString(), null, "no " + SINGLE_FILE + " and no " + INDEX_FILE + " in " + dir);
        }
        return new SafeTensorsShards(single, List.of(SafeTensorsFile.open(single)));
    }

    private static SafeTensorsShards openSharded(Path dir, Path index) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        Set<String> shardNames = new LinkedHashSet<>(weightMap.values());
        for (String shard : shardNames) {
            Path name = Path.of(shard);
            // a bare file name, so an index cannot point outside its directory
            if (name.isAbsolute() || name.getNameCount() != 1 || shard.equals("..") || shard.equals(".")) {
                throw new IOException(index + ": shard " + shard + " is not a file name inside " + dir);
            }
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "shard listed in " + index + " is missing");
            }
        }
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            for (String shard : shardNames) {
                SafeTensorsFile file = SafeTensorsFile.open(dir.resolve(shard));
                opened.add(file);
                checkAgainstIndex(file, shard, weightMap, index);
            }
            return new SafeTensorsShards(index, opened);
        } catch (IOException | RuntimeException e) {
            for (SafeTensorsFile f : opened) {
                f.close();
            }
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new IOException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new IOException(index + ": no weight_map object of tensor name to shard file");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IOException(index + ": weight_map." + e.getKey() + " is not a file name");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** The shard holds exactly the tensors the index maps to it. */
    private static void checkAgainstIndex(SafeTensorsFile file, String shard, Map<String, String> weightMap, Path index)
            throws IOException {
        for (String name : file.tensors().keySet()) {
            if (!shard.equals(weightMap.get(name))) {
                throw new IOException(file.path() + ": holds tensor " + name + ", which " + index.getFileName()
                        + " maps to " + weightMap.get(name));
            }
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            if (e.getValue().equals(shard) && !file.tensors().containsKey(e.getKey())) {
                throw new IOException(file.path() + ": has no tensor " + e.getKey() + ", which " + index.getFileName()
                        + " maps to it");
            }
        }
    }

    /** The index file of a sharded model, else the one weights file: what to name when the whole set is at fault. */
    public Path source() {
        return source;
    }

    /** Every tensor of the model, shard by shard in header order. */
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    /** The file that holds {@code tensor}. */
    public Path fileOf(String tensor) {
        return fileHolding(tensor).path();
    }

    /** The dtypes the tensors are stored in. */
    public Set<Dtype> dtypes() {
        Set<Dtype> out = EnumSet.noneOf(Dtype.class);
        tensors.values().forEach(t -> out.add(t.dtype()));
        return out;
    }

    /** Reads {@code tensor}'s bytes as {@link SafeTensorsFile#read} does. */
    public void read(String tensor, ByteBuffer into) throws IOException {
        fileHolding(tensor).read(tensors.get(tensor), into);
    }

    /** The open file that holds {@code tensor}. */
    public SafeTensorsFile fileHolding(String tensor) {
        SafeTensorsFile f = fileOf.get(tensor);
        if (f == null) {
            throw new IllegalArgumentException("no tensor " + tensor);
        }
        return f;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafeTensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
