package dev.lamina.callbacks;

import dev.lamina.optim.Optimizer;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/** Test double: w ← w − lr·g. */
final class PlainSgd extends Optimizer {
    PlainSgd(double lr) {
        super(lr);
    }

    @Override
    public String name() {
        return "PlainSGD";
    }

    @Override
    protected Tensor[] createSlots(Variable v) {
        return new Tensor[0];
    }

    @Override
    protected void update(Variable v, Tensor grad, Tensor[] slots, double lr, long step) {
        try (Tensor d = grad.mul(lr)) {
            v.assignSub(d);
        }
    }
}
