package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Declares the shape of one sample (without the batch axis), as {@code keras.Input(shape=...)}:
 * put it first in a {@link dev.lamina.models.Sequential} so the model is built (and
 * {@code summary()} knows every shape) before it sees data. Passes its input through.
 */
public final class Input extends Layer {
    private final long[] sampleShape;
    private SymbolicTensor tensor;

    /**
     * A model input of the functional API, as {@code keras.Input(shape=...)}: the symbolic
     * tensor of a new Input layer; layers applied to it build the model's graph.
     *
     * @param sampleShape the shape of one sample, without the batch axis (-1 for any size)
     * @return the symbolic input, batch axis first (-1)
     */
    public static SymbolicTensor of(long... sampleShape) {
        return new Input(sampleShape).tensor();
    }

    /**
     * A named model input ({@code keras.Input(shape=..., name=...)}); the name keys the input in
     * {@code fit(Map, Map, ...)}.
     *
     * @param name the input layer's name
     * @param sampleShape the shape of one sample, without the batch axis
     * @return the symbolic input
     */
    public static SymbolicTensor of(String name, long... sampleShape) {
        return new Input(name, sampleShape).tensor();
    }

    /**
     * The symbolic tensor this Input layer produces (always the same one).
     *
     * @return the symbolic output of this layer
     */
    public synchronized SymbolicTensor tensor() {
        if (tensor == null) {
            ensureBuilt(batchShape());
            tensor = Node.source(this);
        }
        return tensor;
    }

    /** {@code new Input(20, 1)}: samples of shape (20, 1). */
    public Input(long... sampleShape) {
        this(null, sampleShape);
    }

    public Input(String name, long... sampleShape) {
        super(name != null ? name : uniqueName("input_layer"));
        for (long d : sampleShape) {
            if (d <= 0 && d != -1) {
                throw new IllegalArgumentException("Input: dimensions must be positive (or -1 for any), got "
                        + java.util.Arrays.toString(sampleShape));
            }
        }
        this.sampleShape = sampleShape.clone();
    }

    /** Shape of one sample. */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** The batch shape: -1 then the sample shape. */
    public long[] batchShape() {
        long[] s = new long[sampleShape.length + 1];
        s[0] = -1;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    @Override
    public String className() {
        return "InputLayer";
    }

    @Override
    protected void build(long[] inputShape) {
        long[] expected = batchShape();
        boolean ok = inputShape.length == expected.length;
        for (int i = 1; ok && i < expected.length; i++) {
            ok = expected[i] == -1 || inputShape[i] == -1 || expected[i] == inputShape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(name() + ": expected input shape " + shapeStr(expected) + ", got "
                    + shapeStr(inputShape));
        }
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        return x.view(); // recorded identity: gradients reach the model input
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        List<Object> shape = new ArrayList<>();
        shape.add(null);
        for (long d : sampleShape) {
            shape.add(d < 0 ? null : (Object) d);
        }
        c.put("batch_shape", shape);
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static Input fromConfig(Map<String, Object> config) {
        List<?> shape = (List<?>) config.get("batch_shape");
        if (shape == null || shape.isEmpty()) {
            throw new IllegalArgumentException("InputLayer config needs batch_shape");
        }
        long[] s = new long[shape.size() - 1];
        for (int i = 1; i < shape.size(); i++) {
            Object d = shape.get(i);
            s[i - 1] = d == null ? -1 : ((Number) d).longValue();
        }
        return new Input((String) config.get("name"), s);
    }
}
