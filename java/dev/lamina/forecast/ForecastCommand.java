package dev.lamina.forecast;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.Checks;
import dev.lamina.cli.command.UsageException;
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
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code lamina forecast}: trains and evaluates the dengue LSTM, or forecasts ahead with a saved one. */
@CommandLine.Command(name = "forecast",
        customSynopsis = {"lamina forecast [--city san_juan|iquitos | --data FILE.csv --target COLUMN] [OPTIONS]",
            "       lamina forecast --model DIR --predict N [--data FILE.csv] [--csv FILE]"},
        header = "train the LSTM dengue forecaster (or forecast ahead with a saved one)",
        description = {
            "Trains an ensemble of LSTM networks that forecast a weekly series 1 to N weeks ahead at once (default: "
                + "San Juan weekly total_cases, bundled in data/dengue, 1-4 weeks ahead), on the first 80%% of the weeks: "
                + "rolling-origin folds inside them (validation) choose the window and the epoch count "
                + "and calibrate the quantiles, then the ensemble is refit on all training weeks; then it "
                + "forecasts every week of the last 20%% (the test weeks, used for nothing else) at each "
                + "horizon and scores them beside persistence (next week = this week; as quantiles: the last week plus "
                + "the training weeks' changes) and the seasonal-naive forecast (same week last year): MAE, RMSE, R2, "
                + "MAPE, the weighted interval score (WIS) and the 50%%/95%% interval coverage, plus each complete test "
                + "season's peak week, peak incidence and total. Writes DIR/forecast.png (1 week ahead, 50%% and 95%% "
                + "bands), DIR/forecast-hN.png, DIR/horizons.png (MAE and WIS by horizon), DIR/loss.png, "
                + "DIR/forecasts.csv (every forecast with its 23 quantiles), DIR/metrics.json and the forecaster "
                + "(DIR/forecaster); the charts are skipped, with a note, on a Java runtime without java.desktop."},
        footer = "exit codes: 0 ok, 2 bad usage or unreadable input")
public final class ForecastCommand implements Command {
    private static final ForecastSettings DEFAULTS = new ForecastSettings();

