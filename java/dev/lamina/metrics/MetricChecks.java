package dev.lamina.metrics;

import dev.lamina.tensor.Shapes;

/** Argument checks shared by the metrics: every message names the metric and both shapes. */
final class MetricChecks {
    private MetricChecks() {
    }

    /** A metric name must be non-empty: it is a key in logs and History. */
    static String name(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + ": metric name must be a non-empty string, got "
                    + (name == null ? "null" : "\"\""));
        }
        return name;
    }

    /** Values agree with their shapes. */
    static void consistent(String metric, double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        if (yTrue == null || yPred == null || shapeTrue == null || shapePred == null) {
            throw new IllegalArgumentException(metric + ": y_true, y_pred and their shapes are required (got null)");
        }
        for (long d : shapeTrue) {
            if (d < 0) {
                throw new IllegalArgumentException(metric + ": y_true shape " + Shapes.str(shapeTrue) + " has a negative dimension");
            }
        }
        for (long d : shapePred) {
            if (d < 0) {
                throw new IllegalArgumentException(metric + ": y_pred shape " + Shapes.str(shapePred) + " has a negative dimension");
            }
        }
        if (Shapes.numel(shapeTrue) != yTrue.length) {
            throw new IllegalArgumentException(metric + ": y_true has " + yTrue.length + " values but shape "
                    + Shapes.str(shapeTrue));
        }
        if (Shapes.numel(shapePred) != yPred.length) {
            throw new IllegalArgumentException(metric + ": y_pred has " + yPred.length + " values but shape "
                    + Shapes.str(shapePred));
        }
    }

    /**
     * Element-wise metrics: y_true and y_pred hold the same number of values and (when both have
     * a batch axis) the same batch size, so [B] and [B, 1] pair up as in Keras.
     */
    static void elementwise(String metric, double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        consistent(metric, yTrue, shapeTrue, yPred, shapePred);
        boolean batchMismatch = shapeTrue.length > 0 && shapePred.length > 0 && shapeTrue[0] != shapePred[0];
        if (yTrue.length != yPred.length || batchMismatch) {
            throw new IllegalArgumentException(metric + ": y_true shape " + Shapes.str(shapeTrue) + " and y_pred shape "
                    + Shapes.str(shapePred) + " do not match");
        }
    }

    /** Binary targets must be exactly 0 or 1. */
    static void binaryLabels(String metric, double[] yTrue) {
        for (int i = 0; i < yTrue.length; i++) {
            double t = yTrue[i];
            if (t != 0.0 && t != 1.0) {
                throw new IllegalArgumentException(metric + ": binary targets must be 0 or 1, got " + t + " at index " + i);
            }
        }
    }

    /** Index of the largest of {@code n} values from {@code off}; the first one on ties (as numpy). */
    static int argmax(double[] v, int off, int n) {
        int best = 0;
        double bestV = v[off];
        for (int j = 1; j < n; j++) {
            if (v[off + j] > bestV) {
                bestV = v[off + j];
                best = j;
            }
        }
        return best;
    }
}
