package dev.lamina.forecast;

import dev.lamina.callbacks.Callback;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training with rolling-origin cross-validation ({@link RollingOrigin}, settings.folds &gt; 0):
 * <ol>
 *   <li>each fold trains min(ensemble, settings.foldMembers) networks (3 by default) on the windows before
 *       its block and forecasts the block after every {@value #CHECKPOINT}th epoch;</li>
 *   <li>for each of those epoch counts, the out-of-fold forecasts of all blocks give per horizon the
 *       best blend weight α_h and its MAE; the epoch count with the smallest sum over horizons of
 *       MAE / persistence MAE is chosen;</li>
 *   <li>with several candidate windows (settings.windowCandidates), steps 1 and 2 run once per
 *       window on the same pooled origins, and the window whose chosen epoch count scores lowest
 *       wins (a tie keeps the earlier candidate);</li>
 *   <li>the ensemble is trained again on every training window for that many epochs (no early
 *       stopping), and its quantiles are calibrated on the out-of-fold residuals of the blended
 *       forecasts.</li>
 * </ol>
 * Only rows before trainEnd are read. Each fold fits its own input scaling on the weeks before its
 * block (its forecasts are converted to the final scaling's units before they are pooled); the
 * final ensemble's scaling is fit on all training weeks.
 */
final class CrossValidatedTraining {
    /** The share of the training weeks that the folds forecast. */
    static final double SPAN = 0.6;
    /** Epoch counts compared: every CHECKPOINT-th epoch, and the last. */
    static final int CHECKPOINT = 10;
    /** The one blend weight without the blend: α = 1. */
    static final double[] NO_BLEND = {1.0};

    private CrossValidatedTraining() {
    }

    /** The epoch counts compared: CHECKPOINT, 2·CHECKPOINT, … up to {@code epochs}, and {@code epochs}. */
    static int[] checkpoints(int epochs) {
        List<Integer> c = new ArrayList<>();
        for (int e = CHECKPOINT; e < epochs; e += CHECKPOINT) {
            c.add(e);
        }
        c.add(epochs);
        return c.stream().mapToInt(Integer::intValue).toArray();
    }

    static Forecaster train(ForecastSettings s, SeriesData data, int trainEnd, PrintStream out, Forecaster.Training[] result) {
        return train(s, data, trainEnd, out, result, false);
    }

    /**
     * As {@link #train(ForecastSettings, SeriesData, int, PrintStream, Forecaster.Training[])}; with
     * {@code foldsOnly} the ensemble is not trained on all training windows (the forecaster has no
     * members and cannot forecast): the choices and validation figures only, for {@code --validation-only}.
     */
    static Forecaster train(ForecastSettings s, SeriesData data, int trainEnd, PrintStream out, Forecaster.Training[] result,
            boolean foldsOnly) {
        Forecaster.checkSettings(s);
        int h = s.horizon;
        int[] windows = windowCandidates(s);
        // the blocks' origins allow the longest window, so every candidate is scored on the same windows
        int wMax = Arrays.stream(windows).max().getAsInt();
        // Everything below reads rows [0, trainEnd) only.
        SeriesData train = new SeriesData(Arrays.copyOf(data.rows(), trainEnd), data.columns(),
                data.dates() == null ? null : data.dates().subList(0, trainEnd), data.source());
        SeriesData weatherTrain = null;
        if (s.weatherPerHorizon) {
            if (!foldsOnly || s.csv != null || train.columns().size() < 2) {
                throw new IllegalArgumentException("forecaster settings: the per-horizon weather choice runs on the folds only"
                        + " (--validation-only), for a bundled city loaded with its weather");
            }
            // the weather ensemble reads every column, the cases-only one the target alone
            weatherTrain = train;
            double[][] target = new double[trainEnd][];
            for (int r = 0; r < trainEnd; r++) {
                target[r] = new double[] {train.rows()[r][0]};
            }
            train = new SeriesData(target, train.columns().subList(0, 1), train.dates(), train.source());
        }
        if (s.autoregression && (s.weatherPerHorizon || s.poolData != null)) {
            throw new IllegalArgumentException("forecaster settings: the autoregression combines with one ensemble of this"
                    + " series only (not with the per-horizon weather choice or pooled training)");
        }
        ForecastFeatures feat = ForecastFeatures.fit(s, train, trainEnd);
        double[][] z = feat.matrix(train);
        double[] y = train.target();
        int[] b = RollingOrigin.boundaries(trainEnd, s.folds, SPAN);
        int[] checkpoints = checkpoints(s.epochs);
        int foldMembers = Math.min(s.ensemble, s.foldMembers);
        List<int[]> blocks = new ArrayList<>();
        int pooled = 0;
        for (int k = 0; k < s.folds; k++) {
            int[] tr = RollingOrigin.trainingOrigins(wMax, h, b[k]);
            int[] va = RollingOrigin.blockOrigins(wMax, h, b[k], b[k + 1]);
            if (tr.length < 2 || va.length < 2) {
                throw new IllegalArgumentException(data.source() + ": " + trainEnd + " training weeks are too few for " + s.folds
                        + " folds with a " + wMax + "-week window " + h + " week(s) ahead (fold " + (k + 1) + ": " + tr.length
                        + " training and " + va.length + " validation windows)");
            }
            blocks.add(va);
            pooled += va.length;
        }
        if (s.verbose > 0) {
            out.printf("lamina forecast: %s, %d weeks (%d train, %d test), window %s, 1-%d week(s) ahead, inputs %s%n",
                    data.source(), data.length(), trainEnd, data.length() - trainEnd,
                    windows.length == 1 ? String.valueOf(windows[0]) : "chosen among " + Arrays.toString(windows), h, feat.names());
            out.printf("cross-validation: %d rolling-origin folds forecasting %s to %s (%d windows), %d member(s) each;"
                    + " then %d member(s) on all training windows%n", s.folds, date(data, b[0]), date(data, trainEnd - 1),
                    pooled, foldMembers, s.ensemble);
        }
        long t0 = System.nanoTime();
        // the scaled target's last value and the actual values at the pooled origins, the same for every window
        int[] origins = new int[pooled];
        int at = 0;
        for (int[] va : blocks) {
            System.arraycopy(va, 0, origins, at, va.length);
            at += va.length;
        }
        double[] zLast = new double[pooled];
        for (int i = 0; i < pooled; i++) {
            zLast[i] = z[origins[i]][0];
        }
        double[][] actual = new double[h][pooled];
        double[] persistenceMae = new double[h];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < pooled; i++) {
                actual[j][i] = y[origins[i] + j + 1];
                persistenceMae[j] += Math.abs(actual[j][i] - y[origins[i]]) / pooled;
            }
        }
        Map<String, Double> selection = new LinkedHashMap<>();
        long[] steps = new long[1];
        Choice chosen = chooseWindow(s, windows, train, b, blocks, checkpoints, zLast, actual, persistenceMae, feat, selection,
                "", steps, out);
        if (s.weatherPerHorizon) {
            ForecastSettings sw = s.withWindow(s.window);
            sw.weather = true;
            if (s.verbose > 0) {
                out.printf("the weather ensemble (smoothing %d):%n", sw.smoothing);
            }
            Choice weather = chooseWindow(sw, windows, weatherTrain, b, blocks, checkpoints, zLast, actual, persistenceMae, feat,
                    selection, "weather_", steps, out);
            chosen = perHorizon(chosen, weather, blocks, zLast, actual, persistenceMae, feat, selection, s.verbose > 0 ? out : null);
        }
        ForecastSettings sf = s.withWindow(chosen.window());
        int w = sf.window;
        int epochs = chosen.epochs();
        double[] alpha = chosen.alpha();
        FoldJudgements.judgeBlend(s, chosen, blocks, zLast, actual, persistenceMae, feat, selection, s.verbose > 0 ? out : null);
        // with the autoregression: its out-of-fold changes at the chosen penalties, times b_h [i][j]
        double[][] arChange = null;
        double[] arPenalty = null;
        double[] arWeight = null;
        if (s.autoregression) {
            double[] penalties = s.arPenalty > 0 ? new double[] {s.arPenalty} : Autoregression.PENALTIES;
            double[] mixes = s.arMix >= 0 ? new double[] {s.arMix} : ForecastCombination.MIX_GRID;
            double[][][] arOof = FoldJudgements.autoregressionOutOfFold(sf, train, b, blocks, feat, penalties);
            ForecastCombination.Judged comb = FoldJudgements.judgeAutoregression(chosen, arOof, penalties, mixes, blocks, zLast, actual,
                    persistenceMae, feat, selection, s.verbose > 0 ? out : null);
            alpha = new double[h];
            arPenalty = new double[h];
            arWeight = new double[h];
            arChange = new double[pooled][h];
            for (int j = 0; j < h; j++) {
                ForecastCombination.Pick p = comb.inSample()[j];
                alpha[j] = p.a();
                arPenalty[j] = penalties[p.penalty()];
                arWeight[j] = p.b();
                for (int i = 0; i < pooled; i++) {
                    arChange[i][j] = p.b() * arOof[p.penalty()][i][j];
                }
            }
        }
        selection.putAll(chosen.scores());
        selection.put("epochs", (double) epochs);
        selection.put("folds", (double) s.folds);
        selection.put("fold_members", (double) foldMembers);
        for (int j = 0; j < h; j++) {
            selection.put("blend_h" + (j + 1), alpha[j]);
        }
        if (windows.length > 1) {
            selection.put("window", (double) w);
        }
        if (s.verbose > 0) {
            out.printf(Locale.ROOT, "chosen: %swindow %d, %d epochs, blend weights %s (persistence MAE h1..h%d %s)%n",
                    windows.length > 1 ? "" : "the fixed ", w, epochs, Arrays.toString(alpha), h,
                    Arrays.toString(round2(persistenceMae)));
        }
        // the ensemble on every training window
        int[] all = RollingOrigin.trainingOrigins(w, h, trainEnd);
        Autoregression ar = arChange == null ? null : Autoregression.fit(z, all, w, arPenalty, arWeight);
        float[] xAll = ForecastWindows.windowInputs(z, all, w);
        float[] yAll = targets(sf, z, y, all);
        int nAll = all.length;
        if (s.poolData != null) {
            Pooled p = pooled(sf, s.poolData, train.dates().get(trainEnd - 1));
            xAll = concat(xAll, p.x());
            yAll = concat(yAll, p.y());
            nAll += p.n();
            if (s.verbose > 0) {
                out.printf("pooled: %d training windows of %s (weeks to %s, scaled on their own) with the %d of %s%n", p.n(),
                        s.poolData.source(), date(train, trainEnd - 1), all.length, data.source());
            }
        }
        List<Sequential> members = new ArrayList<>();
        List<History> histories = new ArrayList<>();
        int trained = foldsOnly ? 0 : s.ensemble;
        int width = feat.width();
        try {
            for (int k = 0; k < trained; k++) {
                long seed = Members.memberSeed(s.seed, k);
                Members.Member mem = Members.fitMember(sf, width, seed, xAll, yAll, nAll, epochs, fo -> {
                }, k == 0 && s.verbose > 0 ? out : null);
                members.add(mem.model());
                histories.add(mem.history());
                steps[0] += mem.steps();
                if (s.verbose > 0) {
                    out.printf(Locale.ROOT, "member %d/%d (seed %d): %d epochs on %d windows, loss %.5f, %.1f s%n", k + 1,
                            s.ensemble, seed, epochs, nAll, mem.history().get("loss").get(epochs - 1), mem.seconds());
                }
            }
        } catch (RuntimeException e) {
            members.forEach(Sequential::close);
            throw e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // out-of-fold residuals of the blended forecasts: the quantile calibration and the validation figures
        double[][] predC = chosen.change();
        double[][] blended = new double[pooled][h];
        double[][] res = new double[h][pooled];
        double[][] mu = new double[h][pooled];
        for (int i = 0; i < pooled; i++) {
            int t = origins[i];
            for (int j = 0; j < h; j++) {
                blended[i][j] = alpha[j] * predC[i][j];
                if (arChange != null) {
                    blended[i][j] += arChange[i][j];
                }
                res[j][i] = z[t + j + 1][0] - z[t][0] - blended[i][j];
                mu[j][i] = feat.toTarget(z[t][0] + blended[i][j]);
            }
        }
        ResidualCalibration cal = s.quantiles ? ResidualCalibration.fit(s.calibration, res, mu, ValidationFigures.recentChanges(z, origins),
                QuantileScores.LEVELS) : null;
        Forecaster f = new Forecaster(sf, members, feat, cal, alpha, ar);
        Map<String, Map<String, Double>> validation = ValidationFigures.of(f, z, y, trainEnd, origins, blended, res, mu);
        for (int j = 0; j < h; j++) {
            validation.get("h" + (j + 1)).put("blend", alpha[j]);
            validation.get("h" + (j + 1)).put("mae_unblended", chosen.unblendedMae()[j]);
        }
        int[] best = new int[trained];
        Arrays.fill(best, epochs);
        result[0] = new Forecaster.Training(histories, best, trainEnd, all.length, pooled, validation, seconds, steps[0], selection);
        return f;
    }

    /**
     * Runs the folds of every candidate window for settings {@code s} and returns the window whose
     * chosen epoch count scores lowest (a tie keeps the earlier candidate); with several windows,
     * each one's score and epochs go into {@code selection} under {@code prefix}.
     */
    private static Choice chooseWindow(ForecastSettings s, int[] windows, SeriesData train, int[] b, List<int[]> blocks,
            int[] checkpoints, double[] zLast, double[][] actual, double[] persistenceMae, ForecastFeatures feat,
            Map<String, Double> selection, String prefix, long[] steps, PrintStream out) {
        int h = s.horizon;
        Choice chosen = null;
        for (int w : windows) {
            ForecastSettings sw = s.withWindow(w);
            sw.weather = s.weather;
            if (s.verbose > 0 && windows.length > 1) {
                out.printf("window %d:%n", w);
            }
            OutOfFold oof = outOfFold(sw, train, b, blocks, checkpoints, out);
            steps[0] += oof.steps();
            // pred[c][i][j]: the folds' mean predicted change in the final scaling's units (feat's; the
            // target's scaling does not depend on the extra columns)
            double[][][] pred = oof.change();
            for (double[][] pc : pred) {
                for (double[] pi : pc) {
                    for (int j = 0; j < h; j++) {
                        pi[j] /= feat.targetScale();
                    }
                }
            }
            Choice c = choose(sw, checkpoints, pred, zLast, actual, persistenceMae, feat, out);
            if (windows.length > 1) {
                selection.put(prefix + "cv_score_window_" + w, c.score());
                selection.put(prefix + "epochs_window_" + w, (double) c.epochs());
            }
            // a tie keeps the earlier candidate
            if (chosen == null || c.score() < chosen.score()) {
                chosen = c;
            }
        }
        return chosen;
    }

    /**
     * The per-horizon choice between the cases-only ensemble's folds ({@code cases}) and the weather
     * ensemble's ({@code weather}), each at its own chosen window, epochs and blend weights: horizon h
     * takes the one with the lower pooled out-of-fold MAE (a tie keeps cases only). As that choice is
     * judged on the same forecasts it was made on, it is also judged leave one block out: block k's
     * forecasts come from the ensemble that the other blocks' MAE prefers at h. {@code selection}
     * gets {@code weather_hN} (1 where h takes the weather ensemble), {@code weather_hN_blocks} (how
     * many of the leave-one-block-out choices take it), {@code cv_mae_cases_hN},
     * {@code cv_mae_weather_hN}, {@code cv_score_cases}, {@code cv_score_weather},
     * {@code cv_score_per_horizon} (in-sample) and {@code cv_score_per_horizon_nested}. Returns the
     * cases-only choice with the chosen horizons' changes and blend weights replaced (its window and
     * epochs stay the cases-only ones).
     */
    static Choice perHorizon(Choice cases, Choice weather, List<int[]> blocks, double[] zLast, double[][] actual,
            double[] persistenceMae, ForecastFeatures feat, Map<String, Double> selection, PrintStream out) {
        int h = persistenceMae.length;
        int n = zLast.length;
        int[] block = new int[n];
        int at = 0;
        for (int k = 0; k < blocks.size(); k++) {
            for (int i = 0; i < blocks.get(k).length; i++) {
                block[at++] = k;
            }
        }
        double[][] change = new double[n][];
        for (int i = 0; i < n; i++) {
            change[i] = cases.change()[i].clone();
        }
        double[] alpha = cases.alpha().clone();
        double inSample = 0;
        double nested = 0;
        for (int j = 0; j < h; j++) {
            double[] eCases = absErrors(cases, j, zLast, actual[j], feat);
            double[] eWeather = absErrors(weather, j, zLast, actual[j], feat);
            double mCases = mean(eCases, block, -1);
            double mWeather = mean(eWeather, block, -1);
            boolean useWeather = mWeather < mCases;
            selection.put("cv_mae_cases_h" + (j + 1), mCases);
            selection.put("cv_mae_weather_h" + (j + 1), mWeather);
            selection.put("weather_h" + (j + 1), useWeather ? 1.0 : 0.0);
            inSample += Math.min(mCases, mWeather) / persistenceMae[j];
            if (useWeather) {
                alpha[j] = weather.alpha()[j];
                for (int i = 0; i < n; i++) {
                    change[i][j] = weather.change()[i][j];
                }
            }
            // leave one block out: block k is forecast by the ensemble the other blocks prefer
            double sum = 0;
            int taken = 0;
            for (int k = 0; k < blocks.size(); k++) {
                boolean w = mean(eWeather, block, k) < mean(eCases, block, k);
                taken += w ? 1 : 0;
                for (int i = 0; i < n; i++) {
                    if (block[i] == k) {
                        sum += w ? eWeather[i] : eCases[i];
                    }
                }
            }
            selection.put("weather_h" + (j + 1) + "_blocks", (double) taken);
            nested += sum / n / persistenceMae[j];
        }
        selection.put("cv_score_cases", cases.score());
        selection.put("cv_score_weather", weather.score());
        selection.put("cv_score_per_horizon", inSample);
        selection.put("cv_score_per_horizon_nested", nested);
        selection.put("weather_window", (double) weather.window());
        selection.put("weather_epochs", (double) weather.epochs());
        if (out != null) {
            StringBuilder line = new StringBuilder("per horizon, weather ensemble taken at");
            for (int j = 0; j < h; j++) {
                line.append(String.format(Locale.ROOT, " h%d %s (blocks %d/%d)", j + 1,
                        selection.get("weather_h" + (j + 1)) > 0 ? "yes" : "no",
                        selection.get("weather_h" + (j + 1) + "_blocks").intValue(), blocks.size()));
            }
            out.println(line);
            out.printf(Locale.ROOT, "scores: cases only %.4f, weather %.4f, per horizon %.4f (in sample), %.4f (leave one block"
                    + " out)%n", cases.score(), weather.score(), inSample, nested);
        }
        return new Choice(cases.window(), cases.epochs(), change, alpha, inSample, cases.unblendedMae(), cases.scores());
    }

    /** The absolute errors, in the series' units, of a choice's blended out-of-fold forecasts at horizon j + 1. */
    private static double[] absErrors(Choice c, int j, double[] zLast, double[] actual, ForecastFeatures feat) {
        double[] e = new double[zLast.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.abs(actual[i] - feat.toTarget(zLast[i] + c.alpha()[j] * c.change()[i][j]));
        }
        return e;
    }

    /** The mean of {@code e} over every block but {@code skip} (-1: over all). */
    private static double mean(double[] e, int[] block, int skip) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < e.length; i++) {
            if (block[i] != skip) {
                sum += e[i];
                n++;
            }
        }
        return sum / n;
    }

    /** The training targets of windows at {@code origins}: the changes, and each window's level weight when the settings ask. */
    static float[] targets(ForecastSettings s, double[][] z, double[] y, int[] origins) {
        float[] changes = ForecastWindows.residualTargets(z, origins, s.horizon);
        if (s.levelWeight == 0) {
            return changes;
        }
        return ForecastWindows.withWeights(changes, ForecastWindows.levelWeights(y, origins, s.levelWeight), s.horizon);
    }

    /** Another series' training windows: inputs [n, w, F], targets [n, h] (or h + 1 with level weights). */
    record Pooled(float[] x, float[] y, int n) {
    }

    /**
     * The training windows of {@code other} (another city's series, for {@link ForecastSettings#poolData})
     * whose every row is dated on or before {@code last}, with their own feature scaling fit on those rows.
     */
    static Pooled pooled(ForecastSettings s, SeriesData other, java.time.LocalDate last) {
        if (other.dates() == null) {
            throw new IllegalArgumentException("pooled training needs dated series, " + other.source() + " has no dates");
        }
        int end = 0;
        while (end < other.length() && !other.dates().get(end).isAfter(last)) {
            end++;
        }
        int[] origins = RollingOrigin.trainingOrigins(s.window, s.horizon, end);
        if (origins.length == 0) {
            return new Pooled(new float[0], new float[0], 0);
        }
        ForecastFeatures f = ForecastFeatures.fit(s, other, end);
        double[][] z = f.matrix(other);
        return new Pooled(ForecastWindows.windowInputs(z, origins, s.window), targets(s, z, other.target(), origins),
                origins.length);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** The windows the folds compare: the settings' candidates, or its one window when there are none. */
    static int[] windowCandidates(ForecastSettings s) {
        if (s.windowCandidates.isEmpty()) {
            return new int[] {s.window};
        }
        int[] w = s.windowCandidates.stream().mapToInt(Integer::intValue).toArray();
        for (int x : w) {
            if (x < 1) {
                throw new IllegalArgumentException("forecaster settings: window candidates must be >= 1, got "
                        + s.windowCandidates);
            }
        }
        if (Arrays.stream(w).distinct().count() != w.length) {
            throw new IllegalArgumentException("forecaster settings: window candidates must differ, got " + s.windowCandidates);
        }
        return w;
    }

    /**
     * What the folds chose for one window: the epoch count (and its checkpoint's out-of-fold
     * changes [i][j]), the blend weights, the summed score Σ_h MAE / persistence MAE, the unblended
     * MAE per horizon, and each compared epoch count's score ({@code cv_score_epochs_E},
     * {@code cv_score_unblended_epochs_E}).
     */
    record Choice(int window, int epochs, double[][] change, double[] alpha, double score, double[] unblendedMae,
                  Map<String, Double> scores) {
    }

    /** Chooses the epoch count and the blend weights of one window from its out-of-fold changes pred[c][i][j]. */
    private static Choice choose(ForecastSettings s, int[] checkpoints, double[][][] pred, double[] zLast, double[][] actual,
            double[] persistenceMae, ForecastFeatures feat, PrintStream out) {
        int h = s.horizon;
        Map<String, Double> scores = new LinkedHashMap<>();
        int bestC = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        double[] alpha = new double[h];
        double[][] maes = new double[checkpoints.length][];
        for (int c = 0; c < checkpoints.length; c++) {
            double score = 0;
            double plain = 0;
            double[] a = new double[h];
            maes[c] = new double[2 * h];
            for (int j = 0; j < h; j++) {
                double[] change = ForecastCombination.column(pred[c], j);
                // without the blend (settings.blend false) α is 1: the networks' change as it is
                double[] best = RollingOrigin.bestBlend(zLast, change, actual[j], feat::toTarget,
                        s.blend ? RollingOrigin.BLEND_GRID : NO_BLEND);
                double unblended = RollingOrigin.blendedMae(zLast, change, actual[j], feat::toTarget, 1.0);
                a[j] = best[0];
                maes[c][j] = best[1];
                maes[c][h + j] = unblended;
                score += best[1] / persistenceMae[j];
                plain += unblended / persistenceMae[j];
            }
            scores.put("cv_score_epochs_" + checkpoints[c], score);
            scores.put("cv_score_unblended_epochs_" + checkpoints[c], plain);
            if (s.verbose > 0) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %3d epochs: MAE / persistence summed %.4f"
                        + " (unblended %.4f); MAE h1..h%d", checkpoints[c], score, plain, h));
                for (int j = 0; j < h; j++) {
                    line.append(String.format(Locale.ROOT, " %.2f (α %.2f, %.2f)", maes[c][j], a[j], maes[c][h + j]));
                }
                out.println(line);
            }
            if (score < bestScore) {
                bestScore = score;
                bestC = c;
                alpha = a;
            }
        }
        return new Choice(s.window, checkpoints[bestC], pred[bestC], alpha, bestScore,
                Arrays.copyOfRange(maes[bestC], h, 2 * h), scores);
    }

    /**
     * The out-of-fold forecasts: the origins of every block in order, {@code change[c][i][j]}, the
     * fold members' mean predicted change of the transformed target g (ln(1 + cases) by default)
     * at origin i and horizon j + 1 after {@code checkpoints[c]} epochs, and the optimizer steps
     * taken. Fold k fits its own input scaling on rows [0, b_k) (the weeks its networks train on),
     * so nothing at or after its block shapes its inputs' scaling or its training targets.
     */
    record OutOfFold(int[] origins, double[][][] change, long steps) {
    }

    static OutOfFold outOfFold(ForecastSettings s, SeriesData train, int[] b, List<int[]> blocks, int[] checkpoints,
            PrintStream out) {
        int h = s.horizon;
        int w = s.window;
        int foldMembers = Math.min(s.ensemble, s.foldMembers);
        int pooled = blocks.stream().mapToInt(a -> a.length).sum();
        int[] origins = new int[pooled];
        double[][][] pred = new double[checkpoints.length][pooled][h];
        long t0 = System.nanoTime();
        long steps = 0;
        int at = 0;
        for (int k = 0; k < s.folds; k++) {
            ForecastFeatures fk = ForecastFeatures.fit(s, train, b[k]);
            double[][] zk = fk.matrix(train);
            int width = fk.width();
            int[] tr = RollingOrigin.trainingOrigins(w, h, b[k]);
            int[] va = blocks.get(k);
            System.arraycopy(va, 0, origins, at, va.length);
            float[] xTr = ForecastWindows.windowInputs(zk, tr, w);
            float[] yTr = targets(s, zk, train.target(), tr);
            int nTr = tr.length;
            if (s.poolData != null) {
                Pooled p = pooled(s, s.poolData, train.dates().get(b[k] - 1));
                xTr = concat(xTr, p.x());
                yTr = concat(yTr, p.y());
                nTr += p.n();
            }
            float[] xVa = ForecastWindows.windowInputs(zk, va, w);
            // with the median, each member's forecasts are kept apart, then reduced below
            double[][][][] each = s.memberMedian ? new double[foldMembers][checkpoints.length][va.length][h] : null;
            for (int m = 0; m < foldMembers; m++) {
                long seed = Members.memberSeed(s.seed + 7_919L * (k + 1), m);
                Snapshots snap = each == null
                        ? new Snapshots(checkpoints, xVa, va.length, w, width, h, pred, at, fk.targetScale() / foldMembers)
                        : new Snapshots(checkpoints, xVa, va.length, w, width, h, each[m], 0, fk.targetScale());
                Members.fitMember(s, width, seed, xTr, yTr, nTr, s.epochs, fo -> fo.verbose(0).callbacks(snap), null)
                        .model().close();
                steps += (long) s.epochs * ((nTr + s.batchSize - 1) / s.batchSize);
            }
            if (each != null) {
                double[] v = new double[foldMembers];
                for (int c = 0; c < checkpoints.length; c++) {
                    for (int i = 0; i < va.length; i++) {
                        for (int j = 0; j < h; j++) {
                            for (int m = 0; m < foldMembers; m++) {
                                v[m] = each[m][c][i][j];
                            }
                            pred[c][at + i][j] = Forecaster.median(v);
                        }
                    }
                }
            }
            if (s.verbose > 0) {
                out.printf(Locale.ROOT, "fold %d/%d: trained on %d windows%s (to %s), forecast %d windows (%s to %s), %.1f s%n",
                        k + 1, s.folds, tr.length, nTr > tr.length ? " and " + (nTr - tr.length) + " pooled" : "",
                        date(train, tr[tr.length - 1] + h), va.length, date(train, va[0] + 1),
                        date(train, va[va.length - 1] + h), (System.nanoTime() - t0) / 1e9);
            }
            at += va.length;
        }
        return new OutOfFold(origins, pred, steps);
    }

    private static double[] round2(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.round(a[i] * 100) / 100.0;
        }
        return r;
    }

    private static String date(SeriesData data, int row) {
        return data.dates() == null ? "row " + row : data.dates().get(row).toString();
    }

    /** Adds a fold member's predictions of the validation windows, times {@code weight}, at each checkpoint epoch. */
    private static final class Snapshots extends Callback {
        private final int[] checkpoints;
        private final float[] x;
        private final int n;
        private final int w;
        private final int width;
        private final int h;
        private final double[][][] pred;
        private final int offset;
        private final double weight;

        Snapshots(int[] checkpoints, float[] x, int n, int w, int width, int h, double[][][] pred, int offset, double weight) {
            this.checkpoints = checkpoints;
            this.x = x;
            this.n = n;
            this.w = w;
            this.width = width;
            this.h = h;
            this.pred = pred;
            this.offset = offset;
            this.weight = weight;
        }

        @Override
        public void onEpochEnd(int epoch, Map<String, Double> logs) {
            int c = Arrays.binarySearch(checkpoints, epoch + 1);
            if (c < 0) {
                return;
            }
            try (Scope scope = Scope.open()) {
                double[] p = model().predict(Tensor.of(x, n, w, width)).toDoubleArray();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < h; j++) {
                        pred[c][offset + i][j] += weight * p[i * h + j];
                    }
                }
            }
        }
    }
}
