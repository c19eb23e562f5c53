package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * {@link Backend#lstmInference} as a composition of the backend's primitives: the input projection
 * of all steps as one matmul, then per step the step's rows, {@code + bias}, {@code + h·rk} and the
 * cell through {@link KernelDispatch#lstmCellForward}. These are the calls, on the same operands and
 * in the same order, of the recorded (training) path of {@code RecurrentOps.lstm}, so on every
 * backend the composition is bitwise that path's forward.
 */
public final class ComposedLstmInference {
    private ComposedLstmInference() {
    }

    /** See {@link Backend#lstmInference}. */
    static void run(Backend be, Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0, Storage y,
                    Storage hT, Storage cT, long batch, long steps, long input, long hidden, boolean returnSequences) {
        check(x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input, hidden, returnSequences);
        DType dt = x.dtype();
        long g = 4 * hidden;
        long[] rowsG = {batch, g}, denseG = {g, 1}, rowsH = {batch, hidden}, denseH = {hidden, 1};
        Storage[] s = new Storage[8];
        try {
            Storage xp = s[0] = be.allocateUninitialized(dt, batch * steps * g);
            Storage xt = s[1] = be.allocateUninitialized(dt, batch * g);
            Storage xb = s[2] = be.allocateUninitialized(dt, batch * g);
            Storage recZ = s[3] = be.allocateUninitialized(dt, batch * g);
            Storage z = s[4] = be.allocateUninitialized(dt, batch * g);
            Storage gates = s[5] = be.allocateUninitialized(dt, batch * g);
            Storage[] hs = {s[6] = be.allocateUninitialized(dt, batch * hidden), hT};
            Storage[] cs = {s[7] = be.allocateUninitialized(dt, batch * hidden), cT};
            be.matmul(x, kernel, xp, 1, batch * steps, g, input, false, false, 0, 0);
            // step s writes hs[k], cs[k] with k chosen so that the last step writes hT and cT
            for (long t = 0; t < steps; t++) {
                int cur = ((steps - 1 - t) & 1) == 0 ? 1 : 0;
                Storage hPrev = t == 0 ? h0 : hs[1 - cur];
                Storage cPrev = t == 0 ? c0 : cs[1 - cur];
                be.copyStrided(xp, t * g, new long[] {steps * g, 1}, xt, 0, denseG, rowsG);
                be.binary(BinaryOp.ADD, xt, denseG, bias, new long[] {0, 1}, xb, rowsG);
                be.matmul(hPrev, rk, recZ, 1, batch, g, hidden, false, false, 0, 0);
                be.binary(BinaryOp.ADD, xb, denseG, recZ, denseG, z, rowsG);
                KernelDispatch.lstmCellForward(be, z, cPrev, hs[cur], cs[cur], gates, batch, hidden);
                if (returnSequences) {
                    be.copyStrided(hs[cur], 0, denseH, y, t * hidden, new long[] {steps * hidden, 1}, rowsH);
                }
            }
            if (!returnSequences) {
                be.copyStrided(hT, 0, denseH, y, 0, denseH, rowsH);
            }
        } finally {
            for (Storage t : s) {
                if (t != null) {
                    be.free(t);
                }
            }
        }
    }

    /**
     * Checks the operands of {@link Backend#lstmInference}: one floating dtype, the documented sizes,
     * no output aliasing another operand.
     *
     * @param x the input, [B, T, I]
     * @param kernel [I, 4H]
     * @param rk [H, 4H]
     * @param bias [4H]
     * @param h0 [B, H]
     * @param c0 [B, H]
     * @param y [B, T, H] or [B, H]
     * @param hT [B, H]
     * @param cT [B, H]
     * @param batch B
     * @param steps T
     * @param input I
     * @param hidden H
     * @param returnSequences whether y is [B, T, H]
     * @throws IllegalArgumentException naming the operand that does not fit
     */
    public static void check(Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0, Storage y,
                             Storage hT, Storage cT, long batch, long steps, long input, long hidden,
                             boolean returnSequences) {
        String op = "lstmInference";
        if (batch < 0 || steps < 1 || input < 0 || hidden < 1) {
            throw new IllegalArgumentException(op + ": batch " + batch + ", steps " + steps + ", input " + input
                    + ", hidden " + hidden + " (steps and hidden must be positive)");
        }
        DType dt = x.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(op + " supports float32 and float64 only, got " + dt);
        }
        long g = Math.multiplyExact(4, hidden);
        long bh = Math.multiplyExact(batch, hidden);
        Object[] expect = {"x", x, Math.multiplyExact(Math.multiplyExact(batch, steps), input), "kernel", kernel,
            Math.multiplyExact(input, g), "recurrentKernel", rk, Math.multiplyExact(hidden, g), "bias", bias, g,
            "h0", h0, bh, "c0", c0, bh, "y", y, returnSequences ? Math.multiplyExact(bh, steps) : bh, "hT", hT, bh,
            "cT", cT, bh};
        for (int k = 0; k < expect.length; k += 3) {
            Storage st = (Storage) expect[k + 1];
            if (st == null) {
                throw new IllegalArgumentException(op + ": " + expect[k] + " is null");
            }
            if (st.dtype() != dt) {
                throw new IllegalArgumentException(op + ": " + expect[k] + " is " + st.dtype() + ", expected " + dt);
            }
            if (st.numel() != (Long) expect[k + 2]) {
                throw new IllegalArgumentException(op + ": " + expect[k] + " has " + st.numel() + " elements, expected "
                        + expect[k + 2] + " (batch " + batch + ", steps " + steps + ", input " + input + ", hidden "
                        + hidden + ")");
            }
        }
        Storage[] outs = {y, hT, cT};
        Storage[] all = {x, kernel, rk, bias, h0, c0, y, hT, cT};
        for (int i = 0; i < outs.length; i++) {
            for (int j = 0; j < all.length; j++) {
                if (j != 6 + i && all[j] == outs[i]) {
                    throw new IllegalArgumentException(op + ": an output shares its storage with another operand");
                }
            }
        }
    }
}
