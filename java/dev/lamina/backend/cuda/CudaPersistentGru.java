package dev.lamina.backend.cuda;

import dev.lamina.backend.Capability;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the persistent GRU sequence kernels ({@code cuda-kernels/gru_seq.cu}): the forward
 * and the backward through time of a whole sequence, one launch each, for hidden sizes up to 64, the
 * recurrent weights held in registers across all steps. They write exactly what {@code
 * RecurrentOps}' per-step GRU path saves and returns, and are checked against the per-step kernels
 * and the float64 reference ({@code CudaPersistentGruGpuTest}). {@code RecurrentOps.gru} calls them
 * through {@link CudaBackend#gruSequenceForward} and {@link CudaBackend#gruSequenceBackward} when
 * {@link #capability} says yes.
 */
final class CudaPersistentGru {
    private CudaPersistentGru() {
    }

    /** The largest hidden size the kernels serve (64). */
    static final int MAX_HIDDEN = 64;

    /** Whether the kernels serve a sequence of this hidden size and dtype (say why not, rule 4). */
    static Capability capability(DType dt, long hidden) {
        if (!dt.isFloating()) {
            return Capability.unavailable("the persistent GRU kernel needs float32 or float64, got " + dt);
        }
        if (hidden < 1 || hidden > MAX_HIDDEN) {
            return Capability.unavailable("the persistent GRU kernel holds the recurrent kernel in registers: hidden"
                    + " size 1.." + MAX_HIDDEN + ", got " + hidden);
        }
        return Capability.AVAILABLE;
    }

    /**
     * The forward of a whole sequence: xp [B·T, 3H] (rows b·T + t), rk [H, 3H], rb [3H], h0 [B, H];
     * writes packed and hPrev [B, T, H], gates and hz [T, B, 3H] (see the kernel file).
     */
    static void forward(CudaBackend be, Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                        Storage gates, Storage hz, long batch, long steps, long hidden) {
        String what = "cuda.gruSequenceForward";
        CudaRuntime.get().requireAvailable(what);
        long[] n = sizes(what, xp.dtype(), batch, steps, hidden);
        SequenceArguments.checkStorages(what, new Object[][] {{"xp", xp, n[0]}, {"rk", rk, n[2]}, {"rb", rb, n[3]}, {"h0", h0, n[4]},
                {"packed", packed, n[1]}, {"hPrev", hPrev, n[1]}, {"gates", gates, n[0]}, {"hz", hz, n[0]}},
                xp.dtype(), batch, steps, hidden);
        CudaRuntime.check(CudaNative.lamina_cuda_gru_sequence_forward(xp.dtype().ordinal(),
                be.device(xp, what).address(), be.device(rk, what).address(), be.device(rb, what).address(),
                be.device(h0, what).address(), be.device(packed, what).address(), be.device(hPrev, what).address(),
                be.device(gates, what).address(), be.device(hz, what).address(), batch, steps, hidden, be.stream()),
                what + ": launch (" + xp.dtype() + ", B=" + batch + " T=" + steps + " H=" + hidden + ")");
    }

    /**
     * The backward through time: gates and hz [T, B, 3H], hPrev [B, T, H], rk [H, 3H], dP [B, T, H];
     * writes dXp and dHz [B·T, 3H] and dh0 [B, H] (see the kernel file).
     */
    static void backward(CudaBackend be, Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                         Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        String what = "cuda.gruSequenceBackward";
        CudaRuntime.get().requireAvailable(what);
        long[] n = sizes(what, gates.dtype(), batch, steps, hidden);
        SequenceArguments.checkStorages(what, new Object[][] {{"gates", gates, n[0]}, {"hz", hz, n[0]}, {"hPrev", hPrev, n[1]}, {"rk", rk, n[2]},
                {"dP", dP, n[1]}, {"dXp", dXp, n[0]}, {"dHz", dHz, n[0]}, {"dh0", dh0, n[4]}},
                gates.dtype(), batch, steps, hidden);
        CudaRuntime.check(CudaNative.lamina_cuda_gru_sequence_backward(gates.dtype().ordinal(),
                be.device(gates, what).address(), be.device(hz, what).address(), be.device(hPrev, what).address(),
                be.device(rk, what).address(), be.device(dP, what).address(), be.device(dXp, what).address(),
                be.device(dHz, what).address(), be.device(dh0, what).address(), batch, steps, hidden, be.stream()),
                what + ": launch (" + gates.dtype() + ", B=" + batch + " T=" + steps + " H=" + hidden + ")");
    }

    /** {B·T·3H, B·T·H, H·3H, 3H, B·H} after the capability and size checks. */
    private static long[] sizes(String what, DType dt, long batch, long steps, long hidden) {
        SequenceArguments.checkCounts(what, capability(dt, hidden), batch, steps);
        long g = 3 * hidden;
        long bt = Math.multiplyExact(batch, steps);
        return new long[] {Math.multiplyExact(bt, g), Math.multiplyExact(bt, hidden), hidden * g, g, batch * hidden};
    }
}
