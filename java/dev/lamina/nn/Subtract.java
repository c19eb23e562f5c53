package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Outputs the difference of its two inputs, first minus second (keras.layers.Subtract); the inputs have one shape. */
public final class Subtract extends ElementwiseMerge {
    /** A layer with a default name. */
    public Subtract() {
        this(null);
    }

    /**
     * A named layer.
     *
     * @param name the name, or null for a default
     */
    public Subtract(String name) {
        super(name);
    }

    /** Exactly two inputs. */
    @Override
    protected int maxInputs() {
        return 2;
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        return inputs.get(0).sub(inputs.get(1));
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param config the saved config
     * @return the layer
     */
    public static Subtract fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new Subtract((String) config.get("name")), config);
    }
}
