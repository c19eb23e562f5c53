package dev.lamina.metrics;

import dev.lamina.tensor.Shapes;
import java.util.Arrays;

/**
 * Fraction of samples whose predicted class is the true class, with one-hot (or probability)
 * targets, as {@code keras.metrics.CategoricalAccuracy}:
 * {@code accuracy = #{i : argmax(yᵢ) = argmax(ŷᵢ)} / N}, the argmax over the last axis (the first
 * index on ties, as numpy). y_true and y_pred have the same shape {@code [..., C]}; every row
 * of C values is one sample.
 */
public final class CategoricalAccuracy extends RunningMean {

    /** Name {@code categorical_accuracy}. */
    public CategoricalAccuracy() {
        this("categorical_accuracy");
    }

    public CategoricalAccuracy(String name) {
        super(name, "CategoricalAccuracy");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.consistent(name, yTrue, shapeTrue, yPred, shapePred);
        if (!Arrays.equals(shapeTrue, shapePred) || shapePred.length == 0) {
            throw new IllegalArgumentException(name + ": y_true shape " + Shapes.str(shapeTrue) + " and y_pred shape "
                    + Shapes.str(shapePred) + " must be equal, with a class axis last");
        }
        int c = (int) shapePred[shapePred.length - 1];
        if (c == 0) {
            if (yPred.length == 0) {
                return;
            }
            throw new IllegalArgumentException(name + ": y_pred shape " + Shapes.str(shapePred) + " has no classes");
        }
        int rows = yPred.length / c;
        long ok = 0;
        for (int r = 0; r < rows; r++) {
            if (MetricChecks.argmax(yTrue, r * c, c) == MetricChecks.argmax(yPred, r * c, c)) {
                ok++;
            }
        }
        sum += ok;
        count += rows;
    }
}
