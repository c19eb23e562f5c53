package dev.lamina.ops;

import dev.lamina.backend.KernelDispatch;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
        check("adamUpdate", w, g, m, v);
        KernelDispatch.adamUpdate(w.backend(), w.storage(), g.storage(), m.storage(), v.storage(), alpha, beta1, beta2,
                epsilon);
    }

    /**
     * One RMSprop step in place, in one backend call ({@link dev.lamina.backend.Backend#rmspropUpdate}
     * has the arithmetic): vel ← vel·ρ + g²·(1 − ρ); centered: avg ← avg·ρ + g·(1 − ρ) and
     * d = vel − avg² + ε, else d = vel + ε; inc = g·lr / √d; with momentum mom ← mom·momentum + inc
     * and w ← w − mom, else w ← w − inc.
     *
     * @param w the weights, updated in place
     * @param g the gradient (w's shape, dtype and backend)
     * @param vel the mean-square slot, updated in place
     * @param mom the momentum slot, or null without momentum
     * @param avg the mean-gradient slot, or null when not centered
     * @param lr the learning rate
     * @param rho the decay of vel (and avg)
     * @param momentum the momentum (0 for none)
     * @param epsilon added to the denominator
     * @throws IllegalArgumentException when the tensors differ in shape, dtype or backend, or are not float
     */
    public static void rmspropUpdate(Tensor w, Tensor g, Tensor vel, Tensor mom, Tensor avg, double lr, double rho,
                                     double momentum, double epsilon) {
        check("rmspropUpdate", w, g, vel, mom, avg);
        KernelDispatch.rmspropUpdate(w.backend(), w.storage(), g.storage(), vel.storage(), mom == null ? null : mom.storage(),
                avg == null ? null : avg.storage(), lr, rho, momentum, epsilon);
    }

    /**
     * One SGD step in place, in one backend call ({@link dev.lamina.backend.Backend#sgdUpdate} has the
     * arithmetic, Keras 3's): without momentum w ← w − g·lr; with it m ← m·momentum − g·lr, then
     * w ← w + m, or with Nesterov w ← w + (m·momentum − g·lr) with the new m.
     *
     * @param w the weights, updated in place
     * @param g the gradient (w's shape, dtype and backend)
     * @param m the momentum slot, or null without momentum
     * @param lr the learning rate
     * @param momentum the momentum (0 for none)
     * @param nesterov whether the step is Nesterov's
     * @throws IllegalArgumentException when the tensors differ in shape, dtype or backend, or are not float
     */
    public static void sgdUpdate(Tensor w, Tensor g, Tensor m, double lr, double momentum, boolean nesterov) {
        check("sgdUpdate", w, g, m);
        KernelDispatch.sgdUpdate(w.backend(), w.storage(), g.storage(), m == null ? null : m.storage(), lr, momentum,
                nesterov);
    }

    /** Live tensors of w's shape, dtype and backend, w float; null slots (absent options) are skipped. */
    private static void check(String op, Tensor w, Tensor... others) {
        List<Tensor> all = new ArrayList<>();
        all.add(w);
        for (Tensor t : others) {
            if (t != null) {
                all.add(t);
            }
        }
        Tensor.check(op, all.toArray(new Tensor[0]));
        for (Tensor t : all) {
            if (t.dtype() != w.dtype() || !Arrays.equals(t.shape(), w.shape())) {
                throw new IllegalArgumentException(op + ": " + t.dtype() + " " + Shapes.str(t.shape())
                        + " does not match the weights " + w.dtype() + " " + Shapes.str(w.shape()));
            }
        }
        if (!w.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs float weights, got " + w.dtype());
        }
    }
}
