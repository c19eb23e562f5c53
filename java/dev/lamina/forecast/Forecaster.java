package dev.lamina.forecast;

import dev.lamina.callbacks.EarlyStopping;
import dev.lamina.data.TimeSeriesSplit;
import dev.lamina.io.AtomicFiles;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.RegressionMetrics;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.ConfigCheck;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * count and a blend weight α_h per horizon, and the members are then trained on every training
 * window for that many epochs; with {@code folds} 0, each member stops early on a chronological
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

    Forecaster(ForecastSettings settings, List<Sequential> members, ForecastFeatures features,
            ResidualCalibration calibration, double[] blend) {
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

    /** One member: LSTM(units) × layers → Dropout → Dense(32, relu) → Dense(horizon), compiled with Adam. */
    public static Sequential buildModel(ForecastSettings s, int features) {
        Sequential m = new Sequential("dengue_lstm");
        m.add(new Input(s.window, features));
        for (int i = 0; i < s.layers; i++) {
            boolean last = i == s.layers - 1;
            m.add(new LSTM(s.units).returnSequences(!last));
            if (s.dropout > 0) {
                m.add(new Dropout(s.dropout));
            }
        }
        m.add(new Dense(32, "relu"));
        m.add(new Dense(s.horizon));
        m.compile(new Adam(s.learningRate), Losses.get(s.loss));
        return m;
    }

    /** The seed of ensemble member k: members of different seeds never share one. */
    public static long memberSeed(long seed, int k) {
        return seed + 1_000_003L * k;
    }

    /**
     * A member network built from {@code seed}: seeding and building hold the global generator's lock
     * together, because parallel trainings (lamina tune) share it.
     */
    static Sequential seededModel(ForecastSettings s, int width, long seed) {
        synchronized (Rng.class) {
            Rng.setGlobalSeed(seed);
            return buildModel(s, width);
        }
    }

    /** A trained member, its history, the optimizer steps it took and its fit time in seconds. */
    record Member(Sequential model, History history, long steps, double seconds) {
    }

    /**
     * Builds a member from {@code seed} ({@link #seededModel}) and fits it on n windows (inputs x
     * [n, window, width], targets y [n, horizon]) for at most {@code epochs} epochs; the one
     * member-training step of both training paths. {@code configure} adds validation data,
     * callbacks or another verbosity to the options; with {@code summary} non-null the model's
     * summary is printed there first. The model is closed if fitting fails.
     */
    static Member fitMember(ForecastSettings s, int width, long seed, float[] x, float[] y, int n, int epochs,
            java.util.function.Consumer<FitOptions> configure, PrintStream summary) {
        return fitMember(s, seededModel(s, width, seed), width, seed, x, y, n, epochs, configure, summary);
    }

    /**
     * As the overload above, fitting a model already built for inputs of {@code width} features (a fresh
     * one, or a warm start's).
     */
    static Member fitMember(ForecastSettings s, Sequential m, int width, long seed, float[] x, float[] y, int n, int epochs,
            java.util.function.Consumer<FitOptions> configure, PrintStream summary) {
        try (Scope scope = Scope.open()) {
            if (summary != null) {
                m.setOutput(summary);
                m.summary();
            }
            long t0 = System.nanoTime();
            FitOptions fo = new FitOptions().epochs(epochs).batchSize(s.batchSize).shuffle(s.shuffle)
                    .verbose(s.verbose > 1 ? 1 : 0).seed(seed);
            configure.accept(fo);
            History hist = m.fit(Tensor.of(x, n, s.window, width), Tensor.of(y, n, s.horizon), fo);
            long steps = (long) hist.get("loss").size() * ((n + s.batchSize - 1) / s.batchSize);
            return new Member(m, hist, steps, (System.nanoTime() - t0) / 1e9);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
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
        int[] trOrigins = range(w - 1, nTrain);
        int[] vaOrigins = range(w - 1 + nTrain, nVal);
        float[] xTr = windowInputs(z, trOrigins, w);
        float[] yTr = residualTargets(z, trOrigins, h);
        float[] xVa = validating ? windowInputs(z, vaOrigins, w) : null;
        float[] yVa = validating ? residualTargets(z, vaOrigins, h) : null;
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
                long seed = memberSeed(s.seed, k);
                // patience 0: no early stopping, the last epoch's weights are kept
                EarlyStopping es = s.patience > 0 && validating
                        ? new EarlyStopping().monitor("val_loss").patience(s.patience).restoreBestWeights(true) : null;
                Sequential initial = start == null ? seededModel(s, width, seed) : start.member(s, width, seed, k);
                Member mem = fitMember(s, initial, width, seed, xTr, yTr, nTrain, s.epochs, fo -> {
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
        ResidualCalibration cal = quantiles ? ResidualCalibration.fit(s.calibration, res, mu, QuantileScores.LEVELS) : null;
        Forecaster f = new Forecaster(s, members, feat, cal, null);
        Map<String, Map<String, Double>> validation = validating
                ? validationFigures(f, z, train.target(), trainEnd, vaOrigins, valPred, res, mu) : new LinkedHashMap<>();
        result[0] = new Training(histories, best, trainEnd, nTrain, nVal, validation, seconds, steps);
        return f;
    }

    /**
     * The figures per horizon (keys "h1" …) of forecasts z[t] + pred[i][h − 1] from the validation
     * origins t = {@code origins[i]} (rows before {@code trainEnd}): MAE and WIS with the 50% and
     * 95% coverage (in-sample for the calibration, fit on these residuals {@code res} at levels
     * {@code mu}), the persistence baseline's, and the held-out calibration check.
     */
    static Map<String, Map<String, Double>> validationFigures(Forecaster f, double[][] z, double[] y, int trainEnd,
            int[] origins, double[][] pred, double[][] res, double[][] mu) {
        ForecastFeatures feat = f.features;
        ResidualCalibration cal = f.calibration;
        int n = origins.length;
        int h = f.settings.horizon;
        Map<String, Map<String, Double>> validation = new LinkedHashMap<>();
        Map<String, Map<String, Double>> holdout = cal != null ? holdout(feat, z, y, origins, pred, res, mu) : null;
        for (int j = 1; j <= h; j++) {
            int[] rows = new int[n];
            double[] actual = new double[n];
            double[] point = new double[n];
            double[][] q = cal == null ? null : new double[n][];
            for (int i = 0; i < n; i++) {
                int t = origins[i];
                rows[i] = t + j;
                actual[i] = y[t + j];
                double zHat = z[t][0] + pred[i][j - 1];
                point[i] = feat.toTarget(zHat);
                if (q != null) {
                    q[i] = f.quantilesOf(zHat, j);
                }
            }
            Map<String, Double> v = new LinkedHashMap<>();
            if (holdout != null) {
                v.putAll(holdout.get("h" + j));
            }
            v.put("mae", RegressionMetrics.mae(actual, point));
            v.put("persistence_mae", RegressionMetrics.mae(actual, Baselines.persistence(y, rows, j)));
            if (q != null) {
                v.put("wis", QuantileScores.meanWis(QuantileScores.LEVELS, q, actual));
                v.put("coverage_50", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.5));
                v.put("coverage_95", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.95));
            }
            v.put("persistence_wis", QuantileScores.meanWis(QuantileScores.LEVELS,
                    Baselines.persistenceQuantiles(y, trainEnd, rows, j, QuantileScores.LEVELS), actual));
            validation.put("h" + j, v);
        }
        return validation;
    }

    /**
     * An honest check of each calibration method on validation weeks: fit on one half of the
     * validation windows, score WIS and 95% coverage on the other half, both ways, averaged
     * (keys {@code holdout_wis_METHOD}, {@code holdout_coverage_95_METHOD}).
     */
    private static Map<String, Map<String, Double>> holdout(ForecastFeatures feat, double[][] z, double[] y, int[] origins,
            double[][] pred, double[][] res, double[][] mu) {
        int h = res.length;
        int n = origins.length;
        int half = n / 2;
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int j = 0; j < h; j++) {
            out.put("h" + (j + 1), new LinkedHashMap<>());
        }
        if (half < 2 || n - half < 2) {
            return out;
        }
        for (String method : ResidualCalibration.METHODS) {
            double[] wis = new double[h];
            double[] cov = new double[h];
            for (int part = 0; part < 2; part++) {
                int fitFrom = part == 0 ? 0 : half;
                int fitTo = part == 0 ? half : n;
                int evFrom = part == 0 ? half : 0;
                int evTo = part == 0 ? n : half;
                double[][] r = new double[h][];
                double[][] m = new double[h][];
                for (int j = 0; j < h; j++) {
                    r[j] = java.util.Arrays.copyOfRange(res[j], fitFrom, fitTo);
                    m[j] = java.util.Arrays.copyOfRange(mu[j], fitFrom, fitTo);
                }
                ResidualCalibration c = ResidualCalibration.fit(method, r, m, QuantileScores.LEVELS);
                for (int j = 0; j < h; j++) {
                    double[] actual = new double[evTo - evFrom];
                    double[][] q = new double[actual.length][];
                    for (int i = evFrom; i < evTo; i++) {
                        int t = origins[i];
                        actual[i - evFrom] = y[t + j + 1];
                        double zHat = z[t][0] + pred[i][j];
                        double[] off = c.offsets(j + 1, feat.toTarget(zHat));
                        q[i - evFrom] = new double[off.length];
                        for (int k = 0; k < off.length; k++) {
                            q[i - evFrom][k] = feat.toTarget(zHat + off[k]);
                        }
                    }
                    wis[j] += QuantileScores.meanWis(QuantileScores.LEVELS, q, actual) / 2;
                    cov[j] += QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.95) / 2;
                }
            }
            for (int j = 0; j < h; j++) {
                out.get("h" + (j + 1)).put("holdout_wis_" + method, wis[j]);
                out.get("h" + (j + 1)).put("holdout_coverage_95_" + method, cov[j]);
            }
        }
        return out;
    }

    private static String dateOr(SeriesData data, int row) {
        return data.dates() == null ? "row " + row : data.dates().get(row).toString();
    }

    static void checkSettings(ForecastSettings s) {
        if (s.horizon < 1 || s.window < 1 || s.ensemble < 1 || s.epochs < 1 || s.batchSize < 1 || s.units < 1 || s.layers < 1) {
            throw new IllegalArgumentException("forecaster settings: horizon, window, ensemble, epochs, batch size, units and"
                    + " layers must be >= 1, got " + s.toMap());
        }
        if (!(s.validationSplit >= 0 && s.validationSplit < 1)) {
            throw new IllegalArgumentException("forecaster settings: validation split must be in [0, 1) (0: no early stopping"
                    + " and no quantiles), got " + s.validationSplit);
        }
        if (!(s.dropout >= 0 && s.dropout < 1)) {
            throw new IllegalArgumentException("forecaster settings: dropout must be in [0, 1), got " + s.dropout);
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
        int[] origins = range(first, count);
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
                    q[k] = quantilesOf(zHat, j);
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

    /** The ensemble's mean predicted change [origin][h − 1] in scaled target units, times the horizon's blend weight. */
    private double[][] predictResiduals(double[][] z, int[] origins) {
        int h = settings.horizon;
        int w = settings.window;
        int width = features.width();
        float[] x = windowInputs(z, origins, w);
        double[][] out = new double[origins.length][h];
        for (Sequential m : members) {
            try (Scope scope = Scope.open()) {
                double[] p = m.predict(Tensor.of(x, origins.length, w, width)).toDoubleArray();
                for (int i = 0; i < origins.length; i++) {
                    for (int j = 0; j < h; j++) {
                        out[i][j] += blend(j + 1) * p[i * h + j] / members.size();
                    }
                }
            }
        }
        return out;
    }

    /** The quantiles at {@link QuantileScores#LEVELS} of a forecast ẑ at horizon h, in the series' units. */
    private double[] quantilesOf(double zHat, int h) {
        double[] r = calibration.offsets(h, features.toTarget(zHat));
        double[] q = new double[r.length];
        for (int k = 0; k < r.length; k++) {
            q[k] = features.toTarget(zHat + r[k]);
        }
        return q;
    }

    private static int[] range(int start, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = start + i;
        }
        return r;
    }

    /** Windows of feature rows t − w + 1 … t for each origin t, row-major [N, w, F]. */
    static float[] windowInputs(double[][] z, int[] origins, int w) {
        int f = z[0].length;
        float[] x = new float[origins.length * w * f];
        int p = 0;
        for (int t : origins) {
            if (t - w + 1 < 0 || t >= z.length) {
                throw new IllegalArgumentException("forecaster: origin row " + t + " needs rows " + (t - w + 1) + ".." + t
                        + " of " + z.length);
            }
            for (int r = t - w + 1; r <= t; r++) {
                for (int c = 0; c < f; c++) {
                    x[p++] = (float) z[r][c];
                }
            }
        }
        return x;
    }

    /** Changes z[t + j] − z[t] of the scaled target for j = 1 … h, row-major [N, h]. */
    static float[] residualTargets(double[][] z, int[] origins, int h) {
        float[] y = new float[origins.length * h];
        for (int i = 0; i < origins.length; i++) {
            int t = origins[i];
            for (int j = 1; j <= h; j++) {
                y[i * h + j - 1] = (float) (z[t + j][0] - z[t][0]);
            }
        }
        return y;
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

    // ---- saving and forecasting ahead ----------------------------------------------------------

    /**
     * Writes the forecaster into {@code dir}: {@code forecaster.json} (format
     * "lamina-forecaster" version 2: a random {@code save_id}, settings, feature scaling, quantile
     * calibration) and one model per member ({@code member-K}), replacing the whole directory
     * atomically ({@link AtomicFiles#replaceDirectory}): a reader or a killed process finds the
     * previous forecaster or the new one, never members of one with the forecaster.json of the
     * other. An existing {@code dir} must hold only what a forecaster save writes.
     */
    public void save(Path dir) {
        String saveId = java.util.UUID.randomUUID().toString();
        byte[] json = Json.writePretty(metadata(saveId)).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.replaceDirectory(dir, ownNames(dir, members.size()), tmp -> {
            for (int k = 0; k < members.size(); k++) {
                members.get(k).save(tmp.resolve("member-" + k));
            }
            Files.write(tmp.resolve("forecaster.json"), json);
        });
    }

    /**
     * The names a forecaster save may replace in {@code dir}: forecaster.json, the member
     * directories of this save and of the save there now (which may have had more members), and
     * {@code model} (a version-1 forecaster's single network).
     */
    private static java.util.Set<String> ownNames(Path dir, int count) {
        java.util.Set<String> own = new java.util.HashSet<>(List.of("forecaster.json", "model"));
        for (int k = 0; k < count; k++) {
            own.add("member-" + k);
        }
        if (Files.isDirectory(dir)) {
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("member-(0|[1-9][0-9]{0,5})")).forEach(own::add);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot save: " + e.getMessage(), e);
            }
        }
        return own;
    }

    private Map<String, Object> metadata(String saveId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "lamina-forecaster");
        meta.put("version", "2");
        meta.put("save_id", saveId);
        meta.put("settings", settings.toMap());
        meta.put("members", members.size());
        meta.put("features", features.toConfig());
        if (calibration != null) {
            meta.put("quantile_levels", levelList());
            meta.put("calibration", calibration.toConfig());
        }
        if (blend != null) {
            List<Object> b = new ArrayList<>();
            for (double a : blend) {
                b.add(a);
            }
            meta.put("blend", b);
        }
        return meta;
    }

    private static List<Object> levelList() {
        List<Object> levels = new ArrayList<>();
        for (double l : QuantileScores.LEVELS) {
            levels.add(l);
        }
        return levels;
    }

    /**
     * Loads a forecaster saved with {@link #save}. Every field of forecaster.json is checked (type,
     * value, no unknown fields, members and quantiles consistent with the settings): problems are
     * IllegalArgumentExceptions naming the file and the field. A save that replaces the directory
     * during the load is detected by forecaster.json's save_id and the load starts again.
     */
    public static Forecaster load(Path dir) {
        for (int attempt = 0; ; attempt++) {
            Path src = AtomicFiles.readable(dir);
            Path meta = src.resolve("forecaster.json");
            if (!Files.exists(meta)) {
                throw new IllegalArgumentException(dir + " is not a saved forecaster (no forecaster.json)");
            }
            String text;
            try {
                text = readText(meta);
            } catch (UncheckedIOException e) {
                if (attempt < 3 && !Files.exists(meta)) {
                    continue; // a save moved the directory away while we read it
                }
                throw e;
            }
            Map<String, Object> m;
            try {
                m = Json.parseObject(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(meta + " is not a JSON object: " + e.getMessage(), e);
            }
            String file = meta.toString();
            ForecastSettings s = settingsFrom(m, file);
            int count = memberCount(m, file, s);
            ForecastFeatures feat = featuresFrom(m, file, s);
            ResidualCalibration cal = calibrationFrom(m, file, s);
            List<Sequential> members = new ArrayList<>();
            try {
                for (int k = 0; k < count; k++) {
                    members.add(Model.load(src.resolve("member-" + k)));
                }
            } catch (RuntimeException e) {
                members.forEach(Sequential::close);
                if (attempt < 3 && changedSince(meta, text)) {
                    continue; // a save replaced the directory while we read it
                }
                throw e;
            }
            if (changedSince(meta, text)) {
                // forecaster.json (with its random save_id) changed: the members may be from another save
                members.forEach(Sequential::close);
                if (attempt < 3) {
                    continue;
                }
                throw new IllegalArgumentException(dir + ": the forecaster was replaced while it was being loaded, 4 times");
            }
            return new Forecaster(s, members, feat, cal, blendFrom(m, file, s));
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not valid UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean changedSince(Path file, String text) {
        try {
            return !Files.readString(file, StandardCharsets.UTF_8).equals(text);
        } catch (IOException e) {
            return true;
        }
    }

    /** The top-level fields of forecaster.json (version 2) and their JSON types. */
    private static final Map<String, Object> TOP_LEVEL = topLevel();

    private static Map<String, Object> topLevel() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("format", "");
        t.put("version", "");
        t.put("save_id", "");
        t.put("settings", Map.of());
        t.put("members", 0);
        t.put("features", Map.of());
        t.put("quantile_levels", List.of(0.5));
        t.put("calibration", Map.of());
        t.put("blend", List.of(0.5));
        return t;
    }

    /** The settings of a parsed forecaster.json, every field checked against what a save writes. */
    @SuppressWarnings("unchecked")
    static ForecastSettings settingsFrom(Map<String, Object> m, String file) {
        if (!"lamina-forecaster".equals(m.get("format"))) {
            throw new IllegalArgumentException(file + " is not a Lamina forecaster file");
        }
        ConfigCheck.checkKindsLike(file, m, TOP_LEVEL);
        if (!"2".equals(m.get("version"))) {
            throw new IllegalArgumentException(file + ": format version " + Json.write(m.get("version"))
                    + " is not supported (this Lamina reads version \"2\"; train the forecaster again)");
        }
        for (String k : List.of("save_id", "members", "features")) {
            if (m.get(k) == null) {
                throw new IllegalArgumentException(file + ": field '" + k + "' is missing");
            }
        }
        if (!(m.get("settings") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'settings' must be an object");
        }
        Map<String, Object> in = (Map<String, Object>) raw;
        String where = file + ": settings";
        Map<String, Object> prototype = new ForecastSettings().toMap();
        ConfigCheck.checkKindsLike(where, in, prototype);
        for (String k : prototype.keySet()) {
            // folds came after version 2's first saves: absent, it is 0 (a single validation split)
            if (!k.equals("city") && !k.equals("csv") && !k.equals("folds") && in.get(k) == null) {
                throw new IllegalArgumentException(where + ": field '" + k + "' is missing");
            }
        }
        ForecastSettings s;
        try {
            s = ForecastSettings.fromMap(in);
        } catch (ClassCastException | NullPointerException | java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        }
        ConfigCheck.checkRoundTrip(where, in, s.toMap());
        checkSettingValues(where, s);
        return s;
    }

    private static void checkSettingValues(String where, ForecastSettings s) {
        for (Object f : s.features) {
            if (!(f instanceof String)) {
                throw new IllegalArgumentException(where + ": field 'features' must hold column names (strings), got " + Json.write(f));
            }
        }
        int[] positive = {s.window, s.horizon, s.epochs, s.batchSize, s.units, s.layers, s.ensemble, s.smoothing};
        String[] names = {"window", "horizon", "epochs", "batch_size", "units", "layers", "ensemble", "smoothing"};
        for (int i = 0; i < positive.length; i++) {
            if (positive[i] < 1) {
                throw new IllegalArgumentException(where + ": field '" + names[i] + "' must be at least 1, got " + positive[i]);
            }
        }
        if (s.folds < 0) {
            throw new IllegalArgumentException(where + ": field 'folds' must be at least 0, got " + s.folds);
        }
        if (s.patience < 0) {
            throw new IllegalArgumentException(where + ": field 'patience' must be at least 0, got " + s.patience);
        }
        if (!(s.learningRate > 0) || !Double.isFinite(s.learningRate)) {
            throw new IllegalArgumentException(where + ": field 'learning_rate' must be a positive finite number, got " + s.learningRate);
        }
        if (!(s.dropout >= 0 && s.dropout < 1)) {
            throw new IllegalArgumentException(where + ": field 'dropout' must be in [0, 1), got " + s.dropout);
        }
        if (!(s.trainFraction > 0 && s.trainFraction < 1)) {
            throw new IllegalArgumentException(where + ": field 'train_fraction' must be in (0, 1), got " + s.trainFraction);
        }
        if (!(s.validationSplit >= 0 && s.validationSplit < 1)) {
            throw new IllegalArgumentException(where + ": field 'validation_split' must be in [0, 1), got " + s.validationSplit);
        }
        if (!"none".equals(s.transform) && !"log1p".equals(s.transform)) {
            throw new IllegalArgumentException(where + ": field 'transform' must be \"none\" or \"log1p\", got " + Json.write(s.transform));
        }
        if (!ResidualCalibration.METHODS.contains(s.calibration)) {
            throw new IllegalArgumentException(where + ": field 'calibration' must be one of " + ResidualCalibration.METHODS
                    + ", got " + Json.write(s.calibration));
        }
        try {
            Losses.get(s.loss);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": field 'loss': " + e.getMessage(), e);
        }
        if (s.target == null) {
            throw new IllegalArgumentException(where + ": field 'target' is missing");
        }
    }

    /**
     * The blend weights of a parsed forecaster.json: absent (null, every weight 1) or one finite
     * number per horizon.
     */
    static double[] blendFrom(Map<String, Object> m, String file, ForecastSettings s) {
        Object raw = m.get("blend");
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof List<?> l) || l.size() != s.horizon) {
            throw new IllegalArgumentException(file + ": field 'blend' must hold one weight per horizon (" + s.horizon + "), got "
                    + Json.write(raw));
        }
        double[] b = new double[l.size()];
        for (int i = 0; i < b.length; i++) {
            if (!(l.get(i) instanceof Number x) || !Double.isFinite(x.doubleValue())) {
                throw new IllegalArgumentException(file + ": field 'blend[" + i + "]' must be a finite number, got "
                        + Json.write(l.get(i)));
            }
            b[i] = ((Number) l.get(i)).doubleValue();
        }
        return b;
    }

    /** The member count of a parsed forecaster.json: a positive integer equal to the settings' ensemble. */
    private static int memberCount(Map<String, Object> m, String file, ForecastSettings s) {
        Object v = m.get("members");
        if (ConfigCheck.kind(v) != ConfigCheck.Kind.INTEGER || ((Number) v).longValue() != s.ensemble) {
            throw new IllegalArgumentException(file + ": field 'members' must be the ensemble size " + s.ensemble + ", got "
                    + Json.write(v));
        }
        return s.ensemble;
    }

    /** The feature scaling of a parsed forecaster.json, every field checked and consistent with the settings. */
    @SuppressWarnings("unchecked")
    static ForecastFeatures featuresFrom(Map<String, Object> m, String file, ForecastSettings s) {
        if (!(m.get("features") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'features' must be an object");
        }
        String where = file + ": features";
        Map<String, Object> prototype = new LinkedHashMap<>();
        prototype.put("transform", "");
        prototype.put("seasonal", false);
        prototype.put("smoothing", 1);
        prototype.put("extra_columns", List.of(""));
        prototype.put("target_min", 0.5);
        prototype.put("target_max", 0.5);
        prototype.put("mean", List.of(0.5));
        prototype.put("std", List.of(0.5));
        ConfigCheck.checkKindsLike(where, raw, prototype);
        for (String k : prototype.keySet()) {
            if (raw.get(k) == null) {
                throw new IllegalArgumentException(where + ": field '" + k + "' is missing");
            }
        }
        ForecastFeatures f;
        try {
            f = ForecastFeatures.fromConfig((Map<String, Object>) raw);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ConfigCheck.checkRoundTrip(where, raw, f.toConfig());
        if (!s.transform.equals(raw.get("transform")) || s.seasonal != (Boolean) raw.get("seasonal")
                || s.smoothing != ((Number) raw.get("smoothing")).intValue()) {
            throw new IllegalArgumentException(where + ": fields 'transform', 'seasonal' and 'smoothing' must match the settings ("
                    + Json.write(s.transform) + ", " + s.seasonal + ", " + s.smoothing + ")");
        }
        double min = ((Number) raw.get("target_min")).doubleValue();
        double max = ((Number) raw.get("target_max")).doubleValue();
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(max >= min)) {
            throw new IllegalArgumentException(where + ": fields 'target_min' and 'target_max' must be finite with target_min <="
                    + " target_max, got " + min + " and " + max);
        }
        for (String k : List.of("mean", "std")) {
            for (Object x : (List<?>) raw.get(k)) {
                double d = ((Number) x).doubleValue();
                if (!Double.isFinite(d) || k.equals("std") && !(d > 0)) {
                    throw new IllegalArgumentException(where + ": field '" + k + "' must hold finite numbers"
                            + (k.equals("std") ? " above 0" : "") + ", got " + Json.write(x));
                }
            }
        }
        return f;
    }

    /**
     * The quantile calibration of a parsed forecaster.json (null without quantiles): present exactly
     * when the settings ask for quantiles with a validation split, at the 23 levels this Lamina uses.
     */
    @SuppressWarnings("unchecked")
    static ResidualCalibration calibrationFrom(Map<String, Object> m, String file, ForecastSettings s) {
        boolean expected = s.quantiles && (s.folds > 0 || s.validationSplit > 0);
        Object raw = m.get("calibration");
        Object levels = m.get("quantile_levels");
        if (!expected) {
            if (raw != null || levels != null) {
                throw new IllegalArgumentException(file + ": fields 'calibration' and 'quantile_levels' must be absent: the"
                        + " settings have no quantiles (quantiles " + s.quantiles + ", folds " + s.folds + ", validation_split "
                        + s.validationSplit + ")");
            }
            return null;
        }
        if (!(raw instanceof Map<?, ?> c)) {
            throw new IllegalArgumentException(file + ": field 'calibration' is missing (the settings ask for quantiles)");
        }
        List<Object> want = levelList();
        if (!(levels instanceof List<?> l) || l.size() != want.size()) {
            throw new IllegalArgumentException(file + ": field 'quantile_levels' must be the " + want.size() + " levels " + want
                    + ", got " + Json.write(levels));
        }
        for (int i = 0; i < want.size(); i++) {
            if (!(l.get(i) instanceof Number x) || Math.abs(x.doubleValue() - (Double) want.get(i)) > 1e-12) {
                throw new IllegalArgumentException(file + ": field 'quantile_levels[" + i + "]' must be " + want.get(i) + ", got "
                        + Json.write(l.get(i)));
            }
        }
        String where = file + ": calibration";
        Map<String, Object> prototype = new LinkedHashMap<>();
        prototype.put("method", "");
        prototype.put("a", List.of(0.5));
        prototype.put("b", List.of(0.5));
        prototype.put("quantiles", List.of(List.of(0.5)));
        ConfigCheck.checkKindsLike(where, c, prototype);
        ResidualCalibration cal;
        try {
            cal = ResidualCalibration.fromConfig((Map<String, Object>) c, s.horizon, want.size());
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ConfigCheck.checkRoundTrip(where, c, cal.toConfig());
        List<?> rows = (List<?>) c.get("quantiles");
        for (int h = 0; h < rows.size(); h++) {
            List<?> row = (List<?>) rows.get(h);
            for (int k = 1; k < row.size(); k++) {
                if (((Number) row.get(k)).doubleValue() < ((Number) row.get(k - 1)).doubleValue()) {
                    throw new IllegalArgumentException(where + ": field 'quantiles[" + h + "]' must not decrease (quantiles"
                            + " never cross), but entry " + k + " is below entry " + (k - 1));
                }
            }
        }
        return cal;
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
        double[][] pred = predictResiduals(features.matrix(data), new int[] {data.length() - 1});
        double[][] out = new double[weeks][];
        for (int j = 0; j < weeks; j++) {
            out[j] = quantilesOf(zLast + pred[0][j], j + 1);
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
