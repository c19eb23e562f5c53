package dev.lamina.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cosine decay, as {@code keras.optimizers.schedules.CosineDecay} (Keras 3, optional linear
 * warmup). Without warmup, with s = min(step, decay_steps):
 * <pre>
 *   lr(step) = initial · ((1 − α)·½·(1 + cos(π·s / decay_steps)) + α)
 * </pre>
 * With warmup (warmup_target given, warmup_steps W): for step &lt; W the rate rises linearly,
 * {@code initial + (warmup_target − initial)·step / W}; after it, the cosine above runs from
 * warmup_target with s = min(step − W, decay_steps).
 */
public final class CosineDecay implements LearningRateSchedule {
    private final double initialLearningRate;
    private final long decaySteps;
    private final double alpha;
    private final double warmupTarget;
    private final long warmupSteps;

    /** No warmup. */
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha) {
        this(initialLearningRate, decaySteps, alpha, Double.NaN, 0);
    }

    /** Keras's default alpha = 0, no warmup. */
    public CosineDecay(double initialLearningRate, long decaySteps) {
        this(initialLearningRate, decaySteps, 0.0);
    }

    /** With linear warmup to {@code warmupTarget} over {@code warmupSteps} (NaN target: no warmup). */
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha, double warmupTarget, long warmupSteps) {
        Slots.requireNonNegative("CosineDecay", "initial_learning_rate", initialLearningRate);
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("CosineDecay: decay_steps must be positive, got " + decaySteps);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("CosineDecay: alpha must be in [0, 1], got " + alpha);
        }
        if (!Double.isNaN(warmupTarget)) {
            Slots.requireNonNegative("CosineDecay", "warmup_target", warmupTarget);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("CosineDecay: warmup_steps must be >= 0, got " + warmupSteps);
        }
        this.initialLearningRate = initialLearningRate;
        this.decaySteps = decaySteps;
        this.alpha = alpha;
        this.warmupTarget = warmupTarget;
        this.warmupSteps = warmupSteps;
    }

    private double decay(long step, double from) {
        double fraction = (double) Math.min(step, decaySteps) / decaySteps;
        double cosine = 0.5 * (1 + Math.cos(Math.PI * fraction));
        return from * ((1 - alpha) * cosine + alpha);
    }

    @Override
    public double at(long step) {
        if (Double.isNaN(warmupTarget)) {
            return decay(step, initialLearningRate);
        }
        if (step < warmupSteps) {
            return initialLearningRate + (warmupTarget - initialLearningRate) * step / warmupSteps;
        }
        return decay(step - warmupSteps, warmupTarget);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("initial_learning_rate", initialLearningRate);
        c.put("decay_steps", decaySteps);
        c.put("alpha", alpha);
        c.put("name", "CosineDecay");
        c.put("warmup_target", Double.isNaN(warmupTarget) ? null : warmupTarget);
        c.put("warmup_steps", warmupSteps);
        return LearningRateSchedules.wrap("CosineDecay", c);
    }
}
