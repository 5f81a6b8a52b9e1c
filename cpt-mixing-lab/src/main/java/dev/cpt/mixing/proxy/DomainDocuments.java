package dev.cpt.mixing.proxy;

import dev.cpt.mixing.rounds.DomainBuffer;
import dev.cpt.model.tokenizer.ByteTokenizer;
import java.util.Random;

/**
 * An endless, seeded supply of one domain's documents, tokenized as the mixer receives them (bytes). Each document
 * ends with a newline, as a line of a text file does: the mixer adds no separator token of its own for the byte
 * tokenizer, which has no end-of-text token.
 */
final class DomainDocuments {
    private final String domain;
    private final Random rng;
    private long next;

    /** A document as it reaches the mixer. */
    record Tokenized(String id, int[] tokens) {}

    DomainDocuments(String domain, long seed) {
        this.domain = domain;
        this.rng = new Random(seed);
    }

    String domain() {
        return domain;
    }

    Tokenized next() {
        return new Tokenized(
                domain + "-" + next++, ByteTokenizer.INSTANCE.encode(Domains.document(domain, rng) + "\n"));
    }

    /** {@code count} sequences of {@code length} tokens, packed from the next documents as the mixer packs them. */
    int[][] sequences(int count, int length) {
        DomainBuffer buffer = new DomainBuffer(domain, DomainBuffer.NO_SEPARATOR);
        while (buffer.fullSequences(length) < count) {
            Tokenized d = next();
            buffer.add(d.id(), d.tokens(), () -> {});
        }
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            out[i] = buffer.cut(length).sequence().tokens();
        }
        return out;
    }
}
