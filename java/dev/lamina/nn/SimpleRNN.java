package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * A fully connected recurrent layer, as {@code keras.layers.SimpleRNN}: per step
 * h = activation(x_t·kernel + h·recurrent_kernel + bias), activation tanh by default.
 * Weights: kernel [I, H], recurrent_kernel [H, H], bias [H].
 */
public class SimpleRNN extends RecurrentLayer {

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

    // ---- the fluent options of RecurrentLayer, returning this class ----

    /**
     * {@inheritDoc}
     *
     * @param activation the Keras name of the activation
     * @return this layer
     */
    @Override
    public SimpleRNN activation(String activation) {
        super.activation(activation);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param activation the Keras name of the activation
     * @return this layer
     */
    @Override
    public SimpleRNN recurrentActivation(String activation) {
        super.recurrentActivation(activation);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param useBias whether to add a bias
     * @return this layer
     */
    @Override
    public SimpleRNN useBias(boolean useBias) {
        super.useBias(useBias);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param returnSequences whether to return every step
     * @return this layer
     */
    @Override
    public SimpleRNN returnSequences(boolean returnSequences) {
        super.returnSequences(returnSequences);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param returnState whether to return the final states
     * @return this layer
     */
    @Override
    public SimpleRNN returnState(boolean returnState) {
        super.returnState(returnState);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param goBackwards whether to run from the last step
     * @return this layer
     */
    @Override
    public SimpleRNN goBackwards(boolean goBackwards) {
        super.goBackwards(goBackwards);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param stateful whether states carry over between calls
     * @return this layer
     */
    @Override
    public SimpleRNN stateful(boolean stateful) {
        super.stateful(stateful);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param rate a rate in [0, 1)
     * @return this layer
     */
    @Override
    public SimpleRNN dropout(double rate) {
        super.dropout(rate);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param rate a rate in [0, 1)
     * @return this layer
     */
    @Override
    public SimpleRNN recurrentDropout(double rate) {
        super.recurrentDropout(rate);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN kernelInitializer(Initializer init) {
        super.kernelInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN kernelInitializer(String init) {
        super.kernelInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN recurrentInitializer(Initializer init) {
        super.recurrentInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN recurrentInitializer(String init) {
        super.recurrentInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN biasInitializer(Initializer init) {
        super.biasInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param init the initializer (or its Keras name)
     * @return this layer
     */
    @Override
    public SimpleRNN biasInitializer(String init) {
        super.biasInitializer(init);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param seed the seed of the dropout masks
     * @return this layer
     */
    @Override
    public SimpleRNN seed(long seed) {
        super.seed(seed);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (time steps, features)
     * @return this layer
     */
    @Override
    public SimpleRNN inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return this;
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
