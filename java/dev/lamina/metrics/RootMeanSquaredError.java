package dev.lamina.metrics;

/**
 * Root mean squared error over all values seen since the last reset, as
 * {@code keras.metrics.RootMeanSquaredError}: {@code RMSE = sqrt((1/N) Σᵢ (yᵢ − ŷᵢ)²)} — the
 * square root of the mean over everything seen, not a mean of per-batch roots.
 */
public final class RootMeanSquaredError extends RunningMean {

    /** Name {@code root_mean_squared_error}. */
    public RootMeanSquaredError() {
        this("root_mean_squared_error");
    }

    public RootMeanSquaredError(String name) {
        super(name, "RootMeanSquaredError");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        for (int i = 0; i < yTrue.length; i++) {
            double d = yTrue[i] - yPred[i];
            sum += d * d;
        }
        count += yTrue.length;
    }

    @Override
    public double result() {
        return count == 0 ? Double.NaN : Math.sqrt(sum / count);
    }
}
