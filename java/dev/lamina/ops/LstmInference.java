package dev.lamina.ops;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The LSTM sequence forward when no tape records ({@link RecurrentOps#lstm} at inference): the same
 * kernel calls on the same operands as the recorded path, so results are bitwise the same
 * ({@code LstmInferenceTest}), with much less fresh memory.
 *
 * <p>Freshly mapped memory is what made the recorded path slow at inference: it keeps the gates and
 * c of every step (for back-propagation) and a second [B·T, 4H] buffer for the biased projection; an
 * LSTM(512) over 64 × 100 steps touched about 180 MB of new pages per call, and on the development
 * VM a first touch costs about 3.5 ms per MB (page faults), as much as all the arithmetic. Here:
 * <ul>
 *   <li>the input projection {@code x·kernel} for all steps as one product, as in the recorded path;
 *       the bias is added per step (the same sum, {@code (x_t·kernel + bias) + h·recurrent_kernel},
 *       in the same order) instead of into a second full-size buffer;</li>
 *   <li>nothing is kept for a backward pass: one gates buffer, two h and two c buffers for the whole
 *       sequence, and h_t goes straight into y.</li>
 * </ul>
 * Cutting the projection into time-major chunks would save its 52 MB as well, but OpenBLAS rounds
 * some elements differently for differently cut products (seen in the last bit), so it is not done.
 */
final class LstmInference {
    private LstmInference() {
    }

    /** {y, h_T, c_T} as {@link RecurrentOps#lstm} returns them; inputs already checked. */
    static Tensor[] run(Tensor x, Tensor kernel, Tensor rk, Tensor bias, Tensor h0, Tensor c0, boolean returnSequences,
                        long b, long t, long in, long hid) {
        Backend be = x.backend();
        DType dt = x.dtype();
        long g = 4 * hid;
        List<Tensor> temps = new ArrayList<>();
        Tensor y = returnSequences ? raw(be, dt, b, t, hid) : null;
        Tensor[] hs = {raw(be, dt, b, hid), zeros(be, dt, b, hid)};  // hs[1] is h_0 when h0 is null
        Tensor[] cs = {raw(be, dt, b, hid), zeros(be, dt, b, hid)};
        long[] st = {g, 1};
        long[] shape = {b, g};
        try {
            // xp [B·T, 4H], row b·T + s: the recorded path's x.reshape(B·T, I)·kernel, the same call
            Tensor xp = temp(raw(be, dt, b * t, g), temps);
            be.matmul(x.storage(), kernel.storage(), xp.storage(), 1, b * t, g, in, false, false, 0, 0);
            Tensor gates = temp(raw(be, dt, b, g), temps);
            Tensor xt = temp(raw(be, dt, b, g), temps);
            Tensor xb = bias == null ? xt : temp(raw(be, dt, b, g), temps);
            Tensor recZ = temp(raw(be, dt, b, g), temps);
            Tensor z = temp(raw(be, dt, b, g), temps);
            for (long s = 0; s < t; s++) {
                int cur = (int) (s & 1);
                Tensor hPrev = s == 0 ? (h0 != null ? h0 : hs[1]) : hs[1 - cur];
                Tensor cPrev = s == 0 ? (c0 != null ? c0 : cs[1]) : cs[1 - cur];
                be.copyStrided(xp.storage(), s * g, new long[] {t * g, 1}, xt.storage(), 0, st, shape);
                if (bias != null) {
                    be.binary(BinaryOp.ADD, xt.storage(), st, bias.storage(), new long[] {0, 1}, xb.storage(), shape);
                }
                be.matmul(hPrev.storage(), rk.storage(), recZ.storage(), 1, b, g, hid, false, false, 0, 0);
                be.binary(BinaryOp.ADD, xb.storage(), st, recZ.storage(), st, z.storage(), shape);
                KernelDispatch.lstmCellForward(be, z.storage(), cPrev.storage(), hs[cur].storage(), cs[cur].storage(),
                        gates.storage(), b, hid);
                if (y != null) {
                    be.copyStrided(hs[cur].storage(), 0, new long[] {hid, 1}, y.storage(), s * hid,
                            new long[] {t * hid, 1}, new long[] {b, hid});
                }
            }
        } catch (RuntimeException | Error e) {
            for (Tensor o : new Tensor[] {y, hs[0], hs[1], cs[0], cs[1]}) {
                if (o != null) {
                    o.close();
                }
            }
            throw e;
        } finally {
            temps.forEach(Tensor::close);
        }
        int last = (int) ((t - 1) & 1);
        Tensor hT = hs[last];
        Tensor cT = cs[last];
        hs[1 - last].close();
        cs[1 - last].close();
        if (y == null) {
            y = raw(be, dt, b, hid);  // a tensor of its own, distinct from h_T
            be.copyStrided(hT.storage(), 0, new long[] {hid, 1}, y.storage(), 0, new long[] {hid, 1},
                    new long[] {b, hid});
        }
        return new Tensor[] {y, hT, cT};
    }

    /** A scope-owned tensor whose kernel overwrites every element before it is read. */
    private static Tensor raw(Backend be, DType dt, long... shape) {
        return Tensor.uninitialized(be, dt, shape);
    }

    private static Tensor zeros(Backend be, DType dt, long... shape) {
        return Tensor.zeros(be, dt, shape);
    }

    private static Tensor temp(Tensor x, List<Tensor> temps) {
        temps.add(x);
        return x;
    }
}
