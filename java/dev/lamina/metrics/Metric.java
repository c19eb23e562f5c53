package dev.lamina.metrics;

/**
 * A streaming metric: {@link #update} with each batch's targets and predictions (as host arrays
 * of the batch's flattened values with their shapes), {@link #result} at any time, {@link #reset}
 * between epochs.
 */
public interface Metric {
    /**
     * Accumulates one batch. {@code yTrue} and {@code yPred} are row-major values; {@code shapeTrue}
     * and {@code shapePred} their shapes (batch axis first).
     */
    void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred);

    /** The value over everything seen since the last reset (NaN before any update). */
    double result();

    void reset();

    /** The Keras name used in logs and History: accuracy, mae, rmse, ... */
    String name();
}
