package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Keras-style layer: a function of one input tensor with its own weights, created lazily from
 * the first input's shape ({@link #build}).
 *
 * <p>Shapes include the batch axis first; in {@link #build} and {@link #outputShape} an unknown
 * batch size is -1. Weights are {@link Variable}s named {@code layerName/weightName} (as Keras:
 * {@code dense/kernel}, {@code dense/bias}), created through {@link #addWeight} in build order,
 * which is also the order they are saved in.
 *
 * <p>Subclasses implement {@link #call} with tensor ops, so gradients come from the autograd
 * tape, and {@link #config} with the constructor arguments (for saving the architecture).
 */
public abstract class Layer implements AutoCloseable {
    private static final Map<String, AtomicInteger> NAME_COUNTERS = new ConcurrentHashMap<>();

    private final String name;
    private final List<Variable> weights = new ArrayList<>();
    private long[] builtInputShape;
    private boolean trainable = true;
    private DType dtype = DType.FLOAT32;
    private long[] declaredInputShape;

    /** A layer with a name; null gives a unique default from the class ({@code dense}, {@code dense_1}, ...). */
    protected Layer(String name) {
        this.name = name != null ? name : uniqueName(defaultBaseName());
    }

    /** snake_case of the class name, as Keras: BatchNormalization → batch_normalization. */
    protected String defaultBaseName() {
        return snake(getClass().getSimpleName());
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z])([A-Z][a-z])", "$1_$2").toLowerCase();
    }

    /** {@code base}, then {@code base_1}, {@code base_2}, ... across the process. */
    public static String uniqueName(String base) {
        int n = NAME_COUNTERS.computeIfAbsent(base, k -> new AtomicInteger()).getAndIncrement();
        return n == 0 ? base : base + "_" + n;
    }

    public final String name() {
        return name;
    }

    /** The Keras class name used in saved architectures (the simple class name). */
    public String className() {
        return getClass().getSimpleName();
    }

    public final boolean isBuilt() {
        return builtInputShape != null;
    }

    /** The input shape the layer was built for (batch axis -1), or null before the first call. */
    public final long[] builtInputShape() {
        return builtInputShape == null ? null : builtInputShape.clone();
    }

    public boolean isTrainable() {
        return trainable;
    }

    /** Freezes (false) or unfreezes the layer's weights for training. */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    public DType dtype() {
        return dtype;
    }

    /**
     * Declares the shape of one sample (without the batch axis), as Keras's {@code input_shape=}:
     * on the first layer of a {@link dev.lamina.models.Sequential} it stands for an
     * {@link Input} of that shape, so {@code new Sequential().add(new LSTM(64).inputShape(20, 1))}
     * is built at once. Set before the layer is built.
     *
     * @param sampleShape the sample shape; each dimension positive, or -1 for any size
     * @return this layer
     */
    public Layer inputShape(long... sampleShape) {
        requireUnbuilt("input_shape");
        if (sampleShape == null || sampleShape.length == 0) {
            throw new IllegalArgumentException(name + ": input_shape needs at least one dimension (the batch axis is implied)");
        }
        for (long d : sampleShape) {
            if (d <= 0 && d != -1) {
                throw new IllegalArgumentException(name + ": input_shape dimensions must be positive (or -1 for any), got "
                        + java.util.Arrays.toString(sampleShape));
            }
        }
        this.declaredInputShape = sampleShape.clone();
        return this;
    }

    /** The sample shape given to {@link #inputShape}, or null when none was given. */
    public final long[] declaredInputShape() {
        return declaredInputShape == null ? null : declaredInputShape.clone();
    }

    /**
     * Refuses to change an option once the layer is built (its weights exist for the old value):
     * an IllegalStateException naming the layer and the option.
     *
     * @param option the Keras name of the option being set
     */
    protected final void requireUnbuilt(String option) {
        if (isBuilt()) {
            throw new IllegalStateException(name + ": " + option + " must be set before the layer is built"
                    + " (it was already built for input " + shapeStr(builtInputShape) + ")");
        }
    }

    /** Weights dtype (float32 by default); set before the layer is built. */
    public void setDtype(DType dtype) {
        if (isBuilt()) {
            throw new IllegalStateException(name + ": dtype must be set before the layer is built");
        }
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException(name + ": layer dtype must be float32 or float64, got " + dtype);
        }
        this.dtype = dtype;
    }

    /**
     * Builds the layer for an input shape (batch axis -1 or any size) if not built yet. Calling it
     * again with an incompatible shape is an IllegalArgumentException naming the layer.
     */
    public final void ensureBuilt(long[] inputShape) {
        long[] s = inputShape.clone();
        if (s.length > 0) {
            s[0] = -1;
        }
        if (builtInputShape == null) {
            build(s);
            builtInputShape = acceptedInputShape(s);
        } else if (!compatible(builtInputShape, s)) {
            throw new IllegalArgumentException(name + ": expected input shape " + shapeStr(builtInputShape)
                    + " (batch first), got " + shapeStr(inputShape));
        }
    }

    /**
     * The input shapes the built layer accepts, from the first one (-1 = any size). The default
     * fixes every axis but the batch; layers that take any length on some axis (Embedding, the
     * recurrent layers' time axis) return -1 there.
     */
    protected long[] acceptedInputShape(long[] firstInputShape) {
        return firstInputShape;
    }

    private static boolean compatible(long[] built, long[] got) {
        if (built.length != got.length) {
            return false;
        }
        for (int i = 1; i < built.length; i++) {
            if (built[i] != -1 && got[i] != -1 && built[i] != got[i]) {
                return false;
            }
        }
        return true;
    }

    /** "(None, 3)" as Keras prints shapes with an unknown batch. */
    public static String shapeStr(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i] < 0 ? "None" : Long.toString(shape[i]));
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    /** Runs the layer: builds it on first use, checks the input, then {@link #call}s it. */
    public final Tensor apply(Tensor x, boolean training) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException(name + ": input must have a batch axis, got a scalar");
        }
        ensureBuilt(x.shape());
        return call(x, training);
    }

    /**
     * Runs the layer with a mask: a bool tensor [batch, time] marking the real (non-padding) time
     * steps of a sequence, as Keras's masking. Layers that consume masks (the recurrent layers)
     * override {@link #call(Tensor, Tensor, boolean)}; the others ignore it.
     */
    public final Tensor apply(Tensor x, Tensor mask, boolean training) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException(name + ": input must have a batch axis, got a scalar");
        }
        ensureBuilt(x.shape());
        return mask == null ? call(x, training) : call(x, mask, training);
    }

    /** The forward computation with a mask; the default ignores the mask. */
    protected Tensor call(Tensor x, Tensor mask, boolean training) {
        return call(x, training);
    }

    /**
     * The mask for this layer's output given its input and input mask (Keras's compute_mask):
     * the default passes the input mask through (as Keras's layers that support masking: Dense,
     * Dropout, Activation, BatchNormalization, TimeDistributed); Embedding(mask_zero) creates one; a
     * recurrent layer without return_sequences ends it (null), and so do the layers Keras does not
     * mask through (convolutions, pooling, Flatten, Reshape, ZeroPadding2D, UpSampling2D: {@link
     * #supportsMasking} false).
     */
    public Tensor computeMask(Tensor x, Tensor mask) {
        return supportsMasking() ? mask : null;
    }

    /**
     * Whether an input mask passes through this layer (Keras's supports_masking); true by default.
     *
     * @return false for a layer that drops the mask, as Keras's classes without masking support do
     */
    protected boolean supportsMasking() {
        return true;
    }

    /** Inference-mode call: {@code apply(x, false)}. */
    public final Tensor apply(Tensor x) {
        return apply(x, false);
    }

    /** Creates the weights for an input shape (batch axis -1). The default creates none. */
    protected void build(long[] inputShape) {
    }

    /** The forward computation on a built layer. */
    protected abstract Tensor call(Tensor x, boolean training);

    /** The output shape for an input shape (batch axis -1 stays -1). */
    public abstract long[] outputShape(long[] inputShape);

    /** The constructor arguments, JSON-compatible (numbers, strings, booleans, lists, maps). */
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("trainable", trainable);
        c.put("dtype", dtype.toString());
        return c;
    }

    /**
     * Creates a weight {@code name()/weightName} initialised by {@code init}. Trainable weights are
     * updated by optimizers; the others (e.g. moving statistics) only by the layer itself.
     */
    protected final Variable addWeight(String weightName, long[] shape, Initializer init, boolean trainableWeight) {
        java.util.function.BiConsumer<String, long[]> check = WEIGHT_CHECK.get();
        if (check != null) {
            check.accept(name + "/" + weightName, shape.clone());
        }
        Tensor v = init.initialize(shape, dtype);
        try {
            Variable w = new Variable(v, name + "/" + weightName, trainableWeight);
            weights.add(w);
            return w;
        } finally {
            v.close();
        }
    }

    private static final ThreadLocal<java.util.function.BiConsumer<String, long[]>> WEIGHT_CHECK = new ThreadLocal<>();

    /**
     * Runs {@code body} with every weight a layer creates on this thread first shown to
     * {@code check} (full name, shape), which may throw to refuse it before any memory is allocated.
     * Model loading uses it to compare each weight with the file before building it, so a corrupt
     * config (units: 2000000000) fails fast instead of allocating gigabytes.
     */
    public static <T> T withWeightCheck(java.util.function.BiConsumer<String, long[]> check, java.util.function.Supplier<T> body) {
        java.util.function.BiConsumer<String, long[]> outer = WEIGHT_CHECK.get();
        WEIGHT_CHECK.set(check);
        try {
            return body.get();
        } finally {
            WEIGHT_CHECK.set(outer);
        }
    }

    /** All weights in creation order. */
    public List<Variable> weights() {
        return Collections.unmodifiableList(weights);
    }

    /** Weights an optimizer updates (none when the layer is frozen). */
    public List<Variable> trainableWeights() {
        List<Variable> out = new ArrayList<>();
        if (trainable) {
            for (Variable w : weights) {
                if (w.trainable()) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    /** Weights not updated by optimizers. */
    public List<Variable> nonTrainableWeights() {
        List<Variable> out = new ArrayList<>();
        for (Variable w : weights) {
            if (!trainable || !w.trainable()) {
                out.add(w);
            }
        }
        return out;
    }

    /** Number of scalars in all weights. */
    public long countParams() {
        long n = 0;
        for (Variable w : weights) {
            n += Shapes.numel(w.shape());
        }
        return n;
    }

    /** The regularization penalty of this layer's weights (a scalar), or null when there is none. */
    public Tensor regularizationLoss() {
        return null;
    }

    /**
     * {@code r1.penalty(w1) + r2.penalty(w2)}, leaving out a pair whose regularizer or weight is null
     * (no regularizer, or not built); null when both are left out.
     */
    protected static Tensor penalties(Regularizer r1, Variable w1, Regularizer r2, Variable w2) {
        Tensor total = null;
        if (w1 != null && r1 != null) {
            total = r1.penalty(w1);
        }
        if (w2 != null && r2 != null) {
            Tensor p = r2.penalty(w2);
            total = total == null ? p : total.add(p);
        }
        return total;
    }

    /** Frees the weights. */
    @Override
    public void close() {
        for (Variable w : weights) {
            w.close();
        }
    }

    // ---- functional API and weight values ----------------------------------------------------

    /**
     * Calls the layer on symbolic tensors (the functional API, as calling a Keras layer on a
     * {@code KerasTensor}): builds the layer for their shapes and returns the symbolic output.
     * Applying the same layer twice shares its weights. Most layers take one input; merge layers
     * ({@link Add}, {@link Concatenate}, ...) take two or more.
     *
     * @param inputs the symbolic inputs
     * @return the symbolic output
     */
    public SymbolicTensor apply(SymbolicTensor... inputs) {
        return Node.apply(this, java.util.Arrays.asList(inputs));
    }

    /**
     * {@link #apply(SymbolicTensor...)} with a list.
     *
     * @param inputs the symbolic inputs
     * @return the symbolic output
     */
    public SymbolicTensor apply(List<SymbolicTensor> inputs) {
        return Node.apply(this, inputs);
    }

    /**
     * Copies of the weights' values in Keras's order (the order of {@link #weights()}, e.g.
     * kernel then bias), as {@code layer.get_weights()}; the copies belong to the current scope.
     *
     * @return one tensor per weight
     */
    public List<Tensor> getWeights() {
        List<Tensor> out = new ArrayList<>();
        for (Variable v : weights()) {
            out.add(dev.lamina.autograd.GradientTape.noGrad(() -> v.add(Tensor.zeros(v.backend(), v.dtype()))));
        }
        return out;
    }

    /**
     * Overwrites the weights in {@link #weights()} order, as {@code layer.set_weights()}. Each
     * value is a {@link Tensor} of the weight's shape, or a {@code float[]}/{@code double[]} of
     * its element count (row-major). Everything is checked before any weight changes.
     *
     * @param values one value per weight
     */
    public void setWeights(List<?> values) {
        List<Variable> w = weights();
        if (values == null || values.size() != w.size()) {
            throw new IllegalArgumentException(name + ".setWeights: " + (values == null ? "null" : values.size() + " values")
                    + " for " + w.size() + " weights " + weightNames(w));
        }
        for (int i = 0; i < w.size(); i++) {
            Object v = values.get(i);
            long[] shape = w.get(i).shape();
            long n = Shapes.numel(shape);
            if (v instanceof Tensor t) {
                if (!java.util.Arrays.equals(t.shape(), shape)) {
                    throw new IllegalArgumentException(name + ".setWeights: value " + i + " has shape " + Shapes.str(t.shape())
                            + " but weight " + w.get(i).name() + " is " + Shapes.str(shape));
                }
            } else if (v instanceof float[] f) {
                if (f.length != n) {
                    throw new IllegalArgumentException(name + ".setWeights: value " + i + " has " + f.length
                            + " numbers but weight " + w.get(i).name() + " " + Shapes.str(shape) + " needs " + n);
                }
            } else if (v instanceof double[] d) {
                if (d.length != n) {
                    throw new IllegalArgumentException(name + ".setWeights: value " + i + " has " + d.length
                            + " numbers but weight " + w.get(i).name() + " " + Shapes.str(shape) + " needs " + n);
                }
            } else {
                throw new IllegalArgumentException(name + ".setWeights: value " + i + " must be a Tensor, float[] or double[], got "
                        + (v == null ? "null" : v.getClass().getSimpleName()));
            }
        }
        for (int i = 0; i < w.size(); i++) {
            Variable var = w.get(i);
            Object v = values.get(i);
            if (v instanceof Tensor t) {
                var.assign(t);
            } else {
                try (dev.lamina.backend.Backends.Use u = dev.lamina.backend.Backends.use(var.backend());
                     Tensor t = v instanceof float[] f ? Tensor.of(f, var.shape()) : Tensor.of((double[]) v, var.shape());
                     Tensor c = t.cast(var.dtype())) {
                    var.assign(c);
                }
            }
        }
    }

    private static List<String> weightNames(List<Variable> w) {
        List<String> names = new ArrayList<>();
        for (Variable v : w) {
            names.add(v.name() + " " + Shapes.str(v.shape()));
        }
        return names;
    }

    @Override
    public String toString() {
        return className() + "(" + name + ")";
    }
}
