package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A densely-connected layer, as {@code keras.layers.Dense}:
 *
 * <pre>
 *   y = activation(x · W + b)        W: kernel [in, units], b: bias [units]
 * </pre>
 *
 * applied to the last axis of an input of any rank ≥ 2: [B, in] → [B, units], and
 * [B, T, in] → [B, T, units] (the leading axes are flattened into rows, multiplied, and restored).
 * Keras defaults: glorot-uniform kernel, zero bias, bias used, linear activation.
 *
 * <pre>{@code
 * new Dense(64, "relu");
 * new Dense(1);
 * new Dense(10, "softmax").kernelInitializer("he_normal").kernelRegularizer(Regularizers.l2(1e-4));
 * }</pre>
 *
 * <p>Weights (build order): {@code name/kernel} [in, units], then {@code name/bias} [units] when
 * {@code use_bias}. {@link #regularizationLoss()} is the sum of the kernel and bias penalties.
 * The input is cast to the layer's dtype when it is another float type.
 */
public class Dense extends Layer {
    private final int units;
    private Activation activation;
    private boolean useBias = true;
    private Initializer kernelInitializer = Initializers.glorotUniform();
    private Initializer biasInitializer = Initializers.zeros();
    private Regularizer kernelRegularizer;
    private Regularizer biasRegularizer;
    private Variable kernel;
    private Variable bias;

    /** {@code units} outputs, linear activation. */
    public Dense(int units) {
        this(units, (String) null);
    }

    /** {@code units} outputs and an activation by Keras name (null or "linear" for none). */
    public Dense(int units, String activation) {
        this(null, units, Activations.get(activation));
    }

    /** {@code units} outputs and an activation object. */
    public Dense(int units, Activation activation) {
        this(null, units, activation);
    }

    /** A named layer (null for a default name {@code dense}, {@code dense_1}, ...). */
    public Dense(String name, int units, Activation activation) {
        super(name);
        if (units <= 0) {
            throw new IllegalArgumentException("Dense: units must be positive, got " + units);
        }
        this.units = units;
        this.activation = activation != null ? activation : Activations.LINEAR;
    }

    /**
     * The full Keras argument list: {@code Dense(units, activation, use_bias, kernel_initializer,
     * bias_initializer, kernel_regularizer, bias_regularizer, name)}; null initializers mean the
     * defaults, null regularizers none.
     */
    public Dense(int units, String activation, boolean useBias, Initializer kernelInitializer,
            Initializer biasInitializer, Regularizer kernelRegularizer, Regularizer biasRegularizer, String name) {
        this(name, units, Activations.get(activation));
        this.useBias = useBias;
        if (kernelInitializer != null) {
            this.kernelInitializer = kernelInitializer;
        }
        if (biasInitializer != null) {
            this.biasInitializer = biasInitializer;
        }
        this.kernelRegularizer = kernelRegularizer;
        this.biasRegularizer = biasRegularizer;
    }

    private void checkUnbuilt(String what) {
        requireUnbuilt(what);
    }

    /**
     * The activation by Keras name ("relu", "softmax", ...; null or "linear" for none); returns this.
     *
     * @param activation the Keras name; an unknown one is an IllegalArgumentException listing the known names
     * @return this layer
     */
    public Dense activation(String activation) {
        return activation(Activations.get(activation));
    }

    /**
     * The activation applied after x·W + b (null for linear); returns this.
     *
     * @param activation the activation
     * @return this layer
     */
    public Dense activation(Activation activation) {
        checkUnbuilt("activation");
        this.activation = activation != null ? activation : Activations.LINEAR;
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (without the batch axis)
     * @return this layer
     */
    @Override
    public Dense inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return this;
    }

    /** Whether to add a bias (default true); returns this. */
    public Dense useBias(boolean useBias) {
        checkUnbuilt("use_bias");
        this.useBias = useBias;
        return this;
    }

    /** Kernel initializer (default glorot_uniform); returns this. */
    public Dense kernelInitializer(Initializer init) {
        checkUnbuilt("kernel_initializer");
        this.kernelInitializer = java.util.Objects.requireNonNull(init, "kernel_initializer");
        return this;
    }

    /** Kernel initializer by Keras name; returns this. */
    public Dense kernelInitializer(String init) {
        return kernelInitializer(Initializers.get(init));
    }

    /** Bias initializer (default zeros); returns this. */
    public Dense biasInitializer(Initializer init) {
        checkUnbuilt("bias_initializer");
        this.biasInitializer = java.util.Objects.requireNonNull(init, "bias_initializer");
        return this;
    }

    /** Bias initializer by Keras name; returns this. */
    public Dense biasInitializer(String init) {
        return biasInitializer(Initializers.get(init));
    }

    /** Penalty on the kernel (null for none); returns this. */
    public Dense kernelRegularizer(Regularizer reg) {
        checkUnbuilt("kernel_regularizer");
        this.kernelRegularizer = reg;
        return this;
    }

    /** Penalty on the bias (null for none); returns this. */
    public Dense biasRegularizer(Regularizer reg) {
        checkUnbuilt("bias_regularizer");
        this.biasRegularizer = reg;
        return this;
    }

    /** Number of outputs. */
    public int units() {
        return units;
    }

    /** The activation applied after x·W + b. */
    public Activation activation() {
        return activation;
    }

    /** Whether the layer adds a bias. */
    public boolean usesBias() {
        return useBias;
    }

    /** The kernel [in, units] (null before build). */
    public Variable kernel() {
        return kernel;
    }

    /** The bias [units] (null before build or without bias). */
    public Variable bias() {
        return bias;
    }

    @Override
    protected void build(long[] inputShape) {
        if (inputShape.length < 2) {
            throw new IllegalArgumentException(name() + ": Dense needs an input of rank >= 2 (batch, ..., features), got "
                    + shapeStr(inputShape));
        }
        long in = inputShape[inputShape.length - 1];
        if (in <= 0) {
            throw new IllegalArgumentException(name() + ": the last axis of the input must be known, got "
                    + shapeStr(inputShape));
        }
        kernel = addWeight("kernel", new long[] {in, units}, kernelInitializer, true);
        if (useBias) {
            bias = addWeight("bias", new long[] {units}, biasInitializer, true);
        }
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        long in = kernel.shape()[0];
        if (x.rank() < 2 || x.dim(-1) != in) {
            throw new IllegalArgumentException(name() + ": expected input (..., " + in + "), got " + shapeStr(x.shape()));
        }
        Tensor h = castInput(x, dtype(), name());
        long[] shape = h.shape();
        Tensor rows = h.rank() == 2 ? h : h.reshape(-1, in);
        Tensor y = rows.matmul(kernel);
        if (useBias) {
            y = y.add(bias);
        }
        if (h.rank() != 2) {
            long[] outShape = shape.clone();
            outShape[outShape.length - 1] = units;
            y = y.reshape(outShape);
        }
        return activation.apply(y);
    }

    /** x itself when it has {@code dtype}, else x cast to it (float inputs only). */
    static Tensor castInput(Tensor x, DType dtype, String layer) {
        if (x.dtype() == dtype) {
            return x;
        }
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(layer + ": expected a float input, got " + x.dtype() + " "
                    + shapeStr(x.shape()));
        }
        return x.cast(dtype);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length < 2) {
            throw new IllegalArgumentException(name() + ": Dense needs an input of rank >= 2, got " + shapeStr(inputShape));
        }
        long[] s = inputShape.clone();
        s[s.length - 1] = units;
        return s;
    }

    /** λ-penalties of kernel and bias summed (null when the layer has no regularizer or is unbuilt). */
    @Override
    public Tensor regularizationLoss() {
        return penalties(kernelRegularizer, kernel, biasRegularizer, bias);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("units", (long) units);
        c.put("activation", activation.name());
        c.put("use_bias", useBias);
        c.put("kernel_initializer", kernelInitializer.config());
        c.put("bias_initializer", biasInitializer.config());
        c.put("kernel_regularizer", kernelRegularizer == null ? null : kernelRegularizer.config());
        c.put("bias_regularizer", biasRegularizer == null ? null : biasRegularizer.config());
        return c;
    }

    /** Rebuilds from {@link #config()} (Keras keys; missing keys take Keras defaults). */
    @SuppressWarnings("unchecked")
    public static Dense fromConfig(Map<String, Object> config) {
        Object units = config.get("units");
        if (!(units instanceof Number)) {
            throw new IllegalArgumentException("Dense config needs a number 'units', got " + config);
        }
        Dense d = new Dense((String) config.get("name"), ((Number) units).intValue(),
                Activations.get((String) config.get("activation")));
        d.useBias = bool(config, "use_bias", true);
        if (config.get("kernel_initializer") != null) {
            d.kernelInitializer = initializer(config.get("kernel_initializer"));
        }
        if (config.get("bias_initializer") != null) {
            d.biasInitializer = initializer(config.get("bias_initializer"));
        }
        d.kernelRegularizer = Regularizers.fromConfig((Map<String, Object>) config.get("kernel_regularizer"));
        d.biasRegularizer = Regularizers.fromConfig((Map<String, Object>) config.get("bias_regularizer"));
        return restoreBase(d, config);
    }

    // ---- config helpers shared by the core layers of this package ----

    /** An initializer from a config map or a Keras name. */
    @SuppressWarnings("unchecked")
    static Initializer initializer(Object cfg) {
        if (cfg instanceof String s) {
            return Initializers.get(s);
        }
        return Initializers.fromConfig((Map<String, Object>) cfg);
    }

    static boolean bool(Map<String, Object> config, String key, boolean dflt) {
        Object v = config.get(key);
        return v == null ? dflt : (Boolean) v;
    }

    static double num(Map<String, Object> config, String key, double dflt) {
        Object v = config.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("layer config key '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    static long[] longs(Object list, String key) {
        if (!(list instanceof List<?> l)) {
            throw new IllegalArgumentException("layer config key '" + key + "' must be a list of integers, got " + list);
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).longValue();
        }
        return out;
    }

    static List<Object> list(long[] values) {
        List<Object> out = new ArrayList<>();
        for (long v : values) {
            out.add(v);
        }
        return out;
    }

    /** Applies the base keys (trainable, dtype) of a saved config to a new layer; returns it. */
    static <L extends Layer> L restoreBase(L layer, Map<String, Object> config) {
        Object dt = config.get("dtype");
        if (dt != null) {
            DType found = null;
            for (DType d : DType.values()) {
                if (d.toString().equals(dt)) {
                    found = d;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException(layer.name() + ": unknown dtype '" + dt + "' in config");
            }
            layer.setDtype(found);
        }
        layer.setTrainable(bool(config, "trainable", true));
        return layer;
    }
}
