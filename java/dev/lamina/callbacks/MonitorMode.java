package dev.lamina.callbacks;

import java.util.Locale;

/**
 * Whether a monitored quantity improves by going down ({@link #MIN}) or up ({@link #MAX}), as
 * the {@code mode} argument of Keras's monitoring callbacks. {@link #AUTO} picks MAX when the
 * monitored name contains acc, auc, precision, recall, f1 or r2 (accuracy, val_auc,
 * val_r2_score, ...) and MIN otherwise (loss, val_loss, mae, mse, ...).
 */
public enum MonitorMode {
    AUTO, MIN, MAX;

    /** MIN or MAX for a monitored name (AUTO resolved by the rule above). */
    public MonitorMode resolve(String monitor) {
        if (this != AUTO) {
            return this;
        }
        String m = monitor.toLowerCase(Locale.ROOT);
        for (String up : new String[] {"acc", "auc", "precision", "recall", "f1", "r2"}) {
            if (m.contains(up)) {
                return MAX;
            }
        }
        return MIN;
    }

    /** Keras spelling: "auto", "min" or "max" (case-insensitive). */
    public static MonitorMode of(String mode) {
        if (mode != null) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "auto":
                    return AUTO;
                case "min":
                    return MIN;
                case "max":
                    return MAX;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("mode must be auto, min or max, got " + mode);
    }

    /** True when {@code current} beats {@code reference} by more than {@code minDelta} (resolved modes only). */
    boolean improves(double current, double reference, double minDelta) {
        if (this == AUTO) {
            throw new IllegalStateException("MonitorMode.improves: resolve AUTO first");
        }
        return this == MIN ? current < reference - minDelta : current > reference + minDelta;
    }

    /** The starting "best" value: +∞ for MIN, −∞ for MAX. */
    double worst() {
        return this == MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    static String checkMonitor(String cls, String monitor) {
        if (monitor == null || monitor.isEmpty()) {
            throw new IllegalArgumentException(cls + ": monitor must be a metric name such as val_loss, got "
                    + (monitor == null ? "null" : "\"\""));
        }
        return monitor;
    }

    static MonitorMode checkMode(String cls, MonitorMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException(cls + ": mode must be AUTO, MIN or MAX, got null");
        }
        return mode;
    }
}
