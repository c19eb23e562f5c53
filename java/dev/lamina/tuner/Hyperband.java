package dev.lamina.tuner;

/**
 * KerasTuner's {@code keras_tuner.Hyperband}: a {@link Tuner} driven by a {@link HyperbandOracle}
 * (max_epochs, factor 3, one iteration by default); every trial trains for its round's
 * {@code tuner/epochs}, continuing the promoted trial's saved weights.
 */
public final class Hyperband extends Tuner {

    public Hyperband(HyperModel hypermodel, String objective, int maxEpochs) {
        this(hypermodel, Objective.of(objective), maxEpochs, 3, 1, Integer.MAX_VALUE, 0L);
    }

    /**
     * @param maxTrials a cap on the schedule's trials (Integer.MAX_VALUE: the whole schedule)
     */
    public Hyperband(HyperModel hypermodel, Objective objective, int maxEpochs, int factor, int iterations, int maxTrials,
                     long seed) {
        super(hypermodel, new HyperbandOracle(objective, maxTrials, seed, maxEpochs, factor, iterations));
    }
}
