package dev.lamina.tuner;

/**
 * KerasTuner's {@code keras_tuner.BayesianOptimization}: a {@link Tuner} driven by a {@link BayesianOptimizationOracle} (Bayesian optimisation).
 * The objective is a metric name (direction inferred, see {@link Objective#of}) or an {@link Objective}.
 */
public final class BayesianOptimization extends Tuner {

    public BayesianOptimization(HyperModel hypermodel, String objective, int maxTrials) {
        this(hypermodel, Objective.of(objective), maxTrials, 0L);
    }

    public BayesianOptimization(HyperModel hypermodel, String objective, int maxTrials, long seed) {
        this(hypermodel, Objective.of(objective), maxTrials, seed);
    }

    public BayesianOptimization(HyperModel hypermodel, Objective objective, int maxTrials, long seed) {
        super(hypermodel, new BayesianOptimizationOracle(objective, maxTrials, seed));
    }

    /** The oracle, for its settings: {@code tuner.bayesian().numInitialPoints(4)}. */
    public BayesianOptimizationOracle bayesian() {
        return (BayesianOptimizationOracle) oracle();
    }
}
