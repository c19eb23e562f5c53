package dev.lamina.models;

import dev.lamina.nn.Activations;
import dev.lamina.nn.Dense;
import dev.lamina.tensor.Tensor;

/**
 * A subclassed model as Model's Javadoc describes: two inputs a [N, 3] and b [N, 2], and a residual
 * connection: h = relu(a·Wa + ba) + (b·Wb + bb); out = h + tanh(h·Wh + bh); y = out·Wo + bo.
 */
final class TwoInputResidual extends Model {
    // named, so that weights saved from one instance load into another by name (left/kernel, ...)
    final Dense left = track(new Dense("left", 8, Activations.get("relu")));
    final Dense right = track(new Dense("right", 8, Activations.get(null)));
    final Dense inner = track(new Dense("inner", 8, Activations.get("tanh")));
    final Dense out = track(new Dense("out", 1, Activations.get(null)));

    TwoInputResidual() {
        super(null);
    }

    @Override
    public int inputCount() {
        return 2;
    }

    @Override
    public Tensor call(Tensor[] x, boolean training) {
        Tensor h = left.apply(x[0], training).add(right.apply(x[1], training));
        return out.apply(h.add(inner.apply(h, training)), training);
    }
}
