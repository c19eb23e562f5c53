package dev.lamina.tensor;

/**
 * The reductions of {@link Tensor} that are not rows of {@link OpTable}: mean and variance
 * (compositions of the table's sum with a division), and softmax and log-softmax along an axis
 * (one {@link RawOps} kernel call each, recording their rules from {@link Gradients}).
 * Documented where {@code Tensor} exposes them.
 */
final class ReductionOps {
    private ReductionOps() {
    }

    static Tensor mean(Tensor x, int[] axes, boolean keepdims) {
        int[] ax = Shapes.axes("mean", axes, x.shape.length);
        long count = 1;
        for (int a : ax) {
            count *= x.shape[a];
        }
        if (count == 0) {
            throw new IllegalArgumentException("mean: empty reduction over shape " + Shapes.str(x.shape));
        }
        Tensor s = x.sum(ax, keepdims);
        // an integer count: int means stay int and truncate (TensorFlow); floats divide in their dtype
        Tensor r = x.dtype.isFloating() ? s.div((double) count) : s.div(count);
        if (!RawOps.recording()) {
            s.close();
        }
        return r;
    }

    static Tensor variance(Tensor x, int[] axes, boolean keepdims) {
        RawOps.requireFloat(x, "variance");
        int[] ax = Shapes.axes("variance", axes, x.shape.length);
        Tensor m = x.mean(ax, true);
        Tensor d = x.sub(m);
        Tensor sq = d.square();
        Tensor r = sq.mean(ax, keepdims);
        if (!RawOps.recording()) {
            RawOps.closeAll(m, d, sq);
        }
        return r;
    }

    static Tensor softmax(Tensor x, int axis) {
        Tensor y = RawOps.softmax("softmax", x, axis, false);
        if (RawOps.recording()) {
            Tape.record("softmax", y, Gradients.softmax(y, Shapes.axis("softmax", axis, x.shape.length)), x);
        }
        return y;
    }

    static Tensor logSoftmax(Tensor x, int axis) {
        Tensor y = RawOps.softmax("logSoftmax", x, axis, true);
        if (RawOps.recording()) {
            Tape.record("logSoftmax", y, Gradients.logSoftmax(y, Shapes.axis("logSoftmax", axis, x.shape.length)),
                    x);
        }
        return y;
    }
}
