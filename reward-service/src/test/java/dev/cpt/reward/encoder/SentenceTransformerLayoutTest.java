package dev.cpt.reward.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading and refusing sentence-transformers directories, file by file, without weights: which module lists and
 * pooling configs load, where the truncation length comes from, and that bad directories fail naming the file; and
 * that an encoder created with a head saves it and loads back with it.
 */
class SentenceTransformerLayoutTest {
    /** hidden 32, 24 positions, as the fixtures. */
    private static final BertConfig BERT = new BertConfig(82, 32, 2, 2, 48, 24, 2, 1e-12f);

    private static final String MODULES_5 = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""";

    @TempDir
    Path tmp;

    private Path dir;

    @BeforeEach
    void sentenceTransformers6Directory() throws Exception {
        dir = tmp.resolve("st");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Path fixture = SentenceTransformerFixtureTest.fixture("mean-normalize");
        for (String f : new String[] {
            "modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "tokenizer_config.json"
        }) {
            Files.copy(fixture.resolve(f), dir.resolve(f));
        }
    }

    @Test
    void version6FilesGiveThePoolingTheNormalizeAndTokenizerConfigsLength() throws Exception {
        assertEquals(new EncoderHead(Pooling.MEAN, true, 14, false), SentenceTransformerLayout.read(dir, BERT));
    }

    @Test
    void version5FilesGiveTheirPoolingNormalizeLengthAndLowerCasing() throws Exception {
        Files.writeString(dir.resolve("modules.json"), MODULES_5);
        pooling("""
                {"word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false,
                 "pooling_mode_max_tokens": true, "pooling_mode_mean_sqrt_len_tokens": false,
                 "pooling_mode_weightedmean_tokens": false, "pooling_mode_lasttoken": false,
                 "include_prompt": true}""");
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 9, \"do_lower_case\": true}");
        assertEquals(new EncoderHead(Pooling.MAX, true, 9, true), SentenceTransformerLayout.read(dir, BERT));
    }

    @Test
    void withoutNormalizeInTheListThereIsNoNormalisation() throws Exception {
        Files.writeString(dir.resolve("modules.json"), MODULES_5.substring(0, MODULES_5.lastIndexOf(",\n")) + "]");
        assertEquals(false, SentenceTransformerLayout.read(dir, BERT).normalize());
    }

    @Test
    void theLengthFallsBackToMaxPositionEmbeddings() throws Exception {
        Files.delete(dir.resolve("sentence_bert_config.json"));
        Files.delete(dir.resolve("tokenizer_config.json"));
        assertEquals(24, SentenceTransformerLayout.read(dir, BERT).maxSeqLength());
        // Hugging Face's "no limit" (1e30) is capped at the positions, as sentence-transformers caps it
        Files.writeString(
                dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
        assertEquals(24, SentenceTransformerLayout.read(dir, BERT).maxSeqLength());
    }

    @Test
    void aMaxSeqLengthBeyondThePositionsIsRefused() throws Exception {
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 512}");
        refused("sentence_bert_config.json: max_seq_length 512 must be an integer from 2 to");
    }

    @Test
    void anUnknownModuleIsRefusedByName() throws Exception {
        Files.writeString(dir.resolve("modules.json"), MODULES_5.replace("models.Normalize", "models.Dense"));
        String message = refused("modules.json: module 2 has type \"sentence_transformers.models.Dense\"");
        assertTrue(message.contains("Transformer (path \"\"), Pooling and optionally Normalize"), message);
        Files.writeString(
                dir.resolve("modules.json"),
                MODULES_5.replace("sentence_transformers.models.Transformer", "my_package.Transformer"));
        refused("module 0 has type \"my_package.Transformer\"");
    }

    @Test
    void modulesInAnotherOrderOrATransformerInASubdirectoryAreRefused() throws Exception {
        Files.writeString(dir.resolve("modules.json"), MODULES_5.replace("models.Pooling", "models.Normalize"));
        refused("modules [Transformer, Normalize, Normalize] are not supported");
        Files.writeString(dir.resolve("modules.json"), MODULES_5.replace("\"path\": \"\"", "\"path\": \"0_BERT\""));
        refused("the Transformer must be saved in the directory itself");
    }

    @Test
    void aMissingPoolingConfigIsRefusedByName() throws Exception {
        Files.delete(dir.resolve("1_Pooling/config.json"));
        refused("1_Pooling/config.json is missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lasttoken", "weightedmean", "mean_sqrt_len_tokens"})
    void otherVersion6PoolingModesAreRefusedByName(String mode) throws Exception {
        pooling("{\"embedding_dimension\": 32, \"pooling_mode\": \"" + mode + "\"}");
        String message = refused("1_Pooling/config.json: pooling_mode \"" + mode + "\" is not supported");
        assertTrue(message.contains(Pooling.supported()), message);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"
            })
    void otherVersion5PoolingFlagsAreRefusedByName(String flag) throws Exception {
        pooling("{\"pooling_mode_mean_tokens\": false, \"" + flag + "\": true}");
        String message = refused("1_Pooling/config.json: " + flag + " is true, which is not supported");
        assertTrue(message.contains("cls (pooling_mode_cls_token), mean (pooling_mode_mean_tokens), max"), message);
    }

    @Test
    void severalOrNoPoolingModesAreRefused() throws Exception {
        pooling("{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true}");
        refused("[CLS, MEAN] are all true; exactly one of these is supported (no concatenation)");
        pooling("{\"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": false}");
        refused("no pooling mode is true");
    }

    @Test
    void aPoolingWidthOtherThanTheHiddenSizeIsRefused() throws Exception {
        pooling("{\"embedding_dimension\": 384, \"pooling_mode\": \"mean\"}");
        refused("embedding_dimension is 384 but the BERT's hidden_size is 32");
    }

    @Test
    void whatIsWrittenReadsBackAsTheSameHead() throws Exception {
        for (EncoderHead head : new EncoderHead[] {
            new EncoderHead(Pooling.CLS, true, 7, false), new EncoderHead(Pooling.MAX, false, 24, true)
        }) {
            Path out = Files.createDirectory(tmp.resolve("written-" + head.pooling()));
            SentenceTransformerLayout.write(out, head, BERT);
            assertEquals(head, SentenceTransformerLayout.read(out, BERT));
        }
    }

    /** How a test (e2e's SecuredStackIT) writes a sentence-transformers directory: a fresh encoder with a head. */
    @Test
    void anEncoderCreatedWithAHeadIsSavedAndLoadedWithIt() throws Exception {
        WordPieceVocabulary.Built vocab = WordPieceVocabulary.build(List.of("the cat sat", "the cat ran"), 300);
        BertConfig config = new BertConfig(vocab.size(), 8, 1, 2, 16, 16, 2, 1e-12f);
        EncoderHead head = new EncoderHead(Pooling.CLS, true, 12, false);
        Path out = tmp.resolve("created");
        try (SentenceEncoder encoder = SentenceEncoder.create(config, head, vocab.json(), 1, Device.cpu())) {
            encoder.save(out);
        }
        assertTrue(Files.isRegularFile(out.resolve("modules.json")));
        try (SentenceEncoder loaded = SentenceEncoder.load(out)) {
            assertEquals(head, loaded.head());
            float[] embedding = loaded.embed(List.of("the cat sat"))[0];
            double squares = 0;
            for (float v : embedding) {
                squares += v * v;
            }
            assertEquals(1.0, squares, 1e-5, "Normalize gives unit length");
        }
    }

    private void pooling(String json) throws IOException {
        Files.writeString(dir.resolve("1_Pooling/config.json"), json);
    }

    private String refused(String expected) {
        IOException e = assertThrows(IOException.class, () -> SentenceTransformerLayout.read(dir, BERT));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        return e.getMessage();
    }
}
