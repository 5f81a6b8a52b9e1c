package dev.cpt.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.Sha256;
import dev.cpt.model.CheckpointException;
import dev.cpt.model.CheckpointInfo.FileEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json}: the size and sha256 of every other file of a checkpoint, plus caller
 * metadata. It is written deterministically (sorted keys, no timestamps) so identical contents give
 * an identical manifest hash, which serves as the checkpoint's identity.
 */
public final class Manifest {

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "cpt-checkpoint/1";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Manifest() {}

    /** Hashes the named files in {@code dir} and returns the manifest bytes. */
    public static byte[] build(Path dir, List<String> files, Map<String, String> metadata) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode list = root.putArray("files");
        for (String name : files.stream().sorted().toList()) {
            Path p = dir.resolve(name);
            ObjectNode e = list.addObject();
            e.put("path", name);
            e.put("size", Files.size(p));
            e.put("sha256", Sha256.hex(p));
        }
        ObjectNode meta = root.putObject("metadata");
        new TreeMap<>(metadata).forEach(meta::put);
        return JSON.writeValueAsBytes(root);
    }

    /** Parsed and verified manifest. */
    public record Verified(String sha256, List<FileEntry> files, Map<String, String> metadata) {}

    /**
     * Reads {@code manifest.json} and checks every listed file's size and hash.
     *
     * @throws CheckpointException naming the first file that is missing, truncated or altered
     */
    public static Verified verify(Path dir) throws CheckpointException {
        Verified listed = read(dir);
        for (FileEntry f : listed.files()) {
            Path p = dir.resolve(f.path());
            if (!Files.isRegularFile(p)) {
                throw new CheckpointException("checkpoint file " + f.path() + " is missing from " + dir);
            }
            try {
                long actualSize = Files.size(p);
                if (actualSize != f.size()) {
                    throw new CheckpointException("checkpoint file " + f.path() + " is " + actualSize
                            + " bytes but the manifest says " + f.size() + " (truncated or modified)");
                }
                String actualHash = Sha256.hex(p);
                if (!actualHash.equals(f.sha256())) {
                    throw new CheckpointException("checkpoint file " + f.path() + " is corrupted: sha256 " + actualHash
                            + " does not match manifest " + f.sha256());
                }
            } catch (IOException io) {
                throw new CheckpointException("cannot read checkpoint file " + f.path() + ": " + io.getMessage(), io);
            }
        }
        return listed;
    }

    /**
     * Reads {@code manifest.json} as it lists the files, without hashing them (a {@link Verified} whose files are only
     * as the manifest states them): for a checkpoint verified already, or to compare what two manifests say.
     *
     * @throws CheckpointException when the manifest is missing, unreadable or lists an invalid path
     */
    public static Verified read(Path dir) throws CheckpointException {
        Path manifestFile = dir.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(manifestFile);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint " + dir + " has no " + FILE);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + manifestFile + ": " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CheckpointException(FILE + " in " + dir + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new CheckpointException(FILE + " in " + dir + " is not a " + FORMAT + " manifest");
        }
        List<FileEntry> files = new ArrayList<>();
        for (JsonNode e : root.path("files")) {
            String name = e.path("path").asText("");
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new CheckpointException(FILE + " lists an invalid path '" + name + "'");
            }
            files.add(new FileEntry(
                    name, e.path("size").asLong(-1), e.path("sha256").asText("")));
        }
        Map<String, String> metadata = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metadata").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            metadata.put(m.getKey(), m.getValue().asText());
        }
        return new Verified(Sha256.hex(bytes), files, metadata);
    }
}
