package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Applies an activation function, as {@code keras.layers.Activation} (saved under that class
 * name): y = f(x) element-wise (softmax: over the last axis), with f one of {@link Activations}
 * by Keras name. The output has the input's shape and dtype; the layer has no weights.
 *
 * <pre>{@code
 * new ActivationLayer("relu");
 * }</pre>
 */
public class ActivationLayer extends Layer {
    private final Activation activation;

    /** The activation of that Keras name (null or "linear" for the identity). */
    public ActivationLayer(String activation) {
        this(null, Activations.get(activation));
    }

    /** An activation object (null for the identity). */
    public ActivationLayer(Activation activation) {
        this(null, activation);
    }

    /** A named layer (null for a default name {@code activation}, {@code activation_1}, ...). */
    public ActivationLayer(String name, Activation activation) {
        super(name != null ? name : uniqueName("activation"));
        this.activation = activation != null ? activation : Activations.LINEAR;
    }

    /** The activation applied. */
    public Activation activation() {
        return activation;
    }

    /** "Activation", as Keras. */
    @Override
    public String className() {
        return "Activation";
    }

    @Override
    protected String defaultBaseName() {
        return "activation";
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(name() + ": expected a float input, got " + x.dtype() + " "
                    + shapeStr(x.shape()));
        }
        return activation.apply(x);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("activation", activation.name());
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static ActivationLayer fromConfig(Map<String, Object> config) {
        ActivationLayer l = new ActivationLayer((String) config.get("name"), Activations.get((String) config.get("activation")));
        return Dense.restoreBase(l, config);
    }
}
