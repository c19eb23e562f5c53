package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * A fully connected recurrent layer, as {@code keras.layers.SimpleRNN}: per step
 * h = activation(x_t·kernel + h·recurrent_kernel + bias), activation tanh by default.
 * Weights: kernel [I, H], recurrent_kernel [H, H], bias [H].
 */
public class SimpleRNN extends RecurrentLayer {

    public SimpleRNN(int units) {
        this(new RecurrentConfig(units));
    }

    public SimpleRNN(int units, boolean returnSequences) {
        this(new RecurrentConfig(units).returnSequences(returnSequences));
    }

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

    public static SimpleRNN fromConfig(Map<String, Object> c) {
        return new SimpleRNN(RecurrentConfig.fromMap(c));
    }
}
