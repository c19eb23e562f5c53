package dev.lamina.forecast;

import java.util.function.DoubleUnaryOperator;

/**
 * The choice, on the folds' out-of-fold forecasts, of the combination z[t] + α_h·((1 − m_h)·(network
 * change) + m_h·(autoregression change)) per horizon h: the autoregression's ridge penalty (one of
 * the candidates), the mix m_h and the weight α_h on grids, by the lowest pooled MAE in the series'
 * units (ties keep the first penalty, then the smallest α, then the smallest m). With m fixed at 0
 * it is the default's blend with persistence, with m fixed at 1 the autoregression alone. The
 * forecaster stores a_h = α_h·(1 − m_h) as its blend weight and b_h = α_h·m_h as the
 * autoregression's.
 *
 * <p>A choice scored on the forecasts it was made on is optimistic, so {@link #judge} also scores
 * it nested, leaving one fold block out: block k's windows are forecast with the choice made on the
 * other blocks, and the pooled MAE of those forecasts gives the nested score.
 */
final class ForecastCombination {
    /** The mixes m tried when the mix is chosen: 0, 0.1, …, 1. */
    static final double[] MIX_GRID = grid(0, 1, 0.1);
    /** Only 0: the network alone (the default's blend). */
    static final double[] NONE = {0};
    /** Only 1: the autoregression alone. */
    static final double[] ALONE = {1};

    private ForecastCombination() {
    }

    /** One horizon's choice: the penalty's index, α, m and the MAE over the windows it was chosen on. */
    record Pick(int penalty, double alpha, double mix, double mae) {
        /** The network's weight α·(1 − m). */
        double a() {
            return alpha * (1 - mix);
        }

        /** The autoregression's weight α·m. */
        double b() {
            return alpha * mix;
        }
    }

    /**
     * The scores of a choice: per horizon the in-sample pick, the in-sample and nested sums of
     * MAE / persistence MAE, the nested MAE per horizon, and per horizon and block the nested pick.
     */
    record Judged(Pick[] inSample, double score, double nestedScore, double[] nestedMae, Pick[][] nestedPicks) {
    }

    /** The combined change α·((1 − m)·net + m·ar). */
    private static double combined(double alpha, double mix, double net, double ar) {
        return alpha * ((1 - mix) * net + mix * ar);
    }

