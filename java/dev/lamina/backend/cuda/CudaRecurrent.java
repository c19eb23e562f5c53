package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the fused recurrent cells ({@code cuda-kernels/recurrent.cu}) for {@link CudaBackend}:
 * the LSTM cell (gates i, f, c, o) and the GRU cell (reset_after; gates z, r, h), forward and
 * backward, one launch per step, float32 and float64, with the math of
 * {@link dev.lamina.backend.Backend#lstmCellForward} and the three methods after it. Every storage's
 * dtype and size is checked against {@code batch} and {@code hidden} (as the cpu backend does)
 * before the launch. The gate non-linearities are CUDA's exp and tanh, so results differ from the
 * cpu backend's vectorised ones in the last bits only.
 */
final class CudaRecurrent {
    private CudaRecurrent() {
    }

    static void lstmForward(CudaBackend be, Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch,
                            long hidden) {
        String what = "cuda.lstmCellForward";
        long[] a = addresses(be, what, batch, hidden, "z", z, 4, "cPrev", cPrev, 1, "h", h, 1, "c", c, 1, "gates",
                gates, 4);
        CudaRuntime.check(CudaNative.lamina_cuda_lstm_cell_forward(z.dtype().ordinal(), a[0], a[1], a[2], a[3], a[4],
                batch, hidden, be.stream()), launch(what, z, batch, hidden));
    }

    static void lstmBackward(CudaBackend be, Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                             Storage dcPrev, long batch, long hidden) {
        String what = "cuda.lstmCellBackward";
        long[] a = addresses(be, what, batch, hidden, "gates", gates, 4, "cPrev", cPrev, 1, "c", c, 1, "dh", dh, 1,
                "dc", dc, 1, "dz", dz, 4, "dcPrev", dcPrev, 1);
        CudaRuntime.check(CudaNative.lamina_cuda_lstm_cell_backward(gates.dtype().ordinal(), a[0], a[1], a[2], a[3],
                a[4], a[5], a[6], batch, hidden, be.stream()), launch(what, gates, batch, hidden));
    }

    static void gruForward(CudaBackend be, Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch,
                           long hidden) {
        String what = "cuda.gruCellForward";
        long[] a = addresses(be, what, batch, hidden, "xz", xz, 3, "hz", hz, 3, "hPrev", hPrev, 1, "h", h, 1, "gates",
                gates, 3);
        CudaRuntime.check(CudaNative.lamina_cuda_gru_cell_forward(xz.dtype().ordinal(), a[0], a[1], a[2], a[3], a[4],
                batch, hidden, be.stream()), launch(what, xz, batch, hidden));
    }

    static void gruBackward(CudaBackend be, Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz,
                            Storage dhz, Storage dhPrev, long batch, long hidden) {
        String what = "cuda.gruCellBackward";
        long[] a = addresses(be, what, batch, hidden, "gates", gates, 3, "hz", hz, 3, "hPrev", hPrev, 1, "dh", dh, 1,
                "dxz", dxz, 3, "dhz", dhz, 3, "dhPrev", dhPrev, 1);
        CudaRuntime.check(CudaNative.lamina_cuda_gru_cell_backward(gates.dtype().ordinal(), a[0], a[1], a[2], a[3],
                a[4], a[5], a[6], batch, hidden, be.stream()), launch(what, gates, batch, hidden));
    }

    /**
     * Checks availability, then that every storage (given as name, storage, width triples) has the
     * float dtype of the first and {@code batch · width · hidden} elements and is a live storage of
     * the backend; returns the device addresses in order.
     */
    private static long[] addresses(CudaBackend be, String what, long batch, long hidden, Object... triples) {
        CudaRuntime.get().requireAvailable(what);
        if (batch < 0 || hidden < 0) {
            throw new IllegalArgumentException(what + ": negative batch " + batch + " or hidden " + hidden);
        }
        DType dt = ((Storage) triples[1]).dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + dt);
        }
        long[] out = new long[triples.length / 3];
        for (int k = 0; k < triples.length; k += 3) {
            String name = (String) triples[k];
            Storage s = (Storage) triples[k + 1];
            long width = (Integer) triples[k + 2];
            if (s.dtype() != dt) {
                throw new IllegalArgumentException(what + ": " + name + " is " + s.dtype() + ", expected " + dt);
            }
            if (s.numel() != Math.multiplyExact(batch, Math.multiplyExact(width, hidden))) {
                throw new IllegalArgumentException(what + ": " + name + " has " + s.numel() + " elements, expected ["
                        + batch + ", " + width * hidden + "]");
            }
            out[k / 3] = be.device(s, what).address();
        }
        return out;
    }

    private static String launch(String what, Storage s, long batch, long hidden) {
        return what + ": launch (" + s.dtype() + ", batch " + batch + ", hidden " + hidden + ")";
    }
}
