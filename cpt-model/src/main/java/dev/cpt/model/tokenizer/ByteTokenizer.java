package dev.cpt.model.tokenizer;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import java.nio.charset.StandardCharsets;

/**
 * Every UTF-8 byte is a token (vocabulary 256). Needs no files, never fails to encode, and decodes
 * any id sequence (invalid UTF-8 becomes U+FFFD), which makes it the safe default.
 */
public final class ByteTokenizer implements Tokenizer {

    public static final String NAME = TokenizerIdentity.BYTE_NAME;

    /** The fingerprint of the one byte tokenizer there is, see {@link TokenizerIdentity}. */
    public static final String FINGERPRINT = TokenizerIdentity.BYTE_FINGERPRINT;

    public static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {}

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] tokens) {
        byte[] bytes = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] > 255) {
                throw new IllegalArgumentException("token " + tokens[i] + " is not a byte");
            }
            bytes[i] = (byte) tokens[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String fingerprint() {
        return FINGERPRINT;
    }
}
