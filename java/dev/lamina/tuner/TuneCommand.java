package dev.lamina.tuner;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.Command;
import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import dev.lamina.plot.Charts;
import dev.lamina.plot.DesktopModule;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code lamina tune}: hyperparameter search for the dengue forecaster (see {@link ForecastTuning}),
 * then the best configuration trained on all training weeks and evaluated on the test weeks beside
 * persistence.
 */
public final class TuneCommand implements Command {
    private static final Set<String> VALUES = Set.of("oracle", "max-trials", "parallel", "spark", "dir", "epochs", "seed",
            "city", "data-dir", "backend", "executions", "initial-points", "validation");
    private static final Set<String> FLAGS = Set.of("resume", "quiet");

    @Override
    public String name() {
        return "tune";
    }

    @Override
    public String summary() {
        return "hyperparameter search for the dengue forecaster (grid, random, Bayesian, Hyperband)";
    }

    @Override
    public String help() {
        return "usage: lamina tune [options]\n"
                + "\n"
                + "Searches the forecaster's window, units, layers, dropout, learning rate, batch size and target\n"
                + "transform on a chronological validation split of the training weeks (the test weeks are never\n"
                + "seen), prints a line per trial, then trains the best configuration on all training weeks and\n"
                + "evaluates it on the test weeks beside persistence. Writes the tuner directory (one JSON per\n"
                + "trial, oracle.json), best-forecaster/, search.png and tune.json under --dir.\n"
                + "Each trial stops early as lamina forecast does (patience 20 on the last 20% of its training windows).\n"
                + "\n"
                + "options:\n"
                + "  --oracle O          bayesian (default), random, grid or hyperband\n"
                + "  --max-trials N      trials to run (default 10)\n"
                + "  --epochs N          epochs per trial and for the final model (default 30); hyperband: max epochs\n"
                + "  --parallel N        trials at once on threads (default 1); results do not depend on it\n"
                + "  --dir DIR           output folder (default out/tune); the tuner project is DIR/dengue_CITY\n"
                + "  --resume            continue the search in DIR (without it an earlier search there is replaced)\n"
                + "  --seed N            search seed (default 42)\n"
                + "  --city C            san_juan (default) or iquitos\n"
                + "  --validation F      fraction of the training weeks that validates (default 0.2)\n"
                + "  --executions N      models per trial, scores averaged (default 1)\n"
                + "  --initial-points N  bayesian: random trials before the Gaussian process (default 3)\n"
                + "  --backend B         reference, cpu or cuda (default as lamina forecast)\n"
                + "  --data-dir DIR      folder holding dengue/ (default: the repository's data/)\n"
                + "  --spark MASTER      run the trials on Spark (local[2], spark://host:7077; needs the lamina-spark\n"
                + "                      module, see README); --parallel defaults to the cluster's parallelism\n"
                + "  --quiet             no per-trial lines\n"
                + "\n"
                + "exit codes: 0 ok, 2 bad usage or unreadable input\n";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args, VALUES, FLAGS);
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + o.positional().get(0) + "'");
        }
        TrialExecutor.Provider spark = null;
        if (o.has("spark")) {
            spark = TrialExecutor.provider("spark");
            if (spark == null) {
                throw new UsageException("--spark: the lamina-spark module is not on the class path; build it with "
                        + "'./mvnw -q install -DskipTests && ./mvnw -q -f spark/pom.xml package -DskipTests' (./lamina then adds it), "
                        + "or run with --parallel N on one machine");
            }
        }
        String oracleName = o.get("oracle", "bayesian").toLowerCase(Locale.ROOT);
        int maxTrials = o.getInt("max-trials", 10, 1, 100_000);
        int epochs = o.getInt("epochs", 30, 1, 100_000);
        int parallelOption = o.getInt("parallel", 1, 1, 1024);
        int executions = o.getInt("executions", 1, 1, 100);
        long seed = o.getLong("seed", 42);
        double validation = parseFraction(o.get("validation", "0.2"));
        Path dir = Path.of(o.get("dir", "out/tune"));
        if (o.has("backend")) {
            Backends.setDefault(Backends.byName(o.get("backend", null)));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            CpuBackend.setThreads(1);   // the forecaster's products are small: one thread per trial is fastest (see lamina forecast)
        }
        ForecastSettings base = new ForecastSettings();
        base.city = o.get("city", "san_juan");
        base.epochs = epochs;
        base.seed = seed;
        base.verbose = 0;
        SeriesData data = SeriesData.load(base, Path.of(o.get("data-dir", defaultDataDir())));
        SeriesData training = ForecastTuning.trainingWeeks(base, data);

        Oracle oracle = oracle(oracleName, maxTrials, epochs, seed, o);
        try (TrialExecutor executor = spark == null ? null : spark.open(o.get("spark", null), "lamina tune")) {
            int parallel = executor != null && !o.has("parallel") ? executor.slots() : parallelOption;
            return search(o, out, base, data, training, oracle, oracleName, maxTrials, epochs, parallel, executions, validation,
                    dir, executor);
        }
    }

    private int search(Options o, PrintStream out, ForecastSettings base, SeriesData data, SeriesData training, Oracle oracle,
                       String oracleName, int maxTrials, int epochs, int parallel, int executions, double validation, Path dir,
                       TrialExecutor executor) {
        Tuner tuner = new Tuner(null, oracle).hyperparameters(ForecastTuning.space(oracleName.equals("grid")))
                .directory(dir, "dengue_" + base.city).overwrite(!o.has("resume")).parallel(parallel)
                .executionsPerTrial(executions).progress(o.has("quiet") ? null : out).executor(executor);
        int validationWeeks = data.length() - training.length();
        out.printf(Locale.ROOT, "lamina tune: %s search of the %s forecaster, %d trial(s), %d epoch(s) each, %d at once%s%n",
                oracle.name(), base.city, maxTrials, epochs, parallel, executor == null ? "" : " on " + executor.describe());
        out.printf(Locale.ROOT, "  %d training weeks (last %.0f%% validate), %d test weeks held out; objective %s (%s)%n",
                training.length(), validation * 100, validationWeeks, oracle.objective().name(), oracle.objective().direction());
        long t0 = System.nanoTime();
        tuner.search(ForecastTuning.body(base, training, validation));
        double searchSeconds = (System.nanoTime() - t0) / 1e9;
        List<Trial> best = tuner.bestTrials(1);
        out.print(tuner.resultsSummary(5));
        int completed = (int) tuner.trials().stream().filter(t -> t.status() == Trial.Status.COMPLETED).count();
        out.printf(Locale.ROOT, "search: %d trial(s) in %.1f s (%.1f trials/min)%n", tuner.trials().size(), searchSeconds,
                tuner.trials().size() / searchSeconds * 60);
        if (best.isEmpty()) {
            throw new IllegalStateException("no trial completed (" + tuner.trials().size() + " failed)");
        }
        Trial b = best.get(0);
        ForecastSettings s = ForecastTuning.settings(base, tuner.bestHyperparameters(1).get(0));
        if (b.values().containsKey("tuner/epochs")) {
            s.epochs = ((Number) b.values().get("tuner/epochs")).intValue();
        }
        s.verbose = 0;
        Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
        Path project = tuner.projectDir();
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, new PrintStream(OutputStream.nullOutputStream()), ev)) {
            f.save(dir.resolve("best-forecaster"));
        }
        Map<String, Map<String, Double>> m = ev[0].metrics();
        out.printf(Locale.ROOT, "best trial %s: %s%n", b.id(), b.values());
        out.printf(Locale.ROOT, "trained on all %d training weeks, evaluated on the %d test weeks (1 week ahead):%n", training.length(),
                ev[0].horizons().get(0).actual().length);
        out.printf(Locale.ROOT, "  %-14s %10s %10s %8s%n", "model", "RMSE", "MAE", "R2");
        for (String k : List.of("lstm", "persistence")) {
            Map<String, Double> v = m.get(k);
            out.printf(Locale.ROOT, "  %-14s %10.2f %10.2f %8.3f%n", k, v.get("rmse"), v.get("mae"), v.get("r2"));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("oracle", oracle.name());
        summary.put("trials", tuner.trials().size());
        summary.put("completed", completed);
        summary.put("search_seconds", searchSeconds);
        summary.put("best_trial", b.id());
        summary.put("best_values", b.values());
        summary.put("best_val_mae", b.score());
        summary.put("settings", s.toMap());
        summary.put("test_metrics", m);
        TunerFiles.write(dir.resolve("tune.json"), summary);
        if (DesktopModule.available()) {
            writeChart(dir.resolve("search.png"), tuner);
            out.println("wrote " + project + "/, " + dir.resolve("best-forecaster") + "/, " + dir.resolve("search.png")
                    + ", " + dir.resolve("tune.json"));
        } else {
            out.println("wrote " + project + "/, " + dir.resolve("best-forecaster") + "/, " + dir.resolve("tune.json") + " ("
                    + DesktopModule.unavailableReason() + ")");
        }
        return 0;
    }

    private static double parseFraction(String v) throws UsageException {
        double f;
        try {
            f = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--validation: not a number: " + v);
        }
        if (!(f > 0 && f < 1)) {
            throw new UsageException("--validation must be between 0 and 1, got " + v);
        }
        return f;
    }

    private static Oracle oracle(String name, int maxTrials, int epochs, long seed, Options o) throws UsageException {
        switch (name) {
            case "random":
                return new RandomSearchOracle(ForecastTuning.OBJECTIVE, maxTrials, seed);
            case "grid":
                return new GridSearchOracle(ForecastTuning.OBJECTIVE, maxTrials, seed);
            case "bayesian": {
                int init = o.getInt("initial-points", 3, 1, 100_000);
                return new BayesianOptimizationOracle(ForecastTuning.OBJECTIVE, maxTrials, seed).numInitialPoints(init);
            }
            case "hyperband":
                return new HyperbandOracle(ForecastTuning.OBJECTIVE, maxTrials, seed, epochs, 3, 1);
            default:
                throw new UsageException("--oracle must be grid, random, bayesian or hyperband, got '" + name + "'");
        }
    }

    /** The objective per trial and the best so far. */
    private static void writeChart(Path file, Tuner tuner) {
        List<Trial> ts = tuner.trials();
        double[] x = new double[ts.size()];
        double[] y = new double[ts.size()];
        double[] best = new double[ts.size()];
        double b = Double.NaN;
        for (int i = 0; i < ts.size(); i++) {
            Trial t = ts.get(i);
            x[i] = t.index();
            y[i] = t.score() == null ? Double.NaN : t.score();
            if (tuner.oracle().objective().better(y[i], b)) {
                b = y[i];
            }
            best[i] = b;
        }
        Objective obj = tuner.oracle().objective();
        Charts.linePng(file, "lamina tune: " + obj.name() + " per trial (" + tuner.oracle().name() + ")", "trial",
                obj.name(), 800, 400, new Charts.Line("trial", x, y), new Charts.Line("best so far", x, best));
    }

    static String defaultDataDir() {
        String home = System.getProperty("lamina.home");
        return home != null ? Path.of(home, "data").toString() : "data";
    }
}
