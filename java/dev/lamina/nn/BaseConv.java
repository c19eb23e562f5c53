package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the convolution layers share, as Keras's {@code BaseConv}: kernel size, strides, padding,
 * dilation rate, activation, bias, initializers and regularizers over {@code rank} spatial axes
 * (1 for {@link Conv1D}, 2 for the image layers), channels last.
 *
 * <p>Subclasses say how the kernel is shaped and how the convolution runs; this class creates the
 * weights ({@code name/kernel}, then {@code name/bias} [outChannels] when {@code use_bias}), adds
 * the bias, applies the activation, and accepts inputs of any spatial size once built (only the
 * channel count is fixed, as Keras). Keras defaults: strides 1, padding "valid", dilation 1,
 * bias on, glorot-uniform kernel, zero bias, linear activation.
 *
 * @param <T> the concrete layer, returned by the fluent setters
 */
public abstract class BaseConv<T extends BaseConv<T>> extends Layer {
    /** Number of spatial axes. */
    protected final int rank;
    /** Kernel size per spatial axis. */
    protected final int[] kernelSize;
    /** Activation after the bias. */
    protected Activation activation;
    protected int[] strides;
    protected String padding = "valid";
    protected int[] dilation;
    protected boolean useBias = true;
    protected Initializer kernelInitializer = Initializers.glorotUniform();
    protected Initializer biasInitializer = Initializers.zeros();
    protected Regularizer kernelRegularizer;
    protected Regularizer biasRegularizer;
    protected Variable kernel;
    protected Variable bias;

