package dev.lamina.tensor;

import static dev.lamina.tensor.RawOps.binary;
import static dev.lamina.tensor.RawOps.closeAll;
import static dev.lamina.tensor.RawOps.mulClose;
import static dev.lamina.tensor.RawOps.negClose;
import static dev.lamina.tensor.RawOps.productSumTo;
import static dev.lamina.tensor.RawOps.scalarLike;
import static dev.lamina.tensor.RawOps.sumTo;
import static dev.lamina.tensor.RawOps.unary;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;

/**
 * The gradient table (as tinygrad's one table of rules), tensor-level family: each method takes
 * what its op saved at forward time and returns the {@link Backward} rule the tape runs, or, for
 * element-wise ops, the local derivative product g·f'(x) that {@link OpTable} wraps. Rules are
 * written with the no-gradient {@link RawOps}, so every backend gets every gradient from the same
 * kernels, and {@code GradientCheckTest} checks each against finite differences.
 *
 * <p>The table has three families, one file each, and no rule lives anywhere else (an op's forward
 * code records {@code Family.rule(saved...)}; {@code GradientTableTest} fails on a rule written
 * beside its forward pass):
 * <ul>
 *   <li>this class: element-wise ops, reductions, softmax, matmul, shape and indexing ops, casts
 *       and the fused softmax cross-entropy;</li>
 *   <li>{@code dev.lamina.ops.ConvGradients}: conv2d (plain and with bias and ReLU), max and average
 *       pooling, through the fused backward kernels;</li>
 *   <li>{@code dev.lamina.ops.RecurrentGradients}: the LSTM and GRU cells and the LSTM, GRU and
 *       simple RNN recurrences (back-propagation through time).</li>
 * </ul>
 * The layer-op families live beside their ops in {@code dev.lamina.ops} because this package may
 * not depend on that one.
 */
final class Gradients {
    private Gradients() {
    }

    // ---- element-wise unary: g·f'(x, y) -------------------------------------------------------

    static Tensor neg(Tensor g, Tensor x, Tensor y) {
        return unary("neg", UnaryOp.NEG, g);
    }

    static Tensor abs(Tensor g, Tensor x, Tensor y) {
        return mulClose(g, unary("sign", UnaryOp.SIGN, x));
    }

    static Tensor exp(Tensor g, Tensor x, Tensor y) {
        return binary("mul", BinaryOp.MUL, g, y);
    }

    static Tensor log(Tensor g, Tensor x, Tensor y) {
        return binary("div", BinaryOp.DIV, g, x);
    }

    static Tensor log1p(Tensor g, Tensor x, Tensor y) {
        Tensor xp1 = binary("add", BinaryOp.ADD, x, scalarLike(x, 1));
        Tensor r = binary("div", BinaryOp.DIV, g, xp1);
        xp1.close();
        return r;
    }

    static Tensor sqrt(Tensor g, Tensor x, Tensor y) {
        Tensor t = binary("div", BinaryOp.DIV, g, y);
        return mulClose(t, scalarLike(t, 0.5));
    }

    static Tensor square(Tensor g, Tensor x, Tensor y) {
        Tensor t = binary("mul", BinaryOp.MUL, g, x);
        return mulClose(t, scalarLike(t, 2));
    }

    static Tensor reciprocal(Tensor g, Tensor x, Tensor y) {
        Tensor y2 = unary("square", UnaryOp.SQUARE, y);
        Tensor t = mulClose(y2, g);
        return negClose(t);
    }

    /**
     * g·(1 − tanh²x), computed as g·4σ(2x)σ(−2x): 1 − y² from the rounded y cancels where |y| nears 1
     * (float32 tanh is ±1 beyond |x| ≈ 9, and at |x| = 5 it has lost three digits), while both
     * sigmoids keep their relative accuracy for any x.
     */
    static Tensor tanh(Tensor g, Tensor x, Tensor y) {
        Tensor two = scalarLike(x, 2);
        Tensor x2 = binary("mul", BinaryOp.MUL, x, two);
        Tensor d = sigmoidTimesComplement(x2, null);
        Tensor four = scalarLike(d, 4);
        Tensor d4 = mulClose(d, four);
        closeAll(two, x2, four);
        return mulClose(d4, g);
    }

