package dev.lamina.tuner;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.callbacks.Callback;
import dev.lamina.callbacks.ModelCheckpoint;
import dev.lamina.callbacks.MonitorMode;
import dev.lamina.models.Model;
import dev.lamina.models.ModelIO;
import dev.lamina.models.Sequential;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * KerasTuner's {@code Tuner}: runs the trials an {@link Oracle} proposes, keeps a tuner directory,
 * and reports the best trials.
 *
 * <pre>{@code
 * Tuner tuner = new RandomSearch(hp -> buildModel(hp), "val_loss", 10)
 *         .directory(Path.of("runs"), "lstm").seed(42);
 * tuner.search(xTrain, yTrain, new SearchOptions().epochs(20).validationData(xVal, yVal));
 * Model best = tuner.bestModels(1).get(0);
 * tuner.resultsSummary();
 * }</pre>
 *
 * <p><b>Directory.</b> {@code <directory>/<project>/oracle.json} holds the oracle's settings and
 * search space; {@code trial_NNNN/trial.json} each trial (values, status, per-epoch metrics of
 * every execution, score, best step), rewritten after every epoch; {@code trial_NNNN/execution_E/model}
 * the model of each execution at its best epoch ({@link ModelCheckpoint}, {@link ModelIO} format).
 * A search started on an existing project resumes: finished trials are kept, a trial that was
 * running is run again with the same values and seeds; a project written by a different oracle,
 * space, seed or settings is an error unless {@link #overwrite(boolean)} (max_trials may change).
 *
 * <p><b>Determinism and threads.</b> {@link #parallel(int)} trials run at once on their own threads,
 * each with its own {@link Scope} and the caller's backend. Execution e of trial i is seeded with
 * a seed derived from (search seed, i, e): the process-wide {@link Rng} is reseeded with it while
 * the model is built (holding the generator's lock, so parallel builds never interleave their
 * draws), and fit shuffles with it. Oracles propose from a fixed set of earlier results
 * ({@link Oracle#requiredFinished}), so the trials, their metrics and the best trial are the same
 * for any parallelism. The cpu backend's kernel pool is process-wide: while a search runs with
 * N &gt; 1 trials at once, it is set to max(1, threads / N) threads (restored afterwards) so that
 * the trials together use about the machine's cores; concurrent callers of the pool never block
 * each other (a caller that finds it busy runs its kernel on its own thread), and kernels give the
 * same results for any thread count.
 *
 * <p><b>Remote trials.</b> With {@link #executor(TrialExecutor)} the trials run elsewhere (Spark
 * executors through the {@code lamina-spark} module): each goes out as a {@link TrialTask} with
 * the same seeds, runs the same body there, and comes back as a {@link TrialResult} that the
 * tuner records exactly as a local trial, except that trial.json is written when the trial is
 * handed out (RUNNING) and when it ends, not after every epoch (a resumed search reruns a RUNNING
 * trial from scratch either way). A promoted Hyperband trial takes its parent's best execution
 * directory along (its saved model, or what a custom body saved there).
 */
public class Tuner {
    /** KerasTuner's hypermodel: hyperparameters to a compiled model. */
    @FunctionalInterface
    public interface HyperModel {
        Model build(HyperParameters hp);
    }

    /**
     * A trial's work when it is not "build a model and fit it" (KerasTuner's overridden
     * {@code run_trial}): called once per execution; reports each epoch's metrics with
     * {@link TrialContext#report}.
     */
    @FunctionalInterface
    public interface TrialBody {
        void run(HyperParameters hp, TrialContext context) throws Exception;
    }

    /**
     * What a running execution sees: its seed, its directory, and where to report metrics. On a
     * remote {@link TrialExecutor} the directory is a scratch one whose files go back to the
     * tuner directory when the trial ends, and reports reach the tuner with the trial's result.
     */
    public static final class TrialContext {
        private final Tuner tuner;
        private final Trial trial;
        private final int execution;
        private final long seed;
        private final Path dir;
        private final Path parentDir;
        private final Consumer<Map<String, Double>> sink;

        /** A local execution: directory and reports in the tuner directory. */
        TrialContext(Tuner tuner, Trial trial, int execution, long seed) {
            this.tuner = tuner;
            this.trial = trial;
            this.execution = execution;
            this.seed = seed;
            this.dir = null;
            this.parentDir = tuner.parentExecution(trial);
            this.sink = logs -> {
                trial.recordEpoch(logs);
                tuner.save(trial);
            };
        }

        /** A remote execution: a scratch directory, the staged parent execution directory (or null), and a sink for reports. */
        TrialContext(Trial trial, int execution, long seed, Path dir, Path parentDir, Consumer<Map<String, Double>> sink) {
            this.tuner = null;
            this.trial = trial;
            this.execution = execution;
            this.seed = seed;
            this.dir = dir;
            this.parentDir = parentDir;
            this.sink = sink;
        }

        /** The execution's seed (derived from the search seed, the trial index and the execution). */
        public long seed() {
            return seed;
        }

        /** 0-based execution number within the trial. */
        public int execution() {
            return execution;
        }

        /** The trial being run. */
        public Trial trial() {
            return trial;
        }

        /** This execution's directory (created). */
        public Path directory() {
            Path d = dir != null ? dir : tuner.trialDir(trial).resolve("execution_" + execution);
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return d;
        }

        /** Records one epoch's metrics (saved to trial.json at once). */
        public void report(Map<String, Double> logs) {
            sink.accept(logs);
        }

        /**
         * The saved model of the trial this one continues (Hyperband's {@code tuner/trial_id}): a
         * {@link ModelIO} directory or a weights file; null when there is none or it was not saved.
         */
        public Path parentModel() {
            return parentDir == null ? null : modelIn(parentDir);
        }

        /**
         * The directory of the best execution of the trial this one continues (Hyperband's
         * {@code tuner/trial_id}), holding whatever that execution saved in its
         * {@link #directory()} (a custom body's own files, such as a saved forecaster); null when
         * there is no parent or it saved nothing. On a remote executor it is a read-only staged copy.
         */
        public Path parentDirectory() {
            return parentDir;
        }

        /** A callback that reports every epoch of a fit. */
        public Callback callback() {
            return new Callback() {
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs) {
                    report(logs);
                }
            };
        }
    }

    /** Thrown inside a trial for errors that must stop the whole search (bad objective). */
    private static final class SearchError extends RuntimeException {
        SearchError(IllegalArgumentException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** KerasTuner's max_consecutive_failed_trials: this many failed trials in a row stop the search. */
    public static final int MAX_CONSECUTIVE_FAILED = 3;

    private final HyperModel hypermodel;
    private final Oracle oracle;
    private HyperParameters declared;
    private int executionsPerTrial = 1;
    private Path directory = Path.of(".");
    private String projectName = "untitled_project";
    private boolean overwrite;
    private int parallel = 1;
    private PrintStream progress;
    private TrialExecutor executor;
    private final ConcurrentSkipListMap<Integer, Trial> trials = new ConcurrentSkipListMap<>();
    private List<HyperParameter> space;

    /** A tuner for {@code hypermodel} (null when only {@link #search(TrialBody)} is used) driven by {@code oracle}. */
    public Tuner(HyperModel hypermodel, Oracle oracle) {
        if (oracle == null) {
            throw new IllegalArgumentException("tuner: oracle is null");
        }
        this.hypermodel = hypermodel;
        this.oracle = oracle;
    }

    /** The oracle. */
    public Oracle oracle() {
        return oracle;
    }

    /** Declares the space in advance (KerasTuner's {@code hyperparameters=}); needed by {@link #search(TrialBody)}. */
    public Tuner hyperparameters(HyperParameters hp) {
        this.declared = hp;
        return this;
    }

    /** Models trained per trial (the score is the mean of their best epochs); default 1. */
    public Tuner executionsPerTrial(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("tuner: executions_per_trial must be at least 1, got " + n);
        }
        this.executionsPerTrial = n;
        return this;
    }

    /** Where the tuner directory goes: {@code directory/projectName}. */
    public Tuner directory(Path directory, String projectName) {
        if (directory == null || projectName == null || projectName.isBlank() || projectName.contains("/")) {
            throw new IllegalArgumentException("tuner: directory and a plain project name are needed, got " + directory
                    + " and '" + projectName + "'");
        }
        this.directory = directory;
        this.projectName = projectName;
        return this;
    }

    /** Start afresh even when the project exists (default false: resume it). */
    public Tuner overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    /** Trials run at once (threads); default 1. */
    public Tuner parallel(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("tuner: parallel must be at least 1, got " + n);
        }
        this.parallel = n;
        return this;
    }

    /**
     * Runs the trials on {@code executor} (e.g. Spark executors, see {@link TrialExecutor}) instead
     * of this process's threads; {@link #parallel(int)} trials are handed to it at once. The trial
     * body, or for {@link #search(Tensor, Tensor, SearchOptions)} the hypermodel and the callbacks
     * factory, must then be serialisable. Null: local threads (the default).
     */
    public Tuner executor(TrialExecutor executor) {
        this.executor = executor;
        return this;
    }

    /** Prints a line per finished trial to {@code out} (null: quiet, the default). */
    public Tuner progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** {@code directory/projectName}. */
    public Path projectDir() {
        return directory.resolve(projectName);
    }

    Path trialDir(Trial t) {
        return projectDir().resolve("trial_" + t.id());
    }

    // ---- searching ---------------------------------------------------------------------------------

    /**
     * Builds and fits one model per execution of every trial on {@code x}, {@code y}; the trial's
     * score is the objective's best epoch. The data are copied to each trial's thread.
     */
    public void search(Tensor x, Tensor y, SearchOptions options) {
        if (hypermodel == null) {
            throw new IllegalArgumentException("tuner: search(x, y, ...) needs a hypermodel");
        }
        if (x == null || y == null || options == null) {
            throw new IllegalArgumentException("tuner: search needs x, y and options");
        }
        HostData hx = HostData.of(x);
        HostData hy = HostData.of(y);
        HostData vx = options.validationX == null ? null : HostData.of(options.validationX);
        HostData vy = options.validationY == null ? null : HostData.of(options.validationY);
        List<HyperParameter> s = declareSpace(hx);
        Objective obj = oracle.objective();
        run(s, new FitBody(hypermodel, options, obj.name(), obj.maximize(), hx, hy, vx, vy));
    }

    /** Runs {@code body} for every execution of every trial (space from {@link #hyperparameters} or the hypermodel). */
    public void search(TrialBody body) {
        if (body == null) {
            throw new IllegalArgumentException("tuner: search needs a trial body");
        }
        List<HyperParameter> s;
        if (declared != null) {
            s = declared.space();
        } else if (hypermodel != null) {
            s = declareSpace(null);
        } else {
            throw new IllegalArgumentException("tuner: no search space: give hyperparameters(...) or a hypermodel");
        }
        run(s, body);
    }

    /** The space: declared in advance, else registered by building the hypermodel once with defaults. */
    private List<HyperParameter> declareSpace(HostData x) {
        HyperParameters hp = declared != null ? declared : new HyperParameters();
        try (Scope scope = Scope.open()) {
            Model m = buildModel(hp, 0, x);
            m.close();
        }
        return hp.space();
    }

    private Model buildModel(HyperParameters hp, long seed, HostData x) {
        return buildModel(hypermodel, hp, seed, x);
    }

    /** Builds a model with the global generator reseeded (and locked), and builds its layers on a dummy batch. */
    private static Model buildModel(HyperModel hypermodel, HyperParameters hp, long seed, HostData x) {
        synchronized (Rng.class) {
            Rng.setGlobalSeed(seed);
            Model m = hypermodel.build(hp);
            if (m == null) {
                throw new IllegalArgumentException("tuner: the hypermodel returned null");
            }
            if (x != null) {
                try (Scope s = Scope.open()) {
                    m.call(x.batchOfOne(), false);   // weights drawn now, under the lock
                }
            }
            return m;
        }
    }

    /**
     * The trial of {@link #search(Tensor, Tensor, SearchOptions)}: builds, seeds and fits one model
     * per execution and checkpoints it at its best epoch; serialisable, so it runs on a remote
     * executor as it does here.
     */
    private static final class FitBody implements TrialBody, Serializable {
        private static final long serialVersionUID = 1L;
        private final HyperModel hypermodel;
        private final SearchOptions options;
        private final String objective;
        private final boolean maximize;
        private final HostData hx;
        private final HostData hy;
        private final HostData vx;
        private final HostData vy;

        FitBody(HyperModel hypermodel, SearchOptions options, String objective, boolean maximize, HostData hx, HostData hy,
                HostData vx, HostData vy) {
            this.hypermodel = hypermodel;
            this.options = options;
            this.objective = objective;
            this.maximize = maximize;
            this.hx = hx;
            this.hy = hy;
            this.vx = vx;
            this.vy = vy;
        }

        @Override
        public void run(HyperParameters hp, TrialContext ctx) {
            SearchOptions o = options;
            Trial t = ctx.trial();
            int epochs = t.values().containsKey("tuner/epochs") ? ((Number) t.values().get("tuner/epochs")).intValue() : o.epochs;
            int initial = t.values().containsKey("tuner/initial_epoch")
                    ? ((Number) t.values().get("tuner/initial_epoch")).intValue() : 0;
            try (Scope scope = Scope.open()) {
                Model model = buildModel(hypermodel, hp, ctx.seed(), hx);
                try {
                    if (t.values().get("tuner/trial_id") != null) {
                        Path saved = ctx.parentModel();
                        if (saved != null && Files.isDirectory(saved)) {
                            try (Scope s = Scope.open(); Sequential p = ModelIO.load(saved)) {
                                model.setWeights(p.getWeights());
                            }
                        } else if (saved != null && Files.exists(saved)) {
                            ModelIO.loadWeights(model, saved);
                        } else {
                            initial = 0;
                        }
                    }
                    boolean sequential = model instanceof Sequential;
                    Path dir = ctx.directory();
                    String target = (sequential ? dir.resolve("model") : dir.resolve("weights.safetensors")).toString()
                            .replace("{", "{{").replace("}", "}}");
                    Callback checkpoint = new ModelCheckpoint(target).monitor(objective).saveBestOnly(true)
                            .saveWeightsOnly(!sequential).mode(maximize ? MonitorMode.MAX : MonitorMode.MIN);
                    List<Callback> extra = List.of(ctx.callback(), checkpoint);
                    Tensor vxt = vx == null ? null : vx.tensor();
                    Tensor vyt = vy == null ? null : vy.tensor();
                    model.fit(hx.tensor(), hy.tensor(), o.fitOptions(epochs, initial, ctx.seed(), vxt, vyt, extra));
                } finally {
                    model.close();
                }
            }
        }
    }

    /** The best execution's directory of the trial {@code t} continues (Hyperband's tuner/trial_id), or null when none was saved. */
    private Path parentExecution(Trial t) {
        Object parentId = t.values().get("tuner/trial_id");
        if (parentId == null) {
            return null;
        }
        Trial parent = trials.get(Integer.parseInt(parentId.toString()));
        if (parent == null) {
            return null;
        }
        Path d = bestExecutionDir(parent);
        return Files.isDirectory(d) ? d : null;
    }

    /** The directory of a trial's best execution (it may not exist). */
    private Path bestExecutionDir(Trial t) {
        return trialDir(t).resolve("execution_" + Math.max(0, t.bestExecution(oracle.objective())));
    }

    /** The saved model of a trial's best execution (a directory for Sequential models, else a weights file), or null. */
    Path modelPath(Trial t) {
        return modelIn(bestExecutionDir(t));
    }

    /** The model an execution directory {@code d} holds: {@code model/}, else {@code weights.safetensors}, else null. */
    static Path modelIn(Path d) {
        if (Files.isDirectory(d.resolve("model"))) {
            return d.resolve("model");
        }
        if (Files.exists(d.resolve("weights.safetensors"))) {
            return d.resolve("weights.safetensors");
        }
        return null;
    }

    private synchronized void save(Trial t) {
        TunerFiles.write(trialDir(t).resolve("trial.json"), t.toMap());
    }

    private void run(List<HyperParameter> s, TrialBody body) {
        this.space = s;
        oracle.init(s);
        Map<String, Object> state = oracle.state();
        prepareDirectory(state);
        TunerFiles.write(projectDir().resolve("oracle.json"), state);
        if (executor != null) {
            TrialTask.checkSerialisable(body, "the trial body");
        }

        // the caller's backend goes with the trials; a sequential search of a plain function never touches one
        Backend backend = parallel > 1 || hypermodel != null || executor != null ? Backends.current() : null;
        int savedThreads = -1;
        if (parallel > 1 && backend instanceof CpuBackend) {
            savedThreads = CpuBackend.threads();
            CpuBackend.setThreads(Math.max(1, savedThreads / parallel));
        }
        AtomicInteger names = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread th = new Thread(r, "lamina-tuner-" + names.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        ExecutorCompletionService<Trial> done = new ExecutorCompletionService<>(pool);
        RuntimeException fatal = null;
        try {
            int next = 0;
            int running = 0;
            boolean over = false;
            while (true) {
                while (next < oracle.maxTrials() && trials.containsKey(next) && trials.get(next).status() != Trial.Status.RUNNING) {
                    next++;
                }
                if (fatal == null && !over && next < oracle.maxTrials() && running < parallel
                        && finishedBelow(oracle.requiredFinished(next))) {
                    Trial resumed = trials.get(next);
                    Map<String, Object> values = resumed != null ? resumed.values()
                            : oracle.propose(next, new ArrayList<>(trials.headMap(next).values()));
                    if (values == null) {
                        over = true;
                        continue;
                    }
                    Trial t = new Trial(next, values);
                    trials.put(next, t);
                    save(t);
                    done.submit(() -> executor == null ? runTrial(t, body, backend) : runRemote(t, body, backend));
                    running++;
                    next++;
                    continue;
                }
                if (running == 0) {
                    break;
                }
                Future<Trial> f = done.take();
                running--;
                try {
                    Trial t = f.get();
                    report(t);
                    if (fatal == null && consecutiveFailures() >= MAX_CONSECUTIVE_FAILED) {
                        fatal = new IllegalStateException(MAX_CONSECUTIVE_FAILED + " trials in a row failed; the last: " + t.message());
                    }
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (fatal == null) {
                        fatal = c instanceof SearchError ? (IllegalArgumentException) c.getCause()
                                : c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("tuner: interrupted", e);
        } finally {
            pool.shutdownNow();
            if (savedThreads > 0) {
                CpuBackend.setThreads(savedThreads);
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    private boolean finishedBelow(int k) {
        for (int i = 0; i < k; i++) {
            Trial t = trials.get(i);
            if (t == null || t.status() == Trial.Status.RUNNING) {
                return false;
            }
        }
        return true;
    }

    private int consecutiveFailures() {
        int run = 0;
        int best = 0;
        int prev = -2;
        for (Trial t : trials.values()) {
            if (t.status() == Trial.Status.FAILED && t.index() == prev + 1) {
                run++;
            } else {
                run = t.status() == Trial.Status.FAILED ? 1 : 0;
            }
            prev = t.index();
            best = Math.max(best, run);
        }
        return best;
    }

    private Trial runTrial(Trial t, TrialBody body, Backend backend) {
        long t0 = System.nanoTime();
        try (Backends.Use use = backend == null ? null : Backends.use(backend)) {
            HyperParameters hp = HyperParameters.of(space, t.values());
            for (int e = 0; e < executionsPerTrial; e++) {
                t.beginExecution();
                save(t);
                long seed = executionSeed(t.index(), e);
                try (Scope scope = Scope.open()) {
                    body.run(hp, new TrialContext(this, t, e, seed));
                }
                endExecution(t, t0);
            }
            t.complete(oracle.objective(), (System.nanoTime() - t0) / 1e9);
        } catch (SearchError e) {
            throw e;
        } catch (Exception | LinkageError | AssertionError e) {
            t.fail(failureMessage(e), (System.nanoTime() - t0) / 1e9);
        }
        save(t);
        return t;
    }

    /**
     * Ends the current execution of {@code t} (started at {@code t0}); an objective the execution did
     * not log fails the trial and stops the search.
     */
    private void endExecution(Trial t, long t0) {
        try {
            t.endExecution(oracle.objective());
        } catch (IllegalArgumentException bad) {
            t.fail(bad.getMessage(), (System.nanoTime() - t0) / 1e9);
            save(t);
            throw new SearchError(bad);
        }
    }

    /** The seed of execution {@code e} of trial {@code index}. */
    long executionSeed(int index, int e) {
        return Oracle.mix(Oracle.mix(oracle.seed(), index), 1000 + e);
    }

    /** A failed trial's message, on one line. */
    static String failureMessage(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.replace('\n', ' ');
    }

    /**
     * Runs trial {@code t} on the executor and records what came back exactly as a local run
     * records it: the executions' epochs, their end (an objective the trial did not log stops the
     * search), the files of the execution directories, and completion or failure.
     */
    private Trial runRemote(Trial t, TrialBody body, Backend backend) {
        long t0 = System.nanoTime();
        long[] seeds = new long[executionsPerTrial];
        for (int e = 0; e < seeds.length; e++) {
            seeds[e] = executionSeed(t.index(), e);
        }
        Map<String, byte[]> inputs = Map.of();
        String parentName = null;
        Path parent = parentExecution(t);
        if (parent != null) {   // the parent's best execution directory goes along: its model, or a custom body's files
            parentName = "parent";
            inputs = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> f : TrialFiles.read(parent).entrySet()) {
                inputs.put(parentName + "/" + f.getKey(), f.getValue());
            }
        }
        TrialResult r;
        try {
            r = executor.run(new TrialTask(t.index(), t.values(), space, seeds, backend == null ? null : backend.name(), body,
                    inputs, parentName));
        } catch (Exception | LinkageError | AssertionError e) {
            t.fail(executor.describe() + ": " + failureMessage(e), (System.nanoTime() - t0) / 1e9);
            save(t);
            return t;
        }
        TrialFiles.write(trialDir(t), r.files());
        for (int e = 0; e < r.executions().size(); e++) {
            t.beginExecution();
            for (Map<String, Double> logs : r.executions().get(e)) {
                t.recordEpoch(logs);
            }
            if (e < r.finished()) {
                endExecution(t, t0);
            }
        }
        if (r.error() != null) {
            t.fail(r.error(), (System.nanoTime() - t0) / 1e9);
        } else {
            t.complete(oracle.objective(), (System.nanoTime() - t0) / 1e9);
        }
        save(t);
        return t;
    }

    private void report(Trial t) {
        if (progress == null) {
            return;
        }
        Trial best = bestTrials(1).stream().findFirst().orElse(null);
        String score = t.status() == Trial.Status.COMPLETED ? String.format(Locale.ROOT, "%s %.6g", oracle.objective().name(), t.score())
                : "FAILED: " + t.message();
        progress.printf(Locale.ROOT, "trial %s/%d %-30s %6.1f s  best %s  %s%n", t.id(), oracle.maxTrials() - 1, score,
                t.seconds(), best == null ? "-" : String.format(Locale.ROOT, "%.6g (trial %s)", best.score(), best.id()),
                shortValues(t.values()));
        progress.flush();
    }

    private static String shortValues(Map<String, Object> v) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : v.entrySet()) {
            if (e.getKey().startsWith("tuner/") && !e.getKey().equals("tuner/epochs")) {
                continue;
            }
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append('=').append(e.getValue() instanceof Double d ? String.format(Locale.ROOT, "%.4g", d)
                    : e.getValue());
        }
        return sb.append('}').toString();
    }

    private void prepareDirectory(Map<String, Object> state) {
        Path p = projectDir();
        Path oracleFile = p.resolve("oracle.json");
        trials.clear();
        if (Files.exists(oracleFile) && overwrite) {
            deleteTree(p);
        }
        if (!Files.exists(oracleFile)) {
            return;
        }
        Map<String, Object> saved = new LinkedHashMap<>(TunerFiles.read(oracleFile));
        Map<String, Object> now = new LinkedHashMap<>(state);
        saved.remove("max_trials");   // a resumed search may run more (or fewer) trials
        now.remove("max_trials");
        if (!TunerFiles.canonical(saved).equals(TunerFiles.canonical(now))) {
            throw new IllegalArgumentException("tuner: " + p + " holds a different search (oracle, objective, seed, space or "
                    + "settings differ); use another directory or overwrite it");
        }
        try (Stream<Path> dirs = Files.list(p)) {
            for (Path d : dirs.filter(x -> x.getFileName().toString().startsWith("trial_")).toList()) {
                Path f = d.resolve("trial.json");
                if (Files.exists(f)) {
                    Trial t = Trial.fromMap(TunerFiles.read(f));
                    if (t.status() == Trial.Status.RUNNING) {
                        t = new Trial(t.index(), t.values());   // run it again from scratch
                        deleteTree(d);
                    }
                    trials.put(t.index(), t);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot delete " + p + ": " + e.getMessage(), e);
        }
    }

    // ---- results -----------------------------------------------------------------------------------

    /** Every trial so far, by index (after a search, or the trials of a resumed directory). */
    public List<Trial> trials() {
        return List.copyOf(trials.values());
    }

    /** The n best completed trials, best first (ties: lower index first). */
    public List<Trial> bestTrials(int n) {
        Objective obj = oracle.objective();
        return trials.values().stream()
                .filter(t -> t.status() == Trial.Status.COMPLETED && t.score() != null && !t.score().isNaN())
                .sorted(Comparator.<Trial>comparingDouble(t -> obj.toMinimize(t.score())).thenComparingInt(Trial::index))
                .limit(Math.max(0, n)).toList();
    }

    /** The hyperparameters of the n best trials (KerasTuner's get_best_hyperparameters). */
    public List<HyperParameters> bestHyperparameters(int n) {
        List<HyperParameters> out = new ArrayList<>();
        for (Trial t : bestTrials(n)) {
            out.add(HyperParameters.of(space, t.values()));
        }
        return out;
    }

    /**
     * The models of the n best trials at their best epoch (KerasTuner's get_best_models): built and
     * compiled by the hypermodel, weights loaded from the tuner directory (without a hypermodel:
     * the saved model, uncompiled); the caller closes them.
     */
    public List<Model> bestModels(int n) {
        List<Model> out = new ArrayList<>();
        for (Trial t : bestTrials(n)) {
            Path p = modelPath(t);
            if (p == null) {
                throw new IllegalStateException("tuner: trial " + t.id() + " saved no model (a custom trial body?)");
            }
            if (Files.isDirectory(p) && hypermodel == null) {
                out.add(ModelIO.load(p));
            } else if (Files.isDirectory(p)) {
                // rebuilt and compiled by the hypermodel, then the saved weights in order (layer names differ between builds)
                Model m = buildModel(HyperParameters.of(space, t.values()), 0, null);
                try (Scope s = Scope.open(); Sequential saved = ModelIO.load(p)) {
                    m.setWeights(saved.getWeights());
                }
                out.add(m);
            } else {
                Model m = buildModel(HyperParameters.of(space, t.values()), 0, null);
                ModelIO.loadWeights(m, p);
                out.add(m);
            }
        }
        return out;
    }

    /** KerasTuner's results_summary: the best {@code n} trials as a table. */
    public String resultsSummary(int n) {
        StringBuilder sb = new StringBuilder();
        Objective obj = oracle.objective();
        sb.append("Results summary\n");
        sb.append("Results in ").append(projectDir()).append('\n');
        sb.append("Showing ").append(Math.min(n, bestTrials(n).size())).append(" best trials\n");
        sb.append("Objective(name=\"").append(obj.name()).append("\", direction=\"").append(obj.direction()).append("\")\n");
        List<String> names = new ArrayList<>();
        for (HyperParameter p : space) {
            names.add(p.name());
        }
        List<String> header = new ArrayList<>(List.of("trial", "score", "best_step"));
        header.addAll(names);
        List<List<String>> rows = new ArrayList<>();
        for (Trial t : bestTrials(n)) {
            List<String> r = new ArrayList<>();
            r.add(t.id());
            r.add(String.format(Locale.ROOT, "%.6g", t.score()));
            r.add(String.valueOf(t.bestStep()));
            for (String name : names) {
                Object v = t.values().get(name);
                r.add(v == null ? "-" : v instanceof Double d ? String.format(Locale.ROOT, "%.4g", d) : v.toString());
            }
            rows.add(r);
        }
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        appendRow(sb, header, w);
        char[] rule = new char[Arrays.stream(w).sum() + 2 * (w.length - 1)];
        Arrays.fill(rule, '-');
        sb.append(rule).append('\n');
        for (List<String> r : rows) {
            appendRow(sb, r, w);
        }
        return sb.toString();
    }

    /** Prints {@link #resultsSummary(int)} of the 10 best trials to stdout. */
    public void resultsSummary() {
        System.out.print(resultsSummary(10));
    }

    private static void appendRow(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append("  ");
            }
            sb.append(String.format("%-" + w[i] + "s", cells.get(i)));
        }
        sb.append('\n');
    }

    /** A tensor copied to the heap, so every trial thread makes its own tensors of it. */
    private record HostData(DType dtype, long[] shape, Object data) implements Serializable {
        static HostData of(Tensor t) {
            Object d;
            switch (t.dtype()) {
                case FLOAT32:
                    d = t.toFloatArray();
                    break;
                case FLOAT64:
                    d = t.toDoubleArray();
                    break;
                case INT32:
                    d = t.toIntArray();
                    break;
                case INT64:
                    d = t.toLongArray();
                    break;
                default:
                    throw new IllegalArgumentException("tuner: search data of dtype " + t.dtype() + " are not supported");
            }
            return new HostData(t.dtype(), t.shape(), d);
        }

        Tensor tensor() {
            if (data instanceof float[] f) {
                return Tensor.of(f, shape);
            }
            if (data instanceof double[] f) {
                return Tensor.of(f, shape);
            }
            if (data instanceof int[] f) {
                return Tensor.of(f, shape);
            }
            return Tensor.of((long[]) data, shape);
        }

        /** The first sample, with a batch axis of 1. */
        Tensor batchOfOne() {
            long[] s = shape.clone();
            s[0] = 1;
            int n = 1;
            for (int i = 1; i < s.length; i++) {
                n *= (int) s[i];
            }
            if (data instanceof float[] f) {
                return Tensor.of(Arrays.copyOf(f, n), s);
            }
            if (data instanceof double[] f) {
                return Tensor.of(Arrays.copyOf(f, n), s);
            }
            if (data instanceof int[] f) {
                return Tensor.of(Arrays.copyOf(f, n), s);
            }
            return Tensor.of(Arrays.copyOf((long[]) data, n), s);
        }
    }
}
