package dev.lamina.tuner;

import dev.lamina.tensor.Rng;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Proposes the hyperparameters of each trial, as KerasTuner's oracles. Unlike KerasTuner's, a
 * proposal is a pure function of the seed, the trial's index and the results of a fixed set of
 * earlier trials ({@link #requiredFinished(int)}): the tuner runs trial i only once those have
 * finished, so a search gives the same trials whether it runs on one thread, on eight, or resumes
 * after a kill.
 */
public abstract class Oracle {
    /** Random proposals that collide with an earlier trial are redrawn this many times, then the space counts as exhausted. */
    static final int MAX_COLLISIONS = 100;

    private final Objective objective;
    private final int maxTrials;
    private final long seed;
    private List<HyperParameter> space;

    protected Oracle(Objective objective, int maxTrials, long seed) {
        if (objective == null) {
            throw new IllegalArgumentException("oracle: objective is null");
        }
        if (maxTrials < 1) {
            throw new IllegalArgumentException("oracle: max_trials must be at least 1, got " + maxTrials);
        }
        this.objective = objective;
        this.maxTrials = maxTrials;
        this.seed = seed;
    }

    /** What the search optimises. */
    public Objective objective() {
        return objective;
    }

    /** The most trials this oracle proposes. */
    public int maxTrials() {
        return maxTrials;
    }

    /** The search's seed. */
    public long seed() {
        return seed;
    }

    /** The search space (after {@link #init}). */
    public List<HyperParameter> space() {
        if (space == null) {
            throw new IllegalStateException("oracle: no search space yet (init not called)");
        }
        return space;
    }

    /** Sets the search space; an empty one is an error. */
    void init(List<HyperParameter> space) {
        if (space == null || space.isEmpty()) {
            throw new IllegalArgumentException("the search space is empty: the model-building function declared no "
                    + "hyperparameters");
        }
        boolean tunable = false;
        for (HyperParameter p : space) {
            tunable |= !p.isFixed();
        }
        if (!tunable) {
            throw new IllegalArgumentException("the search space has only Fixed hyperparameters: nothing to search");
        }
        this.space = List.copyOf(space);
        validate();
    }

    /** Extra checks of the space for this oracle (grid: every parameter enumerable). */
    protected void validate() {
    }

    /** The oracle's name in the state file and on the command line (random, grid, bayesian, hyperband). */
    public abstract String name();

    /** The oracle's own settings, saved in {@code oracle.json} and compared on resume. */
    protected abstract Map<String, Object> config();

    /**
     * The proposal of trial {@code index} reads the results of every trial below the returned index
     * (0 when it reads none); the tuner waits until they have all finished.
     */
    protected abstract int requiredFinished(int index);

    /**
     * The values of trial {@code index}, or null when the search is over (space exhausted,
     * schedule done). {@code earlier} holds trials 0..index−1; those below
     * {@link #requiredFinished(int)} have finished.
     */
    protected abstract Map<String, Object> propose(int index, List<Trial> earlier);

    // ---- helpers for the oracles ---------------------------------------------------------------

    /** A generator for trial {@code index} (and a purpose), independent of every other one. */
    protected Rng rng(int index, int purpose) {
        return new Rng(mix(mix(seed, index), purpose));
    }

    /** SplitMix64 of a ^ f(b): well-spread seeds for nearby integers. */
    static long mix(long a, long b) {
        long z = a + 0x9E3779B97F4A7C15L * (b + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One random point: each active parameter at fromUnit(uniform). */
    protected Map<String, Object> randomValues(Rng rng) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (HyperParameter p : space()) {
            double u = rng.nextDouble();   // drawn even when inactive, so later parameters keep their draws
            if (active(p, v)) {
                v.put(p.name(), p.fromUnit(u));
            }
        }
        return v;
    }

    /** A random point not among {@code earlier}'s, or null after {@link #MAX_COLLISIONS} collisions. */
    protected Map<String, Object> freshRandomValues(Rng rng, List<Trial> earlier) {
        Set<String> tried = tried(earlier);
        for (int attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
            Map<String, Object> v = randomValues(rng);
            if (!tried.contains(key(v))) {
                return v;
            }
        }
        return null;
    }

    /** Whether {@code p} is active given the values chosen so far (parents come first in the space). */
    protected static boolean active(HyperParameter p, Map<String, Object> chosen) {
        if (p.parentName() == null) {
            return true;
        }
        if (!chosen.containsKey(p.parentName())) {
            return false;
        }
        Object pv = chosen.get(p.parentName());
        for (Object allowed : p.parentValues()) {
            if (HyperParameter.sameValue(allowed, pv)) {
                return true;
            }
        }
        return false;
    }

    /** The keys of the trials' values (for collision checks). */
    protected static Set<String> tried(List<Trial> trials) {
        Set<String> s = new HashSet<>();
        for (Trial t : trials) {
            s.add(key(t.values()));
        }
        return s;
    }

    /** A canonical key of a point: its non-bookkeeping values, numbers as doubles. */
    protected static String key(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder();
        values.entrySet().stream().filter(e -> !e.getKey().startsWith("tuner/"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> sb.append(e.getKey()).append('=')
                        .append(e.getValue() instanceof Number ? Double.toString(((Number) e.getValue()).doubleValue())
                                : String.valueOf(e.getValue())).append(';'));
        return sb.toString();
    }

    /** The state saved as {@code oracle.json}. */
    Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("oracle", name());
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("name", objective.name());
        obj.put("direction", objective.direction());
        m.put("objective", obj);
        m.put("max_trials", maxTrials);
        m.put("seed", seed);
        m.put("config", config());
        m.put("space", space().stream().map(HyperParameter::toMap).toList());
        return m;
    }
}
