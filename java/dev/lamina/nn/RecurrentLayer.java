package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The shared machinery of {@link SimpleRNN}, {@link LSTM} and {@link GRU}, with Keras semantics:
 * input [batch, time, features]; the input projection x·kernel for all time steps is one matrix
 * product; then one recurrent step per time step. Options: return_sequences (output every step,
 * [B, T, H], else the last, [B, H]), return_state ({@link #applyWithState}), an initial state,
 * go_backwards (steps run from the last; outputs stay in that reversed order, as Keras),
 * stateful (the final state of a batch is the initial state of the next; {@link #resetStates}),
 * dropout (one mask on the inputs for all steps) and recurrent_dropout (one mask on h for all
 * steps), and masking: at a masked step the states and the output carry over unchanged (the
 * output before the first unmasked step is zeros, as Keras, even with an initial state).
 *
 * <p>Fast path: with the default activations (tanh, sigmoid) LSTM and GRU steps use the fused
 * cell kernels ({@link dev.lamina.ops.RecurrentOps}); other activations run the same math
 * composed of tensor ops, and the layer logs once why.
 *
 * @param <L> the concrete layer class ({@code LSTM extends RecurrentLayer<LSTM>}), which the fluent
 *     setters return, so that {@code new LSTM(8).returnSequences(true).dropout(0.1)} stays an LSTM
 */
public abstract class RecurrentLayer<L extends RecurrentLayer<L>> extends Layer {
    private static final Logger LOG = Logger.getLogger("dev.lamina.nn");

    // Options are fixed once the layer is built; until then the fluent setters below change them
    // (and the copy in `options`, which Bidirectional clones).
    protected final int units;
    protected Activation activation;
    protected Activation recurrentActivation;
    protected boolean useBias;
    protected boolean returnSequences;
    protected boolean returnState;
    protected boolean goBackwards;
    /**
     * Masked steps output zeros instead of the previous output (Keras's zero_output_for_mask);
     * set by {@link Bidirectional} on the layers it wraps when they return sequences, as Keras forces it.
     */
    boolean zeroOutputForMask;
    protected boolean stateful;
    protected double dropout;
    protected double recurrentDropout;
    protected Initializer kernelInitializer;
    protected Initializer recurrentInitializer;
    protected Initializer biasInitializer;
    private long seed;
    private Rng dropoutRng;
    protected Variable kernel;
    protected Variable recurrentKernel;
    protected Variable bias;
    private Tensor[] storedStates;
    private boolean fastPathReported;

    /** Output and final states of one run. */
    public record Result(Tensor output, List<Tensor> states) {
    }

    private final RecurrentConfig options;

    protected RecurrentLayer(RecurrentConfig config) {
        super(config.name);
        // a private copy: the fluent setters change it, and a config shared by several layers must not change
        RecurrentConfig c = config.copy(config.name, config.goBackwards);
        this.options = c;
        if (c.units <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": units must be positive, got " + c.units);
        }
        if (!(c.dropout >= 0 && c.dropout < 1) || !(c.recurrentDropout >= 0 && c.recurrentDropout < 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": dropout rates must be in [0, 1), got dropout="
                    + c.dropout + " recurrent_dropout=" + c.recurrentDropout);
        }
        this.units = c.units;
        this.activation = Activations.get(c.activation);
        this.recurrentActivation = Activations.get(c.recurrentActivation);
        this.useBias = c.useBias;
        this.returnSequences = c.returnSequences;
        this.returnState = c.returnState;
        this.goBackwards = c.goBackwards;
        this.stateful = c.stateful;
        this.dropout = c.dropout;
        this.recurrentDropout = c.recurrentDropout;
        this.kernelInitializer = c.kernelInitializer != null ? c.kernelInitializer : Initializers.glorotUniform();
        this.recurrentInitializer = c.recurrentInitializer != null ? c.recurrentInitializer : Initializers.orthogonal(1.0, null);
        this.biasInitializer = c.biasInitializer != null ? c.biasInitializer : Initializers.zeros();
        this.seed = c.seed != null ? c.seed : Rng.nextGlobalSeed();
        this.dropoutRng = new Rng(seed);
    }

    /** The options this layer was made with (including those set fluently since). */
    public RecurrentConfig options() {
        return options;
    }

    // ---- fluent options (Keras's constructor arguments), each refused once the layer is built ----

    /** This layer as its own class, for the fluent setters (L is the class itself: {@code LSTM extends RecurrentLayer<LSTM>}). */
    @SuppressWarnings("unchecked")
    private L self() {
        return (L) this;
    }

    /**
     * The activation of the candidate state and output by Keras name (default "tanh"); returns this.
     *
     * @param activation the Keras name; an unknown one is an IllegalArgumentException listing the known names
     * @return this layer
     */
    public L activation(String activation) {
        requireUnbuilt("activation");
        this.activation = Activations.get(activation);
        options.activation = this.activation.name();
        return self();
    }

    /**
     * The activation of the gates by Keras name (default "sigmoid"); returns this.
     *
     * @param activation the Keras name; an unknown one is an IllegalArgumentException listing the known names
     * @return this layer
     */
    public L recurrentActivation(String activation) {
        requireUnbuilt("recurrent_activation");
        this.recurrentActivation = Activations.get(activation);
        options.recurrentActivation = this.recurrentActivation.name();
        return self();
    }

    /**
     * Whether the layer has a bias (default true); returns this.
     *
     * @param useBias whether to add a bias
     * @return this layer
     */
    public L useBias(boolean useBias) {
        requireUnbuilt("use_bias");
        this.useBias = useBias;
        options.useBias = useBias;
        return self();
    }

    /**
     * Whether to output every step [B, T, H] (true) or only the last [B, H] (default); returns this.
     *
     * @param returnSequences whether to return the whole sequence
     * @return this layer
     */
    public L returnSequences(boolean returnSequences) {
        requireUnbuilt("return_sequences");
        this.returnSequences = returnSequences;
        options.returnSequences = returnSequences;
        return self();
    }

    /**
     * Whether the final states are returned too (see {@link #applyWithState}); returns this.
     *
     * @param returnState whether to return the states
     * @return this layer
     */
    public L returnState(boolean returnState) {
        requireUnbuilt("return_state");
        this.returnState = returnState;
        options.returnState = returnState;
        return self();
    }

    /**
     * Whether to run over the sequence from its last step (default false); returns this.
     *
     * @param goBackwards whether to go backwards
     * @return this layer
     */
    public L goBackwards(boolean goBackwards) {
        requireUnbuilt("go_backwards");
        this.goBackwards = goBackwards;
        options.goBackwards = goBackwards;
        return self();
    }

    /**
     * Whether a batch's final states are the next batch's initial states (default false); returns this.
     *
     * @param stateful whether the layer keeps its states between calls
     * @return this layer
     */
    public L stateful(boolean stateful) {
        requireUnbuilt("stateful");
        this.stateful = stateful;
        options.stateful = stateful;
        return self();
    }

    /**
     * Fraction of the inputs dropped in training, one mask for all steps (default 0); returns this.
     *
     * @param rate a rate in [0, 1)
     * @return this layer
     */
    public L dropout(double rate) {
        requireUnbuilt("dropout");
        this.dropout = checkedRate("dropout", rate);
        options.dropout = rate;
        return self();
    }

    /**
     * Fraction of the recurrent state dropped in training, one mask for all steps (default 0); returns this.
     *
     * @param rate a rate in [0, 1)
     * @return this layer
     */
    public L recurrentDropout(double rate) {
        requireUnbuilt("recurrent_dropout");
        this.recurrentDropout = checkedRate("recurrent_dropout", rate);
        options.recurrentDropout = rate;
        return self();
    }

    private double checkedRate(String what, double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException(name() + ": " + what + " must be in [0, 1), got " + rate);
        }
        return rate;
    }

    /**
     * Initializer of the input kernel (default glorot_uniform); returns this.
     *
     * @param init the initializer
     * @return this layer
     */
    public L kernelInitializer(Initializer init) {
        requireUnbuilt("kernel_initializer");
        this.kernelInitializer = java.util.Objects.requireNonNull(init, "kernel_initializer");
        options.kernelInitializer = init;
        return self();
    }

    /**
     * Initializer of the input kernel by Keras name; returns this.
     *
     * @param init the Keras name
     * @return this layer
     */
    public L kernelInitializer(String init) {
        return kernelInitializer(Initializers.get(init));
    }

    /**
     * Initializer of the recurrent kernel (default orthogonal); returns this.
     *
     * @param init the initializer
     * @return this layer
     */
    public L recurrentInitializer(Initializer init) {
        requireUnbuilt("recurrent_initializer");
        this.recurrentInitializer = java.util.Objects.requireNonNull(init, "recurrent_initializer");
        options.recurrentInitializer = init;
        return self();
    }

    /**
     * Initializer of the recurrent kernel by Keras name; returns this.
     *
     * @param init the Keras name
     * @return this layer
     */
    public L recurrentInitializer(String init) {
        return recurrentInitializer(Initializers.get(init));
    }

    /**
     * Initializer of the bias (default zeros; LSTM then sets the forget gate to 1); returns this.
     *
     * @param init the initializer
     * @return this layer
     */
    public L biasInitializer(Initializer init) {
        requireUnbuilt("bias_initializer");
        this.biasInitializer = java.util.Objects.requireNonNull(init, "bias_initializer");
        options.biasInitializer = init;
        return self();
    }

    /**
     * Initializer of the bias by Keras name; returns this.
     *
     * @param init the Keras name
     * @return this layer
     */
    public L biasInitializer(String init) {
        return biasInitializer(Initializers.get(init));
    }

    /**
     * Seed of the dropout masks (Keras's {@code seed=}); returns this.
     *
     * @param seed the seed of the layer's generator
     * @return this layer
     */
    public L seed(long seed) {
        requireUnbuilt("seed");
        this.seed = seed;
        this.dropoutRng = new Rng(seed);
        options.seed = seed;
        return self();
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (without the batch axis): (time steps, features)
     * @return this layer
     */
    @Override
    public L inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return self();
    }

    public int units() {
        return units;
    }

    public boolean returnSequences() {
        return returnSequences;
    }

    public boolean returnState() {
        return returnState;
    }

    public boolean goBackwards() {
        return goBackwards;
    }

    /** Gate blocks per step: 1 (SimpleRNN), 3 (GRU), 4 (LSTM). */
    protected abstract int gates();

    /** Number of state tensors: 2 for LSTM (h, c), else 1 (h). */
    protected int stateCount() {
        return 1;
    }

    /** Shape of the bias weight. */
    protected long[] biasShape() {
        return new long[] {(long) gates() * units};
    }

    /** Whether the fused cell can run, or why not (null when it can). */
    protected String fusedUnavailableReason() {
        return "the fused kernel exists only for LSTM and GRU";
    }

    /**
     * One step: {@code xProj} [B, G·H] is this step's input projection (bias included for
     * SimpleRNN and LSTM; GRU adds bias[0]); {@code h} is the previous output (recurrent dropout
     * already applied for the recurrent product, {@code hRaw} without it). Returns the new states.
     */
    protected abstract Tensor[] step(Tensor xProj, Tensor[] states, Tensor hForRecurrent, boolean fused);

    @Override
    protected void build(long[] inputShape) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException(name() + ": expected input [batch, time, features], got " + shapeStr(inputShape));
        }
        long features = inputShape[2];
        long g = (long) gates() * units;
        kernel = addWeight("kernel", new long[] {features, g}, kernelInitializer, true);
        recurrentKernel = addWeight("recurrent_kernel", new long[] {units, g}, recurrentInitializer, true);
        if (useBias) {
            bias = addWeight("bias", biasShape(), biasInitializer(), true);
        }
    }

    /** The bias initializer (LSTM overrides for unit_forget_bias). */
    protected Initializer biasInitializer() {
        return biasInitializer;
    }

    /** Any number of time steps. */
    @Override
    protected long[] acceptedInputShape(long[] firstInputShape) {
        long[] s = firstInputShape.clone();
        s[1] = -1;
        return s;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return returnSequences ? new long[] {inputShape[0], inputShape[1], units} : new long[] {inputShape[0], units};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        return run(x, null, null, training).output();
    }

    @Override
    protected Tensor call(Tensor x, Tensor mask, boolean training) {
        return run(x, null, mask, training).output();
    }

    @Override
    public Tensor computeMask(Tensor x, Tensor mask) {
        return returnSequences ? mask : null;
    }

    /**
     * Runs the layer and returns the output together with the final states (h, or h and c for
     * LSTM), as Keras's return_state. {@code initialState} may be null (zeros, or the stored
     * states of a stateful layer).
     */
    public Result applyWithState(Tensor x, List<Tensor> initialState, Tensor mask, boolean training) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException(name() + ": expected input [batch, time, features], got " + Shapes.str(x.shape()));
        }
        ensureBuilt(x.shape());
        return run(x, initialState, mask, training);
    }

    /** Forgets the stored states of a stateful layer (the next batch starts from zeros). */
    public void resetStates() {
        if (storedStates != null) {
            for (Tensor t : storedStates) {
                t.close();
            }
            storedStates = null;
        }
    }

    private boolean fused() {
        String why = fusedUnavailableReason();
        if (why != null && !fastPathReported) {
            fastPathReported = true;
            LOG.info(name() + ": using the generic (unfused) recurrent path: " + why);
        }
        return why == null;
    }

    private Result run(Tensor x, List<Tensor> initialState, Tensor mask, boolean training) {
        long b = x.dim(0);
        long t = x.dim(1);
        long f = x.dim(2);
        if (t == 0) {
            throw new IllegalArgumentException(name() + ": input has no time steps: " + Shapes.str(x.shape()));
        }
        if (mask != null && (mask.rank() != 2 || mask.dim(0) != b || mask.dim(1) != t)) {
            throw new IllegalArgumentException(name() + ": mask must be [batch, time] = [" + b + ", " + t + "], got "
                    + Shapes.str(mask.shape()));
        }
        boolean fused = fused();
        Tensor in = x;
        if (training && dropout > 0) {
            in = x.mul(dropMask(x.dtype(), x.backend(), new long[] {b, 1, f}, dropout));
        }
        Tensor[] states = initialStates(x, initialState, b);
        Tensor rdMask = training && recurrentDropout > 0
                ? dropMask(x.dtype(), x.backend(), new long[] {b, units}, recurrentDropout) : null;
        if (mask == null && rdMask == null) {
            // whole-sequence kernel: one projection matmul, the recurrence as one tape node
            Tensor[] r = runSequence(goBackwards ? reverseTime(in) : in, states, fused);
            if (r != null) {
                Tensor[] finalStates = Arrays.copyOfRange(r, 1, r.length);
                keepStates(finalStates);
                return new Result(r[0], Arrays.asList(finalStates));
            }
        }
        Tensor proj = in.reshape(b * t, f).matmul(kernel);
        if (useBias && projectionBias() != null) {
            proj = proj.add(projectionBias());
        }
        proj = proj.reshape(b, t, (long) gates() * units);
        Tensor maskF = mask == null ? null : mask.cast(x.dtype());
        List<Tensor> outputs = returnSequences ? new ArrayList<>() : null;
        // as Keras: a masked step repeats the previous output (zeros with zeroOutputForMask), and
        // before the first real step that is zeros (not the initial state, which the states still carry)
        Tensor output = maskF != null ? Tensor.zerosLike(states[0]) : states[0];
        for (long s = 0; s < t; s++) {
            long step = goBackwards ? t - 1 - s : s;
            Tensor xt = proj.slice(1, step, step + 1).reshape(b, (long) gates() * units);
            Tensor hRec = rdMask == null ? states[0] : states[0].mul(rdMask);
            Tensor[] next = step(xt, states, hRec, fused);
            if (maskF != null) {
                Tensor m = maskF.slice(1, step, step + 1);          // [B, 1]
                Tensor keep = m.neg().add(1.0);
                for (int i = 0; i < next.length; i++) {
                    next[i] = next[i].mul(m).add(states[i].mul(keep));
                }
                output = zeroOutputForMask ? next[0].mul(m) : next[0].mul(m).add(output.mul(keep));
            } else {
                output = next[0];
            }
            states = next;
            if (outputs != null) {
                outputs.add(output);
            }
        }
        Tensor y = outputs != null ? Tensor.stack(outputs, 1) : output;
        keepStates(states);
        return new Result(y, Arrays.asList(states));
    }

    /** A stateful layer keeps the final states as the next call's initial states. */
    private void keepStates(Tensor[] states) {
        if (stateful) {
            // copies that outlive the caller's scope; not trainable, so no gradient flows between
            // batches (truncated backpropagation through time, as Keras)
            Tensor[] keep = new Tensor[states.length];
            for (int i = 0; i < states.length; i++) {
                keep[i] = new Variable(states[i], name() + "/state_" + i, false);
            }
            resetStates();
            storedStates = keep;
        }
    }

    /**
     * The whole sequence through the fused sequence kernel of {@link dev.lamina.ops.RecurrentOps}
     * (x already reversed for go_backwards, dropout applied), returning {output, final states...};
     * null when this layer's options need the step-by-step path.
     */
    protected Tensor[] runSequence(Tensor x, Tensor[] initialStates, boolean fused) {
        return null;
    }

    /** The time axis reversed: [B, T, ...] with step t moved to T-1-t. */
    static Tensor reverseTime(Tensor y) {
        long t = y.dim(1);
        List<Tensor> steps = new ArrayList<>();
        for (long i = t - 1; i >= 0; i--) {
            steps.add(y.slice(1, i, i + 1));
        }
        return Tensor.concat(steps, 1);
    }

    /** The bias added to the input projection (all of it for SimpleRNN/LSTM; GRU: bias[0]). */
    protected Tensor projectionBias() {
        return bias;
    }

    private Tensor[] initialStates(Tensor x, List<Tensor> given, long b) {
        int n = stateCount();
        Tensor[] s = new Tensor[n];
        if (given != null) {
            if (given.size() != n) {
                throw new IllegalArgumentException(name() + ": expected " + n + " initial state tensor(s), got " + given.size());
            }
            for (int i = 0; i < n; i++) {
                Tensor g = given.get(i);
                if (g.rank() != 2 || g.dim(0) != b || g.dim(1) != units) {
                    throw new IllegalArgumentException(name() + ": initial state " + i + " must be [" + b + ", " + units + "], got "
                            + Shapes.str(g.shape()));
                }
                s[i] = g;
            }
            return s;
        }
        if (stateful && storedStates != null) {
            if (storedStates[0].dim(0) != b) {
                throw new IllegalArgumentException(name() + ": a stateful layer needs the same batch size every call (stored "
                        + storedStates[0].dim(0) + ", got " + b + "); call resetStates() to change it");
            }
            // views owned by the caller's scope: the next call replaces (closes) the stored
            // variables, while a tape may still need this call's initial states for its backward
            Tensor[] views = new Tensor[n];
            for (int i = 0; i < n; i++) {
                views[i] = storedStates[i].view();
            }
            return views;
        }
        for (int i = 0; i < n; i++) {
            s[i] = Tensor.zeros(x.backend(), x.dtype(), b, units);
        }
        return s;
    }

    /** Inverted-dropout mask: 1/(1-rate) with probability 1-rate, else 0. */
    private Tensor dropMask(DType dtype, dev.lamina.backend.Backend backend, long[] shape, double rate) {
        double[] v = new double[Shapes.checkedNumel("dropout", shape)];
        double keep = 1.0 / (1.0 - rate);
        for (int i = 0; i < v.length; i++) {
            v[i] = dropoutRng.nextDouble() < rate ? 0.0 : keep;
        }
        try (dev.lamina.backend.Backends.Use u = dev.lamina.backend.Backends.use(backend);
             Tensor d = Tensor.of(v, shape)) {
            return d.cast(dtype);
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("units", units);
        c.put("activation", activation.name());
        c.put("recurrent_activation", recurrentActivation.name());
        c.put("use_bias", useBias);
        c.put("return_sequences", returnSequences);
        c.put("return_state", returnState);
        c.put("go_backwards", goBackwards);
        c.put("stateful", stateful);
        c.put("dropout", dropout);
        c.put("recurrent_dropout", recurrentDropout);
        c.put("kernel_initializer", kernelInitializer.config());
        c.put("recurrent_initializer", recurrentInitializer.config());
        c.put("bias_initializer", biasInitializer.config());
        c.put("seed", seed);
        return c;
    }

    @Override
    public void close() {
        resetStates();
        super.close();
    }

    /** The options of a recurrent layer, with Keras defaults; fluent. */
    public static final class RecurrentConfig {
        String name;
        int units;
        String activation = "tanh";
        String recurrentActivation = "sigmoid";
        boolean useBias = true;
        boolean returnSequences;
        boolean returnState;
        boolean goBackwards;
        boolean stateful;
        double dropout;
        double recurrentDropout;
        boolean unitForgetBias = true;
        Initializer kernelInitializer;
        Initializer recurrentInitializer;
        Initializer biasInitializer;
        Long seed;

        public RecurrentConfig(int units) {
            this.units = units;
        }

        public RecurrentConfig name(String v) { name = v; return this; }
        public RecurrentConfig activation(String v) { activation = v; return this; }
        public RecurrentConfig recurrentActivation(String v) { recurrentActivation = v; return this; }
        public RecurrentConfig useBias(boolean v) { useBias = v; return this; }
        public RecurrentConfig returnSequences(boolean v) { returnSequences = v; return this; }
        public RecurrentConfig returnState(boolean v) { returnState = v; return this; }
        public RecurrentConfig goBackwards(boolean v) { goBackwards = v; return this; }
        public RecurrentConfig stateful(boolean v) { stateful = v; return this; }
        public RecurrentConfig dropout(double v) { dropout = v; return this; }
        public RecurrentConfig recurrentDropout(double v) { recurrentDropout = v; return this; }
        public RecurrentConfig unitForgetBias(boolean v) { unitForgetBias = v; return this; }
        public RecurrentConfig kernelInitializer(Initializer v) { kernelInitializer = v; return this; }
        public RecurrentConfig recurrentInitializer(Initializer v) { recurrentInitializer = v; return this; }
        public RecurrentConfig biasInitializer(Initializer v) { biasInitializer = v; return this; }
        public RecurrentConfig seed(long v) { seed = v; return this; }

        /** A copy with go_backwards set (used by Bidirectional) and a new name. */
        RecurrentConfig copy(String newName, boolean backwards) {
            RecurrentConfig c = new RecurrentConfig(units);
            c.name = newName;
            c.activation = activation;
            c.recurrentActivation = recurrentActivation;
            c.useBias = useBias;
            c.returnSequences = returnSequences;
            c.returnState = returnState;
            c.goBackwards = backwards;
            c.stateful = stateful;
            c.dropout = dropout;
            c.recurrentDropout = recurrentDropout;
            c.unitForgetBias = unitForgetBias;
            c.kernelInitializer = kernelInitializer;
            c.recurrentInitializer = recurrentInitializer;
            c.biasInitializer = biasInitializer;
            c.seed = seed;
            return c;
        }

        @SuppressWarnings("unchecked")
        static RecurrentConfig fromMap(Map<String, Object> m) {
            RecurrentConfig c = new RecurrentConfig(((Number) m.get("units")).intValue());
            c.name = (String) m.get("name");
            if (m.get("activation") != null) c.activation = (String) m.get("activation");
            if (m.get("recurrent_activation") != null) c.recurrentActivation = (String) m.get("recurrent_activation");
            c.useBias = !Boolean.FALSE.equals(m.get("use_bias"));
            c.returnSequences = Boolean.TRUE.equals(m.get("return_sequences"));
            c.returnState = Boolean.TRUE.equals(m.get("return_state"));
            c.goBackwards = Boolean.TRUE.equals(m.get("go_backwards"));
            c.stateful = Boolean.TRUE.equals(m.get("stateful"));
            c.dropout = m.get("dropout") == null ? 0 : ((Number) m.get("dropout")).doubleValue();
            c.recurrentDropout = m.get("recurrent_dropout") == null ? 0 : ((Number) m.get("recurrent_dropout")).doubleValue();
            c.unitForgetBias = !Boolean.FALSE.equals(m.get("unit_forget_bias"));
            if (m.get("kernel_initializer") != null) c.kernelInitializer = Initializers.fromConfig((Map<String, Object>) m.get("kernel_initializer"));
            if (m.get("recurrent_initializer") != null) c.recurrentInitializer = Initializers.fromConfig((Map<String, Object>) m.get("recurrent_initializer"));
            if (m.get("bias_initializer") != null) c.biasInitializer = Initializers.fromConfig((Map<String, Object>) m.get("bias_initializer"));
            if (m.get("seed") != null) c.seed = ((Number) m.get("seed")).longValue();
            return c;
        }
    }
}
