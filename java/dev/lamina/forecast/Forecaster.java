package dev.lamina.forecast;

import dev.lamina.data.TimeSeriesSplit;
import dev.lamina.io.AtomicFiles;
import dev.lamina.metrics.RegressionMetrics;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dengue forecaster: an ensemble of LSTM networks, each trained from its own seed, that
 * forecasts a weekly series 1, 2, …, H weeks ahead at once, with quantiles.
 *
 * <p>Inputs are windows of {@link ForecastFeatures} rows (the scaled log target, optionally the
 * week of the year and smoothed weather); each network LSTM(units) [× layers] → Dropout →
 * Dense(32, relu) → Dense(H) learns the changes z[t+h] − z[t] of the scaled target from the last
 * observed week t (mean squared error, Adam). By default ({@code folds} &gt; 0,
 * {@link CrossValidatedTraining}) rolling-origin folds inside the training weeks choose the epoch
 * count (and, with {@link ForecastSettings#blend}, a blend weight α_h per horizon; otherwise α_h = 1),
 * and the members are then trained on every training window for that many epochs; with {@code folds} 0, each member stops early on a chronological
 * validation split (the last {@code validationSplit} of the training windows) and keeps its best
 * weights (α_h = 1). The forecast is z[t] + α_h × the members' mean change, mapped back to cases.
 *
 * <p>Quantiles: the ensemble's residuals r = z[t+h] − ẑ[t+h] on the validation windows (the
 * folds' out-of-fold forecasts by default) give, per
 * horizon, empirical quantiles at the 23 forecast-hub levels, of r itself or of r divided by a
 * level-dependent scale ({@link ResidualCalibration}); a forecast's τ-quantile is ẑ[t+h] plus the
 * (scaled) residual quantile, mapped back to cases. Levels increase, so the quantiles never cross.
 *
 * <p>Nothing after the training weeks (rows before {@code trainEnd}) reaches training, early
 * stopping or calibration: the test weeks are only forecast, by {@link #evaluate}.
 *
 * <p>The parts: {@code Members} (one network, its seed and its fit), {@code CrossValidatedTraining}
 * and {@code EarlyStoppedTraining} (the two training paths), {@code ValidationFigures} (the
 * validation windows' scores), {@code ForecastWindows} (inputs and targets) and
 * {@code ForecasterFiles} (save and load).
 */
public final class Forecaster implements AutoCloseable {
    /** Weeks in a season, for the seasonal-naive baseline. */
    public static final int SEASON = 52;

    private final ForecastSettings settings;
    private final List<Sequential> members;
    private final ForecastFeatures features;
    /** The quantile calibration, or null without quantiles. */
    private final ResidualCalibration calibration;
    /** Per horizon, the weight α of the members' mean change (see {@link RollingOrigin}); null: all 1. */
    private final double[] blend;

    /** The autoregression combined with the members ({@link ForecastSettings#autoregression}), or null. */
    private final Autoregression autoregression;

    Forecaster(ForecastSettings settings, List<Sequential> members, ForecastFeatures features,
            ResidualCalibration calibration, double[] blend) {
        this(settings, members, features, calibration, blend, null);
    }

    Forecaster(ForecastSettings settings, List<Sequential> members, ForecastFeatures features,
            ResidualCalibration calibration, double[] blend, Autoregression autoregression) {
        if (autoregression != null && (autoregression.window() != settings.window || !settings.autoregression)) {
            throw new IllegalArgumentException("forecaster: an autoregression needs settings that ask for it, with its window "
                    + autoregression.window() + " the forecaster's " + settings.window);
        }
        this.autoregression = autoregression;
        if (blend != null && blend.length != settings.horizon) {
            throw new IllegalArgumentException("forecaster: " + blend.length + " blend weights for " + settings.horizon
                    + " horizons");
        }
        this.settings = settings;
        this.members = List.copyOf(members);
        this.features = features;
        this.calibration = calibration;
        this.blend = blend == null ? null : blend.clone();
    }

    /**
     * The weight of the members' mean change at a horizon: 1 unless chosen by cross-validation.
     *
     * @param h the horizon, 1 … H
     * @return the blend weight α_h
     */
    public double blend(int h) {
        if (h < 1 || h > settings.horizon) {
            throw new IllegalArgumentException("forecaster: horizon " + h + " is outside 1 to " + settings.horizon);
        }
        return blend == null ? 1.0 : blend[h - 1];
    }

    /** The first member of the ensemble. */
    public Sequential model() {
        return members.get(0);
    }

    /** The ensemble's members. */
    public List<Sequential> members() {
        return members;
    }

    public ForecastSettings settings() {
        return settings;
    }

    public ForecastFeatures features() {
        return features;
    }

    /** The largest horizon H: the forecaster predicts 1 … H weeks ahead. */
    public int horizon() {
        return settings.horizon;
    }

    /** Whether the forecaster gives quantiles. */
    public boolean hasQuantiles() {
        return calibration != null;
    }

    /**
     * What training did and saw: each member's history and best epoch (1-based), the window
     * counts, and per horizon the validation figures (keys {@code mae}, {@code wis},
     * {@code coverage_50}, {@code coverage_95} of the forecaster, {@code persistence_mae},
     * {@code persistence_wis}); the forecaster's WIS there is in-sample for the calibration. With
     * cross-validation, {@code selection} holds the chosen {@code epochs}, {@code folds},
     * {@code fold_members}, {@code blend_hN} and each compared epoch count's out-of-fold score
     * {@code cv_score_epochs_E} (with and without the blend); it is empty otherwise.
     */
    public record Training(List<History> histories, int[] bestEpochs, int trainEnd, int trainWindows, int validationWindows,
                           Map<String, Map<String, Double>> validation, double fitSeconds, long trainSteps,
                           Map<String, Double> selection) {
        /**
         * Training without cross-validated choices (an empty {@code selection}).
         *
         * @param histories each member's training history
         * @param bestEpochs each member's kept epoch, 1-based
         * @param trainEnd the first row after the training weeks
         * @param trainWindows the training windows
         * @param validationWindows the validation windows
         * @param validation the validation figures per horizon
         * @param fitSeconds the time spent training
         * @param trainSteps the optimizer steps taken
         */
        public Training(List<History> histories, int[] bestEpochs, int trainEnd, int trainWindows, int validationWindows,
                        Map<String, Map<String, Double>> validation, double fitSeconds, long trainSteps) {
            this(histories, bestEpochs, trainEnd, trainWindows, validationWindows, validation, fitSeconds, trainSteps, Map.of());
        }
    }

    /**
     * The forecasts of one horizon h for target rows: actual values, the forecaster's point
     * forecasts and quantiles ([row][level], null without quantiles), persistence and its
     * probabilistic version, and the seasonal-naive forecast.
     */
    public record HorizonForecasts(int horizon, int[] rows, List<LocalDate> dates, double[] actual, double[] point,
                                   double[][] quantiles, double[] persistence, double[][] persistenceQuantiles,
                                   double[] seasonal) {
        /** Point and probabilistic scores of the forecaster and the baselines. */
        public Map<String, Map<String, Double>> scores() {
            Map<String, Map<String, Double>> m = new LinkedHashMap<>();
            Map<String, Double> f = metrics(actual, point);
            if (quantiles != null) {
                addProbabilistic(f, quantiles, actual);
            }
            m.put("lstm", f);
            Map<String, Double> p = metrics(actual, persistence);
            addProbabilistic(p, persistenceQuantiles, actual);
            m.put("persistence", p);
            m.put("seasonal_naive", metrics(actual, seasonal));
            return m;
        }
    }

    /** Training and the test-week forecasts of every horizon 1 … H. */
    public record Evaluation(Training training, List<HorizonForecasts> horizons) {
        /** The first member's training history. */
        public History history() {
            return training.histories().get(0);
        }

        /** The 1-week-ahead scores of the forecaster and the baselines ({@link HorizonForecasts#scores}). */
        public Map<String, Map<String, Double>> metrics() {
            return horizons.get(0).scores();
        }
    }

    /** The row where the test weeks start: ⌊n × trainFraction⌋ (n must allow two windows and their horizons). */
    public static int trainEnd(ForecastSettings s, int n) {
        int needed = s.window + s.horizon;
        if (n < needed * 2) {
            throw new IllegalArgumentException(n + " rows are too few for a " + s.window + "-week window " + s.horizon
                    + " week(s) ahead (need at least " + (needed * 2) + ")");
        }
        return TimeSeriesSplit.chronological(n, s.trainFraction, 0.0).train().end();
    }

    /** Trains on the first part of the series and evaluates on the last part; prints progress to {@code out}. */
    public static Forecaster trainAndEvaluate(ForecastSettings s, SeriesData data, PrintStream out, Evaluation[] result) {
        return trainAndEvaluate(s, data, out, result, null);
    }

    /**
     * {@link #trainAndEvaluate(ForecastSettings, SeriesData, PrintStream, Evaluation[])} with the
     * members starting from {@code start}'s weights (null: fresh ones); see {@link #train(ForecastSettings,
     * SeriesData, int, PrintStream, Training[], WarmStart)}.
     *
     * @param s the settings
     * @param data the series
     * @param out where progress goes
     * @param result receives the training and the test-week forecasts
     * @param start the members' starting weights, or null
     * @return the trained forecaster, owned by the caller
     */
    public static Forecaster trainAndEvaluate(ForecastSettings s, SeriesData data, PrintStream out, Evaluation[] result,
                                              WarmStart start) {
        int trainEnd = trainEnd(s, data.length());
        Training[] t = new Training[1];
        Forecaster f = train(s, data, trainEnd, out, t, start);
        try {
            result[0] = new Evaluation(t[0], f.evaluate(data, trainEnd));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /**
     * Trains the ensemble on rows [0, trainEnd) of {@code data} and calibrates its quantiles on the
     * validation windows; rows from {@code trainEnd} on are never read.
     */
    public static Forecaster train(ForecastSettings s, SeriesData data, int trainEnd, PrintStream out, Training[] result) {
        return train(s, data, trainEnd, out, result, null);
    }

    /**
     * {@link #train(ForecastSettings, SeriesData, int, PrintStream, Training[])} with member k
     * starting from member k of {@code start} (null: fresh seeded weights) and training
     * {@code s.epochs} more epochs, early stopping included; needs {@code folds} 0.
     *
     * @param s the settings
     * @param data the series
     * @param trainEnd the first row not trained on
     * @param out where progress goes
     * @param result receives what training did
     * @param start the members' starting weights, or null
     * @return the trained forecaster, owned by the caller
     */
    public static Forecaster train(ForecastSettings s, SeriesData data, int trainEnd, PrintStream out, Training[] result,
                                   WarmStart start) {
        checkSettings(s);
        if (start != null) {
            start.check(s);
        }
        if (s.folds > 0) {
            return CrossValidatedTraining.train(s, data, trainEnd, out, result);
        }
        return EarlyStoppedTraining.train(s, data, trainEnd, out, result, start);
    }

    static void checkSettings(ForecastSettings s) {
        if (s.horizon < 1 || s.window < 1 || s.ensemble < 1 || s.epochs < 1 || s.batchSize < 1 || s.units < 1 || s.layers < 1) {
            throw new IllegalArgumentException("forecaster settings: horizon, window, ensemble, epochs, batch size, units and"
                    + " layers must be >= 1, got " + s.toMap());
        }
        if (s.foldMembers < 1) {
            throw new IllegalArgumentException("forecaster settings: fold members must be >= 1, got " + s.foldMembers);
        }
        if (!(s.validationSplit >= 0 && s.validationSplit < 1)) {
            throw new IllegalArgumentException("forecaster settings: validation split must be in [0, 1) (0: no early stopping"
                    + " and no quantiles), got " + s.validationSplit);
        }
        if (!(s.dropout >= 0 && s.dropout < 1)) {
            throw new IllegalArgumentException("forecaster settings: dropout must be in [0, 1), got " + s.dropout);
        }
        if (!(s.levelWeight >= 0) || !Double.isFinite(s.levelWeight)) {
            throw new IllegalArgumentException("forecaster settings: the level weight must be a finite number >= 0, got "
                    + s.levelWeight);
        }
        if (s.poolData != null && s.folds < 1) {
            throw new IllegalArgumentException("forecaster settings: pooled training needs rolling-origin folds (folds >= 1)");
        }
        if (s.autoregression && s.folds < 1) {
            throw new IllegalArgumentException("forecaster settings: the autoregression needs rolling-origin folds (folds >= 1),"
                    + " got folds " + s.folds);
        }
        if (s.levelWeight > 0 && s.folds < 1) {
            throw new IllegalArgumentException("forecaster settings: the level weight needs rolling-origin folds (folds >= 1),"
                    + " got folds " + s.folds);
        }
    }

    /**
     * Forecasts for every horizon 1 … H of the rows from {@code trainEnd} on (each target row once
     * per horizon, issued h weeks before it from the data observed up to then).
     */
    public List<HorizonForecasts> evaluate(SeriesData data, int trainEnd) {
        int n = data.length();
        int h = settings.horizon;
        int w = settings.window;
        double[][] z = features.matrix(data);
        double[] y = data.target();
        int first = Math.max(w - 1, trainEnd - h);
        int count = n - 1 - first;
        if (count < 1) {
            throw new IllegalArgumentException(data.source() + ": no test weeks after row " + trainEnd);
        }
        int[] origins = ForecastWindows.range(first, count);
        double[][] pred = predictResiduals(z, origins);
        List<HorizonForecasts> out = new ArrayList<>();
        for (int j = 1; j <= h; j++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int row = origins[i] + j;
                if (row >= trainEnd && row < n) {
                    idx.add(i);
                }
            }
            int m = idx.size();
            int[] rows = new int[m];
            double[] actual = new double[m];
            double[] point = new double[m];
            double[][] q = hasQuantiles() ? new double[m][] : null;
            List<LocalDate> dates = data.dates() == null ? null : new ArrayList<>();
            for (int k = 0; k < m; k++) {
                int i = idx.get(k);
                int t = origins[i];
                rows[k] = t + j;
                actual[k] = y[t + j];
                double zHat = z[t][0] + pred[i][j - 1];
                point[k] = features.toTarget(zHat);
                if (q != null) {
                    q[k] = quantilesOf(zHat, ResidualCalibration.recentChange(z, t), j);
                }
                if (dates != null) {
                    dates.add(data.dates().get(t + j));
                }
            }
            out.add(new HorizonForecasts(j, rows, dates, actual, point, q, Baselines.persistence(y, rows, j),
                    Baselines.persistenceQuantiles(y, trainEnd, rows, j, QuantileScores.LEVELS),
                    Baselines.seasonalNaive(y, rows, j)));
        }
        return out;
    }

    /**
     * The ensemble's mean (or, with {@link ForecastSettings#memberMedian}, median) predicted change
     * [origin][h − 1] in scaled target units, times the horizon's blend weight, plus the weighted
     * autoregression's change when there is one.
     */
    private double[][] predictResiduals(double[][] z, int[] origins) {
        int h = settings.horizon;
        int w = settings.window;
        int width = features.width();
        float[] x = ForecastWindows.windowInputs(z, origins, w);
        double[][] out = new double[origins.length][h];
        double[][] each = settings.memberMedian ? new double[members.size()][] : null;
        for (int k = 0; k < members.size(); k++) {
            try (Scope scope = Scope.open()) {
                double[] p = members.get(k).predict(Tensor.of(x, origins.length, w, width)).toDoubleArray();
                if (each != null) {
                    each[k] = p;
                    continue;
                }
                for (int i = 0; i < origins.length; i++) {
                    for (int j = 0; j < h; j++) {
                        out[i][j] += blend(j + 1) * p[i * h + j] / members.size();
                    }
                }
            }
        }
        if (each != null) {
            double[] v = new double[members.size()];
            for (int i = 0; i < origins.length; i++) {
                for (int j = 0; j < h; j++) {
                    for (int k = 0; k < v.length; k++) {
                        v[k] = each[k][i * h + j];
                    }
                    out[i][j] = blend(j + 1) * median(v);
                }
            }
        }
        if (autoregression != null) {
            double[][] a = autoregression.weightedChanges(z, origins);
            for (int i = 0; i < origins.length; i++) {
                for (int j = 0; j < h; j++) {
                    out[i][j] += a[i][j];
                }
            }
        }
        return out;
    }

    /** The median of {@code v} (the mean of the middle two for an even count); sorts v. */
    static double median(double[] v) {
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** The autoregression combined with the members, or null. */
    Autoregression autoregression() {
        return autoregression;
    }

    /** The quantiles at {@link QuantileScores#LEVELS} of a forecast ẑ at horizon h, in the series' units. */
    double[] quantilesOf(double zHat, double recent, int h) {
        double[] r = calibration.offsets(h, features.toTarget(zHat), recent);
        double[] q = new double[r.length];
        for (int k = 0; k < r.length; k++) {
            q[k] = features.toTarget(zHat + r[k]);
        }
        return q;
    }

    /** MSE, RMSE, MAE, R² and MAPE (zero targets skipped) of a forecast. */
    public static Map<String, Double> metrics(double[] actual, double[] predicted) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("mse", RegressionMetrics.mse(actual, predicted));
        m.put("rmse", RegressionMetrics.rmse(actual, predicted));
        m.put("mae", RegressionMetrics.mae(actual, predicted));
        m.put("r2", RegressionMetrics.r2(actual, predicted));
        m.put("mape", RegressionMetrics.mape(actual, predicted));
        return m;
    }

    /** Adds WIS and the 50 % and 95 % interval coverage of quantile forecasts at {@link QuantileScores#LEVELS}. */
    static void addProbabilistic(Map<String, Double> m, double[][] q, double[] actual) {
        m.put("wis", QuantileScores.meanWis(QuantileScores.LEVELS, q, actual));
        m.put("coverage_50", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.5));
        m.put("coverage_95", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.95));
    }

    /**
     * Writes the forecaster into {@code dir}: {@code forecaster.json} (format
     * "lamina-forecaster" version 2: a random {@code save_id}, settings, feature scaling, quantile
     * calibration) and one model per member ({@code member-K}), replacing the whole directory
     * atomically ({@link AtomicFiles#replaceDirectory}): a reader or a killed process finds the
     * previous forecaster or the new one, never members of one with the forecaster.json of the
     * other. An existing {@code dir} must hold only what a forecaster save writes.
     *
     * @param dir the directory to write
     */
    public void save(Path dir) {
        ForecasterFiles.save(this, dir);
    }

    /**
     * Loads a forecaster saved with {@link #save}. Every field of forecaster.json is checked (type,
     * value, no unknown fields, members and quantiles consistent with the settings): problems are
     * IllegalArgumentExceptions naming the file and the field. A save that replaces the directory
     * during the load is detected by forecaster.json's save_id and the load starts again.
     *
     * @param dir the directory a forecaster was saved in
     * @return the forecaster, owned by the caller
     */
    public static Forecaster load(Path dir) {
        return ForecasterFiles.load(dir);
    }

    /** The quantile calibration, or null without quantiles. */
    ResidualCalibration calibration() {
        return calibration;
    }

    /** The blend weights per horizon, or null (every weight 1); the array itself, not a copy. */
    double[] blendWeights() {
        return blend;
    }


    /**
     * Point forecasts of the {@code weeks} weeks after the end of {@code data} (1 ≤ weeks ≤ H),
     * each issued directly by the network's output for that horizon.
     */
    public double[] forecastAhead(SeriesData data, int weeks) {
        double zLast = checkAhead(data, weeks);
        double[][] pred = predictResiduals(features.matrix(data), new int[] {data.length() - 1});
        double[] out = new double[weeks];
        for (int j = 0; j < weeks; j++) {
            out[j] = features.toTarget(zLast + pred[0][j]);
        }
        return out;
    }

    /**
     * Quantile forecasts [week][level] at {@link QuantileScores#LEVELS} of the {@code weeks} weeks
     * after the end of {@code data} (1 ≤ weeks ≤ H); needs a forecaster trained with quantiles.
     */
    public double[][] quantilesAhead(SeriesData data, int weeks) {
        if (!hasQuantiles()) {
            throw new IllegalArgumentException("this forecaster was trained without quantiles (--no-quantiles)");
        }
        double zLast = checkAhead(data, weeks);
        double[][] z = features.matrix(data);
        double recent = ResidualCalibration.recentChange(z, data.length() - 1);
        double[][] pred = predictResiduals(z, new int[] {data.length() - 1});
        double[][] out = new double[weeks][];
        for (int j = 0; j < weeks; j++) {
            out[j] = quantilesOf(zLast + pred[0][j], recent, j + 1);
        }
        return out;
    }

    private double checkAhead(SeriesData data, int weeks) {
        if (weeks < 1 || weeks > settings.horizon) {
            throw new IllegalArgumentException("this forecaster forecasts 1 to " + settings.horizon
                    + " week(s) ahead (trained with --horizon " + settings.horizon + "), asked for " + weeks);
        }
        if (data.length() < settings.window) {
            throw new IllegalArgumentException(data.source() + ": " + data.length() + " rows are fewer than the "
                    + settings.window + "-week window");
        }
        return features.matrix(data)[data.length() - 1][0];
    }

    @Override
    public void close() {
        members.forEach(Sequential::close);
    }
}
