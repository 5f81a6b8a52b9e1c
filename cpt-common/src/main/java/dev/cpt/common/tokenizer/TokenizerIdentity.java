package dev.cpt.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cpt.common.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;

/**
 * What a tokenizer is, as far as its ids are concerned, readable without running it: its fingerprint, the name derived
 * from it, its vocabulary size and its BOS/EOS. Every module that stamps or checks tokenized data agrees on this one
 * definition; the mixer reads it from the files alone, with no tokenizer library loaded.
 *
 * <p>Fingerprints: {@value #BYTE_FINGERPRINT} for the byte tokenizer (id = UTF-8 byte, 256 ids: its whole
 * definition), otherwise the lower-case hex SHA-256 of the {@code tokenizer.json} bytes (another file is another
 * tokenizer, even where it would cut every text the same way: comparing bytes is the only check that needs no
 * tokenizer).
 *
 * @param name {@value #BYTE_NAME}, or {@code hf-} and the first 16 hex digits of the fingerprint
 * @param vocabSize one more than the largest id the tokenizer can produce
 */
public record TokenizerIdentity(String name, String fingerprint, int vocabSize, SpecialTokens specialTokens) {

    /** The file a Hugging Face tokenizer is defined by. */
    public static final String FILE = "tokenizer.json";

    public static final String BYTE_NAME = "byte-utf8";
    public static final String BYTE_FINGERPRINT = "byte-256";

    /** The byte tokenizer: needs no files, has no BOS or EOS. */
    public static final TokenizerIdentity BYTES =
            new TokenizerIdentity(BYTE_NAME, BYTE_FINGERPRINT, 256, SpecialTokens.NONE);

    private static final String HF_NAME_PREFIX = "hf-";
    private static final int HF_NAME_DIGITS = 16;
    private static final int SHORT_DIGITS = 12;

    /**
     * The identity of a {@code tokenizer.json} ({@code root} is {@code json} parsed), with BOS/EOS known; errors name
     * {@code source}.
     */
    public static TokenizerIdentity of(byte[] json, JsonNode root, SpecialTokens specials, String source)
            throws IOException {
        int vocabSize;
        try {
            vocabSize = vocabSizeOf(root);
        } catch (IOException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        String fingerprint = Sha256.hex(json);
        return new TokenizerIdentity(nameOf(fingerprint), fingerprint, vocabSize, specials);
    }

    /**
     * Reads a {@code tokenizer.json} file, or the one in a directory, with BOS and EOS from the files beside it (see
     * {@link SpecialTokens}); errors name the file.
     */
    public static TokenizerIdentity read(Path fileOrDirectory) throws IOException {
        Path file = file(fileOrDirectory);
        byte[] json = readFile(file);
        JsonNode root = SpecialTokens.parse(json, file.toString());
        return of(json, root, SpecialTokens.read(file.toAbsolutePath().getParent(), root), file.toString());
    }

    /** {@code tokenizer.json} in {@code fileOrDirectory} when it is a directory, else {@code fileOrDirectory}. */
    public static Path file(Path fileOrDirectory) {
        return Files.isDirectory(fileOrDirectory) ? fileOrDirectory.resolve(FILE) : fileOrDirectory;
    }

    /** The bytes of a {@code tokenizer.json}; a missing file is an error that says what is there instead. */
    public static byte[] readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            // a SentencePiece-only checkpoint is the common way to get here; say what is there and what to do
            Path dir = file.toAbsolutePath().getParent();
            String sentencePiece = Files.isRegularFile(dir.resolve("tokenizer.model"))
                    ? " (tokenizer.model is there: convert it to tokenizer.json with transformers first)"
                    : "";
            throw new IOException("tokenizer file not found: " + file + sentencePiece);
        }
        return Files.readAllBytes(file);
    }

    /** The name a Hugging Face tokenizer with this fingerprint goes by (logs, checkpoints, {@code Document}). */
    public static String nameOf(String fingerprint) {
        return HF_NAME_PREFIX + fingerprint.substring(0, HF_NAME_DIGITS);
    }

    /** A fingerprint short enough for a log line or a dead-letter reason: 12 hex digits of a SHA-256. */
    public static String shortForm(String fingerprint) {
        return fingerprint != null && fingerprint.length() > SHORT_DIGITS && !fingerprint.equals(BYTE_FINGERPRINT)
                ? fingerprint.substring(0, SHORT_DIGITS)
                : String.valueOf(fingerprint);
    }

    /**
     * Why data tokenized as stated cannot be trained by a run whose tokenizer is {@code expected}, or empty when it
     * can. {@code fingerprint} is the one the data carries; where it carries none (written before producers stamped
     * one), {@code name} decides: {@value #BYTE_NAME} is the byte tokenizer, and an {@code hf-} name holds the first 16
     * hex digits of the fingerprint, enough to tell tokenizer files apart. Anything else is a mismatch.
     *
     * @param what the data, for the reason (e.g. {@code document d-1})
     * @param name the tokenizer's name as the data states it; null when it states none
     */
    public static Optional<String> mismatch(String expected, String what, String fingerprint, String name) {
        if (fingerprint != null) {
            return fingerprint.equals(expected)
                    ? Optional.empty()
                    : Optional.of(what + " was tokenized by tokenizer " + shortForm(fingerprint)
                            + ", this run's tokenizer is " + shortForm(expected));
        }
        if (name != null && name.equals(expectedName(expected))) {
            return Optional.empty();
        }
        return Optional.of(what + " carries no tokenizer fingerprint"
                + (name == null ? "" : " and names tokenizer '" + name + "'") + ", this run's tokenizer is "
                + shortForm(expected) + " (" + expectedName(expected) + ")");
    }

    /** The name the tokenizer with fingerprint {@code fingerprint} has always gone by. */
    private static String expectedName(String fingerprint) {
        if (fingerprint.equals(BYTE_FINGERPRINT)) {
            return BYTE_NAME;
        }
        return fingerprint.length() > HF_NAME_DIGITS ? nameOf(fingerprint) : fingerprint;
    }

    /** As the static {@link #mismatch(String, String, String, String)}, against this tokenizer. */
    public Optional<String> mismatch(String what, String fingerprint, String name) {
        return mismatch(this.fingerprint, what, fingerprint, name);
    }

    /**
     * Largest id in the model vocabulary or the added tokens of a parsed {@code tokenizer.json}, plus one (the
     * tokenizers library does not expose the vocabulary size, so it is read from the JSON itself).
     */
    public static int vocabSizeOf(JsonNode root) throws IOException {
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
}
