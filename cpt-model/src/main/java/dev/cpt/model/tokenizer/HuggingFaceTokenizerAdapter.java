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
import java.util.OptionalInt;

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
    private final String fingerprint;
    private final SpecialTokens specials;

    private HuggingFaceTokenizerAdapter(
            HuggingFaceTokenizer delegate, byte[] json, int vocabSize, String fingerprint, SpecialTokens specials) {
        this.delegate = delegate;
        this.json = json;
        this.vocabSize = vocabSize;
        this.name = "hf-" + fingerprint.substring(0, 16);
        this.fingerprint = fingerprint;
        this.specials = specials;
    }

    /**
     * Loads a {@code tokenizer.json} file, or the one in a directory, with BOS and EOS from the files beside it (see
     * {@link SpecialTokens}).
     */
    public static HuggingFaceTokenizerAdapter load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(TokenizerStore.HF_FILE) : path;
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isRegularFile(file)) {
            // a SentencePiece-only checkpoint is the common way to get here; say what is there and what to do
            String sentencePiece = Files.isRegularFile(dir.resolve("tokenizer.model"))
                    ? " (tokenizer.model is there: convert it to tokenizer.json with transformers first)"
                    : "";
            throw new IOException("tokenizer file not found: " + file + sentencePiece);
        }
        byte[] json = Files.readAllBytes(file);
        JsonNode root = SpecialTokens.parse(json, file.toString());
        return create(json, root, SpecialTokens.read(dir, root), file.toString());
    }

    /** Builds a tokenizer from the bytes of a {@code tokenizer.json}, without BOS or EOS. */
    public static HuggingFaceTokenizerAdapter fromJson(byte[] json) throws IOException {
        return fromJson(json, SpecialTokens.NONE);
    }

    /** Builds a tokenizer from the bytes of a {@code tokenizer.json}, with BOS and EOS known from elsewhere. */
    public static HuggingFaceTokenizerAdapter fromJson(byte[] json, SpecialTokens specials) throws IOException {
        return fromJson(json, specials, TokenizerStore.HF_FILE);
    }

    /** As {@link #fromJson(byte[], SpecialTokens)}; errors name {@code source}. */
    static HuggingFaceTokenizerAdapter fromJson(byte[] json, SpecialTokens specials, String source) throws IOException {
        return create(json, SpecialTokens.parse(json, source), specials, source);
    }

    private static HuggingFaceTokenizerAdapter create(byte[] json, JsonNode root, SpecialTokens specials, String source)
            throws IOException {
        int vocab;
        try {
            vocab = vocabSizeOf(root);
        } catch (IOException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        // the tokenizers library phones home unless DJL is offline; the flag must be set first
        OfflineEngine.ensureOffline();
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of("addSpecialTokens", "false"));
        } catch (RuntimeException e) {
            // valid JSON that the Rust library cannot build a tokenizer from (unknown type, bad merges, ...)
            throw new IOException(source + " is not a tokenizer the tokenizers library can load: " + e.getMessage(), e);
        }
        return new HuggingFaceTokenizerAdapter(tok, json.clone(), vocab, Sha256.hex(json), specials);
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

    @Override
    public OptionalInt bos() {
        return specials.bos();
    }

    @Override
    public OptionalInt eos() {
        return specials.eos();
    }

    /** SHA-256 (hex) of the {@code tokenizer.json} bytes: a different file is a different tokenizer. */
    @Override
    public String fingerprint() {
        return fingerprint;
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
