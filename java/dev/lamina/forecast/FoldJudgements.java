package dev.lamina.forecast;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the folds' choices are judged beyond their in-sample score ({@link CrossValidatedTraining}
 * makes the choices): the blend weights leaving one fold block out and in time order, and the
 * autoregression ({@link Autoregression}) fit per fold and judged alone and combined with the
 * networks ({@link ForecastCombination}). Each puts its scores in the run's {@code selection} map
 * and, when given a stream, prints them.
 */
final class FoldJudgements {
    private FoldJudgements() {
    }

    /** Each out-of-fold origin's block, 0 … blocks − 1, in the pooled order. */
    static int[] blockOf(List<int[]> blocks) {
        int n = blocks.stream().mapToInt(a -> a.length).sum();
        int[] block = new int[n];
        int at = 0;
        for (int k = 0; k < blocks.size(); k++) {
            for (int i = 0; i < blocks.get(k).length; i++) {
                block[at++] = k;
            }
        }
        return block;
    }

    /**
     * The chosen networks' blend weights judged leaving one block out ({@link ForecastCombination#judge}
     * without the autoregression; the window and epochs stay chosen on all blocks):
     * {@code selection} gets {@code cv_score_blend_nested}, the nested sum of MAE / persistence MAE
     * that the in-sample score of the chosen epoch count stands beside. Without the blend
     * ({@code settings.blend} false) the weights are all 1 and the nested score is the in-sample one.
     * It also gets both settings judged in time order ({@link ForecastCombination#forwardScore}) from
     * the same out-of-fold forecasts: {@code cv_score_blend_forward} (the weights chosen on the earlier
     * blocks) and {@code cv_score_no_blend_forward} (all 1).
     */
    static void judgeBlend(ForecastSettings s, CrossValidatedTraining.Choice chosen, List<int[]> blocks, double[] zLast, double[][] actual,
            double[] persistenceMae, ForecastFeatures feat, Map<String, Double> selection, PrintStream out) {
        int n = zLast.length;
        int h = persistenceMae.length;
        int[] block = blockOf(blocks);
        double[][][] noAr = new double[1][n][h];
        ForecastCombination.Judged j = ForecastCombination.judge(zLast, chosen.change(), noAr, actual, persistenceMae,
                feat::toTarget, block, blocks.size(), s.blend ? RollingOrigin.BLEND_GRID : CrossValidatedTraining.NO_BLEND,
                ForecastCombination.NONE);
        selection.put("cv_score_blend_nested", j.nestedScore());
        // both in time order, from the same out-of-fold forecasts, whichever is the setting
        double forwardBlend = ForecastCombination.forwardScore(zLast, chosen.change(), noAr, actual, feat::toTarget, block,
                blocks.size(), RollingOrigin.BLEND_GRID, ForecastCombination.NONE);
        double forwardNone = ForecastCombination.forwardScore(zLast, chosen.change(), noAr, actual, feat::toTarget, block,
                blocks.size(), CrossValidatedTraining.NO_BLEND, ForecastCombination.NONE);
        selection.put("cv_score_blend_forward", forwardBlend);
        selection.put("cv_score_no_blend_forward", forwardNone);
        if (out != null) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "blend weights leaving one block out (score %.4f"
                    + " in sample, %.4f nested):", j.score(), j.nestedScore()));
            for (int k = 0; k < h; k++) {
                line.append(String.format(Locale.ROOT, " h%d", k + 1));
                for (ForecastCombination.Pick p : j.nestedPicks()[k]) {
                    line.append(String.format(Locale.ROOT, " %.2f", p.alpha()));
                }
                line.append(String.format(Locale.ROOT, " (MAE %.3f)", j.nestedMae()[k]));
            }
            out.println(line);
            out.printf(Locale.ROOT, "blend weights judged in time order (each block by the choice on the earlier ones):"
                    + " %.4f with the blend, %.4f without%n", forwardBlend, forwardNone);
        }
    }

    /**
     * The autoregression's out-of-fold changes [penalty][i][j] at the pooled origins, in the final
     * scaling's units: fold k fits one autoregression per penalty of {@code penalties} on
     * exactly the training windows of that fold's networks (window {@code s.window}, its own scaling
     * fit on the weeks before its block) and forecasts its block.
     */
    static double[][][] autoregressionOutOfFold(ForecastSettings s, SeriesData train, int[] b, List<int[]> blocks,
            ForecastFeatures feat, double[] penalties) {
        int h = s.horizon;
        int w = s.window;
        int pooled = blocks.stream().mapToInt(a -> a.length).sum();
        double[][][] out = new double[penalties.length][pooled][h];
        int at = 0;
        for (int k = 0; k < blocks.size(); k++) {
            ForecastFeatures fk = ForecastFeatures.fit(s, train, b[k]);
            double[][] zk = fk.matrix(train);
            int[] tr = RollingOrigin.trainingOrigins(w, h, b[k]);
            int[] va = blocks.get(k);
            double units = fk.targetScale() / feat.targetScale();
            for (int p = 0; p < penalties.length; p++) {
                for (int j = 0; j < h; j++) {
                    double[] c = Autoregression.fitHorizon(zk, tr, w, j, penalties[p]);
                    for (int i = 0; i < va.length; i++) {
                        out[p][at + i][j] = Autoregression.change(c, zk, va[i]) * units;
                    }
                }
            }
            at += va.length;
        }
        return out;
    }

    /**
     * Judges the network alone (its blend with persistence), the autoregression alone (its penalty
     * and weight chosen) and their combination (penalty, α and mix chosen among {@code penalties} and
     * {@code mixes}) on the out-of-fold forecasts, in sample and leaving one block out
     * ({@link ForecastCombination#judge}); {@code selection} gets {@code cv_score_network},
     * {@code cv_score_ar}, {@code cv_score_combined} and each one's {@code _nested} score, and per
     * horizon the combination's {@code ar_penalty_hN}, {@code ar_mix_hN}, {@code ar_weight_hN} (α·m) and the autoregression's
     * own out-of-fold MAE {@code cv_mae_ar_hN}. Returns the combination's judgement.
     */
    static ForecastCombination.Judged judgeAutoregression(CrossValidatedTraining.Choice chosen, double[][][] arOof, double[] penalties,
            double[] mixes, List<int[]> blocks,
            double[] zLast, double[][] actual, double[] persistenceMae, ForecastFeatures feat, Map<String, Double> selection,
            PrintStream out) {
        int[] block = blockOf(blocks);
        int nb = blocks.size();
        ForecastCombination.Judged net = ForecastCombination.judge(zLast, chosen.change(), arOof, actual, persistenceMae,
                feat::toTarget, block, nb, RollingOrigin.BLEND_GRID, ForecastCombination.NONE);
        ForecastCombination.Judged alone = ForecastCombination.judge(zLast, chosen.change(), arOof, actual, persistenceMae,
                feat::toTarget, block, nb, RollingOrigin.BLEND_GRID, ForecastCombination.ALONE);
        ForecastCombination.Judged comb = ForecastCombination.judge(zLast, chosen.change(), arOof, actual, persistenceMae,
                feat::toTarget, block, nb, RollingOrigin.BLEND_GRID, mixes);
        selection.put("cv_score_network", net.score());
        selection.put("cv_score_network_nested", net.nestedScore());
        selection.put("cv_score_ar", alone.score());
        selection.put("cv_score_ar_nested", alone.nestedScore());
        selection.put("cv_score_combined", comb.score());
        selection.put("cv_score_combined_nested", comb.nestedScore());
        int h = persistenceMae.length;
        for (int j = 0; j < h; j++) {
            selection.put("ar_penalty_h" + (j + 1), penalties[comb.inSample()[j].penalty()]);
            selection.put("ar_mix_h" + (j + 1), comb.inSample()[j].mix());
            selection.put("ar_weight_h" + (j + 1), comb.inSample()[j].b());
            selection.put("cv_mae_ar_h" + (j + 1), alone.inSample()[j].mae());
        }
        if (out != null) {
            out.printf(Locale.ROOT, "autoregression: scores (in sample / leave one block out): network %.4f / %.4f,"
                    + " autoregression %.4f / %.4f, combined %.4f / %.4f%n", net.score(), net.nestedScore(), alone.score(),
                    alone.nestedScore(), comb.score(), comb.nestedScore());
            StringBuilder line = new StringBuilder("  per horizon: MAE network / autoregression / combined (α, mix, penalty;"
                    + " the blocks' nested picks)");
            for (int j = 0; j < h; j++) {
                ForecastCombination.Pick p = comb.inSample()[j];
                line.append(String.format(Locale.ROOT, "%n  h%d %.3f / %.3f (α %.2f, penalty %g) / %.3f (%.2f, %.1f, %g;", j + 1,
                        net.inSample()[j].mae(), alone.inSample()[j].mae(), alone.inSample()[j].alpha(),
                        penalties[alone.inSample()[j].penalty()], p.mae(), p.alpha(), p.mix(), penalties[p.penalty()]));
                for (ForecastCombination.Pick q : comb.nestedPicks()[j]) {
                    line.append(String.format(Locale.ROOT, " %.2f/%.1f/%g", q.alpha(), q.mix(), penalties[q.penalty()]));
                }
                line.append(String.format(Locale.ROOT, "; nested MAE %.3f)", comb.nestedMae()[j]));
            }
            out.println(line);
        }
        return comb;
    }
}