    /**
     * g·σ(x)(1 − σ(x)), with 1 − σ(x) computed as σ(−x): 1 − y from the rounded y is 0 (or loses
     * its digits) where σ(x) nears 1, which made the gradient of a saturated sigmoid exactly 0.
     */
    static Tensor sigmoid(Tensor g, Tensor x, Tensor y) {
        return mulClose(sigmoidTimesComplement(x, y), g);
    }

    /** σ(x)·σ(−x) = σ'(x), from σ(x) itself when the caller has it (y), else computed. */
    private static Tensor sigmoidTimesComplement(Tensor x, Tensor sigmoidX) {
        Tensor nx = unary("neg", UnaryOp.NEG, x);
        Tensor complement = unary("sigmoid", UnaryOp.SIGMOID, nx);
        nx.close();
        if (sigmoidX != null) {
            return mulClose(complement, sigmoidX);
        }
        Tensor s = unary("sigmoid", UnaryOp.SIGMOID, x);
        Tensor d = mulClose(complement, s);
        s.close();
        return d;
    }

    static Tensor relu(Tensor g, Tensor x, Tensor y) {
        return mulClose(unary("step", UnaryOp.STEP, x), g);
    }

    static Tensor softplus(Tensor g, Tensor x, Tensor y) {
        return mulClose(unary("sigmoid", UnaryOp.SIGMOID, x), g);
    }

    // ---- element-wise binary ----------------------------------------------------------------

    static Backward add(Tensor a, Tensor b, Tensor y) {
        long[] sa = a.shape;
        long[] sb = b.shape;
        return g -> new Tensor[] {sumTo(g, sa), sumTo(g, sb)};
    }

    static Backward sub(Tensor a, Tensor b, Tensor y) {
        long[] sa = a.shape;
        long[] sb = b.shape;
        return g -> {
            Tensor ng = unary("neg", UnaryOp.NEG, g);
            Tensor gb = sumTo(ng, sb);
            ng.close();
            return new Tensor[] {sumTo(g, sa), gb};
        };
    }

    static Backward mul(Tensor a, Tensor b, Tensor y) {
        return g -> new Tensor[] {productSumTo(g, b, a.shape), productSumTo(g, a, b.shape)};
    }

    static Backward div(Tensor a, Tensor other, Tensor y) {
        return g -> {
            Tensor ga = binary("div", BinaryOp.DIV, g, other);
            Tensor gaR = sumTo(ga, a.shape);
            ga.close();
            // d(a/b)/db = -y / b
            Tensor t = binary("div", BinaryOp.DIV, y, other);
            Tensor t2 = binary("mul", BinaryOp.MUL, t, g);
            t.close();
            Tensor t3 = unary("neg", UnaryOp.NEG, t2);
            t2.close();
            Tensor gb = sumTo(t3, other.shape);
            t3.close();
            return new Tensor[] {gaR, gb};
        };
    }

    static Backward pow(Tensor a, Tensor other, Tensor y) {
        return g -> {
            // da = g * b * a^(b-1) = g * b * y / a where a != 0; computed directly to stay exact at a == 0
            Tensor one = scalarLike(other, 1);
            Tensor bm1 = binary("sub", BinaryOp.SUB, other, one);
            Tensor p = binary("pow", BinaryOp.POW, a, bm1);
            Tensor q = binary("mul", BinaryOp.MUL, p, other);
            Tensor ga = productSumTo(g, q, a.shape);
            // db = g * y * log(a), taken as 0 where a <= 0
            Tensor zero = scalarLike(a, 0);
            Tensor mask = RawOps.castNoGrad(binary("gt", BinaryOp.GT, a, zero), a.dtype);
            Tensor safeA = binary("maximum", BinaryOp.MAXIMUM, a, scalarLike(a, Double.MIN_NORMAL));
            Tensor la = unary("log", UnaryOp.LOG, safeA);
            Tensor lm = binary("mul", BinaryOp.MUL, la, mask);
            Tensor yl = binary("mul", BinaryOp.MUL, y, lm);
            Tensor gb = productSumTo(g, yl, other.shape);
            closeAll(one, bm1, p, q, zero, mask, safeA, la, lm, yl);
            return new Tensor[] {ga, gb};
        };
    }

