package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * The Adam step of {@link Backend#adamUpdate} as a composition of element-wise primitives, for a
 * backend without a fused one. Each step is rounded to the dtype exactly as the tensor-level Adam
 * (Keras 3's order of operations), so the fused kernels and this composition agree bitwise with
 * it. RMSprop, SGD and the other optimizers have no fused kernel: they are tensor compositions
 * already and need no fallback.
 */
final class ComposedAdam {
    private ComposedAdam() {
    }

    /** See {@link Backend#adamUpdate}. */
    static void update(Backend be, Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                       double epsilon) {
        DType dt = w.dtype();
        long n = w.numel();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException("composed adamUpdate: needs float32 or float64, got " + dt);
        }
        for (Storage s : new Storage[] {g, m, v}) {
            if (s.dtype() != dt || s.numel() != n) {
                throw new IllegalArgumentException("composed adamUpdate: w is " + dt + " of " + n + " elements but an"
                        + " operand is " + s.dtype() + " of " + s.numel());
            }
        }
        long[] shape = {n}, dense = {1}, scalar = {0};
        Storage c1 = be.allocate(dt, 1), c2 = be.allocate(dt, 1), a = be.allocate(dt, 1), e = be.allocate(dt, 1);
        Storage t = be.allocateUninitialized(dt, n), u = be.allocateUninitialized(dt, n);
        Storage q = be.allocateUninitialized(dt, n);
        try {
            be.fill(c1, 1 - beta1);
            be.fill(c2, 1 - beta2);
            be.fill(a, alpha);
            be.fill(e, epsilon);
            be.binary(BinaryOp.SUB, g, dense, m, dense, t, shape);        // g − m
            be.binary(BinaryOp.MUL, t, dense, c1, scalar, u, shape);      // ·(1 − β1)
            be.binary(BinaryOp.ADD, m, dense, u, dense, t, shape);        // m + …
            be.copyStrided(t, 0, dense, m, 0, dense, shape);
            be.unary(UnaryOp.SQUARE, g, t);                               // g·g
            be.binary(BinaryOp.SUB, t, dense, v, dense, u, shape);        // − v
            be.binary(BinaryOp.MUL, u, dense, c2, scalar, t, shape);      // ·(1 − β2)
            be.binary(BinaryOp.ADD, v, dense, t, dense, u, shape);        // v + …
            be.copyStrided(u, 0, dense, v, 0, dense, shape);
            be.unary(UnaryOp.SQRT, v, t);                                 // √v
            be.binary(BinaryOp.ADD, t, dense, e, scalar, u, shape);       // + ε
            be.binary(BinaryOp.MUL, m, dense, a, scalar, t, shape);       // m·α
            be.binary(BinaryOp.DIV, t, dense, u, dense, q, shape);        // (m·α) / (√v + ε)
            be.binary(BinaryOp.SUB, w, dense, q, dense, u, shape);        // w − …
            be.copyStrided(u, 0, dense, w, 0, dense, shape);
        } finally {
            for (Storage s : new Storage[] {c1, c2, a, e, t, u, q}) {
                s.release();
            }
        }
    }
}
