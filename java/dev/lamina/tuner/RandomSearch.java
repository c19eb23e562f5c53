package dev.lamina.tuner;

/**
 * KerasTuner's {@code keras_tuner.RandomSearch}: a {@link Tuner} driven by a {@link RandomSearchOracle} (random search).
 * The objective is a metric name (direction inferred, see {@link Objective#of}) or an {@link Objective}.
 */
public final class RandomSearch extends Tuner {

    public RandomSearch(HyperModel hypermodel, String objective, int maxTrials) {
        this(hypermodel, Objective.of(objective), maxTrials, 0L);
    }

    public RandomSearch(HyperModel hypermodel, String objective, int maxTrials, long seed) {
        this(hypermodel, Objective.of(objective), maxTrials, seed);
    }

    public RandomSearch(HyperModel hypermodel, Objective objective, int maxTrials, long seed) {
        super(hypermodel, new RandomSearchOracle(objective, maxTrials, seed));
    }
}
