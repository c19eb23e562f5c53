package dev.lamina.forecast;

import dev.lamina.data.MinMaxScaler;
import dev.lamina.data.Scaler;
import dev.lamina.data.Series;
import dev.lamina.data.TimeSeriesSplit;
import dev.lamina.data.Windows;
import dev.lamina.io.AtomicFiles;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.RegressionMetrics;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.RecurrentLayer;
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
import java.util.Map;

/**
 * The workshop's dengue forecaster, in Java: sliding windows of a weekly series (scaled to [0, 1]
 * with a scaler fit on the training weeks only) feed LSTM(64) → Dense(32, relu) → Dense(1),
 * trained with Adam on mean squared error without shuffling; the last 20% of the weeks are the
 * test set, compared with a persistence and a seasonal-naive baseline.
 */
public final class Forecaster implements AutoCloseable {
    /** Weeks in a season, for the seasonal-naive baseline. */
    public static final int SEASON = 52;

    private final ForecastSettings settings;
    private final Sequential model;
    private final Scaler scaler;

    private Forecaster(ForecastSettings settings, Sequential model, Scaler scaler) {
        this.settings = settings;
        this.model = model;
        this.scaler = scaler;
    }

    public Sequential model() {
        return model;
    }

    public ForecastSettings settings() {
        return settings;
    }

    /** The workshop model for {@code features} input columns. */
    public static Sequential buildModel(ForecastSettings s, int features) {
        Sequential m = new Sequential("dengue_lstm");
        m.add(new Input(s.window, features));
        for (int i = 0; i < s.layers; i++) {
            boolean last = i == s.layers - 1;
            m.add(new LSTM(new RecurrentLayer.RecurrentConfig(s.units).returnSequences(!last).dropout(s.dropout)));
        }
        m.add(new Dense(32, "relu"));
        m.add(new Dense(1));
        m.compile(new Adam(s.learningRate), Losses.get(s.loss));
        return m;
    }

    /** One forecast evaluation: actual and predicted cases of the test weeks, and the metrics. */
    public record Evaluation(List<LocalDate> dates, int[] rows, double[] actual, double[] predicted,
                             double[] persistence, double[] seasonal, Map<String, Map<String, Double>> metrics,
                             History history, double fitSeconds, long trainSteps) {
    }

