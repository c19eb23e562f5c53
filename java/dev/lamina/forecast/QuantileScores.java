package dev.lamina.forecast;

import java.util.Arrays;

/**
 * Scores of quantile forecasts, as the CDC forecast hubs use them.
 *
 * <p>A forecast is a vector of quantiles q_τ at increasing levels τ. For an observation y:
 * <ul>
 *   <li>pinball (quantile) loss: {@code PB_τ(q, y) = (1{y < q} − τ)(q − y)}, i.e. τ(y − q) when
 *       y ≥ q and (1 − τ)(q − y) when y &lt; q;</li>
 *   <li>interval score of the central (1 − α) interval [l, u]:
 *       {@code IS_α = (u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}};</li>
 *   <li>weighted interval score (Bracher et al. 2021, PLOS Comput Biol 17(2) e1008618), for the
 *       median m and K central intervals:
 *       {@code WIS = (1/(K + 1/2)) (½|y − m| + Σ_k (α_k/2) IS_αk)}, which equals
 *       {@code (1/(K + 1/2)) Σ_τ PB_τ} over all 2K + 1 quantiles.</li>
 * </ul>
 * With the 23 standard levels ({@link #LEVELS}) K = 11: α = 0.02, 0.05, 0.1, 0.2, …, 0.9.
 */
public final class QuantileScores {
    private QuantileScores() {
    }

    /** The 23 quantile levels of the CDC forecast hubs: 0.01, 0.025, 0.05, 0.10, 0.15, …, 0.95, 0.975, 0.99. */
    public static final double[] LEVELS = standardLevels();

    private static double[] standardLevels() {
        double[] l = new double[23];
        l[0] = 0.01;
        l[1] = 0.025;
        for (int i = 0; i < 19; i++) {
            l[2 + i] = Math.round((0.05 + 0.05 * i) * 1000) / 1000.0;
        }
        l[21] = 0.975;
        l[22] = 0.99;
        return l;
    }

    /** Index of level {@code tau} in {@code levels} (exact match within 1e-9), or −1. */
    public static int indexOf(double[] levels, double tau) {
        for (int i = 0; i < levels.length; i++) {
            if (Math.abs(levels[i] - tau) < 1e-9) {
                return i;
            }
        }
        return -1;
    }

    /** The pinball loss PB_τ(q, y) = (1{y &lt; q} − τ)(q − y). */
    public static double pinball(double tau, double q, double y) {
        checkLevel("pinball", tau);
        return ((y < q ? 1.0 : 0.0) - tau) * (q - y);
    }

