package dev.lamina.optim;

import dev.lamina.ops.OptimizerOps;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Map;

/**
 * Adam, as {@code keras.optimizers.Adam} (Keras 3 update). At step t = 1, 2, ... with gradient g:
 * <pre>
 *   m ← m + (g − m)·(1 − β₁)
 *   v ← v + (g² − v)·(1 − β₂)
 *   α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
 *   amsgrad: v̂ ← max(v̂, v), used in place of v below
 *   w ← w − α·m / (√v + ε)
 * </pre>
 * m, v (and v̂) start at 0. Defaults: learning_rate 0.001, beta_1 0.9, beta_2 0.999,
 * epsilon 1e-7 (Keras's, not the paper's 1e-8), amsgrad false.
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final boolean amsgrad;

    /** Keras defaults. */
    public Adam() {
        this(0.001);
    }

    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-7, false);
    }

    public Adam(double learningRate, double beta1, double beta2, double epsilon, boolean amsgrad) {
        super(learningRate);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.amsgrad = amsgrad;
        validate();
    }

    public Adam(LearningRateSchedule schedule, double beta1, double beta2, double epsilon, boolean amsgrad) {
        super(schedule);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.amsgrad = amsgrad;
        validate();
    }

    private void validate() {
        Slots.requireUnitInterval("Adam", "beta_1", beta1);
        Slots.requireUnitInterval("Adam", "beta_2", beta2);
        Slots.requireNonNegative("Adam", "epsilon", epsilon);
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public boolean amsgrad() {
        return amsgrad;
    }

    @Override
    public String name() {
        return "Adam";
    }

    @Override
    protected Tensor[] createSlots(Variable v) {
        if (amsgrad) {
            return new Tensor[] {Slots.like(v, "m", 0), Slots.like(v, "v", 0), Slots.like(v, "vhat", 0)};
        }
        return new Tensor[] {Slots.like(v, "m", 0), Slots.like(v, "v", 0)};
    }

    @Override
    protected void update(Variable w, Tensor g, Tensor[] slots, double lr, long step) {
        // a host value: recomputed from the live step count at every replay of a traced step
        double alpha = dev.lamina.backend.HostCalls.scalar(() -> {
            long t = iterations() + 1;
            return learningRate() * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        });
        if (!amsgrad && g.dtype() == w.dtype() && java.util.Arrays.equals(g.shape(), w.shape())
                && g.backend() == w.backend()) {
            // the same arithmetic in one backend call (Backend.adamUpdate, or its composition where the
            // backend has none; bitwise equal, tested)
            OptimizerOps.adamUpdate(w, g, slots[0], slots[1], alpha, beta1, beta2, epsilon);
            return;
        }
        Slots.run(() -> {
            Variable m = (Variable) slots[0];
            Variable v = (Variable) slots[1];
            m.assignAdd(g.sub(m).mul(1 - beta1));
            v.assignAdd(g.square().sub(v).mul(1 - beta2));
            Tensor second = v;
            if (amsgrad) {
                Variable vHat = (Variable) slots[2];
                vHat.assign(vHat.maximum(v));
                second = vHat;
            }
            w.assignSub(m.mul(alpha).div(second.sqrt().add(epsilon)));
        });
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("beta_1", beta1);
        c.put("beta_2", beta2);
        c.put("epsilon", epsilon);
        c.put("amsgrad", amsgrad);
        return c;
    }
}
