package dev.cpt.reward.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The module list of a sentence-transformers directory, {@code modules.json}: a Transformer saved in the directory
 * itself (path {@code ""}), then a Pooling module, then optionally a Normalize module, and nothing else. Module types
 * are recognised by class name under {@code sentence_transformers.}, so both 5.x's
 * {@code sentence_transformers.models.Pooling} and 6's {@code sentence_transformers.sentence_transformer.modules
 * .pooling.Pooling} are read. Written with the 5.x names, which version 6 reads too.
 *
 * @param poolingDir the Pooling module's directory (holding its {@code config.json})
 * @param normalize whether a Normalize module follows the pooling
 */
record ModuleList(Path poolingDir, boolean normalize) {
    static final String FILE = "modules.json";
    static final String POOLING_DIR = "1_Pooling";
    static final String NORMALIZE_DIR = "2_Normalize";
    private static final String PACKAGE = "sentence_transformers.";
    private static final List<String> ORDER = List.of("Transformer", "Pooling", "Normalize");
    private static final String SUPPORTED = "supported: sentence_transformers Transformer (path \"\"), Pooling and"
            + " optionally Normalize, in that order";
    private static final ObjectMapper JSON = new ObjectMapper();

    static ModuleList read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode root = JSON.readTree(file.toFile());
        if (!root.isArray()) {
            throw new IOException(file + ": expected a JSON array of modules");
        }
        List<String> kinds = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (JsonNode module : root) {
            String type = module.path("type").asText("");
            String kind = type.startsWith(PACKAGE) ? type.substring(type.lastIndexOf('.') + 1) : "";
            if (!ORDER.contains(kind)) {
                throw new IOException(file + ": module " + kinds.size() + " has type \"" + type
                        + "\", which is not supported; " + SUPPORTED);
            }
            kinds.add(kind);
            paths.add(module.path("path").asText(""));
        }
        if (kinds.size() < 2 || !kinds.equals(ORDER.subList(0, kinds.size()))) {
            throw new IOException(file + ": modules " + kinds + " are not supported; " + SUPPORTED);
        }
        if (!paths.get(0).isEmpty()) {
            throw new IOException(
                    file + ": the Transformer must be saved in the directory itself (path \"\"), not in \""
                            + paths.get(0) + "\"");
        }
        Path pooling = dir.resolve(paths.get(1)).normalize();
        if (!pooling.startsWith(dir.normalize()) || pooling.equals(dir.normalize())) {
            throw new IOException(
                    file + ": the Pooling module's path \"" + paths.get(1) + "\" is not a subdirectory of " + dir);
        }
        return new ModuleList(pooling, kinds.size() == 3);
    }

    /** Writes {@code modules.json}: a Transformer, a Pooling in {@link #POOLING_DIR}, maybe {@link #NORMALIZE_DIR}. */
    static void write(Path dir, boolean normalize) throws IOException {
        ArrayNode root = JSON.createArrayNode();
        add(root, "", "Transformer");
        add(root, POOLING_DIR, "Pooling");
        if (normalize) {
            add(root, NORMALIZE_DIR, "Normalize");
        }
        Files.write(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static void add(ArrayNode root, String path, String kind) {
        int idx = root.size();
        root.addObject()
                .put("idx", idx)
                .put("name", Integer.toString(idx))
                .put("path", path)
                .put("type", PACKAGE + "models." + kind);
    }
}
