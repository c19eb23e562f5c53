package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Joins its inputs along one axis, as {@code keras.layers.Concatenate(axis=-1)}: every other
 * axis must match. The batch axis (0) cannot be the concatenation axis.
 */
public final class Concatenate extends Merge {
    private final int axis;

    /** Concatenates along the last axis. */
    public Concatenate() {
        this(-1);
    }

    /**
     * Concatenates along {@code axis}.
     *
     * @param axis the axis, counted with the batch axis; negative counts from the end
     */
    public Concatenate(int axis) {
        this(axis, null);
    }

    /**
     * A named layer.
     *
     * @param axis the axis, counted with the batch axis; negative counts from the end
     * @param name the name, or null for a default
     */
    public Concatenate(int axis, String name) {
        super(name);
        if (axis == 0) {
            throw new IllegalArgumentException("Concatenate: axis 0 is the batch axis; pick a sample axis (e.g. -1)");
        }
        this.axis = axis;
    }

    /** The axis as given (negative counts from the end). */
    public int axis() {
        return axis;
    }

    private int axisFor(int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a <= 0 || a >= rank) {
            throw new IllegalArgumentException(name() + ": axis " + axis + " is out of range for inputs of rank " + rank);
        }
        return a;
    }

    @Override
    protected long[] mergedShape(List<long[]> shapes) {
        int rank = shapes.get(0).length;
        int a = axisFor(rank);
        long[] out = shapes.get(0).clone();
        out[a] = 0;
        for (long[] s : shapes) {
            boolean ok = s.length == rank;
            for (int i = 1; ok && i < rank; i++) {
                if (i != a) {
                    ok = s[i] == -1 || out[i] == -1 || s[i] == out[i];
                    if (ok && out[i] == -1) {
                        out[i] = s[i];
                    }
                }
            }
            if (!ok) {
                throw new IllegalArgumentException(name() + " (Concatenate, axis " + axis + "): inputs must match on every axis but "
                        + "the concatenation axis, got " + shapesStr(shapes));
            }
            out[a] = out[a] < 0 || s[a] < 0 ? -1 : out[a] + s[a];
        }
        out[0] = -1;
        return out;
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        return Tensor.concat(inputs, axisFor(inputs.get(0).rank()));
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", axis);
        return c;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param config the saved config
     * @return the layer
     */
    public static Concatenate fromConfig(Map<String, Object> config) {
        int axis = config.get("axis") == null ? -1 : ((Number) config.get("axis")).intValue();
        return Dense.restoreBase(new Concatenate(axis, (String) config.get("name")), config);
    }
}
