package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Outputs the element-wise mean of its inputs (keras.layers.Average); the inputs have one shape. */
public final class Average extends ElementwiseMerge {
    /** A layer with a default name. */
    public Average() {
        this(null);
    }

    /**
     * A named layer.
     *
     * @param name the name, or null for a default
     */
    public Average(String name) {
        super(name);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        Tensor y = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            y = y.add(inputs.get(i));
        }
        return y.div((double) inputs.size());
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param config the saved config
     * @return the layer
     */
    public static Average fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new Average((String) config.get("name")), config);
    }
}
