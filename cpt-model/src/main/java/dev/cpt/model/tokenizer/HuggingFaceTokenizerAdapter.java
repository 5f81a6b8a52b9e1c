package dev.cpt.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cpt.common.tokenizer.SpecialTokens;
import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.model.engine.OfflineEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
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
    private final TokenizerIdentity identity;

    private HuggingFaceTokenizerAdapter(HuggingFaceTokenizer delegate, byte[] json, TokenizerIdentity identity) {
        this.delegate = delegate;
        this.json = json;
        this.identity = identity;
    }

    /**
     * Loads a {@code tokenizer.json} file, or the one in a directory, with BOS and EOS from the files beside it (see
     * {@link SpecialTokens}).
     */
    public static HuggingFaceTokenizerAdapter load(Path path) throws IOException {
        Path file = TokenizerIdentity.file(path);
        Path dir = file.toAbsolutePath().getParent();
        byte[] json = TokenizerIdentity.readFile(file);
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
        TokenizerIdentity identity = TokenizerIdentity.of(json, root, specials, source);
        // the tokenizers library phones home unless DJL is offline; the flag must be set first
        OfflineEngine.ensureOffline();
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of("addSpecialTokens", "false"));
        } catch (RuntimeException e) {
            // valid JSON that the Rust library cannot build a tokenizer from (unknown type, bad merges, ...)
            throw new IOException(source + " is not a tokenizer the tokenizers library can load: " + e.getMessage(), e);
        }
        return new HuggingFaceTokenizerAdapter(tok, json.clone(), identity);
    }

    /** Largest id in the model vocabulary or the added tokens, plus one (see {@link TokenizerIdentity#vocabSizeOf}). */
    public static int vocabSizeOf(byte[] tokenizerJson) throws IOException {
        return TokenizerIdentity.vocabSizeOf(JSON.readTree(tokenizerJson));
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
        return identity.vocabSize();
    }

    @Override
    public String name() {
        return identity.name();
    }

    @Override
    public OptionalInt bos() {
        return identity.specialTokens().bos();
    }

    @Override
    public OptionalInt eos() {
        return identity.specialTokens().eos();
    }

    /** SHA-256 (hex) of the {@code tokenizer.json} bytes, see {@link TokenizerIdentity}. */
    @Override
    public String fingerprint() {
        return identity.fingerprint();
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
        return "HuggingFaceTokenizerAdapter[" + identity.name() + ", vocab=" + identity.vocabSize() + "]";
    }
}
