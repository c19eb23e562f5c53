package dev.lamina.callbacks;

import dev.lamina.optim.Optimizer;
import java.util.Map;

/**
 * Multiplies the learning rate by {@code factor} when a monitored quantity has stopped
 * improving, as {@code keras.callbacks.ReduceLROnPlateau}:
 *
 * <pre>{@code
 * new ReduceLROnPlateau().monitor("val_loss").factor(0.5).patience(3).minLr(1e-5)
 * }</pre>
 *
 * <p>After each epoch with value v of {@code monitor}: while in cooldown the cooldown counter
 * drops by one and the wait counter is held at 0. Then v is an improvement when it beats the best
 * by more than {@code minDelta} (v &lt; best − minDelta in MIN mode, v &gt; best + minDelta in
 * MAX mode), which resets the wait. Otherwise, outside cooldown, the wait grows; when it reaches
 * {@code patience} and the rate is above {@code minLr}, the rate becomes
 * {@code max(lr · factor, minLr)}, the cooldown counter is set to {@code cooldown} and the wait
 * to 0. The rate in effect is written to the logs as {@code learning_rate} (as Keras).
 *
 * <p>Sets the rate with {@link Optimizer#setLearningRate}, which replaces a schedule. A missing
 * monitor key warns once on stderr and changes nothing.
 *
 * <p>Defaults as Keras: monitor val_loss, factor 0.1, patience 10, minDelta 1e-4, cooldown 0,
 * minLr 0, mode AUTO (see {@link MonitorMode}).
 */
public class ReduceLROnPlateau extends Callback {
    private String monitor = "val_loss";
    private double factor = 0.1;
    private int patience = 10;
    private double minDelta = 1e-4;
    private int cooldown = 0;
    private double minLr = 0;
    private MonitorMode mode = MonitorMode.AUTO;

    private MonitorMode resolved;
    private double best;
    private int wait;
    private int cooldownCounter;
    private int reductions;
    private boolean warned;

    public ReduceLROnPlateau() {
    }

    public ReduceLROnPlateau monitor(String monitor) {
        this.monitor = MonitorMode.checkMonitor("ReduceLROnPlateau", monitor);
        return this;
    }

    /** new_lr = lr · factor; must be in [0, 1). */
    public ReduceLROnPlateau factor(double factor) {
        if (!(factor >= 0 && factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1) to reduce the rate, got " + factor);
        }
        this.factor = factor;
        return this;
    }

    public ReduceLROnPlateau patience(int patience) {
        if (patience < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience must be >= 0, got " + patience);
        }
        this.patience = patience;
        return this;
    }

    public ReduceLROnPlateau minDelta(double minDelta) {
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: minDelta must be finite and >= 0, got " + minDelta);
        }
        this.minDelta = minDelta;
        return this;
    }

    /** Epochs to wait after a reduction before counting again. */
    public ReduceLROnPlateau cooldown(int cooldown) {
        if (cooldown < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: cooldown must be >= 0, got " + cooldown);
        }
        this.cooldown = cooldown;
        return this;
    }

    /** Lower bound on the learning rate. */
    public ReduceLROnPlateau minLr(double minLr) {
        if (!(minLr >= 0) || Double.isInfinite(minLr)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: minLr must be finite and >= 0, got " + minLr);
        }
        this.minLr = minLr;
        return this;
    }

    public ReduceLROnPlateau mode(MonitorMode mode) {
        this.mode = MonitorMode.checkMode("ReduceLROnPlateau", mode);
        return this;
    }

    /** Number of reductions since training began. */
    public int reductions() {
        return reductions;
    }

    public double best() {
        return best;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        resolved = mode.resolve(monitor);
        best = resolved.worst();
        wait = 0;
        cooldownCounter = 0;
        reductions = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (resolved == null) {
            onTrainBegin(logs);
        }
        Optimizer opt = model().optimizer();
        if (opt == null) {
            throw new IllegalStateException("ReduceLROnPlateau: the model has no optimizer (compile it first)");
        }
        Double current = logs.get(monitor);
        if (current == null) {
            if (!warned) {
                warned = true;
                System.err.println("ReduceLROnPlateau: learning rate reduction is conditioned on metric '" + monitor
                        + "' which is not available. Available metrics are: " + String.join(",", logs.keySet()));
            }
        } else {
            if (cooldownCounter > 0) {
                cooldownCounter--;
                wait = 0;
            }
            if (resolved.improves(current, best, minDelta)) {
                best = current;
                wait = 0;
            } else if (cooldownCounter == 0) {
                wait++;
                if (wait >= patience) {
                    double old = opt.learningRate();
                    if (old > minLr) {
                        opt.setLearningRate(Math.max(old * factor, minLr));
                        reductions++;
                        cooldownCounter = cooldown;
                        wait = 0;
                    }
                }
            }
        }
        LearningRateScheduler.logRate(logs, opt.learningRate());
    }
}
