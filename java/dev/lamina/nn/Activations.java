package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Locale;

/**
 * The Keras activations, by name or as constants: linear, relu, sigmoid, tanh, softmax (last
 * axis), leaky_relu (negative slope 0.2), elu (α = 1), gelu (exact, erf form), softplus. All are
 * compositions of differentiable tensor ops.
 */
public final class Activations {
    private Activations() {
    }

    private record Named(String name, java.util.function.UnaryOperator<Tensor> f) implements Activation {
        @Override
        public Tensor apply(Tensor x) {
            return f.apply(x);
        }
    }

    /** f(x) = x: a recorded view sharing x's memory. */
    public static final Activation LINEAR = new Named("linear", Tensor::view);
    /** f(x) = max(x, 0). */
    public static final Activation RELU = new Named("relu", Tensor::relu);
    /** f(x) = 1 / (1 + e^-x). */
    public static final Activation SIGMOID = new Named("sigmoid", Tensor::sigmoid);
    /** f(x) = tanh x. */
    public static final Activation TANH = new Named("tanh", Tensor::tanh);
    /** f(x)_i = e^x_i / Σ_j e^x_j over the last axis. */
    public static final Activation SOFTMAX = new Named("softmax", x -> x.softmax(-1));
    /** f(x) = x for x ≥ 0, 0.2·x otherwise (Keras's default slope). */
    public static final Activation LEAKY_RELU = leakyRelu(0.2);
    /** f(x) = x for x > 0, e^x − 1 otherwise. */
    public static final Activation ELU = elu(1.0);
    /** f(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)). */
    public static final Activation GELU = new Named("gelu", Activations::gelu);
    /** f(x) = ln(1 + e^x), computed as max(x, 0) + ln(1 + e^−|x|). */
    public static final Activation SOFTPLUS = new Named("softplus", Activations::softplus);

    /** leaky relu with a given negative slope (0 ≤ slope ≤ 1). */
    public static Activation leakyRelu(double slope) {
        if (!(slope >= 0 && slope <= 1)) {
            throw new IllegalArgumentException("leaky_relu: negative slope must be in [0, 1], got " + slope);
        }
        return new Named("leaky_relu", x -> x.maximum(x.mul(slope)));
    }

    /** elu with scale α for the negative part. */
    public static Activation elu(double alpha) {
        return new Named("elu", x -> x.relu().add(x.minimum(0.0).exp().sub(1.0).mul(alpha)));
    }

    /** An activation by its Keras name (null or "linear" → linear). */
    public static Activation get(String name) {
        if (name == null) {
            return LINEAR;
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "linear":
                return LINEAR;
            case "relu":
                return RELU;
            case "sigmoid":
                return SIGMOID;
            case "tanh":
                return TANH;
            case "softmax":
                return SOFTMAX;
            case "leaky_relu":
                return LEAKY_RELU;
            case "elu":
                return ELU;
            case "gelu":
                return GELU;
            case "softplus":
                return SOFTPLUS;
            default:
                throw new IllegalArgumentException("unknown activation '" + name
                        + "' (expected linear, relu, sigmoid, tanh, softmax, leaky_relu, elu, gelu or softplus)");
        }
    }

    private static Tensor softplus(Tensor x) {
        return x.relu().add(x.abs().neg().exp().log1p());
    }

    private static Tensor gelu(Tensor x) {
        return x.mul(erf(x.mul(1 / Math.sqrt(2))).add(1.0)).mul(0.5);
    }

    /**
     * erf(x) by Abramowitz and Stegun 7.1.26 (absolute error ≤ 1.5e-7, below float32 resolution
     * near 1), written with tensor ops so it is differentiable.
     */
    static Tensor erf(Tensor x) {
        final double p = 0.3275911;
        final double a1 = 0.254829592;
        final double a2 = -0.284496736;
        final double a3 = 1.421413741;
        final double a4 = -1.453152027;
        final double a5 = 1.061405429;
        Tensor ax = x.abs();
        Tensor t = ax.mul(p).add(1.0).reciprocal();
        Tensor poly = t.mul(a5).add(a4).mul(t).add(a3).mul(t).add(a2).mul(t).add(a1).mul(t);
        Tensor e = ax.square().neg().exp();
        Tensor y = poly.mul(e).neg().add(1.0);
        return y.mul(x.sign());
    }
}
