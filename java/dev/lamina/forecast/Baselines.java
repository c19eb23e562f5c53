package dev.lamina.forecast;

/**
 * The baselines every forecast is compared with, h weeks ahead of an origin week t (the last
 * observed week):
 * <ul>
 *   <li>persistence: ŷ[t+h] = y[t];</li>
 *   <li>seasonal naive: ŷ[t+h] = y[t+h−52] (same week last year);</li>
 *   <li>probabilistic persistence: the quantiles y[t] + Q_τ(Δ_h), where Δ_h are the h-week changes
 *       y[s+h] − y[s] observed within the training weeks (s + h &lt; trainEnd) and Q_τ their
 *       empirical quantiles ({@link QuantileScores#empiricalQuantile}); quantiles below 0 are set
 *       to 0 when the series is non-negative (counts), which can only lower the baseline's scores.</li>
 * </ul>
 */
public final class Baselines {
    private Baselines() {
    }

    /** Persistence forecasts of the rows {@code targets}, h weeks ahead: y[row − h]. */
    public static double[] persistence(double[] y, int[] targets, int h) {
        double[] p = new double[targets.length];
        for (int i = 0; i < targets.length; i++) {
            p[i] = y[checkRow("persistence", targets[i] - h, y.length)];
        }
        return p;
    }

    /**
     * Seasonal-naive forecasts of the rows {@code targets}: y[row − 52], or persistence
     * y[row − h] when the series is shorter than a season before the row.
     */
    public static double[] seasonalNaive(double[] y, int[] targets, int h) {
        double[] p = new double[targets.length];
        for (int i = 0; i < targets.length; i++) {
            int r = targets[i] - Forecaster.SEASON;
            p[i] = y[checkRow("seasonalNaive", r >= 0 && Forecaster.SEASON >= h ? r : targets[i] - h, y.length)];
        }
        return p;
    }

    /** The h-week changes y[s+h] − y[s] for 0 ≤ s, s + h &lt; trainEnd: what the training weeks saw. */
    public static double[] changes(double[] y, int trainEnd, int h) {
        if (h < 1 || trainEnd > y.length || trainEnd <= h) {
            throw new IllegalArgumentException("Baselines.changes: need 1 <= h < trainEnd <= " + y.length + ", got h " + h
                    + ", trainEnd " + trainEnd);
        }
        double[] d = new double[trainEnd - h];
        for (int s = 0; s + h < trainEnd; s++) {
            d[s] = y[s + h] - y[s];
        }
        return d;
    }

    /**
     * Probabilistic persistence: for each target row, the quantiles y[row − h] + Q_τ(Δ_h) at
     * {@code levels}, with Δ_h the h-week changes of the training weeks (rows before
     * {@code trainEnd}); clipped at 0 when every training value is non-negative.
     */
    public static double[][] persistenceQuantiles(double[] y, int trainEnd, int[] targets, int h, double[] levels) {
        double[] q = QuantileScores.empiricalQuantiles(changes(y, trainEnd, h), levels);
        boolean nonNegative = true;
        for (int i = 0; i < trainEnd; i++) {
            nonNegative &= y[i] >= 0;
        }
        double[][] out = new double[targets.length][levels.length];
        for (int i = 0; i < targets.length; i++) {
            double last = y[checkRow("persistenceQuantiles", targets[i] - h, y.length)];
            for (int k = 0; k < levels.length; k++) {
                double v = last + q[k];
                out[i][k] = nonNegative ? Math.max(0, v) : v;
            }
        }
        return out;
    }

    private static int checkRow(String who, int row, int n) {
        if (row < 0 || row >= n) {
            throw new IllegalArgumentException("Baselines." + who + ": origin row " + row + " is outside the series of "
                    + n + " rows");
        }
        return row;
    }
}
