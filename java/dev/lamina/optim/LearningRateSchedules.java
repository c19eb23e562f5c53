package dev.lamina.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads back the saved form of the built-in schedules, Keras's
 * {@code {"class_name": ..., "config": {...}}} (ExponentialDecay, PiecewiseConstantDecay,
 * CosineDecay).
 */
public final class LearningRateSchedules {
    private LearningRateSchedules() {
    }

    static Map<String, Object> wrap(String className, Map<String, Object> config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", className);
        m.put("config", config);
        return m;
    }

    /** The schedule a {@link LearningRateSchedule#config()} describes. */
    @SuppressWarnings("unchecked")
    public static LearningRateSchedule fromConfig(Map<String, Object> saved) {
        Object cn = saved.get("class_name");
        Object cfg = saved.get("config");
        if (!(cn instanceof String) || !(cfg instanceof Map)) {
            throw new IllegalArgumentException("LearningRateSchedules.fromConfig: expected {\"class_name\": ..., \"config\": {...}}, got "
                    + saved);
        }
        Map<String, Object> c = (Map<String, Object>) cfg;
        switch ((String) cn) {
            case "ExponentialDecay":
                return new ExponentialDecay(num(c, "initial_learning_rate"), (long) num(c, "decay_steps"),
                        num(c, "decay_rate"), bool(c, "staircase", false));
            case "PiecewiseConstantDecay": {
                List<Object> b = list(c, "boundaries");
                List<Object> v = list(c, "values");
                long[] bs = new long[b.size()];
                for (int i = 0; i < bs.length; i++) {
                    bs[i] = ((Number) b.get(i)).longValue();
                }
                double[] vs = new double[v.size()];
                for (int i = 0; i < vs.length; i++) {
                    vs[i] = ((Number) v.get(i)).doubleValue();
                }
                return new PiecewiseConstantDecay(bs, vs);
            }
            case "CosineDecay": {
                Object wt = c.get("warmup_target");
                Object ws = c.get("warmup_steps");
                return new CosineDecay(num(c, "initial_learning_rate"), (long) num(c, "decay_steps"),
                        c.containsKey("alpha") ? num(c, "alpha") : 0.0,
                        wt == null ? Double.NaN : ((Number) wt).doubleValue(),
                        ws == null ? 0 : ((Number) ws).longValue());
            }
            default:
                throw new IllegalArgumentException("LearningRateSchedules.fromConfig: unknown schedule '" + cn
                        + "' (known: ExponentialDecay, PiecewiseConstantDecay, CosineDecay)");
        }
    }

    private static double num(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("LearningRateSchedules.fromConfig: '" + key + "' must be a number, got " + v);
        }
        return ((Number) v).doubleValue();
    }

    private static boolean bool(Map<String, Object> c, String key, boolean def) {
        Object v = c.get(key);
        return v == null ? def : (Boolean) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("LearningRateSchedules.fromConfig: '" + key + "' must be a list, got " + v);
        }
        return (List<Object>) v;
    }
}
