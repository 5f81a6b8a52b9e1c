package dev.cpt.mixing.rounds;

import java.util.stream.IntStream;

/** Documents of consecutive token ids, so a test can tell from a sequence's tokens which document they came from. */
public final class TestTokens {
    private TestTokens() {}

    /** {@code count} tokens {@code from, from + 1, ...}. */
    public static int[] tokens(int from, int count) {
        return IntStream.range(from, from + count).toArray();
    }
}
