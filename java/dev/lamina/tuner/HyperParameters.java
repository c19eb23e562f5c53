package dev.lamina.tuner;

import dev.lamina.tuner.HyperParameter.BooleanParam;
import dev.lamina.tuner.HyperParameter.ChoiceParam;
import dev.lamina.tuner.HyperParameter.FixedParam;
import dev.lamina.tuner.HyperParameter.FloatParam;
import dev.lamina.tuner.HyperParameter.IntParam;
import dev.lamina.tuner.HyperParameter.Sampling;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KerasTuner's {@code hp}: a search space (ordered parameters) and one point of it (values).
 * A model-building function calls {@code hp.Int(...)}, {@code hp.Float(...)}, {@code hp.Choice(...)},
 * {@code hp.Boolean(...)} and {@code hp.Fixed(...)}: the first call declares the parameter, every
 * call returns its value in the current trial (its default when the trial gives none or when it is
 * inactive).
 *
 * <pre>{@code
 * int units = hp.Int("units", 32, 128, 32);
 * double lr = hp.Float("lr", 1e-4, 1e-2, Sampling.LOG);
 * String opt = hp.Choice("optimizer", List.of("adam", "rmsprop"));
 * int second = hp.Int("units_2", 8, 64, 8, "layers", List.of(2));   // active only when layers == 2
 * }</pre>
 *
 * <p>The tuner builds the space by calling the model-building function once with defaults, then
 * freezes it: declare every parameter on every call (conditional ones with a parent instead of
 * inside an {@code if}), since a parameter first seen during a trial is an error (it would make
 * the proposals depend on the order in which trials ran). A parameter declared twice must be
 * declared the same way.
 */
public final class HyperParameters {
    private final LinkedHashMap<String, HyperParameter> space = new LinkedHashMap<>();
    private final Map<String, Object> values = new LinkedHashMap<>();
    private boolean frozen;

    /** An empty, open space. */
    public HyperParameters() {
    }

