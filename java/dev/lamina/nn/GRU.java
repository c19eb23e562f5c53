package dev.lamina.nn;

import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Gated recurrent unit, as {@code keras.layers.GRU} with reset_after = true (the Keras and cuDNN
 * default). Weights: kernel [I, 3H], recurrent_kernel [H, 3H], bias [2, 3H] (input bias row,
 * recurrent bias row), gate blocks z, r, h. Per step:
 * <pre>
 * xz = x_t·kernel + bias[0],  hz = h·recurrent_kernel + bias[1]
 * z = σ(xz_z + hz_z), r = σ(xz_r + hz_r), ĥ = tanh(xz_h + r ⊙ hz_h)
 * h = z ⊙ h + (1 − z) ⊙ ĥ
 * </pre>
 */
public class GRU extends RecurrentLayer<GRU> {

    /**
     * {@code GRU(units)} with Keras's defaults; set other options fluently.
     *
     * @param units size of the state (and of each output step)
     */
    public GRU(int units) {
        this(new RecurrentConfig(units));
    }

    /**
     * {@code GRU(units, return_sequences=...)}.
     *
     * @param units size of the state
     * @param returnSequences whether to output every step
     */
    public GRU(int units, boolean returnSequences) {
        this(new RecurrentConfig(units).returnSequences(returnSequences));
    }

    /**
     * From a config object (copied: later changes to it do not reach this layer).
     *
     * @param config the options
     */
    public GRU(RecurrentConfig config) {
        super(config);
    }

    @Override
    protected int gates() {
        return 3;
    }

    @Override
    protected long[] biasShape() {
        return new long[] {2, 3L * units};
    }

    @Override
    protected String fusedUnavailableReason() {
        if (!activation.name().equals("tanh") || !recurrentActivation.name().equals("sigmoid")) {
            return "the fused GRU cell needs activation tanh and recurrent_activation sigmoid (got "
                    + activation.name() + ", " + recurrentActivation.name() + ")";
        }
        return null;
    }

    @Override
    protected Tensor projectionBias() {
        return bias == null ? null : bias.slice(0, 0, 1).reshape(3L * units);
    }

    @Override
    protected Tensor[] step(Tensor xProj, Tensor[] states, Tensor hForRecurrent, boolean fused) {
        Tensor hz = hForRecurrent.matmul(recurrentKernel);
        if (bias != null) {
            hz = hz.add(bias.slice(0, 1, 2).reshape(3L * units));
        }
        Tensor hPrev = states[0];
        if (fused) {
            return new Tensor[] {RecurrentOps.gruCell(xProj, hz, hPrev)};
        }
        long h = units;
        Tensor z = recurrentActivation.apply(xProj.slice(1, 0, h).add(hz.slice(1, 0, h)));
        Tensor r = recurrentActivation.apply(xProj.slice(1, h, 2 * h).add(hz.slice(1, h, 2 * h)));
        Tensor cand = activation.apply(xProj.slice(1, 2 * h, 3 * h).add(r.mul(hz.slice(1, 2 * h, 3 * h))));
        Tensor out = z.mul(hPrev).add(z.neg().add(1.0).mul(cand));
        return new Tensor[] {out};
    }

    @Override
    protected Tensor[] runSequence(Tensor x, Tensor[] initial, boolean fused) {
        return fused ? RecurrentOps.gru(x, kernel, recurrentKernel, bias, initial[0], returnSequences) : null;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param c the config (Keras keys)
     * @return a new, unbuilt layer
     */
    public static GRU fromConfig(Map<String, Object> c) {
        return Dense.restoreBase(new GRU(RecurrentConfig.fromMap(c)), c);
    }
}
