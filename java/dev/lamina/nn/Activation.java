package dev.lamina.nn;

import dev.lamina.tensor.Tensor;

/** An element-wise (or, for softmax, last-axis) activation; see {@link Activations}. */
public interface Activation {
    Tensor apply(Tensor x);

    /** The Keras name: linear, relu, sigmoid, tanh, softmax, leaky_relu, elu, gelu, softplus. */
    String name();
}
