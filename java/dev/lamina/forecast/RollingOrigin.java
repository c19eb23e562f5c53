package dev.lamina.forecast;

import java.util.function.DoubleUnaryOperator;

/**
 * Rolling-origin (blocked, forward-chaining) cross-validation inside the training weeks, and the
 * choices made from its out-of-fold forecasts.
 *
 * <p>Folds: the last {@code span} of the training weeks [0, trainEnd) is cut into {@code folds}
 * equal blocks with boundaries b_0 &lt; b_1 &lt; … &lt; b_K = trainEnd. Fold k trains on the
 * windows whose targets all lie before b_k and forecasts the origins t whose targets t + 1 … t + H
 * all lie in [b_k, b_{k+1}): each block is forecast only by a model that never saw it, and no fold
 * reads a row at or after trainEnd.
 *
 * <p>Choices: for each horizon h a blend weight α_h shrinks (α &lt; 1) or stretches (α &gt; 1) the
 * network's predicted change from the last observed week: ẑ[t+h] = z[t] + α_h · Δ̂_h (α = 0 is
 * persistence, α = 1 the network as it is). α_h minimises the out-of-fold MAE in the series' units
 * over {@link #BLEND_GRID}.
 */
public final class RollingOrigin {
    /** The blend weights tried: 0, 0.05, …, 1.5. */
    public static final double[] BLEND_GRID = grid(0, 1.5, 0.05);

    private RollingOrigin() {
    }

    private static double[] grid(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = Math.round((from + i * step) * 1e9) / 1e9;
        }
        return g;
    }

    /**
     * The fold boundaries b_0 … b_K (K = {@code folds}): b_K = trainEnd and b_k = trainEnd − (K − k)·L
     * with L = ⌊trainEnd · span / K⌋.
     *
     * @param trainEnd the first row after the training weeks
     * @param folds the number of folds K, at least 1
     * @param span the share of the training weeks that the folds forecast, in (0, 1)
     * @return K + 1 increasing boundaries
     */
    public static int[] boundaries(int trainEnd, int folds, double span) {
        if (folds < 1 || !(span > 0 && span < 1)) {
            throw new IllegalArgumentException("rolling origin: folds must be at least 1 and span in (0, 1), got " + folds
                    + " and " + span);
        }
        int block = (int) Math.floor(trainEnd * span / folds);
        if (block < 1) {
            throw new IllegalArgumentException("rolling origin: " + trainEnd + " training weeks are too few for " + folds
                    + " folds over " + span + " of them");
        }
        int[] b = new int[folds + 1];
        for (int k = 0; k <= folds; k++) {
            b[k] = trainEnd - (folds - k) * block;
        }
        return b;
    }

    /**
     * The origins t of windows w rows long whose targets t + 1 … t + h all lie before {@code end}:
     * t from w − 1 to end − h − 1 (empty when there is none).
     *
     * @param w the window length
     * @param h the largest horizon
     * @param end the first row the targets may not reach
     * @return the origins, increasing
     */
    public static int[] trainingOrigins(int w, int h, int end) {
        return span(w - 1, end - h - 1);
    }

    /**
     * The origins t whose targets t + 1 … t + h all lie in [from, to) and whose window of w rows
     * starts at row 0 or later: t from max(from − 1, w − 1) to to − h − 1.
     *
     * @param w the window length
     * @param h the largest horizon
     * @param from the first target row of the block
     * @param to the first row after the block
     * @return the origins, increasing (empty when there is none)
     */
    public static int[] blockOrigins(int w, int h, int from, int to) {
        return span(Math.max(from - 1, w - 1), to - h - 1);
    }

    private static int[] span(int first, int last) {
        int n = Math.max(0, last - first + 1);
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = first + i;
        }
        return r;
    }

    /**
     * The mean absolute error, in the series' units, of the blended forecasts
     * toTarget(zLast[i] + alpha · change[i]) of {@code actual}.
     *
     * @param zLast the scaled target at each origin
     * @param change the predicted change of the scaled target
     * @param actual the observed values, in the series' units
     * @param toTarget maps a scaled target back to the series' units
     * @param alpha the blend weight
     * @return the mean absolute error
     */
    public static double blendedMae(double[] zLast, double[] change, double[] actual, DoubleUnaryOperator toTarget,
            double alpha) {
        if (zLast.length != change.length || zLast.length != actual.length || zLast.length == 0) {
            throw new IllegalArgumentException("rolling origin: need as many (at least 1) last values, changes and actual values,"
                    + " got " + zLast.length + ", " + change.length + " and " + actual.length);
        }
        double sum = 0;
        for (int i = 0; i < zLast.length; i++) {
            sum += Math.abs(actual[i] - toTarget.applyAsDouble(zLast[i] + alpha * change[i]));
        }
        return sum / zLast.length;
    }

    /**
     * The blend weight of {@code grid} with the smallest {@link #blendedMae} (the smallest weight
     * among equals).
     *
     * @param zLast the scaled target at each origin
     * @param change the predicted change of the scaled target
     * @param actual the observed values, in the series' units
     * @param toTarget maps a scaled target back to the series' units
     * @param grid the weights to try, increasing
     * @return {weight, its MAE}
     */
    public static double[] bestBlend(double[] zLast, double[] change, double[] actual, DoubleUnaryOperator toTarget,
            double[] grid) {
        double best = Double.NaN;
        double bestMae = Double.POSITIVE_INFINITY;
        for (double a : grid) {
            double mae = blendedMae(zLast, change, actual, toTarget, a);
            if (mae < bestMae) {
                bestMae = mae;
                best = a;
            }
        }
        return new double[] {best, bestMae};
    }
}
