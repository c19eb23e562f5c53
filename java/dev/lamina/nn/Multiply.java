package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Outputs the element-wise product of its inputs (keras.layers.Multiply); the inputs have one shape. */
public final class Multiply extends ElementwiseMerge {
    /** A layer with a default name. */
    public Multiply() {
        this(null);
    }

    /**
     * A named layer.
     *
     * @param name the name, or null for a default
     */
    public Multiply(String name) {
        super(name);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        Tensor y = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            y = y.mul(inputs.get(i));
        }
        return y;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param config the saved config
     * @return the layer
     */
    public static Multiply fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new Multiply((String) config.get("name")), config);
    }
}
