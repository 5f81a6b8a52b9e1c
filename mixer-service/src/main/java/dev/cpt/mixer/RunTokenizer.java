package dev.cpt.mixer;

import dev.cpt.common.tokenizer.TokenizerIdentity;
import dev.cpt.contracts.Document;
import dev.cpt.mixing.rounds.DomainBuffer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The run's tokenizer as the mixer knows it, from its files alone (no tokenizer library): a document cut by another
 * tokenizer is refused rather than packed into a batch of mismatched ids, every batch is stamped with its fingerprint,
 * and the document separator defaults to its EOS.
 */
@Singleton
public class RunTokenizer {
    /** {@code cpt.mixer.separator-token} value: the tokenizer's EOS, or no separator when it has none. */
    static final String EOS = "eos";

    /** {@code cpt.mixer.separator-token} value: no separator, document boundaries only in documentStarts. */
    static final String NONE = "none";

    /** The file in the state directory naming the tokenizer its reservoir's documents were cut with. */
    static final String STATE_FILE = "tokenizer-fingerprint";

    private final TokenizerIdentity identity;
    private final int separator;

    @Inject
    RunTokenizer(MixerConfig config) {
        this(load(config.tokenizerFile()), config.separatorToken());
    }

    RunTokenizer(TokenizerIdentity identity, String separatorSetting) {
        this.identity = identity;
        this.separator = separator(separatorSetting, identity);
    }

    private static TokenizerIdentity load(Optional<String> file) {
        if (file.isEmpty()) {
            return TokenizerIdentity.BYTES;
        }
        try {
            return TokenizerIdentity.read(Path.of(file.get()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cpt.mixer.tokenizer-file: " + e.getMessage(), e);
        }
    }

    /**
     * The token that follows every document: {@value #EOS} is the tokenizer's EOS (none when it has none),
     * {@value #NONE} is none ({@link DomainBuffer#NO_SEPARATOR}), anything else an id of the tokenizer.
     */
    static int separator(String setting, TokenizerIdentity tokenizer) {
        String s = setting.strip();
        if (s.equals(EOS)) {
            return tokenizer.specialTokens().eos().orElse(DomainBuffer.NO_SEPARATOR);
        }
        if (s.equals(NONE)) {
            return DomainBuffer.NO_SEPARATOR;
        }
        int id;
        try {
            id = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "cpt.mixer.separator-token must be eos, none or a token id, is '" + setting + "'");
        }
        if (id < 0 || id >= tokenizer.vocabSize()) {
            throw new IllegalArgumentException("cpt.mixer.separator-token " + id + " is not one of the "
                    + tokenizer.vocabSize() + " ids of the tokenizer " + tokenizer.name());
        }
        return id;
    }

    /** Why {@code doc} cannot be mixed into this run's batches, or empty when it can. */
    Optional<String> refuses(Document doc) {
        return identity.mismatch("document " + doc.id(), doc.tokenizerFingerprint(), doc.tokenizer());
    }

    /**
     * Binds {@code stateDir} (the replay reservoir) to this tokenizer: a directory whose reservoir was filled under
     * another tokenizer is refused, since its documents would be replayed as ids of the wrong vocabulary.
     */
    void bind(Path stateDir) {
        Path file = stateDir.resolve(STATE_FILE);
        try {
            if (Files.isRegularFile(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!stored.equals(identity.fingerprint())) {
                    throw new IllegalStateException("the mixer state in " + stateDir + " holds documents of tokenizer "
                            + TokenizerIdentity.shortForm(stored) + ", not of cpt.mixer.tokenizer-file's "
                            + TokenizerIdentity.shortForm(identity.fingerprint())
                            + ": give the run another cpt.mixer.state-dir, or empty this one");
                }
                return;
            }
            Files.createDirectories(stateDir);
            Files.writeString(file, identity.fingerprint() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the tokenizer in " + file, e);
        }
    }

    TokenizerIdentity identity() {
        return identity;
    }

    /** The separator token, or {@link DomainBuffer#NO_SEPARATOR}. */
    int separator() {
        return separator;
    }

    @Override
    public String toString() {
        return identity.name() + " (" + TokenizerIdentity.shortForm(identity.fingerprint()) + "), separator "
                + (separator == DomainBuffer.NO_SEPARATOR ? NONE : Integer.toString(separator));
    }
}
