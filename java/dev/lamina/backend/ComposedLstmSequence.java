package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * The LSTM sequence forward of {@link Backend#lstmSequenceForward} (and the backward of {@link
 * Backend#lstmSequenceBackward}, below) as the per-step composition
 * (for each step: the step's rows of xp, h·rk by matmul, an ADD, the cell through {@link
 * KernelDispatch#lstmCellForward}), the same primitives in the same order as {@code RecurrentOps}'
 * own per-step loop, so the results are bitwise that loop's.
 *
 * <p>Public for the checks only: backends with their own sequence kernels check their operands here.
 */
public final class ComposedLstmSequence {
    private ComposedLstmSequence() {
    }

    /** See {@link Backend#lstmSequenceForward}. */
    static void forward(Backend be, Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                        Storage gates, Storage cs, long batch, long steps, long hidden) {
        check(xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
        DType dt = xp.dtype();
        long g = 4 * hidden;
        long[] rowsG = {batch, g}, denseG = {g, 1}, rowsH = {batch, hidden}, denseH = {hidden, 1};
        Storage xt = be.allocateUninitialized(dt, batch * g), recZ = be.allocateUninitialized(dt, batch * g);
        Storage z = be.allocateUninitialized(dt, batch * g), h = be.allocateUninitialized(dt, batch * hidden);
        Storage c = be.allocateUninitialized(dt, batch * hidden);
        try {
            be.copyStrided(h0, 0, denseH, h, 0, denseH, rowsH);
            be.copyStrided(c0, 0, denseH, c, 0, denseH, rowsH);
            for (long s = 0; s < steps; s++) {
                be.copyStrided(xp, s * g, new long[] {steps * g, 1}, xt, 0, denseG, rowsG);
                be.copyStrided(h, 0, denseH, hPrev, s * hidden, new long[] {steps * hidden, 1}, rowsH);
                be.matmul(h, rk, recZ, 1, batch, g, hidden, false, false, 0, 0);
                be.binary(BinaryOp.ADD, xt, denseG, recZ, denseG, z, rowsG);
                // the cell writes h and c of this step into scratch, then they are copied out
                Storage hn = be.allocateUninitialized(dt, batch * hidden);
                Storage cn = be.allocateUninitialized(dt, batch * hidden);
                Storage gs = be.allocateUninitialized(dt, batch * g);
                try {
                    KernelDispatch.lstmCellForward(be, z, c, hn, cn, gs, batch, hidden);
                    be.copyStrided(hn, 0, denseH, packed, s * hidden, new long[] {(steps + 1) * hidden, 1}, rowsH);
                    be.copyStrided(gs, 0, denseG, gates, s * batch * g, denseG, rowsG);
                    be.copyStrided(cn, 0, denseH, cs, s * batch * hidden, denseH, rowsH);
                    be.copyStrided(hn, 0, denseH, h, 0, denseH, rowsH);
                    be.copyStrided(cn, 0, denseH, c, 0, denseH, rowsH);
                } finally {
                    hn.release();
                    cn.release();
                    gs.release();
                }
            }
            be.copyStrided(c, 0, denseH, packed, steps * hidden, new long[] {(steps + 1) * hidden, 1}, rowsH);
        } finally {
            for (Storage s : new Storage[] {xt, recZ, z, h, c}) {
                s.release();
            }
        }
    }

    /**
     * See {@link Backend#lstmSequenceBackward}: per step the same primitives in the same order as
     * {@code RecurrentOps}' per-step backward (copy dP's step, ADD dh_next, the cell backward through
     * {@link KernelDispatch#lstmCellBackward}, matmul dz·rkᵀ), so the results are bitwise that loop's.
     */
    static void backward(Backend be, Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                         Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        checkBackward(gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
        DType dt = gates.dtype();
        long g = 4 * hidden;
        long[] rowsG = {batch, g}, denseG = {g, 1}, rowsH = {batch, hidden}, denseH = {hidden, 1};
        long[] stepH = {(steps + 1) * hidden, 1};
        Storage gs = be.allocateUninitialized(dt, batch * g), cPrev = be.allocateUninitialized(dt, batch * hidden);
        Storage c = be.allocateUninitialized(dt, batch * hidden), dhStep = be.allocateUninitialized(dt, batch * hidden);
        Storage dh = be.allocateUninitialized(dt, batch * hidden), dz = be.allocateUninitialized(dt, batch * g);
        Storage dhNext = be.allocate(dt, batch * hidden), dcNext = be.allocateUninitialized(dt, batch * hidden);
        Storage dcPrev = be.allocateUninitialized(dt, batch * hidden);
        try {
            be.copyStrided(dP, steps * hidden, stepH, dcNext, 0, denseH, rowsH);
            for (long s = steps - 1; s >= 0; s--) {
                be.copyStrided(dP, s * hidden, stepH, dhStep, 0, denseH, rowsH);
                be.binary(BinaryOp.ADD, dhStep, denseH, dhNext, denseH, dh, rowsH);
                be.copyStrided(gates, s * batch * g, denseG, gs, 0, denseG, rowsG);
                be.copyStrided(cs, s * batch * hidden, denseH, c, 0, denseH, rowsH);
                if (s > 0) {
                    be.copyStrided(cs, (s - 1) * batch * hidden, denseH, cPrev, 0, denseH, rowsH);
                } else {
                    be.copyStrided(c0, 0, denseH, cPrev, 0, denseH, rowsH);
                }
                KernelDispatch.lstmCellBackward(be, gs, cPrev, c, dh, dcNext, dz, dcPrev, batch, hidden);
                be.copyStrided(dz, 0, denseG, dXp, s * g, new long[] {steps * g, 1}, rowsG);
                be.matmul(dz, rk, dhNext, 1, batch, hidden, g, false, true, 0, 0);
                Storage swap = dcNext;
                dcNext = dcPrev;
                dcPrev = swap;
            }
            be.copyStrided(dhNext, 0, denseH, dh0, 0, denseH, rowsH);
            be.copyStrided(dcNext, 0, denseH, dc0, 0, denseH, rowsH);
        } finally {
            for (Storage s : new Storage[] {gs, cPrev, c, dhStep, dh, dz, dhNext, dcNext, dcPrev}) {
                s.release();
            }
        }
    }

    /** The sizes of {@link #backward} every implementation checks. */
    public static void checkBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp, Storage dh0,
                              Storage dc0, long batch, long steps, long hidden) {
        new SequenceGeometry(batch, steps, hidden);
        DType dt = gates.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException("lstmSequenceBackward: needs float32 or float64, got " + dt);
        }
        long g = Math.multiplyExact(4, hidden), bt = Math.multiplyExact(batch, steps);
        long[] want = {bt * g, bt * hidden, batch * hidden, hidden * g, Math.multiplyExact(batch, steps + 1) * hidden,
                bt * g, batch * hidden, batch * hidden};
        Storage[] got = {gates, cs, c0, rk, dP, dXp, dh0, dc0};
        String[] names = {"gates", "cs", "c0", "rk", "dP", "dXp", "dh0", "dc0"};
        for (int i = 0; i < got.length; i++) {
            if (got[i].dtype() != dt || got[i].numel() != want[i]) {
                throw new IllegalArgumentException("lstmSequenceBackward: " + names[i] + " must be " + dt + " of "
                        + want[i] + " elements for B=" + batch + " T=" + steps + " H=" + hidden + ", got "
                        + got[i].dtype() + " of " + got[i].numel());
            }
        }
    }

    /** The sizes every implementation checks (the tensor layer checked them already). */
    public static void check(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev, Storage gates,
                      Storage cs, long batch, long steps, long hidden) {
        new SequenceGeometry(batch, steps, hidden);
        DType dt = xp.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException("lstmSequenceForward: needs float32 or float64, got " + dt);
        }
        long g = Math.multiplyExact(4, hidden), bt = Math.multiplyExact(batch, steps);
        long[] want = {bt * g, hidden * g, batch * hidden, batch * hidden, Math.multiplyExact(batch, steps + 1) * hidden,
                bt * hidden, bt * g, bt * hidden};
        Storage[] got = {xp, rk, h0, c0, packed, hPrev, gates, cs};
        String[] names = {"xp", "rk", "h0", "c0", "packed", "hPrev", "gates", "cs"};
        for (int i = 0; i < got.length; i++) {
            if (got[i].dtype() != dt || got[i].numel() != want[i]) {
                throw new IllegalArgumentException("lstmSequenceForward: " + names[i] + " must be " + dt + " of "
                        + want[i] + " elements for B=" + batch + " T=" + steps + " H=" + hidden + ", got "
                        + got[i].dtype() + " of " + got[i].numel());
            }
        }
    }
}