    /** A frozen copy of {@code space} holding {@code values} (checked against the space). */
    static HyperParameters of(List<HyperParameter> space, Map<String, Object> values) {
        HyperParameters hp = new HyperParameters();
        for (HyperParameter p : space) {
            hp.space.put(p.name(), p);
        }
        hp.frozen = true;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            HyperParameter p = hp.space.get(e.getKey());
            if (p == null) {
                if (e.getKey().startsWith("tuner/")) {
                    hp.values.put(e.getKey(), e.getValue());   // oracle bookkeeping (Hyperband epochs)
                    continue;
                }
                throw new IllegalArgumentException("hyperparameter '" + e.getKey() + "' is not in the search space "
                        + hp.space.keySet());
            }
            hp.values.put(e.getKey(), p.coerce(e.getValue()));
        }
        return hp;
    }

    // ---- declaring and reading ---------------------------------------------------------------------

    /** {@code hp.Int(name, min, max)} with step 1. */
    public int Int(String name, int min, int max) {
        return Int(name, min, max, 1);
    }

    /** {@code hp.Int(name, min_value, max_value, step)}. */
    public int Int(String name, int min, int max, int step) {
        return Int(name, min, max, step, null, null);
    }

    /** A conditional {@code hp.Int}: active while {@code parentName}'s value is one of {@code parentValues}. */
    public int Int(String name, int min, int max, int step, String parentName, List<?> parentValues) {
        return ((Number) declare(new IntParam(name, min, max, step, parentName, objects(parentValues)))).intValue();
    }

    /** {@code hp.Float(name, min, max)}, uniform. */
    public double Float(String name, double min, double max) {
        return Float(name, min, max, Sampling.LINEAR);
    }

    /** {@code hp.Float(name, min, max, sampling=...)}. */
    public double Float(String name, double min, double max, Sampling sampling) {
        return Float(name, min, max, null, sampling, null, null);
    }

    /** {@code hp.Float(name, min, max, step, sampling)}: rounded to the step (a factor for log sampling). */
    public double Float(String name, double min, double max, Double step, Sampling sampling) {
        return Float(name, min, max, step, sampling, null, null);
    }

    /** A conditional {@code hp.Float}. */
    public double Float(String name, double min, double max, Double step, Sampling sampling, String parentName,
                        List<?> parentValues) {
        return ((Number) declare(new FloatParam(name, min, max, step, sampling, parentName, objects(parentValues))))
                .doubleValue();
    }

    /** {@code hp.Choice(name, values)}: numbers, strings or booleans. */
    public <T> T Choice(String name, List<T> choices) {
        return Choice(name, choices, null, null);
    }

    /** A conditional {@code hp.Choice}. */
    @SuppressWarnings("unchecked")
    public <T> T Choice(String name, List<T> choices, String parentName, List<?> parentValues) {
        Object v = declare(new ChoiceParam(name, objects(choices), parentName, objects(parentValues)));
        // a Choice of numbers reads back from JSON as Integer/Double: return the declared element
        for (T c : choices) {
            if (HyperParameter.sameValue(c, v)) {
                return c;
            }
        }
        return (T) v;
    }

    /** {@code hp.Boolean(name)} (default false). */
    public boolean Boolean(String name) {
        return Boolean(name, null, null);
    }

    /** A conditional {@code hp.Boolean}. */
    public boolean Boolean(String name, String parentName, List<?> parentValues) {
        return (Boolean) declare(new BooleanParam(name, parentName, objects(parentValues)));
    }

    /** {@code hp.Fixed(name, value)}. */
    public <T> T Fixed(String name, T value) {
        declare(new FixedParam(name, value, null, null));
        return value;
    }

    private static List<Object> objects(List<?> l) {
        return l == null ? null : new ArrayList<>(l);
    }

    private synchronized Object declare(HyperParameter p) {
        HyperParameter known = space.get(p.name());
        if (known == null) {
            if (frozen) {
                throw new IllegalArgumentException("hyperparameter '" + p.name() + "' was not declared when the search space "
                        + "was built; declare every hyperparameter on every call of the model-building function "
                        + "(conditional ones with parentName/parentValues)");
            }
            if (p.parentName() != null && !space.containsKey(p.parentName())) {
                throw new IllegalArgumentException("hyperparameter '" + p.name() + "': parent '" + p.parentName()
                        + "' must be declared before it");
            }
            space.put(p.name(), p);
            known = p;
        } else if (!known.equals(p)) {
            throw new IllegalArgumentException("hyperparameter '" + p.name() + "' is declared twice differently: "
                    + known.toMap() + " and " + p.toMap());
        }
        if (!isActive(known)) {
            return known.defaultValue();
        }
        Object v = values.get(p.name());
        return v != null ? v : known.defaultValue();
    }

    /** True when {@code p} is unconditional or its parent (itself active) holds one of its parent values. */
    public synchronized boolean isActive(HyperParameter p) {
        if (p.parentName() == null) {
            return true;
        }
        HyperParameter parent = space.get(p.parentName());
        if (parent == null || !isActive(parent)) {
            return false;
        }
        Object pv = values.containsKey(parent.name()) ? values.get(parent.name()) : parent.defaultValue();
        for (Object allowed : p.parentValues()) {
            if (HyperParameter.sameValue(allowed, pv)) {
                return true;
            }
        }
        return false;
    }

    /** The value of {@code name} in this trial (its default when unset). */
    public synchronized Object get(String name) {
        if (values.containsKey(name)) {
            return values.get(name);
        }
        HyperParameter p = space.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no hyperparameter named '" + name + "' (space: " + space.keySet() + ")");
        }
        return p.defaultValue();
    }

    /** The parameters, in the order they were declared. */
    public synchronized List<HyperParameter> space() {
        return List.copyOf(space.values());
    }

    /** The values set for this trial (active parameters, plus the oracle's "tuner/..." entries). */
    public synchronized Map<String, Object> values() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Freezes the space (declaring a new parameter becomes an error). */
    synchronized HyperParameters freeze() {
        frozen = true;
        return this;
    }

    /** Sets a value on this (open) object, as the tests and hand-written searches do. */
    public synchronized HyperParameters set(String name, Object value) {
        HyperParameter p = space.get(name);
        values.put(name, p == null ? value : p.coerce(value));
        return this;
    }

    @Override
    public synchronized String toString() {
        return values.isEmpty() ? "HyperParameters" + space.keySet() : values.toString();
    }
}