    /** maximum: ties send the gradient to the first operand. */
    static Backward maximum(Tensor a, Tensor b, Tensor y) {
        return g -> select(g, a, b, BinaryOp.GE);
    }

    /** minimum: ties send the gradient to the first operand. */
    static Backward minimum(Tensor a, Tensor b, Tensor y) {
        return g -> select(g, a, b, BinaryOp.LE);
    }

    private static Tensor[] select(Tensor g, Tensor a, Tensor b, BinaryOp pick) {
        Tensor m = binary("select", pick, a, b);
        Tensor ma = RawOps.castNoGrad(m, g.dtype);
        Tensor one = scalarLike(g, 1);
        Tensor mb = binary("sub", BinaryOp.SUB, one, ma);
        Tensor ga = productSumTo(g, ma, a.shape);
        Tensor gb = productSumTo(g, mb, b.shape);
        closeAll(m, ma, one, mb);
        return new Tensor[] {ga, gb};
    }

    // ---- identity, casts, reductions --------------------------------------------------------

    /** view and same-dtype cast: the gradient passes through as a view. */
    static Backward identity() {
        return g -> new Tensor[] {g.alias()};
    }

    /** float-to-float cast: the gradient is cast back to the source dtype. */
    static Backward cast(DType src) {
        return g -> new Tensor[] {RawOps.castNoGrad(g, src)};
    }

    /** sum over axes: the gradient is broadcast back over them. */
    static Backward sum(Tensor x, int[] axes) {
        long[] kept = RawOps.keptShape(x, axes);
        long[] in = x.shape;
        return g -> {
            Tensor gk = RawOps.reshape(g, kept);
            Tensor r = RawOps.broadcast(gk, in);
            gk.close();
            return new Tensor[] {r};
        };
    }

    /** max/min over axes: the gradient is shared equally among the tied extremes. */
    static Backward extreme(String op, Tensor x, Tensor kept, int[] axes) {
        return g -> {
            Tensor mask = RawOps.castNoGrad(binary(op, BinaryOp.EQ, x, kept), x.dtype);
            Tensor count = RawOps.reduce(op, ReduceOp.SUM, mask, axes);
            Tensor gk = RawOps.reshape(g, count.shape);
            Tensor share = binary("div", BinaryOp.DIV, gk, count);
            Tensor r = binary("mul", BinaryOp.MUL, mask, share);
            closeAll(mask, count, gk, share);
            return new Tensor[] {r};
        };
    }

    // ---- softmax, matmul --------------------------------------------------------------------

    /**
     * softmax: dx = y ⊙ (g − s), s = Σ_axis g ⊙ y, computed as y ⊙ ((g − s) − Σ_axis y ⊙ (g − s)). The
     * second sum is 0 in exact arithmetic; in floating point it restores what the rounded y lost: where
     * one probability rounds to 1 (logits apart by more than about 17 in float32) the plain form's
     * g_k − s cancels to 0 or to a wrong value, while the corrected form gives y_k·Σ_{j≠k} y_j (g_k − g_j)
     * to working precision.
     */
    static Backward softmax(Tensor y, int axis) {
        return g -> {
            Tensor gy = binary("mul", BinaryOp.MUL, g, y);
            Tensor s = RawOps.reduce("softmax", ReduceOp.SUM, gy, new int[] {axis});
            Tensor gs = binary("sub", BinaryOp.SUB, g, s);
            Tensor t = binary("mul", BinaryOp.MUL, y, gs);
            Tensor c = RawOps.reduce("softmax", ReduceOp.SUM, t, new int[] {axis});
            Tensor d = binary("sub", BinaryOp.SUB, gs, c);
            Tensor r = binary("mul", BinaryOp.MUL, y, d);
            closeAll(gy, s, gs, t, c, d);
            return new Tensor[] {r};
        };
    }

