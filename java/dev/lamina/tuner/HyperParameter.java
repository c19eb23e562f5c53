package dev.lamina.tuner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One dimension of a search space, as KerasTuner's {@code hp.Int}, {@code hp.Float},
 * {@code hp.Choice}, {@code hp.Boolean} and {@code hp.Fixed}; optionally conditional: active only
 * while the parameter {@code parentName} takes one of {@code parentValues}.
 *
 * <p>Every kind maps its values onto the unit interval (KerasTuner's cumulative probability) and
 * back: {@link #fromUnit(double)} of a uniform draw is a uniform sample of the parameter (log-uniform
 * for log sampling), and the Bayesian oracle models the objective over these unit coordinates. A
 * discrete parameter with n values owns the n equal cells of [0, 1]: value k ↔ (k + ½)/n.
 */
public sealed interface HyperParameter {

    /** How a Float (or its unit coordinate) spreads over [min, max]. */
    enum Sampling {
        /** u ↦ min + u·(max − min). */
        LINEAR,
        /** u ↦ min·(max/min)^u (needs min > 0). */
        LOG;

        /** "linear" or "log" (case-insensitive). */
        public static Sampling of(String name) {
            switch (name.toLowerCase(Locale.ROOT).trim()) {
                case "linear":
                    return LINEAR;
                case "log":
                    return LOG;
                default:
                    throw new IllegalArgumentException("hyperparameter sampling must be linear or log, got '" + name + "'");
            }
        }
    }

    /** The parameter's name (unique in a space). */
    String name();

    /** The parameter this one depends on, or null. */
    String parentName();

    /** Values of the parent under which this parameter is active (empty when unconditional). */
    List<Object> parentValues();

    /** The value used when the oracle gives none (the first value, or min). */
    Object defaultValue();

    /** The value at unit coordinate u in [0, 1]. */
    Object fromUnit(double u);

    /** The unit coordinate of {@code value} (the centre of its cell for discrete parameters). */
    double toUnit(Object value);

    /** Every value a grid search visits, in order. */
    List<Object> gridValues();

    /** {@code value} in this parameter's Java type (JSON gives back Integer/Long/Double); checked against the range. */
    Object coerce(Object value);

    /** True when the parameter takes a single value (the Bayesian oracle leaves it out of its coordinates). */
    default boolean isFixed() {
        return false;
    }

    /** The JSON-compatible description saved in the oracle state. */
    Map<String, Object> toMap();

    /** Rebuilds a parameter from {@link #toMap()}. */
    @SuppressWarnings("unchecked")
    static HyperParameter fromMap(Map<String, Object> m) {
        String name = (String) m.get("name");
        String parent = (String) m.get("parent_name");
        List<Object> pv = m.get("parent_values") == null ? List.of() : (List<Object>) m.get("parent_values");
        switch (String.valueOf(m.get("class"))) {
            case "Int":
                return new IntParam(name, ((Number) m.get("min_value")).longValue(), ((Number) m.get("max_value")).longValue(),
                        ((Number) m.get("step")).longValue(), parent, pv);
            case "Float":
                return new FloatParam(name, ((Number) m.get("min_value")).doubleValue(), ((Number) m.get("max_value")).doubleValue(),
                        m.get("step") == null ? null : ((Number) m.get("step")).doubleValue(),
                        Sampling.of((String) m.get("sampling")), parent, pv);
            case "Choice":
                return new ChoiceParam(name, (List<Object>) m.get("values"), parent, pv);
            case "Boolean":
                return new BooleanParam(name, parent, pv);
            case "Fixed":
                return new FixedParam(name, m.get("value"), parent, pv);
            default:
                throw new IllegalArgumentException("unknown hyperparameter class '" + m.get("class") + "' for '" + name + "'");
        }
    }

    /** Equality of two parameter values as KerasTuner compares them (numbers by value). */
    static boolean sameValue(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            return ((Number) a).doubleValue() == ((Number) b).doubleValue();
        }
        return Objects.equals(a, b);
    }

    // ---- the kinds ---------------------------------------------------------------------------------

    /** {@code hp.Int(name, min, max, step)}: min, min + step, ..., up to max (both ends included when reached). */
    record IntParam(String name, long min, long max, long step, String parentName, List<Object> parentValues)
            implements HyperParameter {
        public IntParam {
            Checks.name(name);
            if (min > max) {
                throw new IllegalArgumentException("hp.Int('" + name + "'): min_value " + min + " > max_value " + max);
            }
            if (step <= 0) {
                throw new IllegalArgumentException("hp.Int('" + name + "'): step must be positive, got " + step);
            }
            parentValues = Checks.parent(name, parentName, parentValues);
        }

        /** Number of values. */
        public long count() {
            return (max - min) / step + 1;
        }

        @Override
        public Object defaultValue() {
            return narrow(min);
        }

        @Override
        public Object fromUnit(double u) {
            long n = count();
            long k = Math.min(n - 1, Math.max(0, (long) Math.floor(u * n)));
            return narrow(min + k * step);
        }

        @Override
        public double toUnit(Object value) {
            long v = ((Number) coerce(value)).longValue();
            long k = Math.round((double) (v - min) / step);
            return (k + 0.5) / count();
        }

        @Override
        public List<Object> gridValues() {
            List<Object> out = new ArrayList<>();
            for (long v = min; v <= max; v += step) {
                out.add(narrow(v));
            }
            return out;
        }

        @Override
        public Object coerce(Object value) {
            if (!(value instanceof Number) || ((Number) value).doubleValue() != Math.rint(((Number) value).doubleValue())) {
                throw new IllegalArgumentException("hp.Int('" + name + "'): not an integer: " + value);
            }
            long v = ((Number) value).longValue();
            if (v < min || v > max) {
                throw new IllegalArgumentException("hp.Int('" + name + "'): " + v + " is outside [" + min + ", " + max + "]");
            }
            return narrow(v);
        }

        private static Object narrow(long v) {
            return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = Checks.head("Int", name, parentName, parentValues);
            m.put("min_value", min);
            m.put("max_value", max);
            m.put("step", step);
            return m;
        }
    }

    /**
     * {@code hp.Float(name, min, max, step, sampling)}: a real in [min, max], uniform or log-uniform;
     * with a step, rounded to min + k·step (linear) or min·step^k (log).
     */
    record FloatParam(String name, double min, double max, Double step, Sampling sampling, String parentName,
                      List<Object> parentValues) implements HyperParameter {
        public FloatParam {
            Checks.name(name);
            if (!(Double.isFinite(min) && Double.isFinite(max))) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): bounds must be finite, got [" + min + ", " + max + "]");
            }
            if (min > max) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): min_value " + min + " > max_value " + max);
            }
            Objects.requireNonNull(sampling, "sampling");
            if (sampling == Sampling.LOG && !(min > 0)) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): log sampling needs min_value > 0, got " + min);
            }
            if (step != null && (!(step > 0) || (sampling == Sampling.LOG && !(step > 1)))) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): step must be positive (above 1 for log sampling), got "
                        + step);
            }
            parentValues = Checks.parent(name, parentName, parentValues);
        }

        @Override
        public Object defaultValue() {
            return min;
        }

        /** Steps between min and max (grid cells minus one), or -1 without a step. */
        private long steps() {
            if (step == null) {
                return -1;
            }
            double span = sampling == Sampling.LOG ? Math.log(max / min) / Math.log(step) : (max - min) / step;
            return (long) Math.floor(span + 1e-9);
        }

        private double atStep(long k) {
            return sampling == Sampling.LOG ? min * Math.pow(step, k) : min + k * step;
        }

        @Override
        public Object fromUnit(double u) {
            u = Math.min(1.0, Math.max(0.0, u));
            if (step != null) {
                long n = steps() + 1;
                return atStep(Math.min(n - 1, (long) Math.floor(u * n)));
            }
            return sampling == Sampling.LOG ? Math.min(max, min * Math.exp(u * Math.log(max / min))) : min + u * (max - min);
        }

        @Override
        public double toUnit(Object value) {
            double v = (Double) coerce(value);
            if (step != null) {
                double k = sampling == Sampling.LOG ? Math.log(v / min) / Math.log(step) : (v - min) / step;
                return (Math.round(k) + 0.5) / (steps() + 1);
            }
            if (max == min) {
                return 0.5;
            }
            return sampling == Sampling.LOG ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min);
        }

        @Override
        public List<Object> gridValues() {
            if (step == null) {
                throw new IllegalArgumentException("grid search: hp.Float('" + name
                        + "') has no step, so its values cannot be enumerated (give a step, or use Choice)");
            }
            List<Object> out = new ArrayList<>();
            for (long k = 0; k <= steps(); k++) {
                out.add(atStep(k));
            }
            return out;
        }

        @Override
        public Object coerce(Object value) {
            if (!(value instanceof Number)) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): not a number: " + value);
            }
            double v = ((Number) value).doubleValue();
            double tol = 1e-12 * Math.max(1.0, Math.abs(max));
            if (!(v >= min - tol && v <= max + tol)) {
                throw new IllegalArgumentException("hp.Float('" + name + "'): " + v + " is outside [" + min + ", " + max + "]");
            }
            return v;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = Checks.head("Float", name, parentName, parentValues);
            m.put("min_value", min);
            m.put("max_value", max);
            m.put("step", step);
            m.put("sampling", sampling.name().toLowerCase(Locale.ROOT));
            return m;
        }
    }

    /** {@code hp.Choice(name, values)}: one of a list of numbers, strings or booleans (one kind per list). */
    record ChoiceParam(String name, List<Object> values, String parentName, List<Object> parentValues)
            implements HyperParameter {
        public ChoiceParam {
            Checks.name(name);
            if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException("hp.Choice('" + name + "'): the list of values is empty");
            }
            Class<?> kind = Checks.kind(name, values.get(0));
            for (int i = 0; i < values.size(); i++) {
                if (Checks.kind(name, values.get(i)) != kind) {
                    throw new IllegalArgumentException("hp.Choice('" + name + "'): values mix " + kind.getSimpleName()
                            + " and " + Checks.kind(name, values.get(i)).getSimpleName() + ": " + values);
                }
                for (int j = 0; j < i; j++) {
                    if (HyperParameter.sameValue(values.get(i), values.get(j))) {
                        throw new IllegalArgumentException("hp.Choice('" + name + "'): value " + values.get(i) + " is listed twice");
                    }
                }
            }
            values = List.copyOf(values);
            parentValues = Checks.parent(name, parentName, parentValues);
        }

        @Override
        public Object defaultValue() {
            return values.get(0);
        }

        @Override
        public Object fromUnit(double u) {
            int n = values.size();
            return values.get(Math.min(n - 1, Math.max(0, (int) Math.floor(u * n))));
        }

        @Override
        public double toUnit(Object value) {
            return (index(value) + 0.5) / values.size();
        }

        private int index(Object value) {
            for (int i = 0; i < values.size(); i++) {
                if (HyperParameter.sameValue(values.get(i), value)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("hp.Choice('" + name + "'): " + value + " is not one of " + values);
        }

        @Override
        public List<Object> gridValues() {
            return values;
        }

        @Override
        public Object coerce(Object value) {
            return values.get(index(value));
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = Checks.head("Choice", name, parentName, parentValues);
            m.put("values", values);
            return m;
        }
    }

    /** {@code hp.Boolean(name)}: false or true (false first, the default). */
    record BooleanParam(String name, String parentName, List<Object> parentValues) implements HyperParameter {
        private static final List<Object> VALUES = List.of(false, true);

        public BooleanParam {
            Checks.name(name);
            parentValues = Checks.parent(name, parentName, parentValues);
        }

        @Override
        public Object defaultValue() {
            return false;
        }

        @Override
        public Object fromUnit(double u) {
            return u >= 0.5;
        }

        @Override
        public double toUnit(Object value) {
            return (Boolean) coerce(value) ? 0.75 : 0.25;
        }

        @Override
        public List<Object> gridValues() {
            return VALUES;
        }

        @Override
        public Object coerce(Object value) {
            if (!(value instanceof Boolean)) {
                throw new IllegalArgumentException("hp.Boolean('" + name + "'): not a boolean: " + value);
            }
            return value;
        }

        @Override
        public Map<String, Object> toMap() {
            return Checks.head("Boolean", name, parentName, parentValues);
        }
    }

    /** {@code hp.Fixed(name, value)}: a constant recorded with the trial. */
    record FixedParam(String name, Object value, String parentName, List<Object> parentValues) implements HyperParameter {
        public FixedParam {
            Checks.name(name);
            Checks.kind(name, value);
            parentValues = Checks.parent(name, parentName, parentValues);
        }

        @Override
        public boolean isFixed() {
            return true;
        }

        @Override
        public Object defaultValue() {
            return value;
        }

        @Override
        public Object fromUnit(double u) {
            return value;
        }

        @Override
        public double toUnit(Object v) {
            return 0.5;
        }

        @Override
        public List<Object> gridValues() {
            return List.of(value);
        }

        @Override
        public Object coerce(Object v) {
            if (!HyperParameter.sameValue(v, value)) {
                throw new IllegalArgumentException("hp.Fixed('" + name + "'): " + v + " is not the fixed value " + value);
            }
            return value;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = Checks.head("Fixed", name, parentName, parentValues);
            m.put("value", value);
            return m;
        }
    }

    /** Argument checks shared by the kinds. */
    final class Checks {
        private Checks() {
        }

        static void name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a hyperparameter needs a non-empty name, got " + (name == null ? "null" : "'" + name + "'"));
            }
        }

        static List<Object> parent(String name, String parentName, List<Object> parentValues) {
            if (parentName == null) {
                if (parentValues != null && !parentValues.isEmpty()) {
                    throw new IllegalArgumentException("hyperparameter '" + name + "': parent_values given without parent_name");
                }
                return List.of();
            }
            if (parentName.equals(name)) {
                throw new IllegalArgumentException("hyperparameter '" + name + "' cannot be its own parent");
            }
            if (parentValues == null || parentValues.isEmpty()) {
                throw new IllegalArgumentException("hyperparameter '" + name + "': parent_name '" + parentName
                        + "' needs at least one parent value");
            }
            return List.copyOf(parentValues);
        }

        static Class<?> kind(String name, Object v) {
            if (v instanceof Number) {
                return Number.class;
            }
            if (v instanceof String) {
                return String.class;
            }
            if (v instanceof Boolean) {
                return Boolean.class;
            }
            throw new IllegalArgumentException("hyperparameter '" + name + "': values must be numbers, strings or booleans, got "
                    + (v == null ? "null" : v.getClass().getSimpleName()));
        }

        static Map<String, Object> head(String cls, String name, String parentName, List<Object> parentValues) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class", cls);
            m.put("name", name);
            if (parentName != null) {
                m.put("parent_name", parentName);
                m.put("parent_values", parentValues);
            }
            return m;
        }
    }
}
