package dev.lamina.forecast;

import dev.lamina.callbacks.EarlyStopping;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training without cross-validation (settings.folds 0): each member stops early on a chronological
 * validation split (the last {@code validationSplit} of the training windows) and keeps its best
 * weights; the quantiles are calibrated on the ensemble's residuals on that split.
 */
final class EarlyStoppedTraining {
    private EarlyStoppedTraining() {
    }

    /**
     * Trains the ensemble on rows [0, trainEnd) of {@code data}, member k starting from member k of
     * {@code start} (null: fresh seeded weights); rows from {@code trainEnd} on are never read.
     */
    static Forecaster train(ForecastSettings s, SeriesData data, int trainEnd, PrintStream out, Forecaster.Training[] result,
            WarmStart start) {
        int h = s.horizon;
        int w = s.window;
        int windows = trainEnd - h - w + 1;
        int nTrain = (int) Math.floor(windows * (1.0 - s.validationSplit));
        int nVal = windows - nTrain;
        boolean validating = s.validationSplit > 0;
        if (windows < 4 || nTrain < 1 || (validating && nVal < 2)) {
            throw new IllegalArgumentException(data.source() + ": " + trainEnd + " training weeks are too few for a " + w
                    + "-week window " + h + " week(s) ahead with validation split " + s.validationSplit + " (" + windows
                    + " windows)");
        }
        // Everything below reads rows [0, trainEnd) only.
        SeriesData train = new SeriesData(java.util.Arrays.copyOf(data.rows(), trainEnd), data.columns(),
                data.dates() == null ? null : data.dates().subList(0, trainEnd), data.source());
        ForecastFeatures feat = ForecastFeatures.fit(s, train, trainEnd);
        double[][] z = feat.matrix(train);
        int[] trOrigins = ForecastWindows.range(w - 1, nTrain);
        int[] vaOrigins = ForecastWindows.range(w - 1 + nTrain, nVal);
        float[] xTr = ForecastWindows.windowInputs(z, trOrigins, w);
        float[] yTr = ForecastWindows.residualTargets(z, trOrigins, h);
        float[] xVa = validating ? ForecastWindows.windowInputs(z, vaOrigins, w) : null;
        float[] yVa = validating ? ForecastWindows.residualTargets(z, vaOrigins, h) : null;
        int width = feat.width();
        if (s.verbose > 0) {
            out.printf("lamina forecast: %s, %d weeks (%d train, %d test), window %d, 1-%d week(s) ahead, inputs %s%n",
                    data.source(), data.length(), trainEnd, data.length() - trainEnd, w, h, feat.names());
            if (validating) {
                out.printf("training %d member(s) on %d windows, early stopping on %d validation windows (%s to %s)%n",
                        s.ensemble, nTrain, nVal, dateOr(data, vaOrigins[0] + 1), dateOr(data, vaOrigins[nVal - 1] + h));
            } else {
                out.printf("training %d member(s) on %d windows, no validation split (no early stopping, no quantiles)%n",
                        s.ensemble, nTrain);
            }
        }
        List<Sequential> members = new ArrayList<>();
        List<History> histories = new ArrayList<>();
        int[] best = new int[s.ensemble];
        long steps = 0;
        double seconds = 0;
        double[][] valPred = new double[nVal][h];
        try {
            for (int k = 0; k < s.ensemble; k++) {
                long seed = Members.memberSeed(s.seed, k);
                // patience 0: no early stopping, the last epoch's weights are kept
                EarlyStopping es = s.patience > 0 && validating
                        ? new EarlyStopping().monitor("val_loss").patience(s.patience).restoreBestWeights(true) : null;
                Sequential initial = start == null ? Members.seededModel(s, width, seed) : start.member(s, width, seed, k);
                Members.Member mem = Members.fitMember(s, initial, width, seed, xTr, yTr, nTrain, s.epochs, fo -> {
                    if (validating) {
                        fo.validationData(Tensor.of(xVa, nVal, w, width), Tensor.of(yVa, nVal, h));
                    }
                    if (es != null) {
                        fo.callbacks(es);
                    }
                }, k == 0 && s.verbose > 0 ? out : null);
                Sequential m = mem.model();
                members.add(m);
                History hist = mem.history();
                seconds += mem.seconds();
                steps += mem.steps();
                histories.add(hist);
                int epochs = hist.get("loss").size();
                best[k] = es != null ? es.bestEpoch() + 1 : epochs;
                if (validating) {
                    try (Scope scope = Scope.open()) {
                        double[] p = m.predict(Tensor.of(xVa, nVal, w, width)).toDoubleArray();
                        for (int i = 0; i < nVal; i++) {
                            for (int j = 0; j < h; j++) {
                                valPred[i][j] += p[i * h + j] / s.ensemble;
                            }
                        }
                    }
                }
                if (s.verbose > 0) {
                    out.printf(Locale.ROOT, "member %d/%d (seed %d): %d epochs, %s %d (%s %.5f), %.1f s%n", k + 1,
                            s.ensemble, seed, epochs, es != null ? "best" : "kept", best[k],
                            validating ? "val loss" : "loss", hist.get(validating ? "val_loss" : "loss").get(best[k] - 1),
                            mem.seconds());
                }
            }
        } catch (RuntimeException e) {
            members.forEach(Sequential::close);
            throw e;
        }
        // residuals and forecast levels of the validation windows, per horizon
        double[][] res = new double[h][nVal];
        double[][] mu = new double[h][nVal];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < nVal; i++) {
                res[j][i] = yVa[i * h + j] - valPred[i][j];
                mu[j][i] = feat.toTarget(z[vaOrigins[i]][0] + valPred[i][j]);
            }
        }
        boolean quantiles = s.quantiles && validating;
        ResidualCalibration cal = quantiles ? ResidualCalibration.fit(s.calibration, res, mu,
                ValidationFigures.recentChanges(z, vaOrigins), QuantileScores.LEVELS) : null;
        Forecaster f = new Forecaster(s, members, feat, cal, null);
        Map<String, Map<String, Double>> validation = validating
                ? ValidationFigures.of(f, z, train.target(), trainEnd, vaOrigins, valPred, res, mu) : new LinkedHashMap<>();
        result[0] = new Forecaster.Training(histories, best, trainEnd, nTrain, nVal, validation, seconds, steps);
        return f;
    }

    private static String dateOr(SeriesData data, int row) {
        return data.dates() == null ? "row " + row : data.dates().get(row).toString();
    }
}