    /**
     * logSoftmax: dx = g − p ⊙ Σ_axis g (p = softmax(x) = e^y), computed as r − p ⊙ Σ_axis r with
     * r = g − p ⊙ Σ_axis g. The sum of dx is 0 in exact arithmetic; in floating point Σ r is what the
     * rounded p lost, all of it from the largest p when one dominates: a cross-entropy's label entry
     * S·(1 − p) with p within 1e-5 of 1 had lost two to three digits of float32 (tested in {@code
     * ComposedKernelsTest} bitwise against the composed softmaxCrossEntropy, which runs the same steps).
     */
    static Backward logSoftmax(Tensor y, int axis) {
        return g -> {
            Tensor p = unary("exp", UnaryOp.EXP, y);
            Tensor s = RawOps.reduce("logSoftmax", ReduceOp.SUM, g, new int[] {axis});
            Tensor ps = binary("mul", BinaryOp.MUL, p, s);
            Tensor r = binary("sub", BinaryOp.SUB, g, ps);
            Tensor c = RawOps.reduce("logSoftmax", ReduceOp.SUM, r, new int[] {axis});
            Tensor pc = binary("mul", BinaryOp.MUL, p, c);
            Tensor d = binary("sub", BinaryOp.SUB, r, pc);
            closeAll(p, s, ps, r, c, pc);
            return new Tensor[] {d};
        };
    }

    /** matmul: da = g·bᵀ, db = aᵀ·g, each summed over broadcast batch axes. */
    static Backward matmul(Tensor a, Tensor other) {
        return g -> {
            Tensor ga = RawOps.matmul("matmul", g, false, other, true);
            Tensor gb = RawOps.matmul("matmul", a, true, g, false);
            Tensor ra = sumTo(ga, a.shape);
            Tensor rb = sumTo(gb, other.shape);
            closeAll(ga, gb);
            return new Tensor[] {ra, rb};
        };
    }

    // ---- shape and indexing ops -------------------------------------------------------------

    /** reshape: the gradient takes the input's shape back (a view). */
    static Backward reshape(long[] in) {
        return g -> new Tensor[] {RawOps.reshape(g, in)};
    }

    /** permute: the gradient is permuted back by the inverse permutation. */
    static Backward permute(int[] inverse) {
        return g -> new Tensor[] {Tape.noGrad(() -> g.permute(inverse))};
    }

    /** broadcastTo: the gradient is summed back to the input's shape. */
    static Backward broadcastTo(long[] in) {
        return g -> new Tensor[] {sumTo(g, in)};
    }

    /** slice: the gradient is written into zeros of the input's shape at the slice's offset. */
    static Backward slice(long[] in, long offset) {
        return g -> {
            Tensor r = Tensor.newOnBackend("tensor", g.backend(), g.dtype, in);
            if (g.numel() > 0) {
                g.backend().copyStrided(g.storage, 0, Shapes.strides(g.shape), r.storage, offset, Shapes.strides(in), g.shape);
            }
            return new Tensor[] {r};
        };
    }

    /** concat: each input's gradient is its slice of g along the axis. */
    static Backward concat(Tensor[] inputs, long[] starts, int axis) {
        return g -> {
            Tensor[] r = new Tensor[inputs.length];
            for (int p = 0; p < inputs.length; p++) {
                long s0 = starts[p];
                long s1 = s0 + inputs[p].shape[axis];
                r[p] = Tape.noGrad(() -> g.slice(axis, s0, s1));
            }
            return r;
        };
    }

    /** gather: rows of g are scatter-added into zeros of the table's shape; the ids get none. */
    static Backward gather(long[] table, long rowSize, Tensor ids) {
        return g -> {
            Tensor r = Tensor.newOnBackend("tensor", g.backend(), g.dtype, table);
            if (g.numel() > 0) {
                g.backend().scatterAdd(g.storage, rowSize, ids.storage, r.storage);
            }
            return new Tensor[] {r, null};
        };
    }

    // ---- fused losses -----------------------------------------------------------------------

    /**
     * softmaxCrossEntropy: dlogits = g·dlogits (the fused kernel's precomputed gradient for a unit
     * upstream, g reshaped to {@code kept}), dlabels = −g·logSoftmax(logits) when the tape needs it.
     */
    static Backward softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits, long[] kept) {
        return g -> {
            Tensor gk = g.reshape(kept);
            Tensor dz = dlogits.mul(gk);
            Tensor dy = null;
            if (Tape.needsGradient(labels)) {
                Tensor lp = logits.logSoftmax(-1);
                Tensor nlp = lp.neg();
                dy = nlp.mul(gk);
                lp.close();
                nlp.close();
            }
            gk.close();
            return new Tensor[] {dz, dy};
        };
    }
}
