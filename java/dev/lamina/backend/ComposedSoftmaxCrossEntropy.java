package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * Softmax cross-entropy and its gradient ({@link Backend#softmaxCrossEntropy}) as a composition of
 * primitives, for a backend without the fused kernel. It runs the primitives that the tensor-level
 * {@code −Σ_c y·logSoftmax(z)} runs forward (log-softmax, MUL, SUM, NEG), and for dlogits those
 * its tape runs backward for a unit upstream gradient (NEG, SUM, EXP of the log-softmax, MUL,
 * SUB: {@code r = −y − p·Σ(−y)}, then SUM, MUL, SUB: {@code dz = r − p·Σr}, the correction of the
 * log-softmax rule), so it is bitwise that composition (tested in {@code ComposedKernelsTest}).
 */
final class ComposedSoftmaxCrossEntropy {
    private ComposedSoftmaxCrossEntropy() {
    }

    /** See {@link Backend#softmaxCrossEntropy}. */
    static void run(Backend be, Storage logits, Storage labels, Storage loss, Storage dlogits, long rows,
                    long classes) {
        check(logits, labels, loss, dlogits, rows, classes);
        if (rows == 0) {
            return;
        }
        DType dt = logits.dtype();
        long n = rows * classes;
        long[] shape = {rows, classes}, dense = {classes, 1}, rowOnly = {1, 0};
        Storage logp = be.allocateUninitialized(dt, n), t = be.allocateUninitialized(dt, n);
        Storage sum = be.allocateUninitialized(dt, rows);
        Storage r = null;
        try {
            be.softmax(logits, logp, rows, classes, 1, true);               // log-softmax
            be.binary(BinaryOp.MUL, labels, dense, logp, dense, t, shape);  // y·logp
            be.reduce(ReduceOp.SUM, t, rows, classes, 1, sum);              // Σ_c
            be.unary(UnaryOp.NEG, sum, loss);                               // −Σ_c
            if (dlogits == null) {
                return;
            }
            be.unary(UnaryOp.NEG, labels, t);                               // g = −y
            be.reduce(ReduceOp.SUM, t, rows, classes, 1, sum);              // Σ_c g
            be.unary(UnaryOp.EXP, logp, logp);                              // p = exp(logp)
            be.binary(BinaryOp.MUL, logp, dense, sum, rowOnly, dlogits, shape);  // p·Σg
            r = be.allocateUninitialized(dt, n);
            be.binary(BinaryOp.SUB, t, dense, dlogits, dense, r, shape);         // r = g − p·Σg
            be.reduce(ReduceOp.SUM, r, rows, classes, 1, sum);                  // Σ_c r
            be.binary(BinaryOp.MUL, logp, dense, sum, rowOnly, t, shape);        // p·Σr
            be.binary(BinaryOp.SUB, r, dense, t, dense, dlogits, shape);         // r − p·Σr
        } finally {
            logp.release();
            t.release();
            sum.release();
            if (r != null) {
                r.release();
            }
        }
    }

    /** The argument checks every implementation shares (the tensor layer checked them already). */
    static void check(Storage logits, Storage labels, Storage loss, Storage dlogits, long rows, long classes) {
        String what = "softmaxCrossEntropy";
        DType dt = logits.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + ": logits must be float32 or float64, got " + dt);
        }
        if (rows < 0 || classes < 1) {
            throw new IllegalArgumentException(what + ": needs rows >= 0 and classes >= 1, got " + rows + " x " + classes);
        }
        long n = Math.multiplyExact(rows, classes);
        if (logits.numel() != n || labels.dtype() != dt || labels.numel() != n || loss.dtype() != dt
                || loss.numel() != rows || (dlogits != null && (dlogits.dtype() != dt || dlogits.numel() != n))) {
            throw new IllegalArgumentException(what + ": for " + rows + " x " + classes + " " + dt + " logits got labels "
                    + labels.dtype() + " of " + labels.numel() + ", loss " + loss.dtype() + " of " + loss.numel()
                    + (dlogits == null ? "" : ", dlogits " + dlogits.dtype() + " of " + dlogits.numel()));
        }
    }
}
