package dev.lamina.tuner;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.Checks;
import dev.lamina.cli.command.UsageException;
import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import dev.lamina.plot.Charts;
import dev.lamina.plot.DesktopModule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lamina tune}: hyperparameter search for the dengue forecaster (see {@link ForecastTuning}),
 * then the best configuration trained on all training weeks and evaluated on the test weeks beside
 * persistence.
 */
@CommandLine.Command(name = "tune", abbreviateSynopsis = true,
        header = "hyperparameter search for the dengue forecaster (grid, random, Bayesian, Hyperband)",
        description = {
            "Searches the forecaster's window, units, layers, dropout, learning rate, batch size and target "
                + "transform on a chronological validation split of the training weeks (the test weeks are never "
                + "seen), prints a line per trial, then trains the best configuration on all training weeks and "
                + "evaluates it on the test weeks beside persistence. Writes the tuner directory (one JSON per "
                + "trial, oracle.json), best-forecaster/, search.png and tune.json under --dir. Each trial stops early as "
                + "lamina forecast does (patience 20 on the last 20%% of its training windows)."},
        footer = "exit codes: 0 ok, 2 bad usage or unreadable input")
public final class TuneCommand implements Command {
    // ---- the options of lamina tune (picocli fills them) ----
    @Option(names = "--oracle", paramLabel = "O", description = "bayesian (default), random, grid or hyperband")
    String oracle = "bayesian";
    @Option(names = "--max-trials", paramLabel = "N", description = "trials to run (default ${DEFAULT-VALUE})")
    int maxTrials = 10;
    @Option(names = "--epochs", paramLabel = "N", description = "epochs per trial and for the final model (default "
            + "${DEFAULT-VALUE}); hyperband: max epochs")
    int epochs = 30;
    @Option(names = "--parallel", paramLabel = "N", description = "trials at once (default 1; with --spark the cluster's"
            + " parallelism); results do not depend on it")
    Integer parallel;
    @Option(names = "--dir", paramLabel = "DIR", description = "output folder (default ${DEFAULT-VALUE}); the tuner project"
            + " is DIR/dengue_CITY")
    String dir = "out/tune";
    @Option(names = "--resume", description = "continue the search in DIR (without it an earlier search there is replaced)")
    boolean resume;
    @Option(names = "--seed", paramLabel = "N", description = "search seed (default ${DEFAULT-VALUE})")
    long seed = 42;
    @Option(names = "--city", paramLabel = "C", description = "san_juan (default) or iquitos")
    String city = "san_juan";
    @Option(names = "--validation", paramLabel = "F", description = "fraction of the training weeks that validates"
            + " (default ${DEFAULT-VALUE})")
    double validation = 0.2;
    @Option(names = "--executions", paramLabel = "N", description = "models per trial, scores averaged (default ${DEFAULT-VALUE})")
    int executions = 1;
    @Option(names = "--initial-points", paramLabel = "N", description = "bayesian: random trials before the Gaussian process"
            + " (default ${DEFAULT-VALUE})")
    int initialPoints = 3;
    @Option(names = "--backend", paramLabel = "B", description = "reference, cpu or cuda (default as lamina forecast)")
    String backend;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder holding dengue/ (default: the repository's data/)")
    String dataDir;
    @Option(names = "--spark", paramLabel = "MASTER", description = "run the trials on Spark (local[2], spark://host:7077;"
            + " needs the lamina-spark module, see README)")
    String spark;
    @Option(names = "--quiet", description = "no per-trial lines")
    boolean quiet;
    // ---- end of options ----

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        TrialExecutor.Provider sparkProvider = null;
        if (spark != null) {
            sparkProvider = TrialExecutor.provider("spark");
            if (sparkProvider == null) {
                throw new UsageException("--spark: the lamina-spark module is not on the class path; build it with "
                        + "'./mvnw -q install -DskipTests && ./mvnw -q -f spark/pom.xml package -DskipTests' (./lamina then adds it), "
                        + "or run with --parallel N on one machine");
            }
        }
        String oracleName = oracle.toLowerCase(Locale.ROOT);
        int maxTrials = Checks.range("--max-trials", this.maxTrials, 1, 100_000);
        int epochs = Checks.range("--epochs", this.epochs, 1, 100_000);
        Integer parallelOption = this.parallel == null ? null : Checks.range("--parallel", this.parallel, 1, 1024);
        int executions = Checks.range("--executions", this.executions, 1, 100);
        if (!(validation > 0 && validation < 1)) {
            throw new UsageException("--validation must be between 0 and 1, got " + validation);
        }
        Path dir = Path.of(this.dir);
        if (backend != null) {
            Backends.setDefault(Backends.byName(backend));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            CpuBackend.setThreads(1);   // the forecaster's products are small: one thread per trial is fastest (see lamina forecast)
        }
        ForecastSettings base = new ForecastSettings();
        base.city = city;
        base.epochs = epochs;
        base.seed = seed;
        base.verbose = 0;
        base.folds = 0;   // the final model trains as the trials did (one validation split, early stopping), not lamina forecast's rolling-origin refit
        SeriesData data = SeriesData.load(base, Path.of(dataDir != null ? dataDir : defaultDataDir()));
        SeriesData training = ForecastTuning.trainingWeeks(base, data);
        Tuner.TrialBody body;
        try {
            body = ForecastTuning.body(base, training, validation);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--validation: " + e.getMessage());
        }

        Oracle oracle = oracle(oracleName, maxTrials, epochs);
        try (TrialExecutor executor = sparkProvider == null ? null : sparkProvider.open(spark, "lamina tune")) {
            int parallel = parallelOption != null ? parallelOption : executor != null ? executor.slots() : 1;
            // the tuner carries the search's options (oracle, directory, parallelism, executions, executor)
            Tuner tuner = new Tuner(null, oracle).hyperparameters(ForecastTuning.space(oracle instanceof GridSearchOracle))
                    .directory(dir, "dengue_" + base.city).overwrite(!resume).parallel(parallel)
                    .executionsPerTrial(executions).progress(quiet ? null : out).executor(executor);
            out.printf(Locale.ROOT, "lamina tune: %s search of the %s forecaster, %d trial(s), %d epoch(s) each, %d at once%s%n",
                    oracle.name(), base.city, maxTrials, epochs, parallel, executor == null ? "" : " on " + executor.describe());
            return search(out, tuner, base, data, training, body, dir);
        }
    }

