package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * A fully connected recurrent layer, as {@code keras.layers.SimpleRNN}: per step
 * h = activation(x_t·kernel + h·recurrent_kernel + bias), activation tanh by default.
 * Weights: kernel [I, H], recurrent_kernel [H, H], bias [H].
 */
public class SimpleRNN extends RecurrentLayer<SimpleRNN> {

    /**
     * {@code SimpleRNN(units)} with Keras's defaults; set other options fluently.
     *
     * @param units size of the state (and of each output step)
     */
    public SimpleRNN(int units) {
        this(new RecurrentConfig(units));
    }

    /**
     * {@code SimpleRNN(units, return_sequences=...)}.
     *
     * @param units size of the state
     * @param returnSequences whether to output every step
     */
    public SimpleRNN(int units, boolean returnSequences) {
        this(new RecurrentConfig(units).returnSequences(returnSequences));
    }

    /**
     * From a config object (copied: later changes to it do not reach this layer).
     *
     * @param config the options
     */
    public SimpleRNN(RecurrentConfig config) {
        super(config);
    }

    @Override
    protected int gates() {
        return 1;
    }

    @Override
    protected Tensor[] step(Tensor xProj, Tensor[] states, Tensor hForRecurrent, boolean fused) {
        return new Tensor[] {activation.apply(xProj.add(hForRecurrent.matmul(recurrentKernel)))};
    }

    /**
     * The whole-sequence kernel ({@link dev.lamina.ops.RecurrentOps#simpleRnn}) computes tanh;
     * other activations run step by step.
     */
    @Override
    protected String fusedUnavailableReason() {
        return activation.name().equals("tanh") ? null
                : "the fused simple RNN sequence needs activation tanh (got " + activation.name() + ")";
    }

    @Override
    protected Tensor[] runSequence(Tensor x, Tensor[] initial, boolean fused) {
        return fused ? dev.lamina.ops.RecurrentOps.simpleRnn(x, kernel, recurrentKernel, bias, initial[0], returnSequences)
                : null;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param c the config (Keras keys)
     * @return a new, unbuilt layer
     */
    public static SimpleRNN fromConfig(Map<String, Object> c) {
        return Dense.restoreBase(new SimpleRNN(RecurrentConfig.fromMap(c)), c);
    }
}
