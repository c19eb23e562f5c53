package dev.lamina.optim;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
     * number or a schedule's {"class_name", "config"}, clipvalue, clipnorm, global_clipnorm,
     * weight_decay, use_ema, ema_momentum, ema_overwrite_frequency and the optimizer's own
     * hyper-parameters; missing ones take Keras's defaults). Any other key, and
     * loss_scale_factor or gradient_accumulation_steps set to anything but null, is an
     * IllegalArgumentException naming the key.
     */
    @SuppressWarnings("unchecked")
    public static Optimizer fromConfig(Map<String, Object> c) {
        Object n = c.get("name");
        if (!(n instanceof String)) {
            throw new IllegalArgumentException("Optimizers.fromConfig: config has no 'name': " + c);
        }
        checkKeys(c, key((String) n));
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
        if (c.get("weight_decay") != null) {
            o.weightDecay(num(c, "weight_decay", 0));
        }
        if (bool(c, "use_ema", false)) {
            Object f = c.get("ema_overwrite_frequency");
            if (f != null && !(f instanceof Long || f instanceof Integer)) {
                throw new IllegalArgumentException("Optimizers.fromConfig: 'ema_overwrite_frequency' must be an integer or null, got " + f);
            }
            o.ema(num(c, "ema_momentum", 0.99), f == null ? 0 : ((Number) f).longValue());
        }
        return o;
    }

    /** The keys every optimizer reads (Keras 3's base optimizer arguments that Lamina implements). */
    private static final Set<String> COMMON_KEYS = Set.of("name", "learning_rate", "clipvalue", "clipnorm", "global_clipnorm",
            "weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency");

    /** Keras 3 keys Lamina does not implement: accepted only with the value that turns them off. */
    private static final Set<String> OFF_ONLY_KEYS = Set.of("loss_scale_factor", "gradient_accumulation_steps");

    private static Set<String> ownKeys(String optimizer) {
        switch (optimizer) {
            case "sgd": return Set.of("momentum", "nesterov");
            case "adam": return Set.of("beta_1", "beta_2", "epsilon", "amsgrad");
            case "rmsprop": return Set.of("rho", "momentum", "epsilon", "centered");
            case "adagrad": return Set.of("initial_accumulator_value", "epsilon");
            default: throw unknown(optimizer);
        }
    }

    /**
     * Every key must be one Lamina reads: an unknown key, or a Keras option Lamina does not implement
     * set to anything but null, is an IllegalArgumentException naming it (never silently dropped).
     */
    private static void checkKeys(Map<String, Object> c, String optimizer) {
        Set<String> own = ownKeys(optimizer);
        for (Map.Entry<String, Object> e : c.entrySet()) {
            String k = e.getKey();
            if (COMMON_KEYS.contains(k) || own.contains(k)) {
                continue;
            }
            if (OFF_ONLY_KEYS.contains(k)) {
                if (e.getValue() == null) {
                    continue;
                }
                throw new IllegalArgumentException("Optimizers.fromConfig: '" + k + "' = " + e.getValue()
                        + " is not supported by Lamina (only null, the Keras default)");
            }
            Set<String> known = new TreeSet<>(COMMON_KEYS);
            known.addAll(own);
            throw new IllegalArgumentException("Optimizers.fromConfig: unknown key '" + k + "' for " + optimizer
                    + " (known: " + known + ")");
        }
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