    /** Runs the search, refits the best trial's settings on all training weeks, evaluates and writes the outputs. */
    private int search(PrintStream out, Tuner tuner, ForecastSettings base, SeriesData data, SeriesData training,
                       Tuner.TrialBody body, Path dir) {
        Oracle oracle = tuner.oracle();
        int validationWeeks = data.length() - training.length();
        out.printf(Locale.ROOT, "  %d training weeks (last %.0f%% validate), %d test weeks held out; objective %s (%s)%n",
                training.length(), validation * 100, validationWeeks, oracle.objective().name(), oracle.objective().direction());
        int earlier = resume ? finishedEarlier(tuner.projectDir()) : 0;
        long t0 = System.nanoTime();
        tuner.search(body);
        double searchSeconds = (System.nanoTime() - t0) / 1e9;
        int ran = tuner.trials().size() - earlier;
        List<Trial> best = tuner.bestTrials(1);
        out.print(tuner.resultsSummary(5));
        int completed = (int) tuner.trials().stream().filter(t -> t.status() == Trial.Status.COMPLETED).count();
        out.printf(Locale.ROOT, "search: %d trial(s) in %.1f s (%.1f trials/min)%s%n", ran, searchSeconds, ran / searchSeconds * 60,
                earlier > 0 ? ", " + earlier + " finished earlier and kept" : "");
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

    private Oracle oracle(String name, int maxTrials, int epochs) {
        switch (name) {
            case "random":
                return new RandomSearchOracle(ForecastTuning.OBJECTIVE, maxTrials, seed);
            case "grid":
                return new GridSearchOracle(ForecastTuning.OBJECTIVE, maxTrials, seed);
            case "bayesian": {
                int init = Checks.range("--initial-points", initialPoints, 1, 100_000);
                return new BayesianOptimizationOracle(ForecastTuning.OBJECTIVE, maxTrials, seed).numInitialPoints(init);
            }
            case "hyperband":
                return new HyperbandOracle(ForecastTuning.OBJECTIVE, maxTrials, seed, epochs, 3, 1);
            default:
                throw new UsageException("--oracle must be grid, random, bayesian or hyperband, got '" + name + "'");
        }
    }

    /** Trials that an earlier search in {@code project} finished (completed or failed): a resumed search keeps them. */
    private static int finishedEarlier(Path project) {
        if (!Files.isDirectory(project)) {
            return 0;
        }
        try (Stream<Path> dirs = Files.list(project)) {
            return (int) dirs.map(d -> d.resolve("trial.json")).filter(Files::isRegularFile)
                    .filter(f -> !"RUNNING".equals(TunerFiles.read(f).get("status"))).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + project + ": " + e.getMessage(), e);
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
