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
 * CudaBackend#lstmSequenceForward} when {@link #capability} says yes, and for the gradient the
 * persistent backward through time ({@link #backward}, one launch too) through {@link
 * CudaBackend#lstmSequenceBackward}.
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
        SequenceArguments.checkCounts(what, capability(dt, hidden), batch, steps);
        long g = 4 * hidden;
        long bt = Math.multiplyExact(batch, steps);
        Object[][] want = {{"xp", xp, bt * g}, {"rk", rk, hidden * g}, {"h0", h0, batch * hidden},
                {"c0", c0, batch * hidden}, {"packed", packed, Math.multiplyExact(batch, steps + 1) * hidden},
                {"hPrev", hPrev, bt * hidden}, {"gates", gates, bt * g}, {"cs", cs, bt * hidden}};
        SequenceArguments.checkStorages(what, want, dt, batch, steps, hidden);
        CudaRuntime.check(CudaNative.lamina_cuda_lstm_sequence_forward(dt.ordinal(), be.device(xp, what).address(),
                be.device(rk, what).address(), be.device(h0, what).address(), be.device(c0, what).address(),
                be.device(packed, what).address(), be.device(hPrev, what).address(),
                be.device(gates, what).address(), be.device(cs, what).address(), batch, steps, hidden, be.stream()),
                what + ": launch (" + dt + ", B=" + batch + " T=" + steps + " H=" + hidden + ")");
    }

    /**
     * The backward through time of a whole sequence: gates [T, B, 4H], cs [T, B, H], c0 [B, H], rk
     * [H, 4H], dP [B, T+1, H]; writes dXp [B·T, 4H], dh0 and dc0 [B, H] (see the kernel file and
     * {@link dev.lamina.backend.Backend#lstmSequenceBackward}).
     */
    static void backward(CudaBackend be, Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                         Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        String what = "cuda.lstmSequenceBackward";
        CudaRuntime.get().requireAvailable(what);
        DType dt = gates.dtype();
        SequenceArguments.checkCounts(what, capability(dt, hidden), batch, steps);
        long g = 4 * hidden;
        long bt = Math.multiplyExact(batch, steps);
        Object[][] want = {{"gates", gates, bt * g}, {"cs", cs, bt * hidden}, {"c0", c0, batch * hidden},
                {"rk", rk, hidden * g}, {"dP", dP, Math.multiplyExact(batch, steps + 1) * hidden},
                {"dXp", dXp, bt * g}, {"dh0", dh0, batch * hidden}, {"dc0", dc0, batch * hidden}};
        SequenceArguments.checkStorages(what, want, dt, batch, steps, hidden);
        CudaRuntime.check(CudaNative.lamina_cuda_lstm_sequence_backward(dt.ordinal(),
                be.device(gates, what).address(), be.device(cs, what).address(), be.device(c0, what).address(),
                be.device(rk, what).address(), be.device(dP, what).address(), be.device(dXp, what).address(),
                be.device(dh0, what).address(), be.device(dc0, what).address(), batch, steps, hidden, be.stream()),
                what + ": launch (" + dt + ", B=" + batch + " T=" + steps + " H=" + hidden + ")");
    }
}
