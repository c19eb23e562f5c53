package dev.lamina.optim;

import dev.lamina.ops.OptimizerOps;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Arrays;
import java.util.Map;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, as {@code keras.optimizers.SGD}
 * (Keras 3 update):
 * <pre>
 *   momentum = 0:   w ← w − lr·g
 *   momentum &gt; 0:  v ← momentum·v − lr·g            (v starts at 0)
 *                   w ← w + v                        (plain)
 *                   w ← w + momentum·v − lr·g        (nesterov, with the new v)
 * </pre>
 * Defaults: learning_rate 0.01, momentum 0, nesterov false.
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final boolean nesterov;

    /** Keras defaults: learning_rate 0.01, momentum 0, nesterov false. */
    public SGD() {
        this(0.01);
    }

    public SGD(double learningRate) {
        this(learningRate, 0.0, false);
    }

    public SGD(double learningRate, double momentum, boolean nesterov) {
        super(learningRate);
        Slots.requireNonNegative("SGD", "momentum", momentum);
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    public SGD(LearningRateSchedule schedule, double momentum, boolean nesterov) {
        super(schedule);
        Slots.requireNonNegative("SGD", "momentum", momentum);
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    public double momentum() {
        return momentum;
    }

    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public String name() {
        return "SGD";
    }

    @Override
    protected Tensor[] createSlots(Variable v) {
        return momentum == 0 ? new Tensor[0] : new Tensor[] {Slots.like(v, "momentum", 0)};
    }

    @Override
    protected void update(Variable w, Tensor g, Tensor[] slots, double lr, long step) {
        if (g.dtype() == w.dtype() && w.dtype().isFloating() && Arrays.equals(g.shape(), w.shape())
                && g.backend() == w.backend()) {
            // the arithmetic below in one backend call (Backend.sgdUpdate, or its composition of the same
            // primitives where the backend has no fused kernel: bitwise equal, tested)
            OptimizerOps.sgdUpdate(w, g, momentum == 0 ? null : slots[0], lr, momentum, nesterov);
            return;
        }
        Slots.run(() -> {
            Tensor lrG = g.mul(lr);
            if (momentum == 0) {
                w.assignSub(lrG);
                return;
            }
            Variable m = (Variable) slots[0];
            m.assign(m.mul(momentum).sub(lrG));
            if (nesterov) {
                w.assignAdd(m.mul(momentum).sub(lrG));
            } else {
                w.assignAdd(m);
            }
        });
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("momentum", momentum);
        c.put("nesterov", nesterov);
        return c;
    }
}
