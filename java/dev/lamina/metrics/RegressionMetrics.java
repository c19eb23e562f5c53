package dev.lamina.metrics;

/**
 * One-shot regression metrics on plain arrays of targets and predictions (same length). The same
 * definitions as the streaming {@link Metric}s ({@link MeanSquaredError}, ...), computed
 * independently in one or two passes.
 */
public final class RegressionMetrics {
    private RegressionMetrics() {
    }

    private static void check(String op, double[] yTrue, double[] yPred) {
        if (yTrue == null || yPred == null) {
            throw new IllegalArgumentException(op + ": y_true and y_pred are required (got null)");
        }
        if (yTrue.length != yPred.length) {
            throw new IllegalArgumentException(op + ": y_true has " + yTrue.length + " values, y_pred has " + yPred.length);
        }
    }

    /** {@code (1/N) Σ (yᵢ − ŷᵢ)²}; NaN for empty arrays. */
    public static double mse(double[] yTrue, double[] yPred) {
        check("mse", yTrue, yPred);
        double s = 0;
        for (int i = 0; i < yTrue.length; i++) {
            double d = yTrue[i] - yPred[i];
            s += d * d;
        }
        return yTrue.length == 0 ? Double.NaN : s / yTrue.length;
    }

    /** {@code sqrt(mse)}. */
    public static double rmse(double[] yTrue, double[] yPred) {
        check("rmse", yTrue, yPred);
        return Math.sqrt(mse(yTrue, yPred));
    }

    /** {@code (1/N) Σ |yᵢ − ŷᵢ|}; NaN for empty arrays. */
    public static double mae(double[] yTrue, double[] yPred) {
        check("mae", yTrue, yPred);
        double s = 0;
        for (int i = 0; i < yTrue.length; i++) {
            s += Math.abs(yTrue[i] - yPred[i]);
        }
        return yTrue.length == 0 ? Double.NaN : s / yTrue.length;
    }

    /**
     * {@code 100 · mean over non-zero targets of |yᵢ − ŷᵢ| / |yᵢ|}: zero targets (|y| below
     * {@link Double#MIN_NORMAL}) are skipped, as in {@link MeanAbsolutePercentageError}; NaN when
     * every target is zero or the arrays are empty.
     */
    public static double mape(double[] yTrue, double[] yPred) {
        check("mape", yTrue, yPred);
        double s = 0;
        long m = 0;
        for (int i = 0; i < yTrue.length; i++) {
            if (Math.abs(yTrue[i]) >= Double.MIN_NORMAL) {
                s += Math.abs((yTrue[i] - yPred[i]) / yTrue[i]);
                m++;
            }
        }
        return m == 0 ? Double.NaN : 100.0 * s / m;
    }

    /**
     * {@code 1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)²} (two passes); with constant targets 1 for a perfect fit
     * and 0 otherwise, as {@link R2Score}; NaN for empty arrays.
     */
    public static double r2(double[] yTrue, double[] yPred) {
        check("r2", yTrue, yPred);
        if (yTrue.length == 0) {
            return Double.NaN;
        }
        double mean = 0;
        for (double t : yTrue) {
            mean += t;
        }
        mean /= yTrue.length;
        double ssTot = 0;
        double ssRes = 0;
        for (int i = 0; i < yTrue.length; i++) {
            ssTot += (yTrue[i] - mean) * (yTrue[i] - mean);
            ssRes += (yTrue[i] - yPred[i]) * (yTrue[i] - yPred[i]);
        }
        return R2Score.r2(ssRes, ssTot);
    }
}
