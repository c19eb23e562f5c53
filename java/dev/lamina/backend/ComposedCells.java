package dev.lamina.backend;

import static dev.lamina.backend.BinaryOp.ADD;
import static dev.lamina.backend.BinaryOp.MUL;
import static dev.lamina.backend.BinaryOp.SUB;
import static dev.lamina.backend.UnaryOp.SIGMOID;
import static dev.lamina.backend.UnaryOp.TANH;

/**
 * The LSTM and GRU cells of the {@link Backend} SPI ({@link Backend#lstmCellForward} and the three
 * methods after it) as compositions of primitives, for a backend without fused cells: each gate
 * block is copied out with copyStrided, the gate math runs as unary (σ, tanh) and binary (+, −, ·)
 * steps over [batch, hidden] storages, and the results are copied back into the gate layout. The
 * formulas, gate orders (LSTM i, f, c, o; GRU z, r, h with reset_after) and the order of the
 * products are those of the reference backend, so results differ from it only by the rounding of
 * each step in the storage dtype.
 */
final class ComposedCells {
    private ComposedCells() {
    }

    /** Checks that every storage is of one float dtype and holds batch·width[k]·hidden elements. */
    private static void check(String op, long batch, long hidden, Storage[] storages, long[] widths) {
        if (batch < 0 || hidden < 0) {
            throw new IllegalArgumentException(op + ": negative batch " + batch + " or hidden " + hidden);
        }
        var dt = storages[0].dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(op + ": needs float32 or float64, got " + dt);
        }
        for (int k = 0; k < storages.length; k++) {
            long need = Math.multiplyExact(batch, Math.multiplyExact(widths[k], hidden));
            if (storages[k].dtype() != dt || storages[k].numel() != need) {
                throw new IllegalArgumentException(op + ": argument " + k + " is " + storages[k].dtype() + " of "
                        + storages[k].numel() + " elements, expected " + dt + " [" + batch + ", " + widths[k] * hidden
                        + "]");
            }
        }
    }

    /** See {@link Backend#lstmCellForward}. */
    static void lstmForward(Backend be, Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch,
                            long hidden) {
        check("composed lstmCellForward", batch, hidden, new Storage[] {z, cPrev, h, c, gates},
                new long[] {4, 1, 1, 1, 4});
        if (batch * hidden == 0) {
            return;
        }
        long w = 4 * hidden;
        try (Composer k = new Composer(be, z.dtype())) {
            Storage i = k.unary(SIGMOID, k.cols(z, batch, w, 0, hidden));
            Storage f = k.unary(SIGMOID, k.cols(z, batch, w, hidden, hidden));
            Storage g = k.unary(TANH, k.cols(z, batch, w, 2 * hidden, hidden));
            Storage o = k.unary(SIGMOID, k.cols(z, batch, w, 3 * hidden, hidden));
            k.binInto(ADD, k.bin(MUL, f, cPrev), k.bin(MUL, i, g), c);
            k.binInto(MUL, o, k.unary(TANH, c), h);
            k.putCols(i, gates, batch, w, 0);
            k.putCols(f, gates, batch, w, hidden);
            k.putCols(g, gates, batch, w, 2 * hidden);
            k.putCols(o, gates, batch, w, 3 * hidden);
        }
    }

    /** See {@link Backend#lstmCellBackward}. */
    static void lstmBackward(Backend be, Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                             Storage dcPrev, long batch, long hidden) {
        check("composed lstmCellBackward", batch, hidden, new Storage[] {gates, cPrev, c, dh, dc, dz, dcPrev},
                new long[] {4, 1, 1, 1, 1, 4, 1});
        if (batch * hidden == 0) {
            return;
        }
        long w = 4 * hidden;
        try (Composer k = new Composer(be, gates.dtype())) {
            Storage i = k.cols(gates, batch, w, 0, hidden);
            Storage f = k.cols(gates, batch, w, hidden, hidden);
            Storage g = k.cols(gates, batch, w, 2 * hidden, hidden);
            Storage o = k.cols(gates, batch, w, 3 * hidden, hidden);
            Storage tc = k.unary(TANH, c);
            // dcTotal = dc + dh·o·(1 − tc²)
            Storage dct = k.bin(ADD, dc, k.bin(MUL, k.bin(MUL, dh, o), k.tanhGrad(tc)));
            k.putCols(k.bin(MUL, k.bin(MUL, k.bin(MUL, dct, g), i), k.bin(1.0, SUB, i)), dz, batch, w, 0);
            k.putCols(k.bin(MUL, k.bin(MUL, k.bin(MUL, dct, cPrev), f), k.bin(1.0, SUB, f)), dz, batch, w, hidden);
            k.putCols(k.bin(MUL, k.bin(MUL, dct, i), k.tanhGrad(g)), dz, batch, w, 2 * hidden);
            k.putCols(k.bin(MUL, k.bin(MUL, k.bin(MUL, dh, tc), o), k.bin(1.0, SUB, o)), dz, batch, w, 3 * hidden);
            k.binInto(MUL, dct, f, dcPrev);
        }
    }

    /** See {@link Backend#gruCellForward}. */
    static void gruForward(Backend be, Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch,
                           long hidden) {
        check("composed gruCellForward", batch, hidden, new Storage[] {xz, hz, hPrev, h, gates},
                new long[] {3, 3, 1, 1, 3});
        if (batch * hidden == 0) {
            return;
        }
        long w = 3 * hidden;
        try (Composer k = new Composer(be, xz.dtype())) {
            Storage z = k.unary(SIGMOID, k.bin(ADD, k.cols(xz, batch, w, 0, hidden), k.cols(hz, batch, w, 0, hidden)));
            Storage r = k.unary(SIGMOID, k.bin(ADD, k.cols(xz, batch, w, hidden, hidden),
                    k.cols(hz, batch, w, hidden, hidden)));
            Storage hh = k.unary(TANH, k.bin(ADD, k.cols(xz, batch, w, 2 * hidden, hidden),
                    k.bin(MUL, r, k.cols(hz, batch, w, 2 * hidden, hidden))));
            // h = z·hPrev + (1 − z)·ĥ
            k.binInto(ADD, k.bin(MUL, z, hPrev), k.bin(MUL, k.bin(1.0, SUB, z), hh), h);
            k.putCols(z, gates, batch, w, 0);
            k.putCols(r, gates, batch, w, hidden);
            k.putCols(hh, gates, batch, w, 2 * hidden);
        }
    }

    /** See {@link Backend#gruCellBackward}. */
    static void gruBackward(Backend be, Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                            Storage dhPrev, long batch, long hidden) {
        check("composed gruCellBackward", batch, hidden, new Storage[] {gates, hz, hPrev, dh, dxz, dhz, dhPrev},
                new long[] {3, 3, 1, 1, 3, 3, 1});
        if (batch * hidden == 0) {
            return;
        }
        long w = 3 * hidden;
        try (Composer k = new Composer(be, gates.dtype())) {
            Storage z = k.cols(gates, batch, w, 0, hidden);
            Storage r = k.cols(gates, batch, w, hidden, hidden);
            Storage hh = k.cols(gates, batch, w, 2 * hidden, hidden);
            Storage hzh = k.cols(hz, batch, w, 2 * hidden, hidden);
            Storage da = k.bin(MUL, k.bin(MUL, dh, k.bin(1.0, SUB, z)), k.tanhGrad(hh));
            Storage dzz = k.bin(MUL, k.bin(MUL, k.bin(MUL, dh, k.bin(SUB, hPrev, hh)), z), k.bin(1.0, SUB, z));
            Storage dzr = k.bin(MUL, k.bin(MUL, k.bin(MUL, da, hzh), r), k.bin(1.0, SUB, r));
            k.putCols(dzz, dxz, batch, w, 0);
            k.putCols(dzr, dxz, batch, w, hidden);
            k.putCols(da, dxz, batch, w, 2 * hidden);
            k.putCols(dzz, dhz, batch, w, 0);
            k.putCols(dzr, dhz, batch, w, hidden);
            k.putCols(k.bin(MUL, da, r), dhz, batch, w, 2 * hidden);
            k.binInto(MUL, dh, z, dhPrev);
        }
    }
}
