package dev.lamina.tuner;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.tensor.Scope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial as a {@link TrialExecutor} receives it: serialisable, and complete enough to run on
 * another JVM that has Lamina on its class path. {@link #run()} does there what the tuner's own
 * threads do locally (execution e seeded with {@code seeds[e]}, the global generator locked while
 * a model is built, each execution in its own {@link Scope} and directory), collects the reported
 * metrics and the files the executions wrote, and deletes its scratch directory.
 */
public final class TrialTask implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int index;
    private final LinkedHashMap<String, Object> values;
    private final ArrayList<Map<String, Object>> space;
    private final long[] seeds;
    private final String backend;
    private final Tuner.TrialBody body;
    private final LinkedHashMap<String, byte[]> inputs;
    private final String parentName;

    /**
     * @param index the trial's index
     * @param values its hyperparameter values
     * @param space the search space (to rebuild {@link HyperParameters} on the executor)
     * @param seeds one seed per execution
     * @param backend the backend's name (null: the executor's default)
     * @param body the trial's work; must be serialisable
     * @param inputs files the body reads (the best execution directory of a promoted Hyperband
     *     trial's parent), by path relative to the staging directory
     * @param parentName the first path element of the parent's execution directory in {@code inputs}, or null
     */
    TrialTask(int index, Map<String, Object> values, List<HyperParameter> space, long[] seeds, String backend,
              Tuner.TrialBody body, Map<String, byte[]> inputs, String parentName) {
        this.index = index;
        this.values = new LinkedHashMap<>(values);
        this.space = new ArrayList<>();
        for (HyperParameter p : space) {
            this.space.add(new LinkedHashMap<>(p.toMap()));
        }
        this.seeds = seeds.clone();
        this.backend = backend;
        this.body = body;
        this.inputs = new LinkedHashMap<>(inputs);
        this.parentName = parentName;
    }

    /** The trial's index. */
    public int index() {
        return index;
    }

    /** The trial's id as in the tuner directory ({@code 0007}). */
    public String id() {
        return String.format("%04d", index);
    }

    /**
     * Runs the trial here and returns what it reported; a failing body ends the trial with an
     * error in the result (never an exception).
     *
     * @return the result
     */
    public TrialResult run() {
        Path root;
        try {
            root = Files.createTempDirectory("lamina-trial-" + id() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("trial " + id() + ": cannot make a scratch directory: " + e.getMessage(), e);
        }
        List<List<Map<String, Double>>> logs = new ArrayList<>();
        int finished = 0;
        String error = null;
        try {
            Path parent = null;
            if (!inputs.isEmpty()) {
                Path stage = root.resolve("inputs");
                for (Map.Entry<String, byte[]> f : inputs.entrySet()) {
                    Path p = TrialFiles.inside(stage, f.getKey());
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.getValue());
                }
                parent = parentName == null ? null : stage.resolve(parentName);
            }
            Path runs = root.resolve("trial");
            List<HyperParameter> s = new ArrayList<>();
            for (Map<String, Object> m : space) {
                s.add(HyperParameter.fromMap(m));
            }
            HyperParameters hp = HyperParameters.of(s, values);
            Trial trial = new Trial(index, values);   // this executor's record of the trial, for the body's context
            Backend b = backend == null ? Backends.current() : Backends.byName(backend);
            try (Backends.Use use = Backends.use(b)) {
                for (int e = 0; e < seeds.length; e++) {
                    List<Map<String, Double>> epochs = new ArrayList<>();
                    logs.add(epochs);
                    trial.beginExecution();
                    Path dir = runs.resolve("execution_" + e);
                    Tuner.TrialContext ctx = new Tuner.TrialContext(trial, e, seeds[e], dir, parent, m -> {
                        trial.recordEpoch(m);
                        epochs.add(new LinkedHashMap<>(m));
                    });
                    try (Scope scope = Scope.open()) {
                        body.run(hp, ctx);
                    }
                    finished++;
                }
            }
            return new TrialResult(logs, finished, null, Files.isDirectory(runs) ? TrialFiles.read(runs) : Map.of(), host());
        } catch (Exception | LinkageError | AssertionError e) {
            error = Tuner.failureMessage(e);
            return new TrialResult(logs, finished, error, Map.of(), host());
        } finally {
            TrialFiles.delete(root);
        }
    }

    /**
     * Checks that {@code o} serialises, naming the class that does not.
     *
     * @param o the object
     * @param what what it is, for the message
     */
    static void checkSerialisable(Object o, String what) {
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(o);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("tuner: " + what + " must be serialisable to run on another machine, but "
                    + e.getMessage() + " is not: use a named class that implements java.io.Serializable (a lambda or a "
                    + "method reference is not one unless cast to an intersection with Serializable)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("tuner: " + what + " does not serialise: " + e, e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