    // ---- the options of lamina forecast (picocli fills them; defaults shown are ForecastSettings') ----
    @Option(names = "--city", paramLabel = "C", description = "san_juan (default) or iquitos")
    String city;
    @Option(names = "--data", paramLabel = "FILE.csv", description = "any weekly series with a header row (instead of --city)")
    String data;
    @Option(names = "--target", paramLabel = "COLUMN", description = "column to forecast (default total_cases)")
    String target;
    @Option(names = "--features", paramLabel = "A,B", description = "extra input columns of the CSV")
    String features;
    @Option(names = "--weather", description = "bundled cities: add weekly mean temperature and rainfall as inputs")
    boolean weather;
    @Option(names = "--no-weather", description = "without them")
    boolean noWeather;
    @Option(names = "--seasonal", description = "add the week of the year as sin/cos inputs")
    boolean seasonal;
    @Option(names = "--no-seasonal", description = "without them")
    boolean noSeasonal;
    @Option(names = "--smoothing", paramLabel = "N", description = "extra inputs enter as their mean over the last N weeks"
            + " (default ${DEFAULT-VALUE})")
    int smoothing = DEFAULTS.smoothing;
    @Option(names = "--horizon", paramLabel = "N", description = "forecast 1 to N weeks ahead (default ${DEFAULT-VALUE})")
    int horizon = DEFAULTS.horizon;
    @Option(names = "--ensemble", paramLabel = "N", description = "networks averaged, each from its own seed (default ${DEFAULT-VALUE})")
    int ensemble = DEFAULTS.ensemble;
    @Option(names = "--window", paramLabel = "N", description = "weeks of history per forecast, fixed; unset, the folds choose"
            + " it among --windows, and with --folds 0 it is the default (default " + ForecastSettings.DEFAULT_WINDOW + ")")
    Integer window;
    @Option(names = "--windows", paramLabel = "A,B", description = "window lengths the rolling-origin folds compare, the best"
            + " used (default ${DEFAULT-VALUE}); --window fixes one instead")
    String windows = DEFAULT_WINDOWS;
    @Option(names = "--epochs", paramLabel = "N", description = "most training epochs per network (default ${DEFAULT-VALUE})")
    int epochs = DEFAULTS.epochs;
    @Option(names = "--folds", paramLabel = "N", description = "rolling-origin folds in the training weeks that choose the"
            + " epoch count (with --blend the blend with persistence too) and the quantile calibration, then a refit on"
            + " all training weeks"
            + " (default ${DEFAULT-VALUE}); 0: one validation split with early stopping instead")
    int folds = DEFAULTS.folds;
    @Option(names = "--fold-members", paramLabel = "N", description = "networks per rolling-origin fold, at most --ensemble"
            + " (default ${DEFAULT-VALUE})")
    int foldMembers = DEFAULTS.foldMembers;
    @Option(names = "--patience", paramLabel = "N", description = "early stopping (with --folds 0): epochs without a better"
            + " validation loss (default ${DEFAULT-VALUE}); 0 turns early stopping off (all epochs, the last weights kept)")
    int patience = DEFAULTS.patience;
    @Option(names = "--units", paramLabel = "N", description = "LSTM units (default ${DEFAULT-VALUE})")
    int units = DEFAULTS.units;
    @Option(names = "--layers", paramLabel = "N", description = "stacked LSTM layers (default ${DEFAULT-VALUE})")
    int layers = DEFAULTS.layers;
    @Option(names = "--dropout", paramLabel = "X", description = "dropout after each LSTM layer, in [0, 1) (default ${DEFAULT-VALUE})")
    double dropout = DEFAULTS.dropout;
    @Option(names = "--batch-size", paramLabel = "N", description = "mini-batch size (default ${DEFAULT-VALUE})")
    int batchSize = DEFAULTS.batchSize;
    @Option(names = "--learning-rate", paramLabel = "X", description = "Adam learning rate (default ${DEFAULT-VALUE}, at most "
            + MAX_LEARNING_RATE + ")")
    double learningRate = DEFAULTS.learningRate;
    @Option(names = "--shuffle", description = "shuffle the training windows every epoch (default)")
    boolean shuffle;
    @Option(names = "--no-shuffle", description = "train on the windows in order")
    boolean noShuffle;
    @Option(names = "--quantiles", description = "quantile forecasts (default on)")
    boolean quantiles;
    @Option(names = "--no-quantiles", description = "point forecasts only")
    boolean noQuantiles;
    @Option(names = "--calibration", paramLabel = "C", description = "scaled: validation residuals scaled by the forecast "
            + "level's noise (default ${DEFAULT-VALUE}); growth: by the level's noise and the last week's change; binned: per tercile of the level;"
            + " constant: the same residual quantiles at every level")
    String calibration = DEFAULTS.calibration;
    @Option(names = "--validation-only", description = "train and report the validation figures; do not forecast the test"
            + " weeks (for choosing settings without looking at the test weeks)")
    boolean validationOnly;
    @Option(names = "--backend", paramLabel = "B", description = "reference, cpu or cuda (default: LAMINA_BACKEND, else cuda if"
            + " usable, else cpu); on cpu one thread unless LAMINA_CPU_THREADS says otherwise (faster for this small model)")
    String backend;
    @Option(names = "--seed", paramLabel = "N", description = "random seed (default ${DEFAULT-VALUE}); member k trains from"
            + " seed + 1000003k")
    long seed = 42;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default out/forecast-CITY)")
    String outDir;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder holding dengue/ (default: the repository's data/)")
    String dataDir;
    @Option(names = "--model", paramLabel = "DIR", description = "with --predict: load the saved forecaster in DIR")
    String model;
    @Option(names = "--predict", paramLabel = "N", description = "with --model: forecast the N weeks after the latest data"
            + " (N up to its horizon), with its quantiles")
    Integer predict;
    @Option(names = "--csv", paramLabel = "FILE", description = "with --predict: write all 23 quantiles to FILE")
    String csv;
    @Option(names = "--transform", paramLabel = "T", description = "log1p (default: model ln(1 + y), as counts are"
            + " heavy-tailed) or none")
    String transform = DEFAULTS.transform;
    @Option(names = "--loss", paramLabel = "L", description = "training loss: mean_squared_error (default),"
            + " mean_absolute_error or huber")
    String loss = DEFAULTS.loss;
    @Option(names = "--level-weight", paramLabel = "A", description = "weight each training window by (1 + cases at its"
            + " last week)^A, normalised to mean 1, so epidemic weeks weigh more (default ${DEFAULT-VALUE}: unweighted;"
            + " needs --folds 1 or more)")
    double levelWeight = DEFAULTS.levelWeight;
    @Option(names = "--pool-city", paramLabel = "C", description = "bundled cities: add the other city C's training-period"
            + " windows (scaled on their own, weeks before each fold's block and before the test weeks) to the training"
            + " windows (default: none)")
    String poolCity;
    @Option(names = "--weather-per-horizon", description = "with --validation-only: choose per horizon, on the folds, between"
            + " a cases-only and a weather ensemble (--smoothing applies to the weather) and report the choice's"
            + " leave-one-block-out score")
    boolean weatherPerHorizon;
    @Option(names = "--autoregression", description = "combine the networks with a ridge autoregression per horizon: the"
            + " forecast change w_h x ((1 - m_h) x networks + m_h x autoregression), the penalty, weight w_h and mix m_h chosen"
            + " on the folds (needs --folds 1 or more; off by default)")
    boolean autoregression;
    @Option(names = "--ar-mix", paramLabel = "M", description = "with --autoregression: the autoregression's share M in"
            + " [0, 1] of the combined change (default: chosen per horizon on the folds)")
    Double arMix;
    @Option(names = "--ar-penalty", paramLabel = "L", description = "with --autoregression: the ridge penalty per window"
            + " (default: chosen per horizon on the folds from 1e-4, 1e-3, 0.01, 0.1, 1)")
    Double arPenalty;
    @Option(names = "--blend", description = "with folds: blend each horizon's forecast change with persistence by a"
            + " weight chosen on the folds (the default before the sixth round; off: the networks' change as it is)")
    boolean blend;
    @Option(names = "--no-blend", description = "the networks' forecast change as it is (the default)")
    boolean noBlend;
    @Option(names = "--member-median", description = "forecast the median of the ensemble members' forecasts instead of"
            + " their mean (off by default)")
    boolean memberMedian;
    @Option(names = "--residual", description = "predict the change from the last observed week (default; the only mode)")
    boolean residual;
    @Option(names = "--level", hidden = true, description = "no longer offered (refused with the reason)")
    boolean level;
    @Option(names = "--quiet", description = "no progress output")
    boolean quiet;
    // ---- end of options ----

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        if (backend != null) {
            Backends.setDefault(Backends.byName(backend));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            // The forecaster's products are small ([32, 64]·[64, 256]): on the 2-core development
            // machine one thread trained the default model in 4.0 s, two threads in 5.3 s (thread
            // wake-ups cost more than they save). LAMINA_CPU_THREADS overrides this.
            CpuBackend.setThreads(1);
        }
        Path dataDir = Path.of(this.dataDir != null ? this.dataDir : defaultDataDir());
        if (model != null || predict != null) {
            return predict(dataDir, out);
        }
        ForecastSettings s = settings();
        SeriesData data = SeriesData.load(s.weatherPerHorizon ? withWeather(s) : s, dataDir);
        checkTrainable(s, data);
        if (poolCity != null) {
            if (s.csv != null || poolCity.equals(s.city) || s.folds == 0) {
                throw new UsageException("--pool-city needs a bundled --city, another city and rolling-origin folds, got "
                        + poolCity);
            }
            ForecastSettings other = s.withWindow(s.window);
            other.city = poolCity;
            s.poolCity = poolCity;
            s.poolData = SeriesData.load(other, dataDir);
        }
        Path outDir = Path.of(this.outDir != null ? this.outDir : "out/forecast-" + (s.csv != null ? stem(s.csv) : s.city));
        Files.createDirectories(outDir);
        long t0 = System.nanoTime();
        if (validationOnly) {
            Forecaster.Training[] t = new Forecaster.Training[1];
            int trainEnd = Forecaster.trainEnd(s, data.length());
            // with folds, the choices and figures come from the folds: the final ensemble is not needed
            try (Forecaster f = s.folds > 0 ? CrossValidatedTraining.train(s, data, trainEnd, out, t, true)
                    : Forecaster.train(s, data, trainEnd, out, t)) {
                ForecastOutputs.writeValidation(outDir.resolve("validation.json"), f.settings(), t[0]);
                ForecastOutputs.printValidation(out, t[0]);
                out.println("wrote " + outDir.resolve("validation.json") + " (the test weeks were not forecast)");
            }
            return 0;
        }
        Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, out, ev)) {
            Forecaster.Evaluation e = ev[0];
            s = f.settings(); // with the window the folds chose
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

    /** The window lengths the folds compare unless --window or --windows says otherwise (see bench/RESULTS.md). */
    static final String DEFAULT_WINDOWS = "10,20";

    /** The largest --learning-rate accepted: beyond it Adam's steps dwarf scaled data and training diverges. */
    static final double MAX_LEARNING_RATE = 10;

    /** A copy of the settings that loads the bundled city's weather too (for --weather-per-horizon). */
    private static ForecastSettings withWeather(ForecastSettings s) {
        ForecastSettings c = s.withWindow(s.window);
        c.weather = true;
        return c;
    }

    static String defaultDataDir() {
        String home = System.getProperty("lamina.home");
        return home != null ? Path.of(home, "data").toString() : "data";
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** The settings the options ask for, checked. */
    ForecastSettings settings() {
        ForecastSettings s = new ForecastSettings();
        if (data != null) {
            if (city != null) {
                throw new UsageException("give either --city or --data, not both");
            }
            s.csv = Path.of(data);
            s.city = null;
            if (target == null) {
                throw new UsageException("--data needs --target COLUMN");
            }
        } else {
            s.city = (city != null ? city : "san_juan").toLowerCase(Locale.ROOT);
        }
        s.target = target != null ? target : "total_cases";
        if (features != null) {
            if (s.csv == null) {
                throw new UsageException("--features needs --data FILE.csv (for the bundled cities use --weather)");
            }
            for (String c : features.split(",")) {
                if (!c.isBlank()) {
                    s.features.add(c.trim());
                }
            }
        }
        if (weather && noWeather) {
            throw new UsageException("give --weather or --no-weather, not both");
        }
        if (weather && s.csv != null) {
            throw new UsageException("--weather works with the bundled cities; for a CSV name the columns with --features");
        }
        s.weather = onOff("weather", weather, noWeather, s.csv == null && s.weather);
        s.seasonal = onOff("seasonal", seasonal, noSeasonal, s.seasonal);
        s.quantiles = onOff("quantiles", quantiles, noQuantiles, s.quantiles);
        s.shuffle = onOff("shuffle", shuffle, noShuffle, s.shuffle);
        s.calibration = calibration;
        if (!ResidualCalibration.METHODS.contains(s.calibration)) {
            throw new UsageException("--calibration must be one of " + ResidualCalibration.METHODS + ", got " + s.calibration);
        }
        s.horizon = Checks.range("--horizon", horizon, 1, 104);
        s.folds = Checks.range("--folds", folds, 0, 20);
        if (window != null) {
            if (!DEFAULT_WINDOWS.equals(windows)) {
                throw new UsageException("give --window (one fixed length) or --windows (lengths to compare), not both");
            }
            s.window = Checks.range("--window", window, 1, 520);
        } else if (s.folds > 0) {
            for (String w : windows.split(",")) {
                int n;
                try {
                    n = Integer.parseInt(w.trim());
                } catch (NumberFormatException e) {
                    throw new UsageException("--windows must list whole numbers of weeks, like 10,20; got " + windows);
                }
                if (s.windowCandidates.contains(n)) {
                    throw new UsageException("--windows lists " + n + " twice");
                }
                s.windowCandidates.add(Checks.range("--windows", n, 1, 520));
            }
            // the longest candidate: the series must hold enough weeks for it (the folds set the one used)
            s.window = s.windowCandidates.stream().mapToInt(Integer::intValue).max().getAsInt();
            if (s.windowCandidates.size() == 1) {
                s.windowCandidates.clear();
            }
        } else if (!DEFAULT_WINDOWS.equals(windows)) {
            throw new UsageException("--windows needs rolling-origin folds (--folds 1 or more) to compare them; with --folds 0"
                    + " give --window");
        }
        s.epochs = Checks.range("--epochs", epochs, 1, 100_000);
        s.patience = Checks.range("--patience", patience, 0, 100_000);
        s.ensemble = Checks.range("--ensemble", ensemble, 1, 1000);
        s.foldMembers = Checks.range("--fold-members", foldMembers, 1, 1000);
        if (weatherPerHorizon && (s.csv != null || s.folds == 0 || weather || !validationOnly)) {
            throw new UsageException("--weather-per-horizon needs a bundled --city, rolling-origin folds and --validation-only"
                    + " (it compares a cases-only and a weather ensemble itself, so without --weather; the forecaster that"
                    + " would use both is not built)");
        }
        s.weatherPerHorizon = weatherPerHorizon;
        if (autoregression && (s.folds == 0 || weatherPerHorizon || poolCity != null)) {
            throw new UsageException("--autoregression needs rolling-origin folds (--folds 1 or more), and combines with one"
                    + " ensemble of one series (not with --weather-per-horizon or --pool-city)");
        }
        s.autoregression = autoregression;
        if ((arMix != null || arPenalty != null) && !autoregression) {
            throw new UsageException("--ar-mix and --ar-penalty need --autoregression");
        }
        if (arMix != null) {
            if (!(arMix >= 0 && arMix <= 1)) {
                throw new UsageException("--ar-mix must be in [0, 1], got " + arMix);
            }
            s.arMix = arMix;
        }
        if (arPenalty != null) {
            if (!(arPenalty > 0) || !Double.isFinite(arPenalty)) {
                throw new UsageException("--ar-penalty must be a positive number, got " + arPenalty);
            }
            s.arPenalty = arPenalty;
        }
        s.memberMedian = memberMedian;
        if (blend && (noBlend || s.folds == 0)) {
            throw new UsageException("--blend needs rolling-origin folds (with --folds 0 there is no blend) and"
                    + " contradicts --no-blend");
        }
        s.blend = blend;
        s.smoothing = Checks.range("--smoothing", smoothing, 1, 520);
        s.units = Checks.range("--units", units, 1, 4096);
        s.layers = Checks.range("--layers", layers, 1, 16);
        s.batchSize = Checks.range("--batch-size", batchSize, 1, 1 << 20);
        s.levelWeight = levelWeight;
        if (!(levelWeight >= 0 && levelWeight <= 4)) {
            throw new UsageException("--level-weight must be in [0, 4], got " + levelWeight);
        }
        if (levelWeight > 0 && s.folds == 0) {
            throw new UsageException("--level-weight needs rolling-origin folds (--folds 1 or more)");
        }
        s.dropout = dropout;
        if (!(s.dropout >= 0 && s.dropout < 1)) {
            throw new UsageException("--dropout must be in [0, 1), got " + s.dropout);
        }
        s.learningRate = learningRate;
        if (!(s.learningRate > 0) || s.learningRate > MAX_LEARNING_RATE) {
            throw new UsageException("--learning-rate must be in (0, " + MAX_LEARNING_RATE + "], got " + s.learningRate
                    + (s.learningRate > MAX_LEARNING_RATE ? " (training would diverge to NaN)" : ""));
        }
        s.seed = seed;
        s.transform = transform;
        s.loss = loss;
        try {
            dev.lamina.losses.Losses.get(s.loss);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--loss: " + e.getMessage());
        }
        if (!s.transform.equals("none") && !s.transform.equals("log1p")) {
            throw new UsageException("--transform must be none or log1p, got " + s.transform);
        }
        if (level) {
            throw new UsageException("--level is no longer offered: the forecaster always predicts the change from the last"
                    + " observed week (it beat the level on validation weeks)");
        }
        s.verbose = quiet ? 0 : 1;
        return s;
    }

    /** --NAME / --no-NAME, or the default; both at once is a usage error. */
    private static boolean onOff(String name, boolean on, boolean off, boolean dflt) {
        if (on && off) {
            throw new UsageException("give --" + name + " or --no-" + name + ", not both");
        }
        return on || (!off && dflt);
    }

    private int predict(Path dataDir, PrintStream out) throws IOException {
        if (model == null || predict == null) {
            throw new UsageException("--model DIR and --predict N go together");
        }
        int weeks = Checks.range("--predict", predict, 1, 520);
        Path dir = Path.of(model);
        Path fdir = Files.isDirectory(dir.resolve("forecaster")) ? dir.resolve("forecaster") : dir;
        try (Forecaster f = Forecaster.load(fdir)) {
            ForecastSettings s = f.settings();
            if (data != null) {
                s.csv = Path.of(data);
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
            if (this.csv != null) {
                Path csv = Path.of(this.csv);
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
        if (y.length == 0) {
            throw new IllegalArgumentException(data.source() + ": no data rows after the header (a weekly series is needed)");
        }
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