    /** Mean over forecasts i and levels of PB_τ(q[i][k], y[i]). */
    public static double meanPinball(double[] levels, double[][] q, double[] y) {
        checkForecasts("meanPinball", levels, q, y);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            for (int k = 0; k < levels.length; k++) {
                s += pinball(levels[k], q[i][k], y[i]);
            }
        }
        return s / ((double) y.length * levels.length);
    }

    /** Interval score IS_α of the central (1 − α) interval [lower, upper] for observation y. */
    public static double intervalScore(double alpha, double lower, double upper, double y) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("intervalScore: alpha must be in (0, 1), got " + alpha);
        }
        if (lower > upper) {
            throw new IllegalArgumentException("intervalScore: lower " + lower + " > upper " + upper);
        }
        double s = upper - lower;
        if (y < lower) {
            s += 2 / alpha * (lower - y);
        } else if (y > upper) {
            s += 2 / alpha * (y - upper);
        }
        return s;
    }

    /**
     * WIS of one forecast: quantiles {@code q} at {@code levels}, which must be symmetric
     * (τ and 1 − τ both present) around a median 0.5 and increasing.
     */
    public static double wis(double[] levels, double[] q, double y) {
        checkSymmetric(levels);
        if (q.length != levels.length) {
            throw new IllegalArgumentException("wis: " + q.length + " quantiles for " + levels.length + " levels");
        }
        int n = levels.length;
        int k = n / 2;
        double s = 0.5 * Math.abs(y - q[k]);
        for (int i = 0; i < k; i++) {
            double alpha = 2 * levels[i];
            s += alpha / 2 * intervalScore(alpha, q[i], q[n - 1 - i], y);
        }
        return s / (k + 0.5);
    }

    /** Mean WIS over forecasts. */
    public static double meanWis(double[] levels, double[][] q, double[] y) {
        checkForecasts("meanWis", levels, q, y);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += wis(levels, q[i], y[i]);
        }
        return s / y.length;
    }

    /**
     * Share of observations inside the central interval [q_τ, q_{1−τ}] (bounds included), with
     * τ = (1 − coverage)/2; e.g. {@code coverage(levels, q, y, 0.95)} uses the 0.025 and 0.975 quantiles.
     */
    public static double coverage(double[] levels, double[][] q, double[] y, double nominal) {
        checkForecasts("coverage", levels, q, y);
        double tau = (1 - nominal) / 2;
        int lo = indexOf(levels, tau);
        int hi = indexOf(levels, 1 - tau);
        if (lo < 0 || hi < 0) {
            throw new IllegalArgumentException("coverage: levels " + tau + " and " + (1 - tau) + " are needed for a "
                    + nominal + " interval, levels are " + Arrays.toString(levels));
        }
        int in = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= q[i][lo] && y[i] <= q[i][hi]) {
                in++;
            }
        }
        return (double) in / y.length;
    }

    /**
     * The empirical τ-quantile of {@code values} with linear interpolation between order
     * statistics (Hyndman and Fan's type 7, the default of R and NumPy): h = (n − 1)τ,
     * Q = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)).
     */
    public static double empiricalQuantile(double[] values, double tau) {
        checkLevel("empiricalQuantile", tau);
        if (values.length == 0) {
            throw new IllegalArgumentException("empiricalQuantile: no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        if (Double.isNaN(v[v.length - 1])) {
            throw new IllegalArgumentException("empiricalQuantile: NaN among the values");
        }
        double h = (v.length - 1) * tau;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (h - lo) * (v[hi] - v[lo]);
    }

    /** The empirical quantiles of {@code values} at each level (non-decreasing in the level). */
    public static double[] empiricalQuantiles(double[] values, double[] levels) {
        double[] q = new double[levels.length];
        for (int i = 0; i < levels.length; i++) {
            q[i] = empiricalQuantile(values, levels[i]);
        }
        return q;
    }

    /**
     * Makes each quantile vector non-decreasing in place by sorting it (Chernozhukov et al.'s
     * monotone rearrangement, which never increases the pinball loss), and returns {@code q}.
     */
    public static double[][] rearrange(double[][] q) {
        for (double[] row : q) {
            Arrays.sort(row);
        }
        return q;
    }

    /** True when every quantile vector is non-decreasing. */
    public static boolean nonCrossing(double[][] q) {
        for (double[] row : q) {
            for (int k = 1; k < row.length; k++) {
                if (!(row[k] >= row[k - 1])) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void checkLevel(String who, double tau) {
        if (!(tau > 0 && tau < 1)) {
            throw new IllegalArgumentException(who + ": quantile level must be in (0, 1), got " + tau);
        }
    }

    private static void checkSymmetric(double[] levels) {
        int n = levels.length;
        if (n % 2 == 0 || Math.abs(levels[n / 2] - 0.5) > 1e-9) {
            throw new IllegalArgumentException("wis: levels need an odd count with the median 0.5 in the middle, got "
                    + Arrays.toString(levels));
        }
        for (int i = 0; i < n; i++) {
            checkLevel("wis", levels[i]);
            if (i > 0 && !(levels[i] > levels[i - 1])) {
                throw new IllegalArgumentException("wis: levels must increase, got " + Arrays.toString(levels));
            }
            if (Math.abs(levels[i] + levels[n - 1 - i] - 1) > 1e-9) {
                throw new IllegalArgumentException("wis: levels must be symmetric around 0.5 (τ and 1 − τ), got "
                        + Arrays.toString(levels));
            }
        }
    }

    private static void checkForecasts(String who, double[] levels, double[][] q, double[] y) {
        if (q.length != y.length) {
            throw new IllegalArgumentException(who + ": " + q.length + " forecasts for " + y.length + " observations");
        }
        if (y.length == 0) {
            throw new IllegalArgumentException(who + ": no forecasts");
        }
        for (int i = 0; i < q.length; i++) {
            if (q[i].length != levels.length) {
                throw new IllegalArgumentException(who + ": forecast " + i + " has " + q[i].length + " quantiles for "
                        + levels.length + " levels");
            }
        }
    }
}
