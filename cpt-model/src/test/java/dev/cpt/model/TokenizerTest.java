package dev.cpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cpt.model.tokenizer.ByteTokenizer;
import dev.cpt.model.tokenizer.HuggingFaceTokenizerAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

    @TempDir
    Path tmp;

    @Test
    void byteTokenizerRoundTripsUtf8() {
        ByteTokenizer t = ByteTokenizer.INSTANCE;
        String text = "naïve café — 東京 🚀";
        int[] ids = t.encode(text);
        assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, ids.length);
        for (int id : ids) {
            assertTrue(id >= 0 && id < 256);
        }
        assertEquals(text, t.decode(ids));
        assertEquals(256, t.vocabSize());
        assertArrayEquals(new int[] {72, 105}, t.encode("Hi"));
    }

    @Test
    void huggingFaceWordLevelTokenizerWorksOfflineAndTravelsWithCheckpoints() throws Exception {
        Path json = writeWordLevelTokenizer(tmp.resolve("tokenizer.json"));
        try (HuggingFaceTokenizerAdapter tok = HuggingFaceTokenizerAdapter.load(json)) {
            int[] ids = tok.encode("The river ran slowly past the old mill");
            assertEquals(8, ids.length);
            assertEquals(ids[0], ids[5], "lower-casing normaliser maps The and the to one id");
            assertEquals("the river ran slowly past the old mill", tok.decode(ids));
            assertEquals(0, tok.encode("zeppelin")[0], "unknown words map to [UNK]");
            int vocab = tok.vocabSize();
            assertTrue(vocab > 100 && vocab < 400, "vocab " + vocab);

            GptConfig cfg = new GptConfig(vocab, 32, 2, 2, 32);
            int[] stream = tok.encode(TestData.prose());
            int[][] probe = TestData.windows(stream, 2, 20, new Random(1));
            float[][][] logits;
            try (LanguageModel model = LanguageModel.create(cfg, 4, tok, Device.cpu())) {
                TrainStepResult r =
                        model.trainStep(TestData.windows(stream, 4, 20, new Random(2)), OptimizerSettings.defaults());
                assertTrue(r.applied());
                logits = model.logits(probe);
                model.save(tmp.resolve("ckpt"), Map.of());
                model.exportHuggingFace(tmp.resolve("hf"));
            }
            assertTrue(Files.exists(tmp.resolve("ckpt/tokenizer.json")));
            assertTrue(Files.exists(tmp.resolve("hf/tokenizer.json")));
            try (LanguageModel loaded = LanguageModel.load(tmp.resolve("ckpt"))) {
                assertInstanceOf(HuggingFaceTokenizerAdapter.class, loaded.tokenizer());
                assertEquals(tok.name(), loaded.tokenizer().name());
                assertArrayEquals(ids, loaded.tokenizer().encode("The river ran slowly past the old mill"));
                HuggingFaceInteropTest.assertLogitsEqual(logits, loaded.logits(probe));
            }
            try (LanguageModel imported = LanguageModel.importHuggingFace(tmp.resolve("hf"))) {
                assertEquals(tok.name(), imported.tokenizer().name());
            }
        }
    }

    /** A WordLevel tokenizer over the words of the test prose, in Hugging Face's JSON schema. */
    static Path writeWordLevelTokenizer(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        vocab.put("[UNK]", 0);
        for (String w : TestData.prose().toLowerCase(Locale.ROOT).split("[^a-z']+|(?=[^a-z'])|(?<=[^a-z'])")) {
            String word = w.trim();
            if (!word.isEmpty()) {
                vocab.putIfAbsent(word, vocab.size());
            }
        }
        for (String p : List.of(".", ",", "-", "'")) {
            vocab.putIfAbsent(p, vocab.size());
        }
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode unk = root.putArray("added_tokens").addObject();
        unk.put("id", 0)
                .put("content", "[UNK]")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        model.put("unk_token", "[UNK]");
        Files.write(file, json.writeValueAsBytes(root));
        return file;
    }
}
