package dev.cpt.model.tokenizer;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The committed tokenizers under {@code src/test/resources/tokenizers/}. */
final class TokenizerResources {

    static final String BYTE_LEVEL = "byte-level-bpe";
    static final String BYTE_FALLBACK = "byte-fallback-bpe";

    private TokenizerResources() {}

    static Path resource(String name) {
        try {
            return Path.of(
                    TokenizerResources.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
