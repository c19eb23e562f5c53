package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Outputs the sum of its inputs (keras.layers.Add); the inputs have one shape. */
public final class Add extends ElementwiseMerge {
    /** A layer with a default name. */
    public Add() {
        this(null);
    }

    /**
     * A named layer.
     *
     * @param name the name, or null for a default
     */
    public Add(String name) {
        super(name);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        Tensor y = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            y = y.add(inputs.get(i));
        }
        return y;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param config the saved config
     * @return the layer
     */
    public static Add fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new Add((String) config.get("name")), config);
    }
}
