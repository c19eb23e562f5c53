package dev.lamina.tuner;

import java.util.List;
import java.util.Map;

/**
 * KerasTuner's random search: every trial draws each active parameter independently (uniform over
 * an Int's or Choice's values, uniform or log-uniform over a Float's range), redrawing a point that
 * an earlier trial already had; after {@value Oracle#MAX_COLLISIONS} collisions the space counts as
 * exhausted. Trial i's draws come from its own generator, so proposals need no earlier results.
 */
public final class RandomSearchOracle extends Oracle {

    public RandomSearchOracle(Objective objective, int maxTrials, long seed) {
        super(objective, maxTrials, seed);
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    protected Map<String, Object> config() {
        return Map.of();
    }

    @Override
    protected int requiredFinished(int index) {
        return 0;
    }

    @Override
    protected Map<String, Object> propose(int index, List<Trial> earlier) {
        return freshRandomValues(rng(index, 1), earlier);
    }
}
