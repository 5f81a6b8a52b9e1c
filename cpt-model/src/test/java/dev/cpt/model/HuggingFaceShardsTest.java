package dev.cpt.model;

import static dev.cpt.model.HuggingFaceInteropTest.assertLogitsEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.common.io.Dtype;
import dev.cpt.common.io.SafeTensors;
import dev.cpt.common.io.SafeTensors.Tensor;
import dev.cpt.common.io.SafeTensorsFile;
import dev.cpt.common.io.SafeTensorsShards;
import dev.cpt.common.io.TensorEntry;
import dev.cpt.model.io.DecoderConfigJson;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Sharded and half-precision Hugging Face directories, both ways, and the errors a damaged one gives. */
class HuggingFaceShardsTest {

    /** Small enough that every fixture splits into several shards. */
    private static final long TINY_SHARDS = 16 * 1024;

    private static final int[][] PROBE = {{1, 5, 9, 200, 17, 3, 250, 0, 44, 12}, {7, 7, 7, 120}};

    @TempDir
    Path tmp;

    private static Path fixture(String name) throws Exception {
        return Path.of(HuggingFaceShardsTest.class
                        .getResource("/fixtures/" + name + "/config.json")
                        .toURI())
                .getParent();
    }

    private static int shardCount(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return (int) files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                    .count();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "gpt2-tiny"})
    void shardedFloat32ReimportsToIdenticalLogits(String name) throws Exception {
        Path sharded = tmp.resolve("sharded");
        float[][][] whole;
        try (LanguageModel model = LanguageModel.importHuggingFace(fixture(name))) {
            assertEquals(Dtype.F32, model.exportDtype());
            whole = model.logits(PROBE);
            model.exportHuggingFace(sharded, Dtype.F32, TINY_SHARDS);
        }
        assertTrue(Files.isRegularFile(sharded.resolve(SafeTensorsShards.INDEX_FILE)));
        assertTrue(shardCount(sharded) >= 3, "shards: " + shardCount(sharded));
        try (LanguageModel model = LanguageModel.importHuggingFace(sharded)) {
            assertLogitsEqual(whole, model.logits(PROBE));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "gpt2-tiny"})
    void bfloat16ExportEqualsAModelWhoseWeightsWereRoundedToBfloat16(String name) throws Exception {
        Path bf16 = tmp.resolve("bf16");
        try (LanguageModel model = LanguageModel.importHuggingFace(fixture(name))) {
            model.exportHuggingFace(bf16, Dtype.BF16, TINY_SHARDS);
        }
        // the reference: the fixture's float32 weights rounded to nearest even bf16 in Java, stored as float32
        Path rounded = tmp.resolve("rounded");
        Files.createDirectories(rounded);
        Files.copy(fixture(name).resolve(LanguageModel.CONFIG_FILE), rounded.resolve(LanguageModel.CONFIG_FILE));
        TokenizerStore.write(ByteTokenizer.INSTANCE, rounded);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        SafeTensors.read(fixture(name).resolve(LanguageModel.WEIGHTS_FILE))
                .tensors()
                .forEach((k, t) -> tensors.put(k, new Tensor(t.shape(), roundedToBfloat16(t.data()))));
        SafeTensors.write(rounded.resolve(LanguageModel.WEIGHTS_FILE), tensors, Map.of());

        try (LanguageModel fromBf16 = LanguageModel.importHuggingFace(bf16);
                LanguageModel reference = LanguageModel.importHuggingFace(rounded)) {
            assertLogitsEqual(reference.logits(PROBE), fromBf16.logits(PROBE));
            // imported from bf16, exported as bf16 by default
            assertEquals(Dtype.BF16, fromBf16.exportDtype());
            Path again = tmp.resolve("again");
            fromBf16.exportHuggingFace(again);
            try (SafeTensorsShards files = SafeTensorsShards.open(again)) {
                assertEquals(java.util.Set.of(Dtype.BF16), files.dtypes());
            }
            assertEquals(
                    "bfloat16",
                    new ObjectMapper()
                            .readTree(again.resolve(LanguageModel.CONFIG_FILE).toFile())
                            .get("torch_dtype")
                            .asText());
        }
    }

    /**
     * The float32 fixture exported as sharded BF16 stores, tensor for tensor, the bits torch's own rounding gave
     * ({@code model.bf16.safetensors}, make_llama_fixture.py), and re-imports to the logits of those weights exactly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void bfloat16ExportStoresTorchsRoundingAndReimportsAsThatModel(String name) throws Exception {
        Path exported = tmp.resolve("exported");
        try (LanguageModel model = LanguageModel.importHuggingFace(fixture(name))) {
            model.exportHuggingFace(exported, Dtype.BF16, TINY_SHARDS);
        }
        assertTrue(shardCount(exported) >= 2, "shards: " + shardCount(exported));
        try (SafeTensorsShards mine = SafeTensorsShards.open(exported);
                SafeTensorsFile torch = SafeTensorsFile.open(fixture(name).resolve("model.bf16.safetensors"))) {
            assertEquals(torch.tensors().keySet(), mine.tensors().keySet());
            for (TensorEntry t : torch.tensors().values()) {
                TensorEntry m = mine.tensors().get(t.name());
                assertEquals(Dtype.BF16, m.dtype(), t.name());
                assertArrayEquals(t.shape(), m.shape(), t.name());
                ByteBuffer expected = ByteBuffer.allocate((int) t.byteSize());
                torch.read(t, expected);
                ByteBuffer actual = ByteBuffer.allocate((int) m.byteSize());
                mine.read(t.name(), actual);
                assertEquals(expected, actual, t.name() + " differs from torch's bf16 rounding");
            }
        }
        Path torchBf16 = LlamaFixtureTest.Fixture.read(name).copy(tmp, Dtype.BF16, false);
        try (LanguageModel fromExport = LanguageModel.importHuggingFace(exported);
                LanguageModel fromTorch = LanguageModel.importHuggingFace(torchBf16)) {
            assertLogitsEqual(fromTorch.logits(PROBE), fromExport.logits(PROBE));
        }
    }

    @Test
    void float16RoundTripIsStableAndClose() throws Exception {
        Path f16 = tmp.resolve("f16");
        float[][][] original;
        try (LanguageModel model = LanguageModel.importHuggingFace(fixture("qwen2-tiny"))) {
            original = model.logits(PROBE);
            model.exportHuggingFace(f16, Dtype.F16, TINY_SHARDS);
        }
        Path again = tmp.resolve("again");
        try (LanguageModel model = LanguageModel.importHuggingFace(f16)) {
            assertEquals(Dtype.F16, model.exportDtype());
            float[][][] half = model.logits(PROBE);
            for (int r = 0; r < PROBE.length; r++) {
                for (int t = 0; t < PROBE[r].length; t++) {
                    for (int v = 0; v < half[r][t].length; v++) {
                        // qwen2-tiny's logits reach ~19 and f16 keeps 11 significant bits: ~0.02 measured
                        assertEquals(original[r][t][v], half[r][t][v], 0.1, "row " + r + " position " + t);
                    }
                }
            }
            model.exportHuggingFace(again, model.exportDtype(), TINY_SHARDS);
        }
        // values that came from f16 go back to the same f16 bits
        try (var files = Files.list(f16)) {
            for (Path shard : files.filter(p -> p.getFileName().toString().startsWith("model-"))
                    .toList()) {
                assertTrue(
                        Arrays.equals(
                                Files.readAllBytes(shard), Files.readAllBytes(again.resolve(shard.getFileName()))),
                        shard.getFileName().toString());
            }
        }
    }

    @Test
    void aCheckpointOfAnImportedModelKeepsItsLayout() throws Exception {
        Path source = fixture("qwen2-tiny");
        Path checkpoint = tmp.resolve("checkpoint");
        float[][][] imported;
        try (LanguageModel model = LanguageModel.importHuggingFace(source)) {
            imported = model.logits(PROBE);
            model.save(checkpoint, Map.of());
        }
        assertEquals(
                DecoderConfigJson.read(source.resolve(LanguageModel.CONFIG_FILE)),
                DecoderConfigJson.read(checkpoint.resolve(LanguageModel.CONFIG_FILE)));
        assertEquals(
                SafeTensors.read(source.resolve(LanguageModel.WEIGHTS_FILE))
                        .tensors()
                        .keySet(),
                SafeTensors.read(checkpoint.resolve(LanguageModel.WEIGHTS_FILE))
                        .tensors()
                        .keySet());
        try (LanguageModel loaded = LanguageModel.load(checkpoint)) {
            assertLogitsEqual(imported, loaded.logits(PROBE));
        }
    }

    // ---------------------------------------------------------------- damaged directories

    /** llama-tiny exported as float32 shards, and the path of its second shard. */
    private Path shardedLlama() throws Exception {
        Path dir = tmp.resolve("llama");
        try (LanguageModel model = LanguageModel.importHuggingFace(fixture("llama-tiny"))) {
            model.exportHuggingFace(dir, Dtype.F32, TINY_SHARDS);
        }
        return dir;
    }

    private static Path secondShard(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("model-00002-of-"))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /** The import fails naming the file, and leaves no native array behind (nothing half-loaded stays open). */
    private static void assertRefusedNaming(Path dir, String expectedFile, String expectedText) {
        int before = liveNativeArrays();
        IOException e = assertThrows(IOException.class, () -> LanguageModel.importHuggingFace(dir));
        System.out.println("refused: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFile), e.getMessage());
        assertTrue(e.getMessage().contains(expectedText), e.getMessage());
        assertEquals(before, liveNativeArrays(), "arrays left alive by the failed import");
    }

    /** Every array alive under any base manager in this JVM. */
    private static int liveNativeArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    /** Damages a sharded llama-tiny directory and returns the file the error must name, by its path. */
    @FunctionalInterface
    interface Damage {
        Path apply(Path dir) throws Exception;
    }

    static Stream<Arguments> damagedDirectories() {
        return Stream.of(
                damage("unknown model_type", "model_type bert", dir -> {
                    Path config = dir.resolve(LanguageModel.CONFIG_FILE);
                    Files.writeString(config, Files.readString(config).replace("\"llama\"", "\"bert\""));
                    return config;
                }),
                damage("config.json not JSON", "not valid JSON", dir -> {
                    Path config = dir.resolve(LanguageModel.CONFIG_FILE);
                    Files.writeString(config, "{\"model_type\": \"llama\",");
                    return config;
                }),
                damage("missing shard", "missing", dir -> {
                    Path shard = secondShard(dir);
                    Files.delete(shard);
                    return shard;
                }),
                damage("index not JSON", "not valid JSON", dir -> {
                    Files.writeString(dir.resolve(SafeTensorsShards.INDEX_FILE), "{\"weight_map\": ");
                    return dir.resolve(SafeTensorsShards.INDEX_FILE);
                }),
                damage("index maps a tensor to a shard without it", "has no tensor model.extra.weight", dir -> {
                    Path index = dir.resolve(SafeTensorsShards.INDEX_FILE);
                    Path shard = secondShard(dir);
                    Files.writeString(
                            index,
                            Files.readString(index)
                                    .replace(
                                            "\"weight_map\" : {",
                                            "\"weight_map\" : {\"model.extra.weight\": \"" + shard.getFileName()
                                                    + "\","));
                    return shard;
                }),
                damage("tensor of the wrong shape", "shape", dir -> {
                    Path shard = secondShard(dir);
                    Map<String, Tensor> tensors =
                            new LinkedHashMap<>(SafeTensors.read(shard).tensors());
                    String first = tensors.keySet().iterator().next();
                    Tensor t = tensors.get(first);
                    // same bytes, one flat dimension: only the shape is wrong
                    tensors.put(first, new Tensor(new long[] {t.data().length}, t.data()));
                    SafeTensors.write(shard, tensors, Map.of("format", "pt"));
                    return shard;
                }),
                // same element size as F32, so only the dtype is wrong, not the offsets
                damage("dtype I32", "dtype I32", dir -> retype(dir, "I32")),
                // eight bytes an element: the dtype is refused before the offsets are measured against it
                damage("dtype I64", "dtype I64", dir -> retype(dir, "I64")),
                damage("dtype F64", "dtype F64", dir -> retype(dir, "F64")),
                damage("truncated header", "truncated", dir -> {
                    Path shard = secondShard(dir);
                    Files.write(shard, Arrays.copyOf(Files.readAllBytes(shard), 40));
                    return shard;
                }),
                damage("truncated data", "truncated", dir -> {
                    Path shard = secondShard(dir);
                    byte[] good = Files.readAllBytes(shard);
                    Files.write(shard, Arrays.copyOf(good, good.length - 8));
                    return shard;
                }),
                damage(
                        "a tied head that differs from the embeddings",
                        "differs from model.embed_tokens.weight",
                        HuggingFaceShardsTest::tieTheHead),
                damage("tokenizer missing", "is missing", dir -> {
                    Files.delete(dir.resolve(TokenizerStore.INFO_FILE));
                    return dir.resolve(TokenizerStore.HF_FILE);
                }),
                damage("tokenizer with more ids than vocab_size", "more than the model's vocab_size 300", dir -> {
                    // the shipped byte-level BPE has 2,048 ids; llama-tiny's embedding has 300 rows
                    Path bpe = Path.of(HuggingFaceShardsTest.class
                                    .getResource("/tokenizers/byte-level-bpe/tokenizer.json")
                                    .toURI())
                            .getParent();
                    try (var files = Files.list(bpe)) {
                        for (Path f : files.toList()) {
                            Files.copy(f, dir.resolve(f.getFileName()));
                        }
                    }
                    return dir.resolve(TokenizerStore.HF_FILE);
                }));
    }

    private static Arguments damage(String what, String expectedText, Damage damage) {
        return Arguments.of(what, expectedText, damage);
    }

    /**
     * Declares llama-tiny's head tied, so its own {@code lm_head.weight} must equal the embeddings, which it does not:
     * found only after every parameter has been replaced, so the model built so far must still be closed.
     */
    private static Path tieTheHead(Path dir) throws IOException {
        Path config = dir.resolve(LanguageModel.CONFIG_FILE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tied = (ObjectNode) json.readTree(config.toFile());
        assertTrue(tied.remove("tie_word_embeddings").isBoolean());
        json.writeValue(config.toFile(), tied.put("tie_word_embeddings", true));
        String shard = json.readTree(dir.resolve(SafeTensorsShards.INDEX_FILE).toFile())
                .get("weight_map")
                .get("lm_head.weight")
                .asText();
        return dir.resolve(shard);
    }

    /** The second shard with its first tensor's dtype renamed in the header. */
    private static Path retype(Path dir, String dtype) throws IOException {
        Path shard = secondShard(dir);
        String bytes = new String(Files.readAllBytes(shard), StandardCharsets.ISO_8859_1);
        Files.write(shard, bytes.replaceFirst("\"F32\"", "\"" + dtype + "\"").getBytes(StandardCharsets.ISO_8859_1));
        return shard;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damagedDirectories")
    void aDamagedDirectoryIsRefusedNamingTheFileWithNothingLeftLoaded(String what, String expectedText, Damage damage)
            throws Exception {
        Path dir = shardedLlama();
        Path file = damage.apply(dir);
        assertRefusedNaming(dir, file.toString(), expectedText);
    }

    /** Round to nearest even at bf16's 8 significant bits, as libtorch does (no NaN in these weights). */
    private static float[] roundedToBfloat16(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToRawIntBits(values[i]);
            int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
            out[i] = Float.intBitsToFloat(rounded & 0xFFFF0000);
        }
        return out;
    }
}
