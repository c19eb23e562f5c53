package dev.lamina.metrics;

/**
 * Binary F1 score: the harmonic mean of {@link Precision} and {@link Recall} over all values
 * seen, {@code F1 = 2·P·R / (P + R) = 2·TP / (2·TP + FP + FN)}, with ŷ positive when
 * {@code ŷ > threshold} (default 0.5). When P + R = 0 (no true positives: nothing predicted
 * positive correctly) F1 is defined as 0, not NaN; NaN only before any update.
 *
 * <p>Keras's {@code F1Score} defaults to one score per class ({@code average=None}) and no
 * threshold (argmax); this is the binary form ({@code F1Score(average="micro", threshold=0.5)}
 * on one output), the common case in binary classification.
 */
public final class F1Score extends ConfusionMetric {
    /** Threshold 0.5, name {@code f1_score}. */
    public F1Score() {
        this("f1_score", 0.5);
    }

    public F1Score(String name) {
        this(name, 0.5);
    }

    public F1Score(String name, double threshold) {
        super(name, threshold, "F1Score");
    }

    @Override
    public double result() {
        if (count() == 0) {
            return Double.NaN;
        }
        double p = precisionValue();
        double r = recallValue();
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }
}
