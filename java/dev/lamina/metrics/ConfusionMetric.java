package dev.lamina.metrics;

/**
 * Base of the binary confusion-matrix metrics ({@link Precision}, {@link Recall},
 * {@link F1Score}): counts true/false positives/negatives over all values seen since the last
 * reset. A prediction ŷ is positive when {@code ŷ > threshold} (default 0.5, as Keras); targets
 * must be 0 or 1. y_true and y_pred hold the same number of values.
 */
public abstract class ConfusionMetric implements Metric {
    private final String name;
    private final double threshold;
    private long tp;
    private long fp;
    private long fn;
    private long tn;

    protected ConfusionMetric(String name, double threshold, String className) {
        this.name = MetricChecks.name(name, className);
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException(className + ": threshold must be finite, got " + threshold);
        }
        this.threshold = threshold;
    }

    public final double threshold() {
        return threshold;
    }

    @Override
    public final void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        MetricChecks.binaryLabels(name, yTrue);
        for (int i = 0; i < yTrue.length; i++) {
            boolean p = yPred[i] > threshold;
            boolean t = yTrue[i] == 1.0;
            if (p) {
                if (t) {
                    tp++;
                } else {
                    fp++;
                }
            } else if (t) {
                fn++;
            } else {
                tn++;
            }
        }
    }

    /** Number of values seen since the last reset. */
    public final long count() {
        return tp + fp + fn + tn;
    }

    public final long truePositives() {
        return tp;
    }

    public final long falsePositives() {
        return fp;
    }

    public final long falseNegatives() {
        return fn;
    }

    public final long trueNegatives() {
        return tn;
    }

    /** TP / (TP + FP), 0 when nothing was predicted positive. */
    final double precisionValue() {
        return tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
    }

    /** TP / (TP + FN), 0 when there were no positive targets. */
    final double recallValue() {
        return tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
    }

    @Override
    public final void reset() {
        tp = 0;
        fp = 0;
        fn = 0;
        tn = 0;
    }

    @Override
    public final String name() {
        return name;
    }
}
