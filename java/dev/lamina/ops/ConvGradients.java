package dev.lamina.ops;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.tensor.Backward;
import dev.lamina.tensor.Tensor;

/**
 * The gradient rules of the convolution and pooling ops ({@link ConvOps}), one family of the
 * gradient table whose tensor-level rules are in {@code dev.lamina.tensor.Gradients} (and the
 * recurrent family in {@link RecurrentGradients}). Each method takes what its op saved at forward
 * time and returns the {@link Backward} rule the tape runs; the rules call the backend's fused
 * backward kernels through {@link KernelDispatch} with the forward's geometry. The gradients
 * themselves are not recorded (no second order).
 */
final class ConvGradients {
    private ConvGradients() {
    }

    /**
     * conv2d: dx is the transposed convolution of dy with the kernel (skipped when the tape needs no
     * gradient for x, as for a network's first layer), dkernel the correlation of x with dy.
     */
    static Backward conv2d(Tensor x, Tensor kernel, ConvGeometry g) {
        Backend be = x.backend();
        return dy -> {
            Tensor.check("conv2d backward", dy);
            Tensor dx = GradientTape.needsGradient(x) ? Tensor.uninitialized(be, x.dtype(), x.shape()) : null;
            // an empty batch gives a zero kernel gradient, which no backend call writes
            Tensor dk = g.batch() > 0 ? Tensor.uninitialized(be, x.dtype(), kernel.shape())
                    : Tensor.zeros(be, x.dtype(), kernel.shape());
            if (g.batch() > 0) {
                if (dx != null) {
                    KernelDispatch.conv2dBackwardInput(be, dy.storage(), kernel.storage(), dx.storage(), g);
                }
                KernelDispatch.conv2dBackwardFilter(be, x.storage(), dy.storage(), dk.storage(), g);
            }
            return new Tensor[] {dx, dk};
        };
    }

    /**
     * conv2d with bias and optional ReLU in one node: {dx, dkernel[, dbias]} from one fused backward
     * call, which masks dy by y &gt; 0 first when {@code relu}.
     */
    static Backward conv2dBiasAct(String op, Tensor x, Tensor kernel, Tensor bias, Tensor y, boolean relu,
                                  ConvGeometry g) {
        Backend be = x.backend();
        return dy -> {
            Tensor.check(op + " backward", dy);
            Tensor dx = GradientTape.needsGradient(x) ? Tensor.uninitialized(be, x.dtype(), x.shape()) : null;
            boolean any = g.batch() > 0;
            // an empty batch gives zero kernel and bias gradients, which no backend call writes
            Tensor dk = any ? Tensor.uninitialized(be, x.dtype(), kernel.shape()) : Tensor.zeros(be, x.dtype(), kernel.shape());
            Tensor db = bias == null ? null
                    : any ? Tensor.uninitialized(be, x.dtype(), bias.shape()) : Tensor.zeros(be, x.dtype(), bias.shape());
            if (any) {
                KernelDispatch.conv2dBackwardFused(be, x.storage(), kernel.storage(), y.storage(), dy.storage(), relu,
                        dx == null ? null : dx.storage(), dk.storage(), db == null ? null : db.storage(), g);
            }
            return bias == null ? new Tensor[] {dx, dk} : new Tensor[] {dx, dk, db};
        };
    }

    /** Max and average pooling: dx from x and dy by the pooling's own backward kernel. */
    static Backward pool2d(String op, Tensor x, PoolGeometry g, ConvOps.PoolBackward backward) {
        Backend be = x.backend();
        return dy -> {
            Tensor.check(op + " backward", dy);
            Tensor dx = Tensor.uninitialized(be, x.dtype(), x.shape());
            if (g.batch() > 0) {
                backward.run(be, x.storage(), dy.storage(), dx.storage(), g);
            }
            return new Tensor[] {dx};
        };
    }
}