    /**
     * The best (penalty, α, m) at one horizon over the windows i with {@code use[i]}.
     *
     * @param zLast the scaled target at each origin
     * @param net the network's change at each origin
     * @param ar the autoregression's change [penalty][origin]
     * @param actual the observed values, in the series' units
     * @param toTarget maps a scaled target back to the series' units
     * @param alphaGrid the weights α tried, increasing
     * @param mixGrid the mixes m tried, increasing
     * @param use which windows count
     * @return the pick
     */
    static Pick best(double[] zLast, double[] net, double[][] ar, double[] actual, DoubleUnaryOperator toTarget,
            double[] alphaGrid, double[] mixGrid, boolean[] use) {
        int n = zLast.length;
        int count = 0;
        for (boolean u : use) {
            count += u ? 1 : 0;
        }
        if (count == 0 || net.length != n || actual.length != n || use.length != n || ar.length == 0) {
            throw new IllegalArgumentException("forecast combination: need windows to choose on and as many changes,"
                    + " actual values and flags as origins");
        }
        Pick best = null;
        for (int p = 0; p < ar.length; p++) {
            for (double alpha : alphaGrid) {
                for (double mix : mixGrid) {
                    if (mix == 0 && p > 0) {
                        continue; // the same forecasts as with the first penalty
                    }
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        if (use[i]) {
                            sum += Math.abs(actual[i] - toTarget.applyAsDouble(zLast[i] + combined(alpha, mix, net[i], ar[p][i])));
                        }
                    }
                    double mae = sum / count;
                    if (best == null || mae < best.mae()) {
                        best = new Pick(p, alpha, mix, mae);
                    }
                }
            }
        }
        return best;
    }

    /** The absolute error of a pick's forecast at each origin. */
    static double[] errors(Pick pick, double[] zLast, double[] net, double[][] ar, double[] actual, DoubleUnaryOperator toTarget) {
        double[] e = new double[zLast.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.abs(actual[i] - toTarget.applyAsDouble(zLast[i]
                    + combined(pick.alpha(), pick.mix(), net[i], ar[pick.penalty()][i])));
        }
        return e;
    }

    /**
     * Chooses per horizon on all windows (in sample) and, for each of the blocks, on the other blocks
     * (nested), and scores both as Σ_h MAE_h / persistence MAE_h.
     *
     * @param zLast the scaled target at each origin
     * @param net the network's change [origin][h − 1]
     * @param ar the autoregression's change [penalty][origin][h − 1]
     * @param actual the observed values [h − 1][origin], in the series' units
     * @param persistenceMae persistence's MAE per horizon on all windows
     * @param toTarget maps a scaled target back to the series' units
     * @param block each origin's block, 0 … blocks − 1
     * @param blocks the number of blocks
     * @param alphaGrid the weights α tried
     * @param mixGrid the mixes m tried
     * @return the scores
     */
    static Judged judge(double[] zLast, double[][] net, double[][][] ar, double[][] actual, double[] persistenceMae,
            DoubleUnaryOperator toTarget, int[] block, int blocks, double[] alphaGrid, double[] mixGrid) {
        int h = persistenceMae.length;
        int n = zLast.length;
        Pick[] inSample = new Pick[h];
        Pick[][] nestedPicks = new Pick[h][blocks];
        double[] nestedMae = new double[h];
        double score = 0;
        double nested = 0;
        boolean[] all = new boolean[n];
        java.util.Arrays.fill(all, true);
        for (int j = 0; j < h; j++) {
            double[] netJ = column(net, j);
            double[][] arJ = new double[ar.length][];
            for (int p = 0; p < ar.length; p++) {
                arJ[p] = column(ar[p], j);
            }
            inSample[j] = best(zLast, netJ, arJ, actual[j], toTarget, alphaGrid, mixGrid, all);
            score += inSample[j].mae() / persistenceMae[j];
            double sum = 0;
            for (int k = 0; k < blocks; k++) {
                boolean[] others = new boolean[n];
                for (int i = 0; i < n; i++) {
                    others[i] = block[i] != k;
                }
                Pick pk = best(zLast, netJ, arJ, actual[j], toTarget, alphaGrid, mixGrid, others);
                nestedPicks[j][k] = pk;
                double[] e = errors(pk, zLast, netJ, arJ, actual[j], toTarget);
                for (int i = 0; i < n; i++) {
                    if (block[i] == k) {
                        sum += e[i];
                    }
                }
            }
            nestedMae[j] = sum / n;
            nested += nestedMae[j] / persistenceMae[j];
        }
        return new Judged(inSample, score, nested, nestedMae, nestedPicks);
    }

    /**
     * The choice judged in time order: block k (k = 1 … blocks − 1) is forecast with the choice made on
     * blocks 0 … k − 1 only, never on a later block. Leaving one block out ({@link #judge}) also forecasts
     * an early block with a choice made on later ones, whose networks trained on more windows and so
     * want other weights; the forecaster itself applies a choice made on earlier weeks to later ones,
     * as this does. Score: Σ_h (MAE_h of those forecasts) / (persistence MAE_h on the same windows),
     * over the windows of blocks 1 … blocks − 1 (block 0 is never forecast).
     *
     * @param zLast the scaled target at each origin
     * @param net the network's change [origin][h − 1]
     * @param ar the autoregression's change [penalty][origin][h − 1]
     * @param actual the observed values [h − 1][origin], in the series' units
     * @param toTarget maps a scaled target back to the series' units
     * @param block each origin's block, 0 … blocks − 1, in time order
     * @param blocks the number of blocks, at least 2
     * @param alphaGrid the weights α tried
     * @param mixGrid the mixes m tried
     * @return the time-ordered nested score
     */
    static double forwardScore(double[] zLast, double[][] net, double[][][] ar, double[][] actual,
            DoubleUnaryOperator toTarget, int[] block, int blocks, double[] alphaGrid, double[] mixGrid) {
        if (blocks < 2) {
            throw new IllegalArgumentException("forecast combination: a time-ordered judgement needs at least 2 blocks, got "
                    + blocks);
        }
        int n = zLast.length;
        int h = actual.length;
        Pick persistence = new Pick(0, 0, 0, 0);
        double score = 0;
        for (int j = 0; j < h; j++) {
            double[] netJ = column(net, j);
            double[][] arJ = new double[ar.length][];
            for (int p = 0; p < ar.length; p++) {
                arJ[p] = column(ar[p], j);
            }
            double[] persistenceErr = errors(persistence, zLast, netJ, arJ, actual[j], toTarget);
            double sum = 0;
            double sumPersistence = 0;
            for (int k = 1; k < blocks; k++) {
                boolean[] earlier = new boolean[n];
                for (int i = 0; i < n; i++) {
                    earlier[i] = block[i] < k;
                }
                double[] e = errors(best(zLast, netJ, arJ, actual[j], toTarget, alphaGrid, mixGrid, earlier), zLast, netJ,
                        arJ, actual[j], toTarget);
                for (int i = 0; i < n; i++) {
                    if (block[i] == k) {
                        sum += e[i];
                        sumPersistence += persistenceErr[i];
                    }
                }
            }
            score += sum / sumPersistence;
        }
        return score;
    }

    /** Column j of a [rows][cols] array. */
    static double[] column(double[][] a, int j) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i][j];
        }
        return c;
    }

    private static double[] grid(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = Math.round((from + i * step) * 1000) / 1000.0;
        }
        return g;
    }
}
