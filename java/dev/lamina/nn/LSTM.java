package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Long short-term memory, as {@code keras.layers.LSTM}. Weights: kernel [I, 4H],
 * recurrent_kernel [H, 4H], bias [4H], gate blocks in the order i, f, c, o. Per step:
 * <pre>
 * z = x_t·kernel + h·recurrent_kernel + bias
 * i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
 * c = f ⊙ c + i ⊙ g,  h = o ⊙ tanh(c)
 * </pre>
 * (σ and tanh are recurrent_activation and activation.) unit_forget_bias (default) starts the
 * forget-gate bias at 1. States: h and c. See {@link RecurrentLayer} for the options.
 */
public class LSTM extends RecurrentLayer<LSTM> {

    /**
     * {@code LSTM(units)} with Keras's defaults; set other options fluently.
     *
     * @param units size of the state (and of each output step)
     */
    public LSTM(int units) {
        this(new RecurrentConfig(units));
    }

    /**
     * {@code LSTM(units, return_sequences=...)}.
     *
     * @param units size of the state
     * @param returnSequences whether to output every step
     */
    public LSTM(int units, boolean returnSequences) {
        this(new RecurrentConfig(units).returnSequences(returnSequences));
    }

    /**
     * From a config object (copied: later changes to it do not reach this layer).
     *
     * @param config the options
     */
    public LSTM(RecurrentConfig config) {
        super(config);
    }

    /**
     * Whether the forget gate's bias starts at 1 (Keras's {@code unit_forget_bias}, default true); returns this.
     *
     * @param unitForgetBias whether to add 1 to the forget gate's initial bias
     * @return this layer
     */
    public LSTM unitForgetBias(boolean unitForgetBias) {
        requireUnbuilt("unit_forget_bias");
        options().unitForgetBias = unitForgetBias;
        return this;
    }

    @Override
    protected int gates() {
        return 4;
    }

    @Override
    protected int stateCount() {
        return 2;
    }

    @Override
    protected String fusedUnavailableReason() {
        if (!activation.name().equals("tanh") || !recurrentActivation.name().equals("sigmoid")) {
            return "the fused LSTM cell needs activation tanh and recurrent_activation sigmoid (got "
                    + activation.name() + ", " + recurrentActivation.name() + ")";
        }
        return null;
    }

    @Override
    protected Initializer biasInitializer() {
        if (!options().unitForgetBias) {
            return biasInitializer;
        }
        Initializer base = biasInitializer;
        int h = units;
        return new Initializer() {
            @Override
            public Tensor initialize(long[] shape, DType dtype) {
                try (Tensor b = base.initialize(shape, dtype)) {
                    double[] v = b.toDoubleArray();
                    for (int i = h; i < 2 * h; i++) {
                        v[i] = 1.0;
                    }
                    try (Tensor d = Tensor.of(v, shape)) {
                        return d.cast(dtype);
                    }
                }
            }

            @Override
            public Map<String, Object> config() {
                return base.config();
            }
        };
    }

    @Override
    protected Tensor[] step(Tensor xProj, Tensor[] states, Tensor hForRecurrent, boolean fused) {
        Tensor z = xProj.add(hForRecurrent.matmul(recurrentKernel));
        if (fused) {
            return RecurrentOps.lstmCell(z, states[1]);
        }
        long h = units;
        Tensor i = recurrentActivation.apply(z.slice(1, 0, h));
        Tensor f = recurrentActivation.apply(z.slice(1, h, 2 * h));
        Tensor g = activation.apply(z.slice(1, 2 * h, 3 * h));
        Tensor o = recurrentActivation.apply(z.slice(1, 3 * h, 4 * h));
        Tensor c = f.mul(states[1]).add(i.mul(g));
        return new Tensor[] {o.mul(activation.apply(c)), c};
    }

    @Override
    protected Tensor[] runSequence(Tensor x, Tensor[] initial, boolean fused) {
        return fused ? RecurrentOps.lstm(x, kernel, recurrentKernel, bias, initial[0], initial[1], returnSequences) : null;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("unit_forget_bias", options().unitForgetBias);
        return c;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param c the config (Keras keys)
     * @return a new, unbuilt layer
     */
    public static LSTM fromConfig(Map<String, Object> c) {
        return Dense.restoreBase(new LSTM(RecurrentConfig.fromMap(c)), c);
    }
}
