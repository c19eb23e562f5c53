package dev.lamina.optim;

import java.util.Locale;
import java.util.Map;

/**
 * Optimizers by Keras name, with Keras's defaults: {@code sgd} (lr 0.01), {@code adam}
 * (lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7), {@code rmsprop} (lr 0.001, ρ 0.9, ε 1e-7),
 * {@code adagrad} (lr 0.001, initial accumulator 0.1, ε 1e-7); and back from
 * {@link Optimizer#config()}.
 */
public final class Optimizers {
    private Optimizers() {
    }

    /** A new optimizer with Keras defaults, by name (case-insensitive). */
    public static Optimizer get(String name) {
        switch (key(name)) {
            case "sgd":
                return new SGD();
            case "adam":
                return new Adam();
            case "rmsprop":
                return new RMSprop();
            case "adagrad":
                return new Adagrad();
            default:
                throw unknown(name);
        }
    }

    /**
     * The optimizer a {@link Optimizer#config()} describes (Keras keys: name, learning_rate as a
     * number or a schedule's {"class_name", "config"}, clipvalue, clipnorm, global_clipnorm and the
     * optimizer's own hyper-parameters; missing ones take Keras's defaults).
     */
    @SuppressWarnings("unchecked")
    public static Optimizer fromConfig(Map<String, Object> c) {
        Object n = c.get("name");
        if (!(n instanceof String)) {
            throw new IllegalArgumentException("Optimizers.fromConfig: config has no 'name': " + c);
        }
        Object lrObj = c.get("learning_rate");
        LearningRateSchedule schedule = lrObj instanceof Map
                ? LearningRateSchedules.fromConfig((Map<String, Object>) lrObj) : null;
        String k = key((String) n);
        Optimizer o;
        switch (k) {
            case "sgd": {
                double m = num(c, "momentum", 0.0);
                boolean nest = bool(c, "nesterov", false);
                o = schedule != null ? new SGD(schedule, m, nest) : new SGD(num(c, "learning_rate", 0.01), m, nest);
                break;
            }
            case "adam": {
                double b1 = num(c, "beta_1", 0.9);
                double b2 = num(c, "beta_2", 0.999);
                double eps = num(c, "epsilon", 1e-7);
                boolean ams = bool(c, "amsgrad", false);
                o = schedule != null ? new Adam(schedule, b1, b2, eps, ams)
                        : new Adam(num(c, "learning_rate", 0.001), b1, b2, eps, ams);
                break;
            }
            case "rmsprop": {
                double rho = num(c, "rho", 0.9);
                double mom = num(c, "momentum", 0.0);
                double eps = num(c, "epsilon", 1e-7);
                boolean cen = bool(c, "centered", false);
                o = schedule != null ? new RMSprop(schedule, rho, mom, eps, cen)
                        : new RMSprop(num(c, "learning_rate", 0.001), rho, mom, eps, cen);
                break;
            }
            case "adagrad": {
                double init = num(c, "initial_accumulator_value", 0.1);
                double eps = num(c, "epsilon", 1e-7);
                o = schedule != null ? new Adagrad(schedule, init, eps)
                        : new Adagrad(num(c, "learning_rate", 0.001), init, eps);
                break;
            }
            default:
                throw unknown((String) n);
        }
        if (c.get("clipvalue") != null) {
            o.clipValue(num(c, "clipvalue", Double.NaN));
        }
        if (c.get("clipnorm") != null) {
            o.clipNorm(num(c, "clipnorm", Double.NaN));
        }
        if (c.get("global_clipnorm") != null) {
            o.globalClipNorm(num(c, "global_clipnorm", Double.NaN));
        }
        return o;
    }

    private static String key(String name) {
        if (name == null) {
            throw unknown(null);
        }
        return name.trim().toLowerCase(Locale.ROOT);
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("Optimizers: unknown optimizer '" + name + "'; known: sgd, adam, rmsprop, adagrad");
    }

    private static double num(Map<String, Object> c, String key, double def) {
        Object v = c.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("Optimizers.fromConfig: '" + key + "' must be a number, got " + v);
        }
        return ((Number) v).doubleValue();
    }

    private static boolean bool(Map<String, Object> c, String key, boolean def) {
        Object v = c.get(key);
        if (v == null) {
            return def;
        }
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException("Optimizers.fromConfig: '" + key + "' must be a boolean, got " + v);
        }
        return (Boolean) v;
    }
}
