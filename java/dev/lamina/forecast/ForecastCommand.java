package dev.lamina.forecast;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.Command;
import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import dev.lamina.plot.Charts;
import dev.lamina.plot.DesktopModule;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code lamina forecast}: trains and evaluates the dengue LSTM, or forecasts ahead with a saved one. */
public final class ForecastCommand implements Command {
    private static final Set<String> VALUES = Set.of("city", "data", "target", "features", "horizon", "window", "epochs",
            "units", "layers", "backend", "seed", "out", "model", "predict", "data-dir", "batch-size", "learning-rate", "transform", "loss",
            "ensemble", "dropout", "patience", "smoothing", "csv", "calibration", "folds");
    private static final Set<String> FLAGS = Set.of("weather", "no-weather", "seasonal", "no-seasonal", "quantiles",
            "no-quantiles", "shuffle", "no-shuffle", "validation-only", "quiet", "debug", "residual", "level");

    @Override
    public String name() {
        return "forecast";
    }

    @Override
    public String summary() {
        return "train the LSTM dengue forecaster (or forecast ahead with a saved one)";
    }

    @Override
    public String help() {
        return "usage: lamina forecast [--city san_juan|iquitos | --data FILE.csv --target COLUMN [--features COL,...]]\n"
                + "                       [--horizon N] [--ensemble N] [--window N] [--epochs N] [--units N] [--layers N]\n"
                + "                       [--dropout X] [--[no-]weather] [--[no-]seasonal] [--[no-]quantiles]\n"
                + "                       [--batch-size N] [--learning-rate X] [--backend B] [--seed N] [--out DIR] [--quiet]\n"
                + "       lamina forecast --model DIR --predict N [--data FILE.csv] [--csv FILE]\n"
                + "\n"
                + "Trains an ensemble of LSTM networks that forecast a weekly series 1 to N weeks ahead at once (default:\n"
                + "San Juan weekly total_cases, bundled in data/dengue, 1-4 weeks ahead), on the first 80% of the weeks:\n"
                + "rolling-origin folds inside them (validation) choose the epoch count and each horizon's blend with\n"
                + "persistence and calibrate the quantiles, then the ensemble is refit on all training weeks; then it\n"
                + "forecasts every week of the last 20% (the test weeks, used for nothing else) at each\n"
                + "horizon and scores them beside persistence (next week = this week; as quantiles: the last week plus\n"
                + "the training weeks' changes) and the seasonal-naive forecast (same week last year): MAE, RMSE, R2,\n"
                + "MAPE, the weighted interval score (WIS) and the 50%/95% interval coverage, plus each complete test\n"
                + "season's peak week, peak incidence and total. Writes DIR/forecast.png (1 week ahead, 50% and 95%\n"
                + "bands), DIR/forecast-hN.png, DIR/horizons.png (MAE and WIS by horizon), DIR/loss.png,\n"
                + "DIR/forecasts.csv (every forecast with its 23 quantiles), DIR/metrics.json and the forecaster\n"
                + "(DIR/forecaster); the charts are skipped, with a note, on a Java runtime without java.desktop.\n"
                + "\n"
                + "  --city C          san_juan (default) or iquitos\n"
                + "  --data FILE.csv   any weekly series with a header row (instead of --city)\n"
                + "  --target COLUMN   column to forecast (default total_cases)\n"
                + "  --features A,B    extra input columns of the CSV\n"
                + "  --weather         bundled cities: add weekly mean temperature and rainfall as inputs (" + onOff(DEFAULTS.weather) + ")\n"
                + "  --no-weather      without them\n"
                + "  --seasonal        add the week of the year as sin/cos inputs (" + onOff(DEFAULTS.seasonal) + "); --no-seasonal\n"
                + "  --smoothing N     extra inputs enter as their mean over the last N weeks (default " + DEFAULTS.smoothing + ")\n"
                + "  --horizon N       forecast 1 to N weeks ahead (default " + DEFAULTS.horizon + ")\n"
                + "  --ensemble N      networks averaged, each from its own seed (default " + DEFAULTS.ensemble + ")\n"
                + "  --window N        weeks of history per forecast (default " + DEFAULTS.window + ")\n"
                + "  --epochs N        most training epochs per network (default " + DEFAULTS.epochs + ")\n"
                + "  --folds N         rolling-origin folds in the training weeks that choose the epoch count, the blend\n"
                + "                    with persistence and the quantile calibration, then a refit on all training weeks\n"
                + "                    (default " + DEFAULTS.folds + "); 0: one validation split with early stopping instead\n"
                + "  --patience N      early stopping (with --folds 0): epochs without a better validation loss (default " + DEFAULTS.patience + ");\n"
                + "                    0 turns early stopping off (all epochs, the last weights kept)\n"
                + "  --units N         LSTM units (default " + DEFAULTS.units + ")\n"
                + "  --layers N        stacked LSTM layers (default " + DEFAULTS.layers + ")\n"
                + "  --dropout X       dropout after each LSTM layer (default " + DEFAULTS.dropout + ")\n"
                + "  --batch-size N    default " + DEFAULTS.batchSize + "\n"
                + "  --learning-rate X Adam learning rate (default " + DEFAULTS.learningRate + ", at most " + MAX_LEARNING_RATE + ")\n"
                + "  --shuffle         shuffle the training windows every epoch (default); --no-shuffle: in order\n"
                + "  --quantiles       quantile forecasts (default on); --no-quantiles for point forecasts only\n"
                + "  --calibration C   scaled: validation residuals scaled by the forecast level's noise (default " + DEFAULTS.calibration + ");\n"
                + "                    constant: the same residual quantiles at every level\n"
                + "  --validation-only train and report the validation figures; do not forecast the test weeks\n"
                + "                    (for choosing settings without looking at the test weeks)\n"
                + "  --backend B       reference, cpu or cuda (default: LAMINA_BACKEND, else cuda if usable, else cpu);\n"
                + "                    on cpu one thread unless LAMINA_CPU_THREADS says otherwise (faster for this small model)\n"
                + "  --seed N          random seed (default 42); member k trains from seed + 1000003k\n"
                + "  --out DIR         output folder (default out/forecast-CITY)\n"
                + "  --data-dir DIR    folder holding dengue/ (default: the repository's data/)\n"
                + "  --model DIR --predict N   load a saved forecaster and forecast the N weeks after the latest data\n"
                + "                    (N up to its horizon), with its quantiles; --csv FILE writes all 23 of them\n"
                + "  --transform T     log1p (default: model ln(1 + y), as counts are heavy-tailed) or none\n"
                + "  --loss L          training loss: mean_squared_error (default), mean_absolute_error or huber\n"
                + "  --residual        predict the change from the last observed week (default; the only mode)\n"
                + "  --quiet           no progress output\n"
                + "  --debug           stack traces for errors\n"
                + "\n"
                + "exit codes: 0 ok, 2 bad usage or unreadable input\n";
    }

