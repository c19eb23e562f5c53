package dev.lamina.metrics;

import dev.lamina.tensor.Shapes;

/**
 * Coefficient of determination over all samples seen since the last reset, as
 * {@code keras.metrics.R2Score} (uniform average over outputs, no adjustment):
 * <pre>
 *   R² = 1 − SS_res / SS_tot,   SS_res = Σᵢ (yᵢ − ŷᵢ)²,   SS_tot = Σᵢ (yᵢ − ȳ)²
 * </pre>
 * with ȳ the mean of all targets seen. Predictions of shape {@code [B]} or {@code [B, 1]} are one
 * output; {@code [..., k]} are k outputs, each with its own R², and the result is their mean.
 *
 * <p>Streaming is exact: SS_tot is kept as a running mean and sum of squared deviations per
 * output, merged batch by batch with Chan's parallel formula (no Σy² − (Σy)²/n cancellation),
 * so any split into batches gives the one-shot value up to rounding.
 *
 * <p>When the targets seen are constant (SS_tot = 0) R² is 1 for perfect predictions and 0
 * otherwise (as scikit-learn's {@code force_finite}; Keras gives 0 and NaN there).
 */
public final class R2Score implements Metric {
    private final String name;
    private int outputs = -1;
    private long n;
    private double[] mean;
    private double[] m2;
    private double[] ssRes;

    /** Name {@code r2_score}. */
    public R2Score() {
        this("r2_score");
    }

    public R2Score(String name) {
        this.name = MetricChecks.name(name, "R2Score");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        int k = shapePred.length >= 2 ? (int) shapePred[shapePred.length - 1] : 1;
        if (yPred.length == 0) {
            return;
        }
        if (outputs < 0) {
            outputs = k;
            mean = new double[k];
            m2 = new double[k];
            ssRes = new double[k];
        } else if (k != outputs) {
            throw new IllegalArgumentException(name + ": y_pred shape " + Shapes.str(shapePred) + " has " + k
                    + " outputs, earlier batches had " + outputs);
        }
        int rows = yPred.length / k;
        for (int j = 0; j < k; j++) {
            double bMean = 0;
            for (int r = 0; r < rows; r++) {
                bMean += yTrue[r * k + j];
            }
            bMean /= rows;
            double bM2 = 0;
            double res = 0;
            for (int r = 0; r < rows; r++) {
                double t = yTrue[r * k + j];
                double d = t - bMean;
                bM2 += d * d;
                double e = t - yPred[r * k + j];
                res += e * e;
            }
            double total = (double) n + rows;
            double delta = bMean - mean[j];
            mean[j] += delta * rows / total;
            m2[j] += bM2 + delta * delta * ((double) n * rows / total);
            ssRes[j] += res;
        }
        n += rows;
    }

    @Override
    public double result() {
        if (n == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (int j = 0; j < outputs; j++) {
            s += r2(ssRes[j], m2[j]);
        }
        return s / outputs;
    }

    static double r2(double ssRes, double ssTot) {
        if (ssTot == 0) {
            return ssRes == 0 ? 1.0 : 0.0;
        }
        return 1 - ssRes / ssTot;
    }

    @Override
    public void reset() {
        outputs = -1;
        n = 0;
        mean = null;
        m2 = null;
        ssRes = null;
    }

    @Override
    public String name() {
        return name;
    }
}
