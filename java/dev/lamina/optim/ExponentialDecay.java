package dev.lamina.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential decay, as {@code keras.optimizers.schedules.ExponentialDecay}:
 * <pre>
 *   lr(step) = initial_learning_rate · decay_rate^(step / decay_steps)
 * </pre>
 * With {@code staircase} the exponent is {@code floor(step / decay_steps)}, so the rate drops by
 * the factor decay_rate every decay_steps steps: this is the classic "step decay" (there is no
 * separate StepDecay class, as in Keras).
 */
public final class ExponentialDecay implements LearningRateSchedule {
    private final double initialLearningRate;
    private final long decaySteps;
    private final double decayRate;
    private final boolean staircase;

    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase) {
        Slots.requireNonNegative("ExponentialDecay", "initial_learning_rate", initialLearningRate);
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("ExponentialDecay: decay_steps must be positive, got " + decaySteps);
        }
        Slots.requirePositive("ExponentialDecay", "decay_rate", decayRate);
        this.initialLearningRate = initialLearningRate;
        this.decaySteps = decaySteps;
        this.decayRate = decayRate;
        this.staircase = staircase;
    }

    /** Keras's default staircase = false. */
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate) {
        this(initialLearningRate, decaySteps, decayRate, false);
    }

    @Override
    public double at(long step) {
        double p = (double) step / decaySteps;
        if (staircase) {
            p = Math.floor(p);
        }
        return initialLearningRate * Math.pow(decayRate, p);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("initial_learning_rate", initialLearningRate);
        c.put("decay_steps", decaySteps);
        c.put("decay_rate", decayRate);
        c.put("staircase", staircase);
        c.put("name", "ExponentialDecay");
        return LearningRateSchedules.wrap("ExponentialDecay", c);
    }
}
