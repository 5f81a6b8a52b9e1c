package dev.cpt.model;

/**
 * Rows of token ids packed into a rectangular [rows, width] block. Short rows are right-padded
 * with id 0; because attention is causal, padding after a row's last real token cannot influence
 * its real positions, and the mask keeps padding out of the loss.
 */
record Batch(int rows, int width, long[] inputs, long[] targets, float[] mask, int[] targetCounts) {

    long tokenCount() {
        long n = 0;
        for (int c : targetCounts) {
            n += c;
        }
        return n;
    }

    /** Rows are full sequences: inputs are row[0..n-2], targets row[1..n-1]. */
    static Batch forLoss(int[][] tokens, int contextLength, int vocabSize) {
        validate(tokens, 2, contextLength + 1, vocabSize);
        int rows = tokens.length;
        int width = 0;
        for (int[] row : tokens) {
            width = Math.max(width, row.length - 1);
        }
        long[] inputs = new long[rows * width];
        long[] targets = new long[rows * width];
        float[] mask = new float[rows * width];
        int[] counts = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] row = tokens[r];
            counts[r] = row.length - 1;
            for (int i = 0; i < row.length - 1; i++) {
                inputs[r * width + i] = row[i];
                targets[r * width + i] = row[i + 1];
                mask[r * width + i] = 1f;
            }
        }
        return new Batch(rows, width, inputs, targets, mask, counts);
    }

    /** Rows are model inputs only (length 1..contextLength); used for logits. */
    static Batch forInputs(int[][] tokens, int contextLength, int vocabSize) {
        validate(tokens, 1, contextLength, vocabSize);
        int rows = tokens.length;
        int width = 0;
        for (int[] row : tokens) {
            width = Math.max(width, row.length);
        }
        long[] inputs = new long[rows * width];
        int[] counts = new int[rows];
        for (int r = 0; r < rows; r++) {
            counts[r] = tokens[r].length;
            for (int i = 0; i < tokens[r].length; i++) {
                inputs[r * width + i] = tokens[r][i];
            }
        }
        return new Batch(rows, width, inputs, null, null, counts);
    }

    private static void validate(int[][] tokens, int minLen, int maxLen, int vocabSize) {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("batch is empty");
        }
        for (int r = 0; r < tokens.length; r++) {
            int[] row = tokens[r];
            if (row == null || row.length < minLen || row.length > maxLen) {
                throw new IllegalArgumentException("row " + r + " has length " + (row == null ? "null" : row.length)
                        + ", allowed " + minLen + ".." + maxLen);
            }
            for (int id : row) {
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException(
                            "row " + r + " contains token " + id + " outside the vocabulary [0, " + vocabSize + ")");
                }
            }
        }
    }
}
