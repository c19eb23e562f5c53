package dev.lamina.metrics;

/**
 * Binary precision, as {@code keras.metrics.Precision}: {@code TP / (TP + FP)} over all values
 * seen, with ŷ positive when {@code ŷ > threshold} (default 0.5). When nothing has been predicted
 * positive (TP + FP = 0) the result is 0, as Keras's {@code divide_no_nan}; NaN before any update.
 */
public final class Precision extends ConfusionMetric {
    /** Threshold 0.5, name {@code precision}. */
    public Precision() {
        this("precision", 0.5);
    }

    public Precision(String name) {
        this(name, 0.5);
    }

    public Precision(String name, double threshold) {
        super(name, threshold, "Precision");
    }

    @Override
    public double result() {
        return count() == 0 ? Double.NaN : precisionValue();
    }
}
