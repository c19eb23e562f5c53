package dev.lamina.tuner;

/**
 * KerasTuner's {@code keras_tuner.GridSearch}: a {@link Tuner} driven by a {@link GridSearchOracle} (grid search).
 * The objective is a metric name (direction inferred, see {@link Objective#of}) or an {@link Objective}.
 */
public final class GridSearch extends Tuner {

    public GridSearch(HyperModel hypermodel, String objective, int maxTrials) {
        this(hypermodel, Objective.of(objective), maxTrials, 0L);
    }

    public GridSearch(HyperModel hypermodel, String objective, int maxTrials, long seed) {
        this(hypermodel, Objective.of(objective), maxTrials, seed);
    }

    public GridSearch(HyperModel hypermodel, Objective objective, int maxTrials, long seed) {
        super(hypermodel, new GridSearchOracle(objective, maxTrials, seed));
    }
}
