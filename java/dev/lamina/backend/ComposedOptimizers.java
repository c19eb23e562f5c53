package dev.lamina.backend;

import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * The RMSprop and SGD steps of {@link Backend#rmspropUpdate} and {@link Backend#sgdUpdate} as
 * compositions of element-wise primitives, for a backend without fused ones. They run exactly the
 * primitives, in exactly the order and with exactly the scalar operands, that the tensor-level
 * {@code optim.RMSprop} and {@code optim.SGD} ran before the fused kernels existed
 * ({@code vel.mul(ρ).add(g.square().mul(1 − ρ))} and so on: each scalar a dtype-rounded
 * stride-0 operand), so on a backend without the fused kernels the optimizers' results are bitwise
 * unchanged (tested against the tensor-level code in {@code ComposedKernelsTest}).
 */
final class ComposedOptimizers {
    private ComposedOptimizers() {
    }

    private static final long[] DENSE = {1};
    private static final long[] SCALAR = {0};

    /** Scratch storages of one call, released together. */
    private static final class Scratch implements AutoCloseable {
        final Backend be;
        final DType dt;
        final long n;
        final List<Storage> held = new ArrayList<>();

        Scratch(Backend be, DType dt, long n) {
            this.be = be;
            this.dt = dt;
            this.n = n;
        }

        Storage constant(double v) {
            Storage s = be.allocate(dt, 1);
            held.add(s);
            be.fill(s, v);
            return s;
        }

        Storage vector() {
            Storage s = be.allocateUninitialized(dt, n);
            held.add(s);
            return s;
        }

        @Override
        public void close() {
            for (Storage s : held) {
                s.release();
            }
        }
    }

    private static void check(String what, Storage w, Storage... others) {
        DType dt = w.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException("composed " + what + ": needs float32 or float64, got " + dt);
        }
        for (Storage s : others) {
            if (s != null && (s.dtype() != dt || s.numel() != w.numel())) {
                throw new IllegalArgumentException("composed " + what + ": w is " + dt + " of " + w.numel()
                        + " elements but an operand is " + s.dtype() + " of " + s.numel());
            }
        }
    }

    /** out = a op b, both dense. */
    private static void vv(Backend be, BinaryOp op, Storage a, Storage b, Storage out, long[] shape) {
        be.binary(op, a, DENSE, b, DENSE, out, shape);
    }

    /** out = a op scalar. */
    private static void vs(Backend be, BinaryOp op, Storage a, Storage c, Storage out, long[] shape) {
        be.binary(op, a, DENSE, c, SCALAR, out, shape);
    }

    private static void copy(Backend be, Storage from, Storage to, long[] shape) {
        be.copyStrided(from, 0, DENSE, to, 0, DENSE, shape);
    }

    /** See {@link Backend#rmspropUpdate}. */
    static void rmsprop(Backend be, Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr, double rho,
                        double momentum, double epsilon) {
        check("rmspropUpdate", w, g, vel, mom, avg);
        long n = w.numel();
        long[] shape = {n};
        try (Scratch s = new Scratch(be, w.dtype(), n)) {
            Storage cRho = s.constant(rho), cOneMinusRho = s.constant(1 - rho), cEps = s.constant(epsilon);
            Storage cLr = s.constant(lr);
            Storage t = s.vector(), u = s.vector(), q = s.vector();
            vs(be, BinaryOp.MUL, vel, cRho, t, shape);                 // vel·ρ
            be.unary(UnaryOp.SQUARE, g, u);                            // g²
            vs(be, BinaryOp.MUL, u, cOneMinusRho, q, shape);           // ·(1 − ρ)
            vv(be, BinaryOp.ADD, t, q, u, shape);                      // vel·ρ + g²·(1 − ρ)
            copy(be, u, vel, shape);
            Storage denom = s.vector();
            if (avg != null) {
                vs(be, BinaryOp.MUL, avg, cRho, t, shape);             // avg·ρ
                vs(be, BinaryOp.MUL, g, cOneMinusRho, q, shape);       // g·(1 − ρ)
                vv(be, BinaryOp.ADD, t, q, u, shape);
                copy(be, u, avg, shape);
                be.unary(UnaryOp.SQUARE, avg, t);                      // avg²
                vv(be, BinaryOp.SUB, vel, t, q, shape);                // vel − avg²
                vs(be, BinaryOp.ADD, q, cEps, denom, shape);           // + ε
            } else {
                vs(be, BinaryOp.ADD, vel, cEps, denom, shape);         // vel + ε
            }
            vs(be, BinaryOp.MUL, g, cLr, t, shape);                    // g·lr
            be.unary(UnaryOp.SQRT, denom, u);                          // √d
            vv(be, BinaryOp.DIV, t, u, q, shape);                      // inc = g·lr / √d
            if (mom != null) {
                Storage cMom = s.constant(momentum);
                vs(be, BinaryOp.MUL, mom, cMom, t, shape);             // mom·momentum
                vv(be, BinaryOp.ADD, t, q, u, shape);                  // + inc
                copy(be, u, mom, shape);
                vv(be, BinaryOp.SUB, w, mom, t, shape);                // w − mom
            } else {
                vv(be, BinaryOp.SUB, w, q, t, shape);                  // w − inc
            }
            copy(be, t, w, shape);
        }
    }

    /** See {@link Backend#sgdUpdate}. */
    static void sgd(Backend be, Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
        check("sgdUpdate", w, g, m);
        long n = w.numel();
        long[] shape = {n};
        try (Scratch s = new Scratch(be, w.dtype(), n)) {
            Storage cLr = s.constant(lr);
            Storage lrG = s.vector(), t = s.vector(), u = s.vector();
            vs(be, BinaryOp.MUL, g, cLr, lrG, shape);                  // g·lr
            if (m == null) {
                vv(be, BinaryOp.SUB, w, lrG, t, shape);                // w − g·lr
                copy(be, t, w, shape);
                return;
            }
            Storage cMom = s.constant(momentum);
            vs(be, BinaryOp.MUL, m, cMom, t, shape);                   // m·momentum
            vv(be, BinaryOp.SUB, t, lrG, u, shape);                    // − g·lr
            copy(be, u, m, shape);
            if (nesterov) {
                vs(be, BinaryOp.MUL, m, cMom, t, shape);               // m·momentum (the new m)
                vv(be, BinaryOp.SUB, t, lrG, u, shape);                // − g·lr
                vv(be, BinaryOp.ADD, w, u, t, shape);                  // w + …
            } else {
                vv(be, BinaryOp.ADD, w, m, t, shape);                  // w + m
            }
            copy(be, t, w, shape);
        }
    }
}
