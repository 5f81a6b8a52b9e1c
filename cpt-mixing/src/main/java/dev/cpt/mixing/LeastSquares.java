package dev.cpt.mixing;

/**
 * Least squares for the small fits the mixing code makes: the CMR law, the policy table's static frontier, the agent
 * trainer's state baseline.
 */
public final class LeastSquares {
    private LeastSquares() {}

    /** Ordinary least squares through the normal equations; null when they are singular. */
    public static double[] fit(double[][] x, double[] y) {
        int p = x[0].length;
        double[][] xtx = new double[p][p];
        double[] xty = new double[p];
        for (int i = 0; i < x.length; i++) {
            for (int r = 0; r < p; r++) {
                for (int c = 0; c < p; c++) {
                    xtx[r][c] += x[i][r] * x[i][c];
                }
                xty[r] += x[i][r] * y[i];
            }
        }
        return solve(xtx, xty);
    }

    /** Solves the square system {@code a x = b}; null when {@code a} is singular. The arguments are not changed. */
    public static double[] solve(double[][] a, double[] b) {
        int p = b.length;
        double[][] m = new double[p][p + 1];
        for (int r = 0; r < p; r++) {
            System.arraycopy(a[r], 0, m[r], 0, p);
            m[r][p] = b[r];
        }
        // Gauss-Jordan with partial pivoting on the augmented matrix
        for (int col = 0; col < p; col++) {
            int pivot = col;
            for (int r = col + 1; r < p; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(m[pivot][col]) < 1e-12) {
                return null;
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            for (int r = 0; r < p; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int c = col; c <= p; c++) {
                        m[r][c] -= f * m[col][c];
                    }
                }
            }
        }
        double[] beta = new double[p];
        for (int r = 0; r < p; r++) {
            beta[r] = m[r][p] / m[r][r];
        }
        return beta;
    }
}
