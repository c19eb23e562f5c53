package dev.lamina.metrics;

/**
 * Binary recall, as {@code keras.metrics.Recall}: {@code TP / (TP + FN)} over all values seen,
 * with ŷ positive when {@code ŷ > threshold} (default 0.5). When there were no positive targets
 * (TP + FN = 0) the result is 0, as Keras's {@code divide_no_nan}; NaN before any update.
 */
public final class Recall extends ConfusionMetric {
    /** Threshold 0.5, name {@code recall}. */
    public Recall() {
        this("recall", 0.5);
    }

    public Recall(String name) {
        this(name, 0.5);
    }

    public Recall(String name, double threshold) {
        super(name, threshold, "Recall");
    }

    @Override
    public double result() {
        return count() == 0 ? Double.NaN : recallValue();
    }
}
