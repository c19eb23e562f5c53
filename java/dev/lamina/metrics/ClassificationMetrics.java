package dev.lamina.metrics;

import java.util.Arrays;

/**
 * One-shot classification metrics on plain arrays. The same definitions as the streaming
 * {@link Metric}s: binary targets are 0 or 1 and a score is positive when it exceeds the
 * threshold (0.5 by default); argmax takes the first index on ties.
 */
public final class ClassificationMetrics {
    private ClassificationMetrics() {
    }

    private static void check(String op, double[] yTrue, double[] yPred) {
        if (yTrue == null || yPred == null) {
            throw new IllegalArgumentException(op + ": y_true and y_pred are required (got null)");
        }
        if (yTrue.length != yPred.length) {
            throw new IllegalArgumentException(op + ": y_true has " + yTrue.length + " values, y_pred has " + yPred.length);
        }
        MetricChecks.binaryLabels(op, yTrue);
    }

    /** {@code #{i : [ŷᵢ > threshold] = yᵢ} / N}; NaN for empty arrays. */
    public static double binaryAccuracy(double[] yTrue, double[] yPred, double threshold) {
        check("binary_accuracy", yTrue, yPred);
        long ok = 0;
        for (int i = 0; i < yTrue.length; i++) {
            if ((yPred[i] > threshold) == (yTrue[i] == 1.0)) {
                ok++;
            }
        }
        return yTrue.length == 0 ? Double.NaN : (double) ok / yTrue.length;
    }

    /** Binary accuracy at threshold 0.5. */
    public static double binaryAccuracy(double[] yTrue, double[] yPred) {
        return binaryAccuracy(yTrue, yPred, 0.5);
    }

    /** {@code #{i : argmax(yᵢ) = argmax(ŷᵢ)} / N} over rows of one-hot targets and scores. */
    public static double categoricalAccuracy(double[][] yTrue, double[][] yPred) {
        if (yTrue == null || yPred == null || yTrue.length != yPred.length) {
            throw new IllegalArgumentException("categorical_accuracy: y_true and y_pred need the same number of rows, got "
                    + (yTrue == null ? "null" : yTrue.length) + " and " + (yPred == null ? "null" : yPred.length));
        }
        long ok = 0;
        for (int r = 0; r < yTrue.length; r++) {
            if (yTrue[r].length != yPred[r].length || yPred[r].length == 0) {
                throw new IllegalArgumentException("categorical_accuracy: row " + r + " has " + yTrue[r].length
                        + " targets and " + yPred[r].length + " scores");
            }
            if (MetricChecks.argmax(yTrue[r], 0, yTrue[r].length) == MetricChecks.argmax(yPred[r], 0, yPred[r].length)) {
                ok++;
            }
        }
        return yTrue.length == 0 ? Double.NaN : (double) ok / yTrue.length;
    }

    /** {@code #{i : labelᵢ = argmax(ŷᵢ)} / N}; labels must be in [0, C). */
    public static double sparseCategoricalAccuracy(int[] labels, double[][] yPred) {
        if (labels == null || yPred == null || labels.length != yPred.length) {
            throw new IllegalArgumentException("sparse_categorical_accuracy: need one label per row, got "
                    + (labels == null ? "null" : labels.length) + " labels and " + (yPred == null ? "null" : yPred.length) + " rows");
        }
        long ok = 0;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0 || labels[r] >= yPred[r].length) {
                throw new IllegalArgumentException("sparse_categorical_accuracy: label " + labels[r] + " of row " + r
                        + " is not in [0, " + yPred[r].length + ")");
            }
            if (MetricChecks.argmax(yPred[r], 0, yPred[r].length) == labels[r]) {
                ok++;
            }
        }
        return labels.length == 0 ? Double.NaN : (double) ok / labels.length;
    }

    private static long[] confusion(String op, double[] yTrue, double[] yPred, double threshold) {
        check(op, yTrue, yPred);
        long[] c = new long[3]; // tp, fp, fn
        for (int i = 0; i < yTrue.length; i++) {
            boolean p = yPred[i] > threshold;
            boolean t = yTrue[i] == 1.0;
            if (p && t) {
                c[0]++;
            } else if (p) {
                c[1]++;
            } else if (t) {
                c[2]++;
            }
        }
        return c;
    }

    /** {@code TP / (TP + FP)}, 0 when nothing is predicted positive. */
    public static double precision(double[] yTrue, double[] yPred, double threshold) {
        long[] c = confusion("precision", yTrue, yPred, threshold);
        return c[0] + c[1] == 0 ? 0.0 : (double) c[0] / (c[0] + c[1]);
    }

    public static double precision(double[] yTrue, double[] yPred) {
        return precision(yTrue, yPred, 0.5);
    }

    /** {@code TP / (TP + FN)}, 0 when there are no positive targets. */
    public static double recall(double[] yTrue, double[] yPred, double threshold) {
        long[] c = confusion("recall", yTrue, yPred, threshold);
        return c[0] + c[2] == 0 ? 0.0 : (double) c[0] / (c[0] + c[2]);
    }

    public static double recall(double[] yTrue, double[] yPred) {
        return recall(yTrue, yPred, 0.5);
    }

    /** {@code 2·TP / (2·TP + FP + FN)} (= 2PR/(P+R)), 0 when there is no true positive. */
    public static double f1(double[] yTrue, double[] yPred, double threshold) {
        long[] c = confusion("f1_score", yTrue, yPred, threshold);
        return c[0] == 0 ? 0.0 : 2.0 * c[0] / (2.0 * c[0] + c[1] + c[2]);
    }

    public static double f1(double[] yTrue, double[] yPred) {
        return f1(yTrue, yPred, 0.5);
    }

    /**
     * Exact ROC AUC (the Mann–Whitney statistic, ties counted as ½), as {@link AUC}; NaN when the
     * targets are all of one class. Scores must not be NaN.
     */
    public static double auc(double[] yTrue, double[] yPred) {
        check("auc", yTrue, yPred);
        double[] pos = new double[yTrue.length];
        double[] neg = new double[yTrue.length];
        int np = 0;
        int nn = 0;
        for (int i = 0; i < yTrue.length; i++) {
            if (Double.isNaN(yPred[i])) {
                throw new IllegalArgumentException("auc: score at index " + i + " is NaN");
            }
            if (yTrue[i] == 1.0) {
                pos[np++] = yPred[i];
            } else {
                neg[nn++] = yPred[i];
            }
        }
        if (np == 0 || nn == 0) {
            return Double.NaN;
        }
        Arrays.sort(pos, 0, np);
        Arrays.sort(neg, 0, nn);
        return AUC.sortedAuc(pos, np, neg, nn);
    }
}
