package dev.lamina.metrics;

import dev.lamina.tensor.Shapes;
import java.util.Arrays;

/**
 * Fraction of samples whose predicted class is the integer label, as
 * {@code keras.metrics.SparseCategoricalAccuracy}:
 * {@code accuracy = #{i : yᵢ = argmax(ŷᵢ)} / N}. y_pred is {@code [..., C]} (argmax over the
 * last axis, the first index on ties); y_true is y_pred's shape without the class axis, or with
 * a class axis of 1 ({@code [B]} or {@code [B, 1]} for {@code [B, C]} predictions). Labels must be
 * integers in {@code [0, C)}.
 */
public final class SparseCategoricalAccuracy extends RunningMean {

    /** Name {@code sparse_categorical_accuracy}. */
    public SparseCategoricalAccuracy() {
        this("sparse_categorical_accuracy");
    }

    public SparseCategoricalAccuracy(String name) {
        super(name, "SparseCategoricalAccuracy");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.consistent(name, yTrue, shapeTrue, yPred, shapePred);
        if (shapePred.length == 0) {
            throw new IllegalArgumentException(name + ": y_pred must have a class axis, got shape " + Shapes.str(shapePred));
        }
        long[] rowsShape = Arrays.copyOf(shapePred, shapePred.length - 1);
        long[] withOne = shapePred.clone();
        withOne[withOne.length - 1] = 1;
        if (!Arrays.equals(shapeTrue, rowsShape) && !Arrays.equals(shapeTrue, withOne)) {
            throw new IllegalArgumentException(name + ": y_true shape " + Shapes.str(shapeTrue) + " does not fit y_pred shape "
                    + Shapes.str(shapePred) + " (expected " + Shapes.str(rowsShape) + " or " + Shapes.str(withOne) + ")");
        }
        int c = (int) shapePred[shapePred.length - 1];
        int rows = yTrue.length;
        if (c == 0 && rows > 0) {
            throw new IllegalArgumentException(name + ": y_pred shape " + Shapes.str(shapePred) + " has no classes");
        }
        for (int r = 0; r < rows; r++) {
            double t = yTrue[r];
            if (t != Math.rint(t) || t < 0 || t >= c) {
                throw new IllegalArgumentException(name + ": label " + t + " at index " + r + " is not a class index in [0, "
                        + c + ") (y_pred shape " + Shapes.str(shapePred) + ")");
            }
        }
        long ok = 0;
        for (int r = 0; r < rows; r++) {
            if (MetricChecks.argmax(yPred, r * c, c) == (int) yTrue[r]) {
                ok++;
            }
        }
        sum += ok;
        count += rows;
    }
}
