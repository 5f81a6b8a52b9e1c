package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import dev.cpt.model.tokenizer.TokenizerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face directory brings its tokenizer: the shipped byte-level BPE (2,048 ids, BOS/EOS) travels with a
 * Llama-layout model through export and import, and a directory without a tokenizer, or with one the embedding
 * cannot hold, is refused with the file named.
 */
class HuggingFaceTokenizerImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Path shippedByteLevelBpe() throws Exception {
        return Path.of(HuggingFaceTokenizerImportTest.class
                        .getResource("/tokenizers/byte-level-bpe/tokenizer.json")
                        .toURI())
                .getParent();
    }

    private static Path fixture(String name) throws Exception {
        return Path.of(HuggingFaceTokenizerImportTest.class
                        .getResource("/fixtures/" + name + "/config.json")
                        .toURI())
                .getParent();
    }

    @Test
    void aBpeTokenizerAndItsSpecialTokensTravelWithTheModel() throws Exception {
        String text = "SELECT name FROM pg_class; -- def f(x): return x";
        int[] ids;
        float[][][] before;
        String fingerprint;
        int bos;
        int eos;
        try (HuggingFaceTokenizerAdapter bpe = HuggingFaceTokenizerAdapter.load(shippedByteLevelBpe());
                LanguageModel model = LanguageModel.create(LlamaConfig.tiny(bpe.vocabSize()), 3, bpe, Device.cpu())) {
            ids = bpe.encode(text);
            before = model.logits(new int[][] {ids});
            fingerprint = bpe.fingerprint();
            bos = bpe.bos().orElseThrow();
            eos = bpe.eos().orElseThrow();
            model.exportHuggingFace(tmp.resolve("hf"));
        }
        JsonNode config = JSON.readTree(tmp.resolve("hf/config.json").toFile());
        assertEquals(bos, config.path("bos_token_id").asInt(-1));
        assertEquals(eos, config.path("eos_token_id").asInt(-1));

        try (LanguageModel back = LanguageModel.importHuggingFace(tmp.resolve("hf"))) {
            assertEquals(fingerprint, back.tokenizer().fingerprint());
            assertEquals(bos, back.tokenizer().bos().orElseThrow());
            assertEquals(eos, back.tokenizer().eos().orElseThrow());
            assertTrue(Arrays.equals(ids, back.tokenizer().encode(text)));
            assertTrue(Arrays.deepEquals(before, back.logits(new int[][] {ids})), "logits changed through export");
        }
    }

    @Test
    void aDirectoryWithoutItsTokenizerIsRefusedNamingTheFile() throws Exception {
        Path dir = tmp.resolve("no-tokenizer");
        Files.createDirectories(dir);
        Files.copy(fixture("llama-tiny").resolve(LanguageModel.CONFIG_FILE), dir.resolve(LanguageModel.CONFIG_FILE));
        Files.copy(fixture("llama-tiny").resolve(LanguageModel.WEIGHTS_FILE), dir.resolve(LanguageModel.WEIGHTS_FILE));

        var e = assertThrows(java.io.IOException.class, () -> LanguageModel.importHuggingFace(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(TokenizerStore.HF_FILE) + " is missing"), e.getMessage());
    }

    @Test
    void aTokenizerWithMoreIdsThanTheEmbeddingIsRefusedNamingTheFile() throws Exception {
        Path dir = tmp.resolve("too-many-ids");
        Files.createDirectories(dir);
        Files.copy(fixture("llama-tiny").resolve(LanguageModel.CONFIG_FILE), dir.resolve(LanguageModel.CONFIG_FILE));
        Files.copy(fixture("llama-tiny").resolve(LanguageModel.WEIGHTS_FILE), dir.resolve(LanguageModel.WEIGHTS_FILE));
        try (var files = Files.list(shippedByteLevelBpe())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }

        var e = assertThrows(java.io.IOException.class, () -> LanguageModel.importHuggingFace(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(TokenizerStore.HF_FILE).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("more than the model's vocab_size 300"), e.getMessage());
    }
}
