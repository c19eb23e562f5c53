package dev.lamina.metrics;

/**
 * Mean squared error over all values seen since the last reset, as
 * {@code keras.metrics.MeanSquaredError}: {@code MSE = (1/N) Σᵢ (yᵢ − ŷᵢ)²}. Keras averages over
 * the last axis and then over samples, which is the same number when every sample has the same
 * number of outputs. y_true and y_pred hold the same number of values.
 */
public final class MeanSquaredError extends RunningMean {

    /** Name {@code mean_squared_error} (Keras's class default; {@code Metrics.get("mse")} names it mse). */
    public MeanSquaredError() {
        this("mean_squared_error");
    }

    public MeanSquaredError(String name) {
        super(name, "MeanSquaredError");
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
}
