package dev.cpt.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.Sha256;
import dev.cpt.model.engine.OfflineEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Any Hugging Face {@code tokenizer.json}, run by the Rust tokenizers library that ships inside the
 * {@code ai.djl.huggingface:tokenizers} jar (linux-x86_64 included), so nothing is downloaded.
 * Special tokens are not added: a language model is trained on the raw id stream.
 */
public final class HuggingFaceTokenizerAdapter implements Tokenizer, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer delegate;
    private final byte[] json;
    private final int vocabSize;
    private final String name;

    private HuggingFaceTokenizerAdapter(HuggingFaceTokenizer delegate, byte[] json, int vocabSize, String name) {
        this.delegate = delegate;
        this.json = json;
        this.vocabSize = vocabSize;
        this.name = name;
    }

    /** Loads a {@code tokenizer.json} file (or a directory containing one). */
    public static HuggingFaceTokenizerAdapter load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        return fromJson(Files.readAllBytes(file));
    }

    /** Builds a tokenizer from the bytes of a {@code tokenizer.json}. */
    public static HuggingFaceTokenizerAdapter fromJson(byte[] json) throws IOException {
        // the tokenizers library phones home unless DJL is offline; the flag must be set first
        OfflineEngine.ensureOffline();
        int vocab = vocabSizeOf(JSON.readTree(json));
        HuggingFaceTokenizer tok =
                HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of("addSpecialTokens", "false"));
        return new HuggingFaceTokenizerAdapter(
                tok, json.clone(), vocab, "hf-" + Sha256.hex(json).substring(0, 16));
    }

    /**
     * Largest id in the model vocabulary or the added tokens, plus one. The Java binding does not
     * expose the vocabulary size, so it is read from the JSON itself.
     */
    public static int vocabSizeOf(byte[] tokenizerJson) throws IOException {
        return vocabSizeOf(JSON.readTree(tokenizerJson));
    }

    static int vocabSizeOf(JsonNode root) throws IOException {
        int max = -1;
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<JsonNode> it = vocab.elements(); it.hasNext(); ) {
                max = Math.max(max, it.next().asInt());
            }
        } else if (vocab.isArray()) {
            // Unigram: a list of [piece, score]; the id is the index
            max = vocab.size() - 1;
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt(-1));
        }
        if (max < 0) {
            throw new IOException("tokenizer.json has no vocabulary");
        }
        return max + 1;
    }

    @Override
    public int[] encode(String text) {
        Encoding enc = delegate.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return delegate.decode(ids, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String name() {
        return name;
    }

    /** The original {@code tokenizer.json} bytes, for checkpoints and exports. */
    public byte[] json() {
        return json.clone();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "HuggingFaceTokenizerAdapter[" + name + ", vocab=" + vocabSize + "]";
    }
}