    /** Trains on the first part of the series and evaluates on the last part; prints progress to {@code out}. */
    public static Forecaster trainAndEvaluate(ForecastSettings s, SeriesData data, PrintStream out, Evaluation[] result) {
        int n = data.length();
        int needed = s.window + s.horizon;
        if (n < needed * 2) {
            throw new IllegalArgumentException(data.source() + ": " + n + " rows are too few for a " + s.window
                    + "-week window " + s.horizon + " week(s) ahead (need at least " + (needed * 2) + ")");
        }
        TimeSeriesSplit split = TimeSeriesSplit.chronological(n, s.trainFraction, 0.0);
        TimeSeriesSplit.Range train = split.train();
        TimeSeriesSplit.Range test = new TimeSeriesSplit.Range(train.end(), n);
        double[][] prepared = transformTarget(s, data.rows());
        Scaler scaler = new MinMaxScaler().fit(train.slice(prepared));
        double[][] scaled = scaler.transform(prepared);
        int[] allColumns = new int[data.columns().size()];
        for (int i = 0; i < allColumns.length; i++) {
            allColumns[i] = i;
        }
        Windows.Batch trainW = Windows.make(train.slice(scaled), s.window, s.horizon, 1, allColumns, new int[] {0});
        TimeSeriesSplit.Range testWithHistory = test.withHistory(s.window + s.horizon - 1);
        Windows.Batch testW = Windows.make(testWithHistory.slice(scaled), s.window, s.horizon, 1, allColumns, new int[] {0});
        Sequential model;
        synchronized (Rng.class) {   // seed and build at once: parallel trainings (lamina tune) share the global generator
            Rng.setGlobalSeed(s.seed);
            model = buildModel(s, allColumns.length);
        }
        Forecaster f = new Forecaster(s, model, scaler);
        if (s.verbose > 0) {
            out.printf("lamina forecast: %s, %d weeks (%d train, %d test), window %d, %d week(s) ahead, features %s%n",
                    data.source(), n, train.size(), test.size(), s.window, s.horizon, data.columns());
            model.setOutput(out);
            model.summary();
        }
        try (Scope scope = Scope.open()) {
            Tensor x = trainW.xTensor();
            Tensor y = s.residual ? Tensor.of(minusLast(trainW.y(), trainW.x(), s.window, allColumns.length), trainW.yShape())
                    : trainW.yTensor();
            long t0 = System.nanoTime();
            History h = model.fit(x, y, new FitOptions().epochs(s.epochs).batchSize(s.batchSize)
                    .validationSplit(s.validationSplit).shuffle(false).verbose(s.verbose).seed(s.seed));
            double seconds = (System.nanoTime() - t0) / 1e9;
            int trainWindows = (int) Math.floor(trainW.count() * (1.0 - s.validationSplit));
            long steps = (long) s.epochs * ((trainWindows + s.batchSize - 1) / s.batchSize);
            double[] predScaled = model.predict(testW.xTensor()).toDoubleArray();
            if (s.residual) {
                float[] tx = testW.x();
                for (int i = 0; i < predScaled.length; i++) {
                    predScaled[i] += tx[lastIndex(i, s.window, allColumns.length)];
                }
            }
            double[] predicted = f.toCases(predScaled);
            double[] target = data.target();
            int m = testW.count();
            int[] rows = new int[m];
            double[] actual = new double[m];
            double[] persistence = new double[m];
            double[] seasonal = new double[m];
            List<LocalDate> dates = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                int row = testWithHistory.start() + testW.targetRow(i);
                rows[i] = row;
                actual[i] = target[row];
                persistence[i] = target[row - s.horizon];
                seasonal[i] = row - SEASON >= 0 ? target[row - SEASON] : target[row - s.horizon];
                if (data.dates() != null) {
                    dates.add(data.dates().get(row));
                }
            }
            Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
            metrics.put("lstm", metrics(actual, predicted));
            metrics.put("persistence", metrics(actual, persistence));
            metrics.put("seasonal_naive", metrics(actual, seasonal));
            result[0] = new Evaluation(data.dates() == null ? null : dates, rows, actual, predicted, persistence, seasonal,
                    metrics, h, seconds, steps);
        }
        return f;
    }

    /** Index in a window batch's x of window i's last time step, feature 0. */
    private static int lastIndex(int i, int window, int features) {
        return (i * window + window - 1) * features;
    }

    /** y minus the last observed (scaled) target of each window: the change to predict. */
    private static float[] minusLast(float[] y, float[] x, int window, int features) {
        float[] d = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            d[i] = y[i] - x[lastIndex(i, window, features)];
        }
        return d;
    }

    /** The target column after the settings' transform (the other columns unchanged). */
    static double[][] transformTarget(ForecastSettings s, double[][] rows) {
        switch (s.transform) {
            case "none":
                return rows;
            case "log1p": {
                double[][] out = new double[rows.length][];
                for (int i = 0; i < rows.length; i++) {
                    out[i] = rows[i].clone();
                    if (!(rows[i][0] > -1)) {
                        throw new IllegalArgumentException("--transform log1p needs target values above -1; row " + (i + 1)
                                + " has " + rows[i][0]);
                    }
                    out[i][0] = Math.log1p(rows[i][0]);
                }
                return out;
            }
            default:
                throw new IllegalArgumentException("unknown transform '" + s.transform + "' (expected none or log1p)");
        }
    }

    /** Scaled target values back to the series' units (inverse scaling, then the inverse transform). */
    double[] toCases(double[] scaled) {
        double[] v = scaler.inverseTransformColumn(scaled, 0);
        if (settings.transform.equals("log1p")) {
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.expm1(v[i]);
            }
        }
        return v;
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

    // ---- saving and forecasting ahead ----------------------------------------------------------

    /**
     * Writes the model and what is needed to use it (settings, scaler) into {@code dir}
     * ({@code dir/model/} and {@code dir/forecaster.json}), replacing the whole directory atomically:
     * a reader or a killed process finds the previous forecaster or the new one, never a mix.
     */
    public void save(Path dir) {
        String saveId = java.util.UUID.randomUUID().toString();
        byte[] json = Json.writePretty(metadata(saveId)).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.replaceDirectory(dir, java.util.Set.of("model", "forecaster.json"), tmp -> {
            model.save(tmp.resolve("model"));
            Files.write(tmp.resolve("forecaster.json"), json);
        });
    }

    private Map<String, Object> metadata(String saveId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "lamina-forecaster");
        meta.put("version", "1");
        meta.put("save_id", saveId);
        meta.put("settings", settings.toMap());
        meta.put("scaler", scaler.toConfig());
        return meta;
    }

    /**
     * Loads a forecaster saved with {@link #save}. Every field of forecaster.json is checked (type,
     * value, no unknown fields): problems are IllegalArgumentExceptions naming the file and the field.
     */
    public static Forecaster load(Path dir) {
        for (int attempt = 0; ; attempt++) {
            Path src = AtomicFiles.readable(dir);
            Path meta = src.resolve("forecaster.json");
            if (!Files.exists(meta)) {
                throw new IllegalArgumentException(dir + " is not a saved forecaster (no forecaster.json)");
            }
            String text = readText(meta);
            Map<String, Object> m;
            try {
                m = Json.parseObject(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(meta + " is not a JSON object: " + e.getMessage(), e);
            }
            ForecastSettings s = settingsFrom(m, meta.toString());
            Scaler scaler = scalerFrom(m, meta.toString());
            Sequential model;
            try {
                model = Model.load(src.resolve("model"));
            } catch (RuntimeException e) {
                if (attempt < 3 && changedSince(meta, text)) {
                    continue; // a save replaced the directory while we read it
                }
                throw e;
            }
            if (changedSince(meta, text)) {
                // forecaster.json (with its random save_id) changed: the model may be from another save
                model.close();
                if (attempt < 3) {
                    continue;
                }
                throw new IllegalArgumentException(dir + ": the forecaster was replaced while it was being loaded, 4 times");
            }
            return new Forecaster(s, model, scaler);
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

    /** The settings of a parsed forecaster.json, every field checked against what a save writes. */
    @SuppressWarnings("unchecked")
    static ForecastSettings settingsFrom(Map<String, Object> m, String file) {
        if (!"lamina-forecaster".equals(m.get("format"))) {
            throw new IllegalArgumentException(file + " is not a Lamina forecaster file");
        }
        ConfigCheck.checkKindsLike(file, m, Map.of("format", "", "version", "", "save_id", "", "settings", Map.of(),
                "scaler", Map.of()));
        if (m.get("version") != null && !"1".equals(m.get("version"))) {
            throw new IllegalArgumentException(file + ": format version " + Json.write(m.get("version")) + " is not supported");
        }
        if (!(m.get("settings") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'settings' must be an object");
        }
        Map<String, Object> in = (Map<String, Object>) raw;
        String where = file + ": settings";
        ConfigCheck.checkKindsLike(where, in, new ForecastSettings().toMap());
        for (String k : List.of("target", "window", "horizon", "epochs", "batch_size", "units", "layers", "learning_rate",
                "train_fraction", "validation_split", "seed")) {
            if (in.get(k) == null) {
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
        int[] positive = {s.window, s.horizon, s.epochs, s.batchSize, s.units, s.layers};
        String[] names = {"window", "horizon", "epochs", "batch_size", "units", "layers"};
        for (int i = 0; i < positive.length; i++) {
            if (positive[i] < 1) {
                throw new IllegalArgumentException(where + ": field '" + names[i] + "' must be at least 1, got " + positive[i]);
            }
        }
        if (!(s.learningRate > 0) || !Double.isFinite(s.learningRate)) {
            throw new IllegalArgumentException(where + ": field 'learning_rate' must be a positive finite number, got " + s.learningRate);
        }
        if (!"none".equals(s.transform) && !"log1p".equals(s.transform)) {
            throw new IllegalArgumentException(where + ": field 'transform' must be \"none\" or \"log1p\", got " + Json.write(s.transform));
        }
        if (s.target == null) {
            throw new IllegalArgumentException(where + ": field 'target' is missing");
        }
    }

    /** The scaler of a parsed forecaster.json, every field checked. */
    @SuppressWarnings("unchecked")
    static Scaler scalerFrom(Map<String, Object> m, String file) {
        if (!(m.get("scaler") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'scaler' must be an object");
        }
        String where = file + ": scaler";
        Scaler scaler;
        try {
            scaler = Scaler.fromConfig((Map<String, Object>) raw);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ConfigCheck.checkRoundTrip(where, raw, scaler.toConfig());
        return scaler;
    }

    /**
     * Forecasts the {@code weeks} weeks after the end of {@code data}, one week at a time, feeding
     * each forecast back as the newest observation. Needs a univariate model trained one week ahead.
     */
    public double[] forecastAhead(SeriesData data, int weeks) {
        if (settings.horizon != 1 || data.columns().size() != 1) {
            throw new IllegalArgumentException("forecasting ahead needs a univariate model trained 1 week ahead (this one: "
                    + data.columns().size() + " feature(s), horizon " + settings.horizon + ")");
        }
        if (data.length() < settings.window) {
            throw new IllegalArgumentException(data.source() + ": " + data.length() + " rows are fewer than the "
                    + settings.window + "-week window");
        }
        double[] series = scaler.transformColumn(Series.column(transformTarget(settings, data.rows()), 0), 0);
        double[] hist = java.util.Arrays.copyOfRange(series, series.length - settings.window, series.length);
        double[] out = new double[weeks];
        for (int k = 0; k < weeks; k++) {
            float[] w = new float[settings.window];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) hist[i];
            }
            double next;
            try (Scope s = Scope.open()) {
                next = model.predict(Tensor.of(w, 1, settings.window, 1)).toDoubleArray()[0];
            }
            if (settings.residual) {
                next += hist[hist.length - 1];
            }
            System.arraycopy(hist, 1, hist, 0, hist.length - 1);
            hist[hist.length - 1] = next;
            out[k] = next;
        }
        return toCases(out);
    }

    @Override
    public void close() {
        model.close();
    }
}
