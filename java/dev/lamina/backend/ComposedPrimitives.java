package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * Core primitives that a backend serves for some dtypes only, composed from the ones it has, so
 * that such a backend never refuses a call of the SPI (the cuda backend uses them for float64
 * matmul and for bool reductions and scatterAdd). Each method has the contract of the {@link
 * Backend} method of the same name; the caller has checked the arguments.
 */
public final class ComposedPrimitives {
    /** Default of {@link #productElements}. */
    static final long PRODUCT_ELEMENTS = 1L << 22;

    /** Elements of the product scratch per step of {@link #matmul} (settable by tests, package-private). */
    static volatile long productElements = PRODUCT_ELEMENTS;

    private ComposedPrimitives() {
    }

    /**
     * {@link Backend#matmul} as element-wise products and a SUM reduction: for each batch index p and
     * block of rows, {@code prod[i, j, l] = a[p][i, l] · b[p][l, j]} (binary MUL, broadcast) and
     * {@code out[p][i, j] = Σ_l prod[i, j, l]} (reduce SUM, accumulated in the dtype, in increasing
     * l: deterministic). Scratch is bounded by {@link #productElements} elements, or n·k when one
     * row needs more.
     */
    public static void matmul(Backend be, Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                              boolean transA, boolean transB, long strideA, long strideB) {
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            be.fill(out, 0);
            return;
        }
        DType dt = out.dtype();
        long ai = transA ? 1 : k, ak = transA ? m : 1;   // a[p][i, l] = a[p·strideA + i·ai + l·ak]
        long bk = transB ? 1 : n, bj = transB ? k : 1;   // b[p][l, j] = b[p·strideB + l·bk + j·bj]
        long total = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(batch, m), n), k);
        if (total <= productElements) {
            long[] shape = {batch, m, n, k};
            Storage prod = be.allocateUninitialized(dt, total);
            try {
                be.binary(BinaryOp.MUL, a, new long[] {strideA, ai, 0, ak}, b, new long[] {strideB, 0, bj, bk}, prod,
                        shape);
                be.reduce(ReduceOp.SUM, prod, batch * m * n, k, 1, out);
            } finally {
                prod.release();
            }
            return;
        }
        long rows = Math.max(1, Math.min(m, productElements / Math.multiplyExact(n, k)));
        try (Composer c = new Composer(be, dt)) {
            Storage bp = c.temp(k * n);
            for (long p = 0; p < batch; p++) {
                be.copyStrided(b, p * strideB, new long[] {bk, bj}, bp, 0, new long[] {n, 1}, new long[] {k, n});
                for (long i0 = 0; i0 < m; i0 += rows) {
                    long r = Math.min(rows, m - i0);
                    try (Composer block = new Composer(be, dt)) {
                        Storage ap = block.temp(r * k);
                        Storage prod = block.temp(r * n * k);
                        Storage part = block.temp(r * n);
                        be.copyStrided(a, p * strideA + i0 * ai, new long[] {ai, ak}, ap, 0, new long[] {k, 1},
                                new long[] {r, k});
                        be.binary(BinaryOp.MUL, ap, new long[] {k, 0, 1}, bp, new long[] {0, 1, n}, prod,
                                new long[] {r, n, k});
                        be.reduce(ReduceOp.SUM, prod, r * n, k, 1, part);
                        be.copyStrided(part, 0, new long[] {1}, out, (p * m + i0) * n, new long[] {1},
                                new long[] {r * n});
                    }
                }
            }
        }
    }

    /**
     * {@link Backend#reduce} of a BOOL x through INT32: cast, reduce, cast back (SUM is then logical
     * or, MAX or, MIN and; ARGMAX/ARGMIN write their INT64 indices, first occurrence, directly).
     */
    public static void reduceBool(Backend be, ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        Storage xi = be.allocateUninitialized(DType.INT32, x.numel());
        try {
            be.cast(x, xi);
            if (op.isArg()) {
                be.reduce(op, xi, outer, n, inner, out);
                return;
            }
            Storage oi = be.allocateUninitialized(DType.INT32, out.numel());
            try {
                be.reduce(op, xi, outer, n, inner, oi);
                be.cast(oi, out);
            } finally {
                oi.release();
            }
        } finally {
            xi.release();
        }
    }

    /** {@link Backend#scatterAdd} of BOOL rows through INT32: out ← out or src rows (cast, add, cast back). */
    public static void scatterAddBool(Backend be, Storage src, long rowSize, Storage ids, Storage out) {
        Storage si = be.allocateUninitialized(DType.INT32, src.numel());
        Storage oi = be.allocateUninitialized(DType.INT32, out.numel());
        try {
            be.cast(src, si);
            be.cast(out, oi);
            be.scatterAdd(si, rowSize, ids, oi);
            be.cast(oi, out);
        } finally {
            oi.release();
            si.release();
        }
    }
}