    private static final ForecastSettings DEFAULTS = new ForecastSettings();

    private static String onOff(boolean on) {
        return on ? "default" : "default: off";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args, VALUES, FLAGS);
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        }
        if (o.has("backend")) {
            Backends.setDefault(Backends.byName(o.get("backend", null)));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            // The forecaster's products are small ([32, 64]·[64, 256]): on the 2-core development
            // machine one thread trained the default model in 4.0 s, two threads in 5.3 s (thread
            // wake-ups cost more than they save). LAMINA_CPU_THREADS overrides this.
            CpuBackend.setThreads(1);
        }
        Path dataDir = Path.of(o.get("data-dir", defaultDataDir()));
        if (o.has("model") || o.has("predict")) {
            return predict(o, dataDir, out);
        }
        ForecastSettings s = settings(o);
        SeriesData data = SeriesData.load(s, dataDir);
        checkTrainable(s, data);
        Path outDir = Path.of(o.get("out", "out/forecast-" + (s.csv != null ? stem(s.csv) : s.city)));
        Files.createDirectories(outDir);
        long t0 = System.nanoTime();
        if (o.has("validation-only")) {
            Forecaster.Training[] t = new Forecaster.Training[1];
            try (Forecaster f = Forecaster.train(s, data, Forecaster.trainEnd(s, data.length()), out, t)) {
                ForecastOutputs.writeValidation(outDir.resolve("validation.json"), s, t[0]);
                ForecastOutputs.printValidation(out, t[0]);
                out.println("wrote " + outDir.resolve("validation.json") + " (the test weeks were not forecast)");
            }
            return 0;
        }
        Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, out, ev)) {
            Forecaster.Evaluation e = ev[0];
            f.save(outDir.resolve("forecaster"));
            List<SeasonalTargets.Season> seasons = SeasonalTargets.seasons(s, dataDir, data, e);
            boolean charts = DesktopModule.available();
            if (charts) {
                ForecastCharts.write(outDir, s, e);
            }
            ForecastOutputs.writeCsv(outDir.resolve("forecasts.csv"), e);
            double seconds = (System.nanoTime() - t0) / 1e9;
            ForecastOutputs.writeMetrics(outDir.resolve("metrics.json"), s, e, seasons, seconds);
            ForecastOutputs.printReport(out, s, e, seasons, seconds);
            if (charts) {
                out.println("wrote " + outDir.resolve("forecast.png") + ", horizons.png, loss.png, forecasts.csv, metrics.json"
                        + " and the forecaster in " + outDir.resolve("forecaster"));
            } else {
                out.println("wrote " + outDir.resolve("forecasts.csv") + ", metrics.json and the forecaster in "
                        + outDir.resolve("forecaster") + "; charts skipped: " + DesktopModule.unavailableReason());
            }
        }
        return 0;
    }

    /** The largest --learning-rate accepted: beyond it Adam's steps dwarf scaled data and training diverges. */
    static final double MAX_LEARNING_RATE = 10;

    static String defaultDataDir() {
        String home = System.getProperty("lamina.home");
        return home != null ? Path.of(home, "data").toString() : "data";
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static ForecastSettings settings(Options o) throws UsageException {
        ForecastSettings s = new ForecastSettings();
        if (o.has("data")) {
            if (o.has("city")) {
                throw new UsageException("give either --city or --data, not both");
            }
            s.csv = Path.of(o.get("data", null));
            s.city = null;
            if (!o.has("target")) {
                throw new UsageException("--data needs --target COLUMN");
            }
        } else {
            s.city = o.get("city", "san_juan").toLowerCase(Locale.ROOT);
        }
        s.target = o.get("target", "total_cases");
        if (o.has("features")) {
            if (s.csv == null) {
                throw new UsageException("--features needs --data FILE.csv (for the bundled cities use --weather)");
            }
            for (String c : o.get("features", "").split(",")) {
                if (!c.isBlank()) {
                    s.features.add(c.trim());
                }
            }
        }
        if (o.has("weather") && o.has("no-weather")) {
            throw new UsageException("give --weather or --no-weather, not both");
        }
        if (o.has("weather") && s.csv != null) {
            throw new UsageException("--weather works with the bundled cities; for a CSV name the columns with --features");
        }
        s.weather = onOff(o, "weather", s.csv == null && s.weather);
        s.seasonal = onOff(o, "seasonal", s.seasonal);
        s.quantiles = onOff(o, "quantiles", s.quantiles);
        s.shuffle = onOff(o, "shuffle", s.shuffle);
        s.calibration = o.get("calibration", s.calibration);
        if (!ResidualCalibration.METHODS.contains(s.calibration)) {
            throw new UsageException("--calibration must be scaled or constant, got " + s.calibration);
        }
        s.horizon = o.getInt("horizon", s.horizon, 1, 104);
        s.window = o.getInt("window", s.window, 1, 520);
        s.epochs = o.getInt("epochs", s.epochs, 1, 100_000);
        s.patience = o.getInt("patience", s.patience, 0, 100_000);
        s.folds = o.getInt("folds", s.folds, 0, 20);
        s.ensemble = o.getInt("ensemble", s.ensemble, 1, 1000);
        s.smoothing = o.getInt("smoothing", s.smoothing, 1, 520);
        s.units = o.getInt("units", s.units, 1, 4096);
        s.layers = o.getInt("layers", s.layers, 1, 16);
        s.batchSize = o.getInt("batch-size", s.batchSize, 1, 1 << 20);
        if (o.has("dropout")) {
            try {
                s.dropout = Double.parseDouble(o.get("dropout", null));
            } catch (NumberFormatException e) {
                throw new UsageException("--dropout: not a number: " + o.get("dropout", null));
            }
            if (!(s.dropout >= 0 && s.dropout < 1)) {
                throw new UsageException("--dropout must be in [0, 1), got " + s.dropout);
            }
        }
        if (o.has("learning-rate")) {
            try {
                s.learningRate = Double.parseDouble(o.get("learning-rate", null));
            } catch (NumberFormatException e) {
                throw new UsageException("--learning-rate: not a number: " + o.get("learning-rate", null));
            }
            if (!(s.learningRate > 0) || s.learningRate > MAX_LEARNING_RATE) {
                throw new UsageException("--learning-rate must be in (0, " + MAX_LEARNING_RATE + "], got " + s.learningRate
                        + (s.learningRate > MAX_LEARNING_RATE ? " (training would diverge to NaN)" : ""));
            }
        }
        s.seed = o.getLong("seed", 42);
        s.transform = o.get("transform", s.transform);
        s.loss = o.get("loss", s.loss);
        try {
            dev.lamina.losses.Losses.get(s.loss);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--loss: " + e.getMessage());
        }
        if (!s.transform.equals("none") && !s.transform.equals("log1p")) {
            throw new UsageException("--transform must be none or log1p, got " + s.transform);
        }
        if (o.has("level")) {
            throw new UsageException("--level is no longer offered: the forecaster always predicts the change from the last"
                    + " observed week (it beat the level on validation weeks)");
        }
        s.verbose = o.has("quiet") ? 0 : 1;
        return s;
    }

    /** --NAME / --no-NAME, or the default; both at once is a usage error. */
    private static boolean onOff(Options o, String name, boolean dflt) throws UsageException {
        if (o.has(name) && o.has("no-" + name)) {
            throw new UsageException("give --" + name + " or --no-" + name + ", not both");
        }
        return o.has(name) || (!o.has("no-" + name) && dflt);
    }

    private static int predict(Options o, Path dataDir, PrintStream out) throws UsageException, IOException {
        if (!o.has("model") || !o.has("predict")) {
            throw new UsageException("--model DIR and --predict N go together");
        }
        int weeks = o.getInt("predict", 8, 1, 520);
        Path dir = Path.of(o.get("model", null));
        Path fdir = Files.isDirectory(dir.resolve("forecaster")) ? dir.resolve("forecaster") : dir;
        try (Forecaster f = Forecaster.load(fdir)) {
            ForecastSettings s = f.settings();
            if (o.has("data")) {
                s.csv = Path.of(o.get("data", null));
                s.city = null;
            }
            SeriesData data = SeriesData.load(s, dataDir);
            if (weeks > f.horizon()) {
                throw new UsageException("--predict " + weeks + ": this forecaster forecasts 1 to " + f.horizon()
                        + " week(s) ahead (train it with --horizon " + weeks + " for more)");
            }
            double[] ahead = f.forecastAhead(data, weeks);
            double[][] q = f.hasQuantiles() ? f.quantilesAhead(data, weeks) : null;
            LocalDate last = data.dates() == null ? null : data.dates().get(data.length() - 1);
            out.printf("forecast of %s for the %d weeks after %s:%n", s.sourceName(), weeks,
                    last == null ? "row " + data.length() : last.toString());
            double[] lv = QuantileScores.LEVELS;
            int[] show = {QuantileScores.indexOf(lv, 0.025), QuantileScores.indexOf(lv, 0.25), QuantileScores.indexOf(lv, 0.5),
                QuantileScores.indexOf(lv, 0.75), QuantileScores.indexOf(lv, 0.975)};
            out.printf(Locale.ROOT, "  %-12s %10s%s%n", "week", "forecast",
                    q == null ? "" : String.format(Locale.ROOT, " %10s %10s %10s %10s %10s", "q0.025", "q0.25", "median",
                            "q0.75", "q0.975"));
            for (int k = 0; k < weeks; k++) {
                String when = last == null ? "+" + (k + 1) : last.plusWeeks(k + 1).toString();
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-12s %10.1f", when, ahead[k]));
                if (q != null) {
                    for (int i : show) {
                        b.append(String.format(Locale.ROOT, " %10.1f", q[k][i]));
                    }
                }
                out.println(b);
            }
            if (o.has("csv")) {
                Path csv = Path.of(o.get("csv", null));
                ForecastOutputs.writeAheadCsv(csv, last, ahead, q);
                out.println("wrote " + csv);
            }
        }
        return 0;
    }

    /** A copy of a JSON-like value with every NaN or infinite number replaced by null (JSON has no NaN). */
    static Object finiteOrNull(Object v) {
        if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
            return null;
        }
        if (v instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(e.getKey(), finiteOrNull(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(finiteOrNull(o));
            }
            return out;
        }
        return v;
    }

    /**
     * Refuses before training what cannot train: a target that never changes in the training part
     * (the scaled series is constant and the error metrics divide by its zero variance).
     */
    static void checkTrainable(ForecastSettings s, SeriesData data) {
        double[] y = data.target();
        int train = Math.max(1, (int) Math.floor(y.length * s.trainFraction));
        double first = y[0];
        for (int i = 1; i < Math.min(train, y.length); i++) {
            if (y[i] != first) {
                return;
            }
        }
        throw new IllegalArgumentException(data.source() + ": target column '" + s.target + "' is constant (every value of the "
                + Math.min(train, y.length) + " training weeks is " + first + "): there is nothing to learn");
    }
}
