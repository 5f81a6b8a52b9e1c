package dev.cpt.reward.encoder;

/**
 * Token ids, token types and attention mask of {@code rows} sequences padded to {@code width}, row-major. Padding
 * positions have mask 0 and id 0.
 */
public record TokenBatch(int rows, int width, long[] ids, long[] types, long[] mask) {
    public TokenBatch {
        int n = Math.multiplyExact(rows, width);
        if (rows < 1 || width < 1 || ids.length != n || types.length != n || mask.length != n) {
            throw new IllegalArgumentException(
                    "a batch of " + rows + " x " + width + " needs " + n + " ids, types and mask values");
        }
    }

    /** Builds a batch from ragged rows, padding each to the longest. */
    public static TokenBatch of(long[][] ids, long[][] types) {
        int width = 0;
        for (long[] row : ids) {
            width = Math.max(width, row.length);
        }
        int rows = ids.length;
        long[] flatIds = new long[rows * width];
        long[] flatTypes = new long[rows * width];
        long[] mask = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ids[r], 0, flatIds, r * width, ids[r].length);
            System.arraycopy(types[r], 0, flatTypes, r * width, types[r].length);
            java.util.Arrays.fill(mask, r * width, r * width + ids[r].length, 1L);
        }
        return new TokenBatch(rows, width, flatIds, flatTypes, mask);
    }

    /** Number of real (unpadded) tokens in the batch. */
    public long tokens() {
        long n = 0;
        for (long m : mask) {
            n += m;
        }
        return n;
    }
}
