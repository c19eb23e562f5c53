package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * The GRU sequence forward and backward of {@link Backend#gruSequenceForward} and {@link
 * Backend#gruSequenceBackward} as the per-step composition: the same primitives in the same order
 * as {@code RecurrentOps}' own per-step loops (the step's rows by copyStrided, h·rk and dhz·rkᵀ by
 * matmul, the bias and state sums by ADD, the cells through {@link KernelDispatch}), so the results
 * are bitwise those loops'.
 *
 * <p>Public for the checks only: backends with their own sequence kernels check their operands here.
 */
public final class ComposedGruSequence {
    private ComposedGruSequence() {
    }

    /** See {@link Backend#gruSequenceForward}. */
    static void forward(Backend be, Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                        Storage gates, Storage hz, long batch, long steps, long hidden) {
        checkForward(xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
        DType dt = xp.dtype();
        long g = 3 * hidden;
        long[] rowsG = {batch, g}, denseG = {g, 1}, rowsH = {batch, hidden}, denseH = {hidden, 1};
        long[] stepG = {steps * g, 1}, stepH = {steps * hidden, 1};
        Storage xt = be.allocateUninitialized(dt, batch * g), recZ = be.allocateUninitialized(dt, batch * g);
        Storage hzs = be.allocateUninitialized(dt, batch * g), gs = be.allocateUninitialized(dt, batch * g);
        Storage h = be.allocateUninitialized(dt, batch * hidden), hn = be.allocateUninitialized(dt, batch * hidden);
        try {
            be.copyStrided(h0, 0, denseH, h, 0, denseH, rowsH);
            for (long s = 0; s < steps; s++) {
                be.copyStrided(xp, s * g, stepG, xt, 0, denseG, rowsG);
                be.copyStrided(h, 0, denseH, hPrev, s * hidden, stepH, rowsH);
                be.matmul(h, rk, recZ, 1, batch, g, hidden, false, false, 0, 0);
                be.binary(BinaryOp.ADD, recZ, denseG, rb, new long[] {0, 1}, hzs, rowsG);
                KernelDispatch.gruCellForward(be, xt, hzs, h, hn, gs, batch, hidden);
                be.copyStrided(hn, 0, denseH, packed, s * hidden, stepH, rowsH);
                be.copyStrided(gs, 0, denseG, gates, s * batch * g, denseG, rowsG);
                be.copyStrided(hzs, 0, denseG, hz, s * batch * g, denseG, rowsG);
                Storage swap = h;
                h = hn;
                hn = swap;
            }
        } finally {
            for (Storage s : new Storage[] {xt, recZ, hzs, gs, h, hn}) {
                s.release();
            }
        }
    }

    /** See {@link Backend#gruSequenceBackward}. */
    static void backward(Backend be, Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                         Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        checkBackward(gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
        DType dt = gates.dtype();
        long g = 3 * hidden;
        long[] rowsG = {batch, g}, denseG = {g, 1}, rowsH = {batch, hidden}, denseH = {hidden, 1};
        long[] stepG = {steps * g, 1}, stepH = {steps * hidden, 1};
        Storage dh = be.allocateUninitialized(dt, batch * hidden), dhTotal = be.allocateUninitialized(dt, batch * hidden);
        Storage hp = be.allocateUninitialized(dt, batch * hidden), gs = be.allocateUninitialized(dt, batch * g);
        Storage hzs = be.allocateUninitialized(dt, batch * g), dxz = be.allocateUninitialized(dt, batch * g);
        Storage dhz = be.allocateUninitialized(dt, batch * g), dhPrev = be.allocateUninitialized(dt, batch * hidden);
        Storage dRec = be.allocateUninitialized(dt, batch * hidden), dhNext = be.allocate(dt, batch * hidden);
        try {
            for (long s = steps - 1; s >= 0; s--) {
                be.copyStrided(dP, s * hidden, stepH, dh, 0, denseH, rowsH);
                be.binary(BinaryOp.ADD, dh, denseH, dhNext, denseH, dhTotal, rowsH);
                be.copyStrided(hPrev, s * hidden, stepH, hp, 0, denseH, rowsH);
                be.copyStrided(gates, s * batch * g, denseG, gs, 0, denseG, rowsG);
                be.copyStrided(hz, s * batch * g, denseG, hzs, 0, denseG, rowsG);
                KernelDispatch.gruCellBackward(be, gs, hzs, hp, dhTotal, dxz, dhz, dhPrev, batch, hidden);
                be.copyStrided(dxz, 0, denseG, dXp, s * g, stepG, rowsG);
                be.copyStrided(dhz, 0, denseG, dHz, s * g, stepG, rowsG);
                be.matmul(dhz, rk, dRec, 1, batch, hidden, g, false, true, 0, 0);
                be.binary(BinaryOp.ADD, dRec, denseH, dhPrev, denseH, dhNext, rowsH);
            }
            be.copyStrided(dhNext, 0, denseH, dh0, 0, denseH, rowsH);
        } finally {
            for (Storage s : new Storage[] {dh, dhTotal, hp, gs, hzs, dxz, dhz, dhPrev, dRec, dhNext}) {
                s.release();
            }
        }
    }

    /** The operands of {@link Backend#gruSequenceForward} every implementation checks (dtype and sizes). */
    public static void checkForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                    Storage gates, Storage hz, long batch, long steps, long hidden) {
        long[] sz = sizes(batch, steps, hidden);
        check("gruSequenceForward", new Storage[] {xp, rk, rb, h0, packed, hPrev, gates, hz},
                new String[] {"xp", "rk", "rb", "h0", "packed", "hPrev", "gates", "hz"},
                new long[] {sz[0], sz[2], sz[3], sz[4], sz[1], sz[1], sz[0], sz[0]}, batch, steps, hidden);
    }

    /** The operands of {@link Backend#gruSequenceBackward} every implementation checks (dtype and sizes). */
    public static void checkBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                     Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        long[] sz = sizes(batch, steps, hidden);
        check("gruSequenceBackward", new Storage[] {gates, hz, hPrev, rk, dP, dXp, dHz, dh0},
                new String[] {"gates", "hz", "hPrev", "rk", "dP", "dXp", "dHz", "dh0"},
                new long[] {sz[0], sz[0], sz[1], sz[2], sz[1], sz[0], sz[0], sz[4]}, batch, steps, hidden);
    }

    /** {B·T·3H, B·T·H, H·3H, 3H, B·H}, checking the geometry and overflow. */
    static long[] sizes(long batch, long steps, long hidden) {
        new SequenceGeometry(batch, steps, hidden);
        long g = Math.multiplyExact(3, hidden), bt = Math.multiplyExact(batch, steps);
        return new long[] {Math.multiplyExact(bt, g), Math.multiplyExact(bt, hidden), Math.multiplyExact(hidden, g), g,
                Math.multiplyExact(batch, hidden)};
    }

    /** Each storage got[i] must hold want[i] elements of got[0]'s float dtype. */
    static void check(String op, Storage[] got, String[] names, long[] want, long batch, long steps, long hidden) {
        DType dt = got[0].dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(op + ": needs float32 or float64, got " + dt);
        }
        for (int i = 0; i < got.length; i++) {
            if (got[i].dtype() != dt || got[i].numel() != want[i]) {
                throw new IllegalArgumentException(op + ": " + names[i] + " must be " + dt + " of " + want[i]
                        + " elements for B=" + batch + " T=" + steps + " H=" + hidden + ", got " + got[i].dtype()
                        + " of " + got[i].numel());
            }
        }
    }
}
