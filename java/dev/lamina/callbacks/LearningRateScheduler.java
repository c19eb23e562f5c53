package dev.lamina.callbacks;

import dev.lamina.optim.Optimizer;
import java.util.Map;

/**
 * Sets the learning rate at the start of every epoch from a function of the epoch (0-based) and
 * the current rate, as {@code keras.callbacks.LearningRateScheduler}:
 *
 * <pre>{@code
 * // keep the rate for 10 epochs, then decay it by e^-0.1 per epoch
 * new LearningRateScheduler((epoch, lr) -> epoch < 10 ? lr : lr * Math.exp(-0.1))
 * }</pre>
 *
 * The rate is set with {@link Optimizer#setLearningRate} (replacing any schedule) and written to
 * the epoch's logs as {@code learning_rate}. A rate that is negative, NaN or infinite is an
 * IllegalArgumentException naming the epoch.
 */
public class LearningRateScheduler extends Callback {
    /** The schedule: the learning rate for {@code epoch} given the current one. */
    @FunctionalInterface
    public interface Schedule {
        double rate(int epoch, double currentLr);
    }

    private final Schedule schedule;

    public LearningRateScheduler(Schedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("LearningRateScheduler: schedule is required");
        }
        this.schedule = schedule;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        Optimizer opt = optimizer();
        double lr = schedule.rate(epoch, opt.learningRate());
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("LearningRateScheduler: the schedule returned learning rate " + lr
                    + " for epoch " + epoch + "; it must be finite and >= 0");
        }
        opt.setLearningRate(lr);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        logRate(logs, optimizer().learningRate());
    }

    private Optimizer optimizer() {
        Optimizer opt = model().optimizer();
        if (opt == null) {
            throw new IllegalStateException("LearningRateScheduler: the model has no optimizer (compile it first)");
        }
        return opt;
    }

    /** Adds {@code learning_rate} to the logs when they can be written (as Keras). */
    static void logRate(Map<String, Double> logs, double lr) {
        try {
            logs.put("learning_rate", lr);
        } catch (UnsupportedOperationException e) {
            // read-only logs: nothing to record into
        }
    }
}
