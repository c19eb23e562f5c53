package dev.lamina.tensor;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.BinaryOperator;

/**
 * The tensor ops without gradients: each checks its arguments (rule 3: the message names the op and
 * the shapes), allocates the output and makes one backend call. {@link OpTable}, {@link Gradients},
 * {@link ShapeOps} and {@link Tensor} build on these; nothing here records on a tape.
 */
final class RawOps {
    private RawOps() {
    }

    // ---- checks ---------------------------------------------------------------------------

    static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype + " " + Shapes.str(a.shape)
                    + " and " + b.dtype + " " + Shapes.str(b.shape) + "; cast one first");
        }
    }

    static void requireFloat(Tensor x, String op) {
        if (!x.dtype.isFloating()) {
            throw new IllegalArgumentException(op + ": needs a float32 or float64 tensor, got " + x.dtype + " "
                    + Shapes.str(x.shape));
        }
    }

    static boolean recording() {
        return Tape.isRecording();
    }

    // ---- scalars and casts ------------------------------------------------------------------

    /** A scalar of x's dtype on its backend. */
    static Tensor scalarLike(Tensor x, double v) {
        return scalarOf(x.backend(), x.dtype, v);
    }

    static Tensor scalarOf(Backend backend, DType dtype, double v) {
        Tensor t = Tensor.newOnBackend("tensor", backend, dtype, new long[0]);
        if (v != 0) {
            t.fillOrClose(v);
        }
        return t;
    }

    static Tensor castNoGrad(Tensor x, DType target) {
        x.checkOpen("cast");
        Tensor r = Tensor.uninitialized("cast", x.backend(), target, x.shape);
        return r.runOrClose(() -> x.backend().cast(x.storage, r.storage));
    }

    // ---- element-wise -----------------------------------------------------------------------

    static Tensor binary(String op, BinaryOp kind, Tensor a, Tensor b) {
        Tensor.check(op, a, b);
        sameDtype(op, a, b);
        if (a.dtype == DType.BOOL && !(kind == BinaryOp.EQ || kind == BinaryOp.NE || kind == BinaryOp.MUL
                || kind == BinaryOp.MAXIMUM || kind == BinaryOp.MINIMUM || kind == BinaryOp.ADD)) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors");
        }
        long[] out = Shapes.broadcast(op, a.shape, b.shape);
        long[] as = Shapes.broadcastStrides(a.shape, out);
        long[] bs = Shapes.broadcastStrides(b.shape, out);
        Tensor r = Tensor.uninitialized(op, a.backend(), kind.isComparison() ? DType.BOOL : a.dtype, out);
        return r.runOrClose(() -> a.backend().binary(kind, a.storage, as, b.storage, bs, r.storage, out));
    }

    static Tensor unary(String op, UnaryOp kind, Tensor x) {
        x.checkOpen(op);
        if (x.dtype == DType.BOOL || (!x.dtype.isFloating() && !kind.supportsIntegers())) {
            throw new IllegalArgumentException(op + ": not defined for " + x.dtype + " tensors (shape "
                    + Shapes.str(x.shape) + ")");
        }
        Tensor r = Tensor.uninitialized(op, x.backend(), x.dtype, x.shape);
        return r.runOrClose(() -> x.backend().unary(kind, x.storage, r.storage));
    }

    /** sum-to-shape of g * x. */
    static Tensor productSumTo(Tensor g, Tensor x, long[] target) {
        Tensor p = binary("mul", BinaryOp.MUL, g, x);
        Tensor r = sumTo(p, target);
        p.close();
        return r;
    }

    /** a ⊙ b, closing a (b stays). */
    static Tensor mulClose(Tensor a, Tensor b) {
        Tensor r = binary("mul", BinaryOp.MUL, a, b);
        a.close();
        return r;
    }

    static Tensor negClose(Tensor a) {
        Tensor r = unary("neg", UnaryOp.NEG, a);
        a.close();
        return r;
    }

    static void closeAll(Tensor... ts) {
        for (Tensor t : ts) {
            t.close();
        }
    }

    // ---- scalar operands ------------------------------------------------------------------
    //
    // A Java scalar is "weakly typed", as a Python scalar in JAX (and Keras 3): it takes the tensor's
    // dtype when it can do so without losing its value's kind, and promotes the tensor otherwise.
    //  - double with a float tensor: the tensor's dtype.
    //  - double with an int or bool tensor: arithmetic promotes the tensor to float32, as JAX does for
    //    any Python float (so int [1, 2, 3] · 0.5 is float32 [0.5, 1, 1.5], and add(2.0) is float32
    //    too); comparisons stay exact: an integral value in the dtype's range compares in the integer
    //    dtype, any other value in float64 (exact for int32).
    //  - long with a float tensor: the tensor's dtype; with an int tensor: that dtype (integer
    //    arithmetic: div truncates), IllegalArgumentException when the value does not fit it; with a
    //    bool tensor: int32, as JAX's weak int.

    /** Applies a binary op to x and a double scalar under the weak-type rule above. */
    static Tensor withScalar(Tensor x, String op, double v, boolean comparison, BinaryOperator<Tensor> f) {
        x.checkOpen(op);
        if (x.dtype.isFloating()) {
            return applyScalar(x, scalarLike(x, v), f);
        }
        if (comparison) {
            if (fitsExactly(v, x.dtype)) {
                return applyScalar(x, scalarExact(x.backend(), x.dtype, (long) v), f);
            }
            return promoted(x, DType.FLOAT64, v, f);
        }
        return promoted(x, DType.FLOAT32, v, f);
    }

    /** f(x cast to {@code target}, v as {@code target}), closing the temporaries. */
    private static Tensor promoted(Tensor x0, DType target, double v, BinaryOperator<Tensor> f) {
        Tensor x = castNoGrad(x0, target);   // int and bool tensors carry no gradient
        try {
            return applyScalar(x, scalarOf(x0.backend(), target, v), f);
        } finally {
            x.close();
        }
    }

    /** Applies a binary op to x and an integer scalar (an int tensor keeps its dtype). */
    static Tensor withLong(Tensor x0, String op, long v, BinaryOperator<Tensor> f) {
        x0.checkOpen(op);
        if (x0.dtype.isFloating()) {
            return applyScalar(x0, scalarLike(x0, (double) v), f);
        }
        DType target = x0.dtype == DType.BOOL ? DType.INT32 : x0.dtype;
        if (target == DType.INT32 && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(op + ": scalar " + v + " does not fit an int32 tensor "
                    + Shapes.str(x0.shape) + "; cast the tensor to int64 or float first");
        }
        if (target == x0.dtype) {
            return applyScalar(x0, scalarExact(x0.backend(), target, v), f);
        }
        Tensor x = castNoGrad(x0, target);
        try {
            return applyScalar(x, scalarExact(x0.backend(), target, v), f);
        } finally {
            x.close();
        }
    }

    /** f(x, s); s is closed unless a tape recorded the op (then its rule may read s; its scope frees it). */
    private static Tensor applyScalar(Tensor x, Tensor s, BinaryOperator<Tensor> f) {
        boolean keep = false;
        try {
            Tensor r = f.apply(x, s);
            keep = recording();
            return r;
        } finally {
            if (!keep) {
                s.close();
            }
        }
    }

    /** True when v is an integer value inside the range of the integer (or bool: 0, 1) dtype. */
    private static boolean fitsExactly(double v, DType dt) {
        if (v != Math.rint(v) || Double.isInfinite(v)) {
            return false;
        }
        switch (dt) {
            case INT32: return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case INT64: return v >= -0x1p63 && v < 0x1p63;
            case BOOL: return v == 0 || v == 1;
            default: return false;
        }
    }

    /** A scalar of an integer or bool dtype holding exactly v (uploaded, so int64 keeps all 64 bits). */
    private static Tensor scalarExact(Backend backend, DType dt, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        switch (dt) {
            case INT32: b.putInt((int) v); break;
            case INT64: b.putLong(v); break;
            case BOOL: b.put((byte) (v != 0 ? 1 : 0)); break;
            default: return scalarOf(backend, dt, v);
        }
        b.flip();
        Tensor t = Tensor.uninitialized("scalar", backend, dt, new long[0]);
        return t.runOrClose(() -> backend.upload(b, t.storage));
    }

    // ---- reductions -------------------------------------------------------------------------

    static long[] keptShape(Tensor x, int[] axes) {
        long[] s = x.shape.clone();
        for (int a : axes) {
            s[a] = 1;
        }
        return s;
    }

    private static long[] droppedShape(long[] shape, int[] axes) {
        long[] s = new long[shape.length - axes.length];
        int j = 0;
        int k = 0;
        for (int i = 0; i < shape.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
            } else {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    /** Reduction without gradient: one kernel call per contiguous run of axes. Result has kept shape. */
    static Tensor reduce(String op, ReduceOp kind, Tensor x, int[] axes) {
        x.checkOpen(op);
        if (x.dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors; cast first");
        }
        Backend backend = x.backend();
        Tensor cur = x;
        long[] curShape = x.shape.clone();
        // reduce runs of consecutive axes, last run first, so earlier axis numbers stay valid
        int end = axes.length - 1;
        while (end >= 0) {
            int start = end;
            while (start > 0 && axes[start - 1] == axes[start] - 1) {
                start--;
            }
            int a0 = axes[start];
            int a1 = axes[end];
            long outer = 1;
            long n = 1;
            long inner = 1;
            for (int i = 0; i < curShape.length; i++) {
                if (i < a0) {
                    outer *= curShape[i];
                } else if (i <= a1) {
                    n *= curShape[i];
                } else {
                    inner *= curShape[i];
                }
            }
            long[] next = curShape.clone();
            for (int i = a0; i <= a1; i++) {
                next[i] = 1;
            }
            Tensor r;
            if (n == 0) {
                if (kind != ReduceOp.SUM) {
                    throw new IllegalArgumentException(op + ": cannot reduce an empty axis of shape " + Shapes.str(x.shape));
                }
                r = Tensor.newOnBackend(op, backend, x.dtype, next);
            } else {
                Tensor out = Tensor.uninitialized(op, backend, kind.isArg() ? DType.INT64 : x.dtype, next);
                Tensor in = cur;
                long o = outer, nn = n, i = inner;
                try {
                    out.runOrClose(() -> backend.reduce(kind, in.storage, o, nn, i, out.storage));
                } catch (RuntimeException | Error e) {
                    if (cur != x) {
                        cur.close();
                    }
                    throw e;
                }
                r = out;
            }
            if (cur != x) {
                cur.close();
            }
            cur = r;
            curShape = next;
            end = start - 1;
        }
        return cur == x ? x.alias() : cur;
    }

    /** The kept-shape result of reducing x over axes, reshaped to drop those axes unless keepdims. */
    static Tensor finishReduce(Tensor x, Tensor kept, int[] axes, boolean keepdims) {
        if (keepdims) {
            return kept;
        }
        Tensor r = reshape(kept, droppedShape(x.shape, axes));
        kept.close();
        return r;
    }

    /** Sums broadcast dimensions away so the result has {@code target} shape (a view when equal). */
    static Tensor sumTo(Tensor x, long[] target) {
        long[] shape = x.shape;
        if (Arrays.equals(shape, target)) {
            return x.alias();
        }
        int lead = shape.length - target.length;
        int[] axes = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) {
                axes[n++] = i;
            }
        }
        Tensor kept = reduce("sum", ReduceOp.SUM, x, Arrays.copyOf(axes, n));
        Tensor r = reshape(kept, target);
        kept.close();
        return r;
    }

    // ---- softmax ----------------------------------------------------------------------------

    private static long[] outerNInner(long[] shape, int axis) {
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return new long[] {outer, shape[axis], inner};
    }

    static Tensor softmax(String op, Tensor x, int axis, boolean log) {
        x.checkOpen(op);
        requireFloat(x, op);
        int a = Shapes.axis(op, axis, x.shape.length);
        long[] oni = outerNInner(x.shape, a);
        Tensor y = Tensor.newOnBackend(op, x.backend(), x.dtype, x.shape);
        if (oni[1] > 0) {
            y.runOrClose(() -> x.backend().softmax(x.storage, y.storage, oni[0], oni[1], oni[2], log));
        }
        return y;
    }

    // ---- matmul -----------------------------------------------------------------------------

    /** op(a)·op(b) over the last two axes with batch broadcasting; no gradient. */
    static Tensor matmul(String op, Tensor a, boolean ta, Tensor b, boolean tb) {
        Tensor.check(op, a, b);
        sameDtype(op, a, b);
        requireFloat(a, op);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException(op + ": operands need rank >= 2, got " + Shapes.str(a.shape)
                    + " and " + Shapes.str(b.shape));
        }
        int ra = a.rank();
        int rb = b.rank();
        long m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
        long ka = ta ? a.shape[ra - 2] : a.shape[ra - 1];
        long kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
        long n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": inner dimensions differ: " + Shapes.str(a.shape)
                    + (ta ? "ᵀ" : "") + " · " + Shapes.str(b.shape) + (tb ? "ᵀ" : "") + " (" + ka + " vs " + kb + ")");
        }
        long[] batchA = Arrays.copyOf(a.shape, ra - 2);
        long[] batchB = Arrays.copyOf(b.shape, rb - 2);
        long[] batch = Shapes.broadcast(op, batchA, batchB);
        long nb = Shapes.numel(batch);
        Tensor aa = a;
        Tensor bb = b;
        long strideA;
        long strideB;
        if (Shapes.numel(batchA) == 1) {
            strideA = 0;
        } else if (Arrays.equals(batchA, batch)) {
            strideA = m * ka;
        } else {
            aa = broadcast(a, Shapes.concat(batch, Arrays.copyOfRange(a.shape, ra - 2, ra)));
            strideA = m * ka;
        }
        if (Shapes.numel(batchB) == 1) {
            strideB = 0;
        } else if (Arrays.equals(batchB, batch)) {
            strideB = ka * n;
        } else {
            bb = broadcast(b, Shapes.concat(batch, Arrays.copyOfRange(b.shape, rb - 2, rb)));
            strideB = ka * n;
        }
        long[] yShape = Shapes.concat(batch, new long[] {m, n});
        Tensor y = null;
        try {
            // with an empty inner dimension the product is all zeros, which no kernel call writes
            y = ka > 0 ? Tensor.uninitialized(op, a.backend(), a.dtype, yShape)
                    : Tensor.newOnBackend(op, a.backend(), a.dtype, yShape);
            if (nb > 0 && m > 0 && n > 0) {
                a.backend().matmul(aa.storage, bb.storage, y.storage, nb, m, n, ka, ta, tb, strideA, strideB);
            }
        } catch (RuntimeException | Error e) {
            if (y != null) {
                y.close();
            }
            throw e;
        } finally {
            if (aa != a) {
                aa.close();
            }
            if (bb != b) {
                bb.close();
            }
        }
        return y;
    }

    // ---- shapes -----------------------------------------------------------------------------

    /** x's memory under a new shape of the same element count (not checked here). */
    static Tensor reshape(Tensor x, long[] newShape) {
        x.checkOpen("reshape");
        x.storage.retain();
        return new Tensor(x.storage, newShape, true);
    }

    /** x repeated along size-1 (or missing leading) axes to {@code target}; one strided copy. */
    static Tensor broadcast(Tensor x, long[] target) {
        x.checkOpen("broadcastTo");
        Tensor y = Tensor.uninitialized("broadcastTo", x.backend(), x.dtype, target);
        if (y.numel() > 0) {
            y.runOrClose(() -> x.backend().copyStrided(x.storage, 0, Shapes.broadcastStrides(x.shape, target), y.storage, 0,
                    Shapes.strides(target), target));
        }
        return y;
    }

    /**
     * Checks that every value of an index tensor lies in [0, limit) (else an IllegalArgumentException
     * naming the first bad index and its position) without a host read that would make a traced
     * function run eagerly: through {@link dev.lamina.backend.HostCalls#check}, inside a trace the
     * check is a host node that every replay reruns on its own ids.
     */
    static void checkIds(Tensor x, String op, long limit) {
        checkIds(x, op, limit, "");
    }

    /** As {@link #checkIds(Tensor, String, long)}, each message prefixed by {@code context} (a caller's own words). */
    static void checkIds(Tensor x, String op, long limit, String context) {
        if (!x.dtype.isInteger()) {
            throw new IllegalArgumentException(context + op + ": indices must be int32 or int64, got " + x.dtype + " "
                    + Shapes.str(x.shape));
        }
        x.checkOpen(op);
        if (x.numel() == 0) {
            return;
        }
        DType dt = x.dtype;
        dev.lamina.backend.HostCalls.check(x.storage, op + " ids in [0, " + limit + ")", bytes -> {
            int n = bytes.remaining() / dt.size();
            for (int i = 0; i < n; i++) {
                long id = dt == DType.INT32 ? bytes.getInt(i * 4) : bytes.getLong(i * 8);
                if (id < 0 || id >= limit) {
                    throw new IllegalArgumentException(context + op + ": index " + id + " at position " + i
                            + " is out of range [0, " + limit + ")");
                }
            }
        });
    }
}
