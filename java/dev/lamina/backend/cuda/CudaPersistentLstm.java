package dev.lamina.backend.cuda;

import dev.lamina.backend.Capability;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launcher of the persistent LSTM sequence forward ({@code cuda-kernels/lstm_seq.cu}): the whole
 * recurrence of a sequence in one launch for hidden sizes up to 64, the recurrent weights held in
 * registers across all steps. It writes exactly what {@code RecurrentOps}' per-step path saves for
 * the backward (h and c of every step, the activated gates), and is checked against the per-step
 * kernels ({@code CudaPersistentLstmGpuTest}). {@code RecurrentOps.lstm} calls it through {@link
 * CudaBackend#lstmSequenceForward} when {@link #capability} says yes; the backward through time
 * still runs the per-step kernels.
 */
final class CudaPersistentLstm {
    private CudaPersistentLstm() {
    }

    /** The largest hidden size the kernel serves (64). */
    static final int MAX_HIDDEN = 64;

    /** Whether the kernel serves a sequence of this hidden size and dtype (say why not, rule 4). */
    static Capability capability(DType dt, long hidden) {
        if (!dt.isFloating()) {
            return Capability.unavailable("the persistent LSTM kernel needs float32 or float64, got " + dt);
        }
        if (hidden < 1 || hidden > MAX_HIDDEN) {
            return Capability.unavailable("the persistent LSTM kernel holds the recurrent kernel in registers: hidden"
                    + " size 1.." + MAX_HIDDEN + ", got " + hidden);
        }
        return Capability.AVAILABLE;
    }

    /**
     * The forward of a whole sequence: xp [B·T, 4H] (rows b·T + t), rk [H, 4H], h0 and c0 [B, H];
     * writes packed [B, T+1, H], hPrev [B, T, H], gates [T, B, 4H] and cs [T, B, H] (see the kernel file).
     */
    static void forward(CudaBackend be, Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                        Storage gates, Storage cs, long batch, long steps, long hidden) {
        String what = "cuda.lstmSequenceForward";
        CudaRuntime.get().requireAvailable(what);
        DType dt = xp.dtype();
        Capability c = capability(dt, hidden);
        if (!c.available()) {
            throw new IllegalArgumentException(what + ": " + c.reason());
        }
        if (batch < 0 || steps < 0) {
            throw new IllegalArgumentException(what + ": batch and steps must be >= 0, got " + batch + ", " + steps);
        }
        long g = 4 * hidden;
        long bt = Math.multiplyExact(batch, steps);
        Object[][] want = {{"xp", xp, bt * g}, {"rk", rk, hidden * g}, {"h0", h0, batch * hidden},
                {"c0", c0, batch * hidden}, {"packed", packed, Math.multiplyExact(batch, steps + 1) * hidden},
                {"hPrev", hPrev, bt * hidden}, {"gates", gates, bt * g}, {"cs", cs, bt * hidden}};
        for (Object[] w : want) {
            Storage s = (Storage) w[1];
            if (s.dtype() != dt || s.numel() != (Long) w[2]) {
                throw new IllegalArgumentException(what + ": " + w[0] + " must be " + dt + " of " + w[2]
                        + " elements for B=" + batch + " T=" + steps + " H=" + hidden + ", got " + s.dtype() + " of "
                        + s.numel());
            }
        }
        CudaRuntime.check(CudaNative.lamina_cuda_lstm_sequence_forward(dt.ordinal(), be.device(xp, what).address(),
                be.device(rk, what).address(), be.device(h0, what).address(), be.device(c0, what).address(),
                be.device(packed, what).address(), be.device(hPrev, what).address(),
                be.device(gates, what).address(), be.device(cs, what).address(), batch, steps, hidden, be.stream()),
                what + ": launch (" + dt + ", B=" + batch + " T=" + steps + " H=" + hidden + ")");
    }
}
