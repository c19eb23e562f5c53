package dev.lamina.optim;

import dev.lamina.ops.OptimizerOps;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Arrays;
import java.util.Map;

/**
 * RMSprop, as {@code keras.optimizers.RMSprop} (Keras 3 update). With gradient g:
 * <pre>
 *   v ← ρ·v + (1 − ρ)·g²
 *   centered:  mg ← ρ·mg + (1 − ρ)·g;   denom = v − mg² + ε
 *   else:      denom = v + ε
 *   inc = lr·g / √denom
 *   momentum &gt; 0:  m ← momentum·m + inc;  w ← w − m
 *   else:          w ← w − inc
 * </pre>
 * All slots start at 0. Defaults: learning_rate 0.001, rho 0.9, momentum 0, epsilon 1e-7,
 * centered false.
 */
public final class RMSprop extends Optimizer {
    private final double rho;
    private final double momentum;
    private final double epsilon;
    private final boolean centered;

    /** Keras defaults. */
    public RMSprop() {
        this(0.001);
    }

    public RMSprop(double learningRate) {
        this(learningRate, 0.9, 0.0, 1e-7, false);
    }

    public RMSprop(double learningRate, double rho, double momentum, double epsilon, boolean centered) {
        super(learningRate);
        this.rho = rho;
        this.momentum = momentum;
        this.epsilon = epsilon;
        this.centered = centered;
        validate();
    }

    public RMSprop(LearningRateSchedule schedule, double rho, double momentum, double epsilon, boolean centered) {
        super(schedule);
        this.rho = rho;
        this.momentum = momentum;
        this.epsilon = epsilon;
        this.centered = centered;
        validate();
    }

    private void validate() {
        Slots.requireUnitInterval("RMSprop", "rho", rho);
        Slots.requireNonNegative("RMSprop", "momentum", momentum);
        Slots.requireNonNegative("RMSprop", "epsilon", epsilon);
    }

    public double rho() {
        return rho;
    }

    public double momentum() {
        return momentum;
    }

    public double epsilon() {
        return epsilon;
    }

    public boolean centered() {
        return centered;
    }

    @Override
    public String name() {
        return "RMSprop";
    }

    /** Slots: velocity, then momentum (if momentum &gt; 0), then average_gradient (if centered). */
    @Override
    protected Tensor[] createSlots(Variable v) {
        int n = 1 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0);
        Tensor[] s = new Tensor[n];
        int i = 0;
        s[i++] = Slots.like(v, "velocity", 0);
        if (momentum > 0) {
            s[i++] = Slots.like(v, "momentum", 0);
        }
        if (centered) {
            s[i] = Slots.like(v, "average_gradient", 0);
        }
        return s;
    }

    @Override
    protected void update(Variable w, Tensor g, Tensor[] slots, double lr, long step) {
        if (g.dtype() == w.dtype() && w.dtype().isFloating() && Arrays.equals(g.shape(), w.shape())
                && g.backend() == w.backend()) {
            // the arithmetic below in one backend call (Backend.rmspropUpdate, or its composition of the
            // same primitives where the backend has no fused kernel: bitwise equal, tested)
            OptimizerOps.rmspropUpdate(w, g, slots[0], momentum > 0 ? slots[1] : null, centered ? slots[slots.length - 1] : null,
                    lr, rho, momentum, epsilon);
            return;
        }
        Slots.run(() -> {
            Variable vel = (Variable) slots[0];
            vel.assign(vel.mul(rho).add(g.square().mul(1 - rho)));
            Tensor denom;
            if (centered) {
                Variable avg = (Variable) slots[slots.length - 1];
                avg.assign(avg.mul(rho).add(g.mul(1 - rho)));
                denom = vel.sub(avg.square()).add(epsilon);
            } else {
                denom = vel.add(epsilon);
            }
            Tensor increment = g.mul(lr).div(denom.sqrt());
            if (momentum > 0) {
                Variable mom = (Variable) slots[1];
                mom.assign(mom.mul(momentum).add(increment));
                w.assignSub(mom);
            } else {
                w.assignSub(increment);
            }
        });
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("rho", rho);
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        c.put("centered", centered);
        return c;
    }
}
