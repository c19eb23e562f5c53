package dev.lamina.ops;

import dev.lamina.backend.KernelDispatch;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;

/**
 * Fused optimizer steps as tensor-level ops: the arguments are checked here (rule 3), then the
 * backend's fused kernel runs through {@link KernelDispatch} (or its composition of primitives where
 * the backend has none, bitwise the same). Optimizers call these instead of the backend.
 */
public final class OptimizerOps {
    private OptimizerOps() {
    }

    /**
     * One Adam step in place, in one backend call: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
     * w ← w − α·m / (√v + ε).
     *
     * @param w the weights, updated in place
     * @param g the gradient (w's shape, dtype and backend)
     * @param m the first-moment slot, updated in place
     * @param v the second-moment slot, updated in place
     * @param alpha the bias-corrected learning rate
     * @param beta1 the first-moment decay
     * @param beta2 the second-moment decay
     * @param epsilon added to √v
     * @throws IllegalArgumentException when the tensors differ in shape, dtype or backend, or are not float
     */
    public static void adamUpdate(Tensor w, Tensor g, Tensor m, Tensor v, double alpha, double beta1, double beta2,
                                  double epsilon) {
        Tensor.check("adamUpdate", w, g, m, v);
        for (Tensor t : new Tensor[] {g, m, v}) {
            if (t.dtype() != w.dtype() || !Arrays.equals(t.shape(), w.shape())) {
                throw new IllegalArgumentException("adamUpdate: " + t.dtype() + " " + Shapes.str(t.shape())
                        + " does not match the weights " + w.dtype() + " " + Shapes.str(w.shape()));
            }
        }
        if (!w.dtype().isFloating()) {
            throw new IllegalArgumentException("adamUpdate: needs float weights, got " + w.dtype());
        }
        KernelDispatch.adamUpdate(w.backend(), w.storage(), g.storage(), m.storage(), v.storage(), alpha, beta1, beta2,
                epsilon);
    }
}
