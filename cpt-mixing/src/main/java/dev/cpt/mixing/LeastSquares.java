package dev.cpt.mixing;

/** Least squares for the small fits the mixing code makes: the CMR law, the policy table's static frontier. */
public final class LeastSquares {
    private LeastSquares() {}

    /** Ordinary least squares through the normal equations; null when they are singular. */
    public static double[] fit(double[][] x, double[] y) {
        int p = x[0].length;
        double[][] a = new double[p][p + 1];
        for (int i = 0; i < x.length; i++) {
            for (int r = 0; r < p; r++) {
                for (int c = 0; c < p; c++) {
                    a[r][c] += x[i][r] * x[i][c];
                }
                a[r][p] += x[i][r] * y[i];
            }
        }
        // Gauss-Jordan with partial pivoting on the augmented matrix
        for (int col = 0; col < p; col++) {
            int pivot = col;
            for (int r = col + 1; r < p; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (Math.abs(a[pivot][col]) < 1e-12) {
                return null;
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = 0; r < p; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int c = col; c <= p; c++) {
                        a[r][c] -= f * a[col][c];
                    }
                }
            }
        }
        double[] beta = new double[p];
        for (int r = 0; r < p; r++) {
            beta[r] = a[r][p] / a[r][r];
        }
        return beta;
    }
}
