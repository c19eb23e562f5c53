package dev.lamina.tuner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KerasTuner's grid search: every combination of the parameters' values, in odometer order (the
 * last declared parameter changes fastest), a conditional parameter varying only where it is
 * active. Floats need a step. Stops after {@code maxTrials} points or when the grid is done.
 */
public final class GridSearchOracle extends Oracle {
    /** Largest grid enumerated (a larger one is an error: use random search). */
    public static final int MAX_POINTS = 1_000_000;

    private List<Map<String, Object>> grid;

    public GridSearchOracle(Objective objective, int maxTrials, long seed) {
        super(objective, maxTrials, seed);
    }

    @Override
    public String name() {
        return "grid";
    }

    @Override
    protected Map<String, Object> config() {
        return Map.of();
    }

    @Override
    protected void validate() {
        grid = null;
        points();
    }

    /** Every point of the grid, in order. */
    public synchronized List<Map<String, Object>> points() {
        if (grid == null) {
            List<Map<String, Object>> out = new ArrayList<>();
            enumerate(space(), 0, new LinkedHashMap<>(), out);
            grid = List.copyOf(out);
        }
        return grid;
    }

    private static void enumerate(List<HyperParameter> space, int k, Map<String, Object> chosen, List<Map<String, Object>> out) {
        if (k == space.size()) {
            if (out.size() >= MAX_POINTS) {
                throw new IllegalArgumentException("grid search: the grid has more than " + MAX_POINTS
                        + " points; use random or Bayesian search");
            }
            out.add(new LinkedHashMap<>(chosen));
            return;
        }
        HyperParameter p = space.get(k);
        if (!active(p, chosen)) {
            enumerate(space, k + 1, chosen, out);
            return;
        }
        for (Object v : p.gridValues()) {
            chosen.put(p.name(), v);
            enumerate(space, k + 1, chosen, out);
            chosen.remove(p.name());
        }
    }

    @Override
    protected int requiredFinished(int index) {
        return 0;
    }

    @Override
    protected Map<String, Object> propose(int index, List<Trial> earlier) {
        List<Map<String, Object>> g = points();
        return index < g.size() ? g.get(index) : null;
    }
}
