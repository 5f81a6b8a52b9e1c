package dev.cpt.reward.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sentence-transformers files of an encoder directory, beside the Hugging Face ones: {@code modules.json} (see
 * {@link ModuleList}), the Pooling module's config (see {@link PoolingConfig}) and {@code sentence_bert_config.json}.
 * Together they give the {@link EncoderHead}.
 *
 * <p>The truncation length is {@code sentence_bert_config.json}'s {@code max_seq_length} (sentence-transformers up to
 * 5.x); without it, {@code tokenizer_config.json}'s {@code model_max_length} (where version 6 keeps it), capped at
 * {@code max_position_embeddings} as sentence-transformers caps it; without either, {@code max_position_embeddings}.
 */
final class SentenceTransformerLayout {
    static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SentenceTransformerLayout() {}

    /** Whether {@code dir} is a sentence-transformers directory (it has {@code modules.json}). */
    static boolean isPresent(Path dir) {
        return Files.isRegularFile(dir.resolve(ModuleList.FILE));
    }

    static EncoderHead read(Path dir, BertConfig bert) throws IOException {
        ModuleList modules = ModuleList.read(dir);
        Pooling pooling = PoolingConfig.read(modules.poolingDir().resolve(PoolingConfig.FILE), bert.hiddenSize());
        JsonNode settings = optional(dir.resolve(SENTENCE_BERT_CONFIG));
        boolean lowerCase = settings.path("do_lower_case").asBoolean(false);
        return new EncoderHead(pooling, modules.normalize(), maxSeqLength(dir, settings, bert), lowerCase);
    }

    private static int maxSeqLength(Path dir, JsonNode settings, BertConfig bert) throws IOException {
        int positions = bert.maxPositions();
        JsonNode set = settings.get("max_seq_length");
        if (set != null && !set.isNull()) {
            if (!set.isIntegralNumber() || set.asInt() < 2 || set.asInt() > positions) {
                throw new IOException(dir.resolve(SENTENCE_BERT_CONFIG) + ": max_seq_length " + set
                        + " must be an integer from 2 to max_position_embeddings (" + positions + ")");
            }
            return set.asInt();
        }
        // Hugging Face writes a huge number (1e30) when a tokenizer has no limit of its own
        JsonNode tokenizerMax = optional(dir.resolve(TOKENIZER_CONFIG)).get("model_max_length");
        if (tokenizerMax != null && tokenizerMax.isNumber() && tokenizerMax.asDouble() >= 2) {
            return (int) Math.min(positions, tokenizerMax.asDouble());
        }
        return positions;
    }

    private static JsonNode optional(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : MissingNode.getInstance();
    }

    /**
     * Writes {@code modules.json}, {@code 1_Pooling/config.json}, {@code sentence_bert_config.json} and, with
     * normalisation, the (empty) {@code 2_Normalize} directory, as sentence-transformers 5.x saves them.
     */
    static void write(Path dir, EncoderHead head, BertConfig bert) throws IOException {
        ModuleList.write(dir, head.normalize());
        Path pooling = Files.createDirectories(dir.resolve(ModuleList.POOLING_DIR));
        PoolingConfig.write(pooling.resolve(PoolingConfig.FILE), head.pooling(), bert.hiddenSize());
        if (head.normalize()) {
            Files.createDirectories(dir.resolve(ModuleList.NORMALIZE_DIR));
        }
        ObjectNode settings = JSON.createObjectNode()
                .put("max_seq_length", head.maxSeqLength())
                .put("do_lower_case", head.lowerCase());
        Files.write(
                dir.resolve(SENTENCE_BERT_CONFIG),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(settings));
    }
}
