package dev.cpt.model;

import dev.cpt.model.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Shared test inputs: a paragraph of real prose and helpers to cut it into training rows. */
final class TestData {

    private TestData() {}

    static String prose() {
        try (InputStream in = TestData.class.getResourceAsStream("/prose.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] proseTokens() {
        return ByteTokenizer.INSTANCE.encode(prose());
    }

    /** {@code rows} random windows of {@code length} tokens from {@code stream}. */
    static int[][] windows(int[] stream, int rows, int length, Random rng) {
        int[][] batch = new int[rows][];
        for (int r = 0; r < rows; r++) {
            int start = rng.nextInt(stream.length - length);
            batch[r] = java.util.Arrays.copyOfRange(stream, start, start + length);
        }
        return batch;
    }
}