    protected BaseConv(String name, int rank, int[] kernelSize, Activation activation) {
        super(name);
        this.rank = rank;
        this.kernelSize = positive("kernel_size", kernelSize, rank);
        this.activation = activation != null ? activation : Activations.LINEAR;
        int[] ones = new int[rank];
        Arrays.fill(ones, 1);
        this.strides = ones.clone();
        this.dilation = ones.clone();
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    /** The Keras class name followed by a colon, to start error messages. */
    protected final String who() {
        return className() + " '" + name() + "'";
    }

    /** A copy of v after checking it has {@code n} positive entries; a single value is repeated. */
    protected final int[] positive(String what, int[] v, int n) {
        if (v == null || (v.length != n && v.length != 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must have " + n
                    + (n == 1 ? " value" : " values") + ", got " + (v == null ? "null" : Arrays.toString(v)));
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = v.length == 1 ? v[0] : v[i];
            if (out[i] < 1) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ": " + what + " must be positive, got "
                        + Arrays.toString(v));
            }
        }
        return out;
    }

    /** Paddings this layer accepts (lower case). */
    protected List<String> paddings() {
        return List.of("valid", "same");
    }

    protected final void checkUnbuilt(String what) {
        requireUnbuilt(what);
    }

    /**
     * The activation by Keras name ("relu", ...; null or "linear" for none); returns this.
     *
     * @param activation the Keras name; an unknown one is an IllegalArgumentException listing the known names
     * @return this layer
     */
    public T activation(String activation) {
        return activation(Activations.get(activation));
    }

    /**
     * The activation applied after the bias (null for linear); returns this.
     *
     * @param activation the activation
     * @return this layer
     */
    public T activation(Activation activation) {
        checkUnbuilt("activation");
        this.activation = activation != null ? activation : Activations.LINEAR;
        return self();
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (without the batch axis)
     * @return this layer
     */
    @Override
    public T inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return self();
    }

    /** Strides per spatial axis (one value for all axes or one per axis; default 1); returns this. */
    public T strides(int... strides) {
        checkUnbuilt("strides");
        this.strides = positive("strides", strides, rank);
        return self();
    }

    /** "valid" (default) or "same" (Conv1D also "causal"), case-insensitive; returns this. */
    public T padding(String padding) {
        checkUnbuilt("padding");
        String p = padding == null ? null : padding.toLowerCase(Locale.ROOT);
        if (p == null || !paddings().contains(p)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": padding must be one of " + paddings()
                    + ", got " + padding);
        }
        this.padding = p;
        return self();
    }

    /** Dilation rate per spatial axis (default 1); returns this. */
    public T dilationRate(int... dilation) {
        checkUnbuilt("dilation_rate");
        this.dilation = positive("dilation_rate", dilation, rank);
        return self();
    }

    /** Whether to add a bias (default true); returns this. */
    public T useBias(boolean useBias) {
        checkUnbuilt("use_bias");
        this.useBias = useBias;
        return self();
    }

    /** Kernel initializer (default glorot_uniform); returns this. */
    public T kernelInitializer(Initializer init) {
        checkUnbuilt("kernel_initializer");
        this.kernelInitializer = Objects.requireNonNull(init, "kernel_initializer");
        return self();
    }

    /** Kernel initializer by Keras name; returns this. */
    public T kernelInitializer(String init) {
        return kernelInitializer(Initializers.get(init));
    }

    /** Bias initializer (default zeros); returns this. */
    public T biasInitializer(Initializer init) {
        checkUnbuilt("bias_initializer");
        this.biasInitializer = Objects.requireNonNull(init, "bias_initializer");
        return self();
    }

    /** Bias initializer by Keras name; returns this. */
    public T biasInitializer(String init) {
        return biasInitializer(Initializers.get(init));
    }

    /** Penalty on the kernel (null for none); returns this. */
    public T kernelRegularizer(Regularizer reg) {
        checkUnbuilt("kernel_regularizer");
        this.kernelRegularizer = reg;
        return self();
    }

    /** Penalty on the bias (null for none); returns this. */
    public T biasRegularizer(Regularizer reg) {
        checkUnbuilt("bias_regularizer");
        this.biasRegularizer = reg;
        return self();
    }

    public int[] kernelSize() {
        return kernelSize.clone();
    }

    public int[] strides() {
        return strides.clone();
    }

    public String padding() {
        return padding;
    }

    public int[] dilationRate() {
        return dilation.clone();
    }

    public Activation activation() {
        return activation;
    }

    public boolean usesBias() {
        return useBias;
    }

    /** The kernel (null before build). */
    public Variable kernel() {
        return kernel;
    }

    /** The bias (null before build or without bias). */
    public Variable bias() {
        return bias;
    }

    // ---- what subclasses provide ----

    /** The kernel shape for an input with {@code channels} channels (checks the channel rules). */
    protected abstract long[] kernelShape(long channels);

    /** Number of output channels (the bias length). */
    protected abstract long outChannels(long channels);

    /** Output size along spatial axis {@code axis} for input size {@code in} (-1 stays -1); checks the size. */
    protected abstract long outputSize(int axis, long in);

    /**
     * The whole layer as one op when the layer type has one: the convolution plus {@code bias} (null
     * for none) followed by ReLU when {@code relu} (else the identity). Null means "not fused here",
     * and {@link #call} composes {@link #convolve}, the bias add and the activation instead.
     */
    protected Tensor convolveFused(Tensor x, Tensor bias, boolean relu) {
        return null;
    }

    /**
     * The groups setters of the grouped convolutions: {@code groups} after checking it is positive
     * and divides {@code filters} (and that the layer is not built yet).
     */
    protected final int checkedGroups(int groups, int filters) {
        checkUnbuilt("groups");
        if (groups < 1 || filters % groups != 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": groups must be positive and divide filters "
                    + filters + ", got " + groups);
        }
        return groups;
    }

    /** Input channels per group, checking that {@code groups} divides {@code channels}. */
    protected final long channelsPerGroup(long channels, int groups) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(who() + ": groups " + groups + " must divide the input channels " + channels);
        }
        return channels / groups;
    }

    /** The convolution of the (cast, checked) input with the kernel, before bias and activation. */
    protected abstract Tensor convolve(Tensor x);

    // ---- Layer ----

    @Override
    protected void build(long[] inputShape) {
        if (inputShape.length != rank + 2) {
            throw new IllegalArgumentException(who() + ": expected an input of rank " + (rank + 2) + " "
                    + (rank == 1 ? "(batch, steps, channels)" : "(batch, height, width, channels)") + ", got "
                    + shapeStr(inputShape));
        }
        long c = inputShape[rank + 1];
        if (c <= 0) {
            throw new IllegalArgumentException(who() + ": the channel axis of the input must be known, got "
                    + shapeStr(inputShape));
        }
        outputShape(inputShape); // checks known spatial sizes against the kernel
        kernel = addWeight("kernel", kernelShape(c), kernelInitializer, true);
        if (useBias) {
            bias = addWeight("bias", new long[] {outChannels(c)}, biasInitializer, true);
        }
    }

    /** Any spatial size (as Keras): only the channel count is fixed by the first input. */
    @Override
    protected long[] acceptedInputShape(long[] first) {
        long[] s = first.clone();
        for (int i = 1; i <= rank; i++) {
            s[i] = -1;
        }
        return s;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length != rank + 2) {
            throw new IllegalArgumentException(who() + ": expected an input of rank " + (rank + 2) + ", got "
                    + shapeStr(inputShape));
        }
        long[] out = inputShape.clone();
        for (int a = 0; a < rank; a++) {
            long in = inputShape[a + 1];
            if (in == 0) {
                throw new IllegalArgumentException(who() + ": spatial sizes must be positive, got " + shapeStr(inputShape));
            }
            out[a + 1] = in < 0 ? -1 : outputSize(a, in);
        }
        out[rank + 1] = outChannels(inputShape[rank + 1]);
        return out;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        outputShape(x.shape()); // names this layer when the input is too small for the kernel
        Tensor h = Dense.castInput(x, dtype(), name());
        boolean relu = activation == Activations.RELU;
        if (relu || activation == Activations.LINEAR) {
            Tensor fused = convolveFused(h, useBias ? bias : null, relu);
            if (fused != null) {
                return fused;
            }
        }
        Tensor y = convolve(h);
        if (useBias) {
            y = y.add(bias);
        }
        return activation.apply(y);
    }

    /**
     * Output size of a window along one axis (ConvOps's rule): valid ⌈(in − eff + 1) / stride⌉ with
     * eff = (k − 1)·dilation + 1; same and causal ⌈in / stride⌉. An input smaller than eff with
     * "valid" padding is an IllegalArgumentException naming the layer.
     */
    protected final long windowOutput(int axis, long in, int k, int stride, int dil, String pad) {
        long eff = (long) (k - 1) * dil + 1;
        if (pad.equals("valid") && in < eff) {
            throw new IllegalArgumentException(who() + ": kernel size " + Arrays.toString(kernelSize)
                    + (dil > 1 ? " dilated by " + Arrays.toString(dilation) : "") + " is larger than the input ("
                    + (rank == 1 ? "steps " : axis == 0 ? "height " : "width ") + in + ") with padding 'valid'");
        }
        if (pad.equals("valid")) {
            return (in - eff + stride) / stride;
        }
        return (in + stride - 1) / stride;
    }

    /** λ-penalties of kernel and bias summed (null without regularizers or before build). */
    @Override
    public Tensor regularizationLoss() {
        return penalties(kernelRegularizer, kernel, biasRegularizer, bias);
    }

    static List<Object> ints(int[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            l[i] = v[i];
        }
        return Dense.list(l);
    }

    static int[] ints(Object list, String key) {
        if (list instanceof Number n) {
            return new int[] {n.intValue()};
        }
        long[] l = Dense.longs(list, key);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("kernel_size", ints(kernelSize));
        c.put("strides", ints(strides));
        c.put("padding", padding);
        c.put("data_format", "channels_last");
        c.put("dilation_rate", ints(dilation));
        c.put("activation", activation.name());
        c.put("use_bias", useBias);
        c.put("kernel_initializer", kernelInitializer.config());
        c.put("bias_initializer", biasInitializer.config());
        c.put("kernel_regularizer", kernelRegularizer == null ? null : kernelRegularizer.config());
        c.put("bias_regularizer", biasRegularizer == null ? null : biasRegularizer.config());
        return c;
    }

    /** Applies the shared keys of a saved config (strides, padding, ..., base keys) to a new layer. */
    @SuppressWarnings("unchecked")
    static <L extends BaseConv<L>> L restoreConv(L layer, Map<String, Object> config) {
        Object df = config.get("data_format");
        if (df != null && !"channels_last".equals(df)) {
            throw new IllegalArgumentException(layer.className() + " config: only data_format 'channels_last' is supported, got "
                    + df);
        }
        if (config.get("strides") != null) {
            layer.strides(ints(config.get("strides"), "strides"));
        }
        if (config.get("padding") != null) {
            layer.padding((String) config.get("padding"));
        }
        if (config.get("dilation_rate") != null) {
            layer.dilationRate(ints(config.get("dilation_rate"), "dilation_rate"));
        }
        layer.useBias(Dense.bool(config, "use_bias", true));
        if (config.get("kernel_initializer") != null) {
            layer.kernelInitializer(Dense.initializer(config.get("kernel_initializer")));
        }
        if (config.get("bias_initializer") != null) {
            layer.biasInitializer(Dense.initializer(config.get("bias_initializer")));
        }
        layer.kernelRegularizer(Regularizers.fromConfig((Map<String, Object>) config.get("kernel_regularizer")));
        layer.biasRegularizer(Regularizers.fromConfig((Map<String, Object>) config.get("bias_regularizer")));
        return Dense.restoreBase(layer, config);
    }

    static int filtersFrom(Map<String, Object> config, String cls, String key) {
        Object f = config.get(key);
        if (!(f instanceof Number n)) {
            throw new IllegalArgumentException(cls + " config needs a number '" + key + "', got " + config);
        }
        return n.intValue();
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
