package dev.lamina.metrics;

/**
 * Fraction of binary predictions that match their targets, as {@code keras.metrics.BinaryAccuracy}:
 * a prediction ŷ counts as class 1 when {@code ŷ > threshold} (default 0.5), and
 * {@code accuracy = #{i : [ŷᵢ > threshold] = yᵢ} / N} over all N values seen since the last
 * reset. Targets must be 0 or 1; y_true and y_pred hold the same number of values
 * ({@code [B]} and {@code [B, 1]} pair up).
 */
public final class BinaryAccuracy extends RunningMean {
    private final double threshold;

    /** Threshold 0.5, name {@code binary_accuracy}. */
    public BinaryAccuracy() {
        this("binary_accuracy", 0.5);
    }

    /** A name (e.g. {@code accuracy}, as Keras names it when compiled from that string) and a threshold. */
    public BinaryAccuracy(String name, double threshold) {
        super(name, "BinaryAccuracy");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("BinaryAccuracy: threshold must be finite, got " + threshold);
        }
        this.threshold = threshold;
    }

    /** Threshold 0.5 under the given name. */
    public BinaryAccuracy(String name) {
        this(name, 0.5);
    }

    public double threshold() {
        return threshold;
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        MetricChecks.binaryLabels(name, yTrue);
        long c = 0;
        for (int i = 0; i < yTrue.length; i++) {
            double p = yPred[i] > threshold ? 1.0 : 0.0;
            if (p == yTrue[i]) {
                c++;
            }
        }
        sum += c;
        count += yTrue.length;
    }
}
