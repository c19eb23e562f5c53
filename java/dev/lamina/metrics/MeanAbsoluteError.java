package dev.lamina.metrics;

/**
 * Mean absolute error over all values seen since the last reset, as
 * {@code keras.metrics.MeanAbsoluteError}: {@code MAE = (1/N) Σᵢ |yᵢ − ŷᵢ|}.
 */
public final class MeanAbsoluteError extends RunningMean {

    /** Name {@code mean_absolute_error}. */
    public MeanAbsoluteError() {
        this("mean_absolute_error");
    }

    public MeanAbsoluteError(String name) {
        super(name, "MeanAbsoluteError");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        for (int i = 0; i < yTrue.length; i++) {
            sum += Math.abs(yTrue[i] - yPred[i]);
        }
        count += yTrue.length;
    }
}
