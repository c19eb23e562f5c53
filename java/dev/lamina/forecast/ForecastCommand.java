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
            "units", "layers", "backend", "seed", "out", "model", "predict", "data-dir", "batch-size", "learning-rate", "transform", "loss");
    private static final Set<String> FLAGS = Set.of("weather", "quiet", "debug", "residual", "level");

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
                + "                       [--weather] [--horizon N] [--window N] [--epochs N] [--units N] [--layers N]\n"
                + "                       [--batch-size N] [--learning-rate X] [--backend B] [--seed N] [--out DIR] [--quiet]\n"
                + "       lamina forecast --model DIR --predict N [--data FILE.csv]\n"
                + "\n"
                + "Trains the workshop's model, LSTM(64) -> Dense(32, relu) -> Dense(1) with Adam on mean squared error\n"
                + "(of ln(1 + cases), predicting the change from the last week: see --transform and --level)\n"
                + "(100 epochs, batch 32, validation split 0.2, no shuffling, 20-week windows), on the first 80% of a\n"
                + "weekly series (default: San Juan weekly total_cases, bundled in data/dengue), then compares its\n"
                + "forecasts of the last 20% with a persistence baseline (next week = this week) and a seasonal-naive\n"
                + "baseline (same week last year): MSE, RMSE, MAE, R2 and MAPE (zero targets skipped).\n"
                + "Writes DIR/forecast.png, DIR/loss.png, DIR/metrics.json and the model (DIR/forecaster);\n"
                + "the charts are skipped, with a note, on a Java runtime without java.desktop.\n"
                + "\n"
                + "  --city C          san_juan (default) or iquitos\n"
                + "  --data FILE.csv   any weekly series with a header row (instead of --city)\n"
                + "  --target COLUMN   column to forecast (default total_cases)\n"
                + "  --features A,B    extra input columns of the CSV\n"
                + "  --weather         bundled cities: add weekly mean temperature and total precipitation\n"
                + "  --horizon N       weeks ahead (default 1)\n"
                + "  --window N        weeks of history per forecast (default 20)\n"
                + "  --epochs N        training epochs (default 100)\n"
                + "  --units N         LSTM units (default 64)\n"
                + "  --layers N        stacked LSTM layers (default 1)\n"
                + "  --batch-size N    default 32\n"
                + "  --learning-rate X Adam learning rate (default 0.001, at most 10)\n"
                + "  --backend B       reference, cpu or cuda (default: LAMINA_BACKEND, else cuda if usable, else cpu);\n"
                + "                    on cpu one thread unless LAMINA_CPU_THREADS says otherwise (faster for this small model)\n"
                + "  --seed N          random seed (default 42); the same seed gives the same weights\n"
                + "  --out DIR         output folder (default out/forecast-CITY)\n"
                + "  --data-dir DIR    folder holding dengue/ (default: the repository's data/)\n"
                + "  --model DIR --predict N   load a saved forecaster and forecast the N weeks after the latest data\n"
                + "  --transform T     log1p (default: model ln(1 + y), as counts are heavy-tailed) or none\n"
                + "  --loss L          training loss: mean_squared_error (default), mean_absolute_error or huber\n"
                + "  --residual        predict the change from the last observed week (default)\n"
                + "  --level           predict the level itself (the workshop notebook's formulation)\n"
                + "  --quiet           no progress output\n"
                + "  --debug           stack traces for errors\n"
                + "\n"
                + "exit codes: 0 ok, 2 bad usage or unreadable input\n";
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
        Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, out, ev)) {
            Forecaster.Evaluation e = ev[0];
            f.save(outDir.resolve("forecaster"));
            if (DesktopModule.available()) {
                writeCharts(outDir, s, data, e);
            }
            writeMetrics(outDir.resolve("metrics.json"), s, data, e);
            report(out, s, e, outDir);
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
        if (o.has("weather") && s.csv != null) {
            throw new UsageException("--weather works with the bundled cities; for a CSV name the columns with --features");
        }
        s.weather = o.has("weather");
        s.horizon = o.getInt("horizon", 1, 1, 104);
        s.window = o.getInt("window", 20, 1, 520);
        s.epochs = o.getInt("epochs", 100, 1, 100_000);
        s.units = o.getInt("units", 64, 1, 4096);
        s.layers = o.getInt("layers", 1, 1, 16);
        s.batchSize = o.getInt("batch-size", 32, 1, 1 << 20);
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
        if (o.has("residual") && o.has("level")) {
            throw new UsageException("give --residual or --level, not both");
        }
        if (o.has("residual")) {
            s.residual = true;
        } else if (o.has("level")) {
            s.residual = false;
        }
        s.verbose = o.has("quiet") ? 0 : 1;
        return s;
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
            double[] ahead = f.forecastAhead(data, weeks);
            LocalDate last = data.dates() == null ? null : data.dates().get(data.length() - 1);
            out.printf("forecast of %s for the %d weeks after %s:%n", s.sourceName(), weeks,
                    last == null ? "row " + data.length() : last.toString());
            for (int k = 0; k < weeks; k++) {
                String when = last == null ? "+" + (k + 1) : last.plusWeeks(k + 1).toString();
                out.printf(Locale.ROOT, "  %-12s %10.1f%n", when, ahead[k]);
            }
        }
        return 0;
    }

    private static void writeCharts(Path dir, ForecastSettings s, SeriesData data, Forecaster.Evaluation e) {
        double[] x = Charts.indices(e.actual().length);
        String axis = e.dates() == null ? "test week" : "test week (from " + e.dates().get(0) + ")";
        Charts.linePng(dir.resolve("forecast.png"), "Weekly " + s.target + ", " + s.horizon + " week(s) ahead: "
                        + (s.csv != null ? s.csv.getFileName() : s.city), axis, s.target, 1000, 450,
                new Charts.Line("actual", x, e.actual()),
                new Charts.Line("LSTM forecast", x, e.predicted()),
                new Charts.Line("persistence", x, e.persistence()));
        List<Double> loss = e.history().get("loss");
        List<Double> val = e.history().history().getOrDefault("val_loss", List.of());
        double[] ex = new double[loss.size()];
        for (int i = 0; i < ex.length; i++) {
            ex[i] = i + 1;
        }
        List<Charts.Line> lines = new ArrayList<>();
        lines.add(new Charts.Line("training loss", ex, loss.stream().mapToDouble(Double::doubleValue).toArray()));
        if (val.size() == loss.size()) {
            lines.add(new Charts.Line("validation loss", ex, val.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        Charts.linePng(dir.resolve("loss.png"), "Loss per epoch (MSE on scaled data)", "epoch", "loss", 800, 400,
                lines.toArray(new Charts.Line[0]));
    }

    private static void writeMetrics(Path file, ForecastSettings s, SeriesData data, Forecaster.Evaluation e) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", s.sourceName());
        m.put("settings", s.toMap());
        m.put("backend", Backends.current().name());
        m.put("test_weeks", e.actual().length);
        m.put("metrics", e.metrics());
        m.put("fit_seconds", e.fitSeconds());
        m.put("train_steps", e.trainSteps());
        m.put("steps_per_second", e.trainSteps() / e.fitSeconds());
        m.put("final_loss", last(e.history().get("loss")));
        if (e.history().history().containsKey("val_loss")) {
            m.put("final_val_loss", last(e.history().get("val_loss")));
        }
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < e.actual().length; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("week", e.dates() == null ? (Object) e.rows()[i] : e.dates().get(i).toString());
            r.put("actual", e.actual()[i]);
            r.put("forecast", e.predicted()[i]);
            r.put("persistence", e.persistence()[i]);
            r.put("seasonal_naive", e.seasonal()[i]);
            rows.add(r);
        }
        m.put("forecasts", rows);
        dev.lamina.io.AtomicFiles.writeFile(file, Json.writePretty(finiteOrNull(m)).getBytes(StandardCharsets.UTF_8));
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

    private static double last(List<Double> v) {
        return v.get(v.size() - 1);
    }

    private static void report(PrintStream out, ForecastSettings s, Forecaster.Evaluation e, Path dir) {
        out.println();
        out.printf(Locale.ROOT, "test weeks: %d (%s, %d week(s) ahead)%n", e.actual().length, s.sourceName(), s.horizon);
        out.printf(Locale.ROOT, "%-16s %12s %10s %10s %8s %9s%n", "model", "MSE", "RMSE", "MAE", "R2", "MAPE %");
        for (Map.Entry<String, Map<String, Double>> m : e.metrics().entrySet()) {
            Map<String, Double> v = m.getValue();
            out.printf(Locale.ROOT, "%-16s %12.1f %10.2f %10.2f %8.3f %9.1f%n", m.getKey(), v.get("mse"), v.get("rmse"),
                    v.get("mae"), v.get("r2"), v.get("mape"));
        }
        out.printf(Locale.ROOT, "fit: %.1f s for %d epochs (%d steps, %.0f steps/s) on the %s backend%s%n", e.fitSeconds(),
                s.epochs, e.trainSteps(), e.trainSteps() / e.fitSeconds(), Backends.current().name(),
                Backends.current() == Backends.cpu() ? " (" + CpuBackend.threads() + " thread(s))" : "");
        if (DesktopModule.available()) {
            out.println("wrote " + dir.resolve("forecast.png") + ", " + dir.resolve("loss.png") + ", "
                    + dir.resolve("metrics.json") + " and the model in " + dir.resolve("forecaster"));
        } else {
            out.println("wrote " + dir.resolve("metrics.json") + " and the model in " + dir.resolve("forecaster")
                    + "; charts skipped: " + DesktopModule.unavailableReason());
        }
    }
}
