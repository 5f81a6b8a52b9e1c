package dev.cpt.mixing.proxy;

import dev.cpt.model.tokenizer.ByteTokenizer;
import java.util.Arrays;
import java.util.Random;

/**
 * An endless stream of one domain's documents packed the way the mixer packs them: documents are tokenized, joined
 * end to end with a newline marking each boundary, and cut into sequences of a fixed length (context + 1).
 */
public final class DomainStream {
    private final String domain;
    private final Random rng;
    private final int sequenceLength;
    private int[] buffer = new int[0];

    public DomainStream(String domain, long seed, int sequenceLength) {
        this.domain = domain;
        this.rng = new Random(seed);
        this.sequenceLength = sequenceLength;
    }

    public String domain() {
        return domain;
    }

    public int[] next() {
        while (buffer.length < sequenceLength) {
            int[] doc = ByteTokenizer.INSTANCE.encode(Domains.document(domain, rng) + "\n");
            int[] joined = Arrays.copyOf(buffer, buffer.length + doc.length);
            System.arraycopy(doc, 0, joined, buffer.length, doc.length);
            buffer = joined;
        }
        int[] seq = Arrays.copyOf(buffer, sequenceLength);
        buffer = Arrays.copyOfRange(buffer, sequenceLength, buffer.length);
        return seq;
    }

    public int[][] next(int count) {
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            out[i] = next();
        }
        return out;
    }
}
