package dev.lamina.ops;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Scope;
import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.backend.SequenceGeometry;
import dev.lamina.backend.UnaryOp;
import java.util.ArrayList;
import java.util.List;

/**
 * Recurrent cells and sequences on tensors, differentiable through the {@link GradientTape}. Keras
 * conventions throughout: batch-major sequences {@code x [B, T, I]}, kernels {@code [in, out]},
 * LSTM gates in i, f, c, o order, GRU with reset_after = true and gates in z, r, h order.
 *
 * <p>The cells ({@link #lstmCell}, {@link #gruCell}) call the fused kernels of the backend
 * ({@link Backend#lstmCellForward} and the three methods after it): one pass over the gate
 * pre-activations per step, forward and backward. The sequences ({@link #lstm}, {@link #gru},
 * {@link #simpleRnn}) show the intended use and are what the layers and the parity runner share:
 * <ol>
 *   <li>the input projection for all time steps as ONE matrix product,
 *       {@code xp = x.reshape(B·T, I) · kernel + bias} (a recorded tensor op);</li>
 *   <li>then, per step t, the recurrent product {@code h_{t−1} · recurrent_kernel} and the fused
 *       cell, inside one recorded node for the whole recurrence, whose backward runs
 *       back-propagation through time with the cell backward kernels, a product
 *       {@code dz_t · recurrent_kernelᵀ} per step, and ONE product
 *       {@code [h_0 … h_{T−1}]ᵀ · [dz_1 … dz_T]} for the recurrent kernel's gradient.</li>
 * </ol>
 * One node for the recurrence (instead of one slice per step of xp) keeps the backward linear in
 * T: per-step slices would each send a gradient the size of all of xp back to it.
 *
 * <p>Inputs must share one backend and one float dtype; bad shapes are an
 * IllegalArgumentException naming the op and the shapes. Tensors saved for the backward pass
 * belong to the current {@link Scope} (as for every recorded op); with no tape recording they are
 * freed before the op returns.
 */
public final class RecurrentOps {
    private RecurrentOps() {
    }

    // =========================================================================================
    // cells
    // =========================================================================================

    /**
     * Fused LSTM cell. With {@code z = x_t·kernel + h_{t−1}·recurrent_kernel + bias} [B, 4H]
     * (columns i, f, c, o) and {@code cPrev} [B, H]:
     * <pre>
     * i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
     * c = f ⊙ cPrev + i ⊙ g,   h = o ⊙ tanh(c)
     * </pre>
     * Returns {h, c}, both [B, H]. Both outputs are differentiable with respect to z and cPrev;
     * when both are used downstream their gradients add (the tape records one node per output).
     */
    public static Tensor[] lstmCell(Tensor z, Tensor cPrev) {
        String op = "lstmCell";
        Tensor.check(op, z, cPrev);
        floats(op, z, cPrev);
        if (z.rank() != 2 || cPrev.rank() != 2 || z.dim(0) != cPrev.dim(0) || z.dim(1) != 4 * cPrev.dim(1)) {
            throw new IllegalArgumentException(op + ": expected z [B, 4H] and cPrev [B, H], got z "
                    + Shapes.str(z.shape()) + " and cPrev " + Shapes.str(cPrev.shape()));
        }
        long b = z.dim(0);
        long hid = cPrev.dim(1);
        Backend be = z.backend();
        DType dt = z.dtype();
        Tensor h = alloc(be, dt, b, hid);
        Tensor c = alloc(be, dt, b, hid);
        Tensor gates = alloc(be, dt, b, 4 * hid);
        KernelDispatch.lstmCellForward(be, z.storage(), cPrev.storage(), h.storage(), c.storage(), gates.storage(), b,
                hid);
        if (GradientTape.isRecording()) {
            GradientTape.record("lstmCell.h", h, dh -> lstmCellGrad(gates, cPrev, c, dh, null, b, hid), z, cPrev);
            GradientTape.record("lstmCell.c", c, dc -> lstmCellGrad(gates, cPrev, c, null, dc, b, hid), z, cPrev);
        } else {
            gates.close();
        }
        return new Tensor[] {h, c};
    }

    /** {dz, dcPrev} from dh and dc (a null one means zeros). */
    private static Tensor[] lstmCellGrad(Tensor gates, Tensor cPrev, Tensor c, Tensor dh, Tensor dc, long b, long hid) {
        Backend be = gates.backend();
        DType dt = gates.dtype();
        Tensor zero = alloc(be, dt, b, hid);
        Tensor dz = alloc(be, dt, b, 4 * hid);
        Tensor dcPrev = alloc(be, dt, b, hid);
        KernelDispatch.lstmCellBackward(be, gates.storage(), cPrev.storage(), c.storage(), (dh == null ? zero : dh).storage(),
                (dc == null ? zero : dc).storage(), dz.storage(), dcPrev.storage(), b, hid);
        zero.close();
        return new Tensor[] {dz, dcPrev};
    }

    /**
     * Fused GRU cell (reset_after = true). With {@code xz = x_t·kernel + bias[0]} and
     * {@code hz = h_{t−1}·recurrent_kernel + bias[1]}, both [B, 3H] (columns z, r, h), and
     * {@code hPrev} [B, H]:
     * <pre>
     * z = σ(xz_z + hz_z), r = σ(xz_r + hz_r), ĥ = tanh(xz_h + r ⊙ hz_h)
     * h = z ⊙ hPrev + (1 − z) ⊙ ĥ
     * </pre>
     * Returns h [B, H], differentiable with respect to xz, hz and hPrev.
     */
    public static Tensor gruCell(Tensor xz, Tensor hz, Tensor hPrev) {
        String op = "gruCell";
        Tensor.check(op, xz, hz, hPrev);
        floats(op, xz, hz, hPrev);
        if (xz.rank() != 2 || hz.rank() != 2 || hPrev.rank() != 2 || xz.dim(0) != hPrev.dim(0)
                || xz.dim(1) != 3 * hPrev.dim(1) || hz.dim(0) != xz.dim(0) || hz.dim(1) != xz.dim(1)) {
            throw new IllegalArgumentException(op + ": expected xz [B, 3H], hz [B, 3H] and hPrev [B, H], got xz "
                    + Shapes.str(xz.shape()) + ", hz " + Shapes.str(hz.shape()) + " and hPrev " + Shapes.str(hPrev.shape()));
        }
        long b = xz.dim(0);
        long hid = hPrev.dim(1);
        Backend be = xz.backend();
        DType dt = xz.dtype();
        Tensor h = alloc(be, dt, b, hid);
        Tensor gates = alloc(be, dt, b, 3 * hid);
        KernelDispatch.gruCellForward(be, xz.storage(), hz.storage(), hPrev.storage(), h.storage(), gates.storage(), b,
                hid);
        if (GradientTape.isRecording()) {
            GradientTape.record("gruCell", h, dh -> {
                Tensor dxz = alloc(be, dt, b, 3 * hid);
                Tensor dhz = alloc(be, dt, b, 3 * hid);
                Tensor dhPrev = alloc(be, dt, b, hid);
                KernelDispatch.gruCellBackward(be, gates.storage(), hz.storage(), hPrev.storage(), dh.storage(), dxz.storage(),
                        dhz.storage(), dhPrev.storage(), b, hid);
                return new Tensor[] {dxz, dhz, dhPrev};
            }, xz, hz, hPrev);
        } else {
            gates.close();
        }
        return h;
    }

    // =========================================================================================
    // sequences
    // =========================================================================================

    /**
     * A Keras LSTM over a whole sequence. x [B, T, I], kernel [I, 4H], recurrentKernel [H, 4H],
     * bias [4H] (or null), h0 and c0 [B, H] (null: zeros). For t = 1..T:
     * {@code z_t = x_t·kernel + h_{t−1}·recurrentKernel + bias}, then {@link #lstmCell}.
     * Returns {y, h_T, c_T}: y is [B, T, H] (all h_t) when returnSequences, else [B, H] (h_T, a
     * tensor of its own). Differentiable with respect to every input.
     */
    public static Tensor[] lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor h0, Tensor c0,
                                boolean returnSequences) {
        String op = "lstm";
        long[] d = checkSequence(op, 4, x, kernel, recurrentKernel, bias, new long[] {-1}, h0, c0);
        long b = d[0], t = d[1], hid = d[3];
        Backend be = x.backend();
        DType dt = x.dtype();
        boolean rec = GradientTape.isRecording();
        if (!rec && !KernelDispatch.lstmSequenceFused(be, dt, new SequenceGeometry(b, t, hid))) {
            // inference without the per-step buffers; where the backend has the one-launch sequence
            // kernel (cuda, small H) that one runs instead
            return LstmInference.run(x, kernel, recurrentKernel, bias, h0, c0, returnSequences, b, t, d[2], hid);
        }
        List<Tensor> temps = new ArrayList<>();
        Tensor xp = project(x, kernel, bias, temps);
        Tensor hInit = h0 != null ? h0 : track(alloc(be, dt, b, hid), temps);
        Tensor cInit = c0 != null ? c0 : track(alloc(be, dt, b, hid), temps);
        Tensor packed = lstmRecurrence(xp, recurrentKernel, hInit, cInit, b, t, hid, rec);
        temps.add(packed);
        Tensor[] out = finish(packed, t, returnSequences, true, temps);
        closeIf(!rec, temps);
        return out;
    }

    /**
     * A Keras GRU (reset_after = true) over a whole sequence. x [B, T, I], kernel [I, 3H],
     * recurrentKernel [H, 3H], bias [2, 3H] (row 0 input bias, row 1 recurrent bias; or null), h0
     * [B, H] (null: zeros). For t = 1..T: {@code xz_t = x_t·kernel + bias[0]},
     * {@code hz_t = h_{t−1}·recurrentKernel + bias[1]}, then {@link #gruCell}. Returns {y, h_T}
     * with y as for {@link #lstm}.
     */
    public static Tensor[] gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor h0,
                               boolean returnSequences) {
        String op = "gru";
        long[] d = checkSequence(op, 3, x, kernel, recurrentKernel, bias, new long[] {2, -1}, h0, null);
        long b = d[0], t = d[1], hid = d[3];
        Backend be = x.backend();
        DType dt = x.dtype();
        boolean rec = GradientTape.isRecording();
        List<Tensor> temps = new ArrayList<>();
        Tensor inBias = null;
        Tensor recBias;
        if (bias != null) {
            inBias = track(track(bias.slice(0, 0, 1), temps).reshape(3 * hid), temps);
            recBias = track(track(bias.slice(0, 1, 2), temps).reshape(3 * hid), temps);
        } else {
            recBias = track(alloc(be, dt, 3 * hid), temps);
        }
        Tensor xp = project(x, kernel, inBias, temps);
        Tensor hInit = h0 != null ? h0 : track(alloc(be, dt, b, hid), temps);
        Tensor packed = gruRecurrence(xp, recurrentKernel, recBias, hInit, b, t, hid, rec);
        temps.add(packed);
        Tensor[] out = finish(packed, t, returnSequences, false, temps);
        closeIf(!rec, temps);
        return out;
    }

    /**
     * A Keras SimpleRNN with tanh over a whole sequence. x [B, T, I], kernel [I, H],
     * recurrentKernel [H, H], bias [H] (or null), h0 [B, H] (null: zeros):
     * {@code h_t = tanh(x_t·kernel + h_{t−1}·recurrentKernel + bias)}. Returns {y, h_T} with y as
     * for {@link #lstm}.
     */
    public static Tensor[] simpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor bias, Tensor h0,
                                     boolean returnSequences) {
        String op = "simpleRnn";
        long[] d = checkSequence(op, 1, x, kernel, recurrentKernel, bias, new long[] {-1}, h0, null);
        long b = d[0], t = d[1], hid = d[3];
        Backend be = x.backend();
        DType dt = x.dtype();
        boolean rec = GradientTape.isRecording();
        List<Tensor> temps = new ArrayList<>();
        Tensor xp = project(x, kernel, bias, temps);
        Tensor hInit = h0 != null ? h0 : track(alloc(be, dt, b, hid), temps);
        Tensor packed = rnnRecurrence(xp, recurrentKernel, hInit, b, t, hid, rec);
        temps.add(packed);
        Tensor[] out = finish(packed, t, returnSequences, false, temps);
        closeIf(!rec, temps);
        return out;
    }

    // ---- the recorded recurrences -----------------------------------------------------------

    /**
     * LSTM recurrence over xp [B·T, 4H] (batch-major rows b·T + t): returns P [B, T+1, H] with
     * P[:, t] = h_{t+1} for t &lt; T and P[:, T] = c_T; one tape node with inputs (xp, rk, h0, c0).
     */
    private static Tensor lstmRecurrence(Tensor xp, Tensor rk, Tensor h0, Tensor c0, long b, long t, long hid,
                                         boolean rec) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        if (KernelDispatch.lstmSequenceFused(be, dt, new SequenceGeometry(b, t, hid))) {
            return lstmRecurrenceFused(xp, rk, h0, c0, b, t, hid, rec);
        }
        long g = 4 * hid;
        Tensor packed = alloc(be, dt, b, t + 1, hid);
        Tensor hPrevAll = alloc(be, dt, b, t, hid);
        Tensor[] gates = new Tensor[(int) t];
        Tensor[] cs = new Tensor[(int) t + 1];
        cs[0] = c0;
        Tensor xt = alloc(be, dt, b, g);
        Tensor recZ = alloc(be, dt, b, g);
        Tensor z = alloc(be, dt, b, g);
        Tensor h = h0;
        for (int s = 0; s < t; s++) {
            getStep(be, xp, s, t, xt, b, g);
            putStep(be, h, hPrevAll, s, t, b, hid);
            be.matmul(h.storage(), rk.storage(), recZ.storage(), 1, b, g, hid, false, false, 0, 0);
            add(be, xt, recZ, z, b, g);
            Tensor hn = alloc(be, dt, b, hid);
            cs[s + 1] = alloc(be, dt, b, hid);
            gates[s] = alloc(be, dt, b, g);
            KernelDispatch.lstmCellForward(be, z.storage(), cs[s].storage(), hn.storage(), cs[s + 1].storage(),
                    gates[s].storage(), b, hid);
            putStep(be, hn, packed, s, t + 1, b, hid);
            if (h != h0) {
                h.close();
            }
            h = hn;
        }
        putStep(be, cs[(int) t], packed, (int) t, t + 1, b, hid);
        if (h != h0) {
            h.close();
        }
        closeAll(xt, recZ, z);
        List<Tensor> saved = new ArrayList<>(List.of(gates));
        saved.addAll(List.of(cs).subList(1, cs.length));
        saved.add(hPrevAll);
        if (!rec) {
            closeIf(true, saved);
            return packed;
        }
        recordLstm(packed, gates, cs, hPrevAll, xp, rk, h0, c0, b, t, hid);
        return packed;
    }

    /**
     * {@link #lstmRecurrence} through the backend's whole-sequence kernels ({@link
     * Backend#lstmSequenceForward} and, for the gradient, {@link Backend#lstmSequenceBackward}: on cuda
     * persistent kernels, one launch each; dispatched, so a backend without the backward kernel runs
     * its per-step composition): the same outputs and gradients.
     */
    private static Tensor lstmRecurrenceFused(Tensor xp, Tensor rk, Tensor h0, Tensor c0, long b, long t, long hid,
                                              boolean rec) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        long g = 4 * hid;
        Tensor packed = alloc(be, dt, b, t + 1, hid);
        Tensor hPrevAll = alloc(be, dt, b, t, hid);
        Tensor gatesAll = alloc(be, dt, t, b, g);
        Tensor csAll = alloc(be, dt, t, b, hid);
        be.lstmSequenceForward(xp.storage(), rk.storage(), h0.storage(), c0.storage(), packed.storage(),
                hPrevAll.storage(), gatesAll.storage(), csAll.storage(), b, t, hid);
        if (!rec) {
            closeAll(hPrevAll, gatesAll, csAll);
            return packed;
        }
        GradientTape.record("lstm.recurrence", packed, dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dh0 = alloc(be, dt, b, hid);
            Tensor dc0 = alloc(be, dt, b, hid);
            KernelDispatch.lstmSequenceBackward(be, gatesAll.storage(), csAll.storage(), c0.storage(), rk.storage(),
                    dP.storage(), dXp.storage(), dh0.storage(), dc0.storage(), b, t, hid);
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dXp.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            return new Tensor[] {dXp, dRk, dh0, dc0};
        }, xp, rk, h0, c0);
        return packed;
    }

    /** The tape node of an LSTM recurrence: backward through time with the per-step fused cell kernels. */
    private static void recordLstm(Tensor packed, Tensor[] gates, Tensor[] cs, Tensor hPrevAll, Tensor xp, Tensor rk,
                                   Tensor h0, Tensor c0, long b, long t, long hid) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        long g = 4 * hid;
        GradientTape.record("lstm.recurrence", packed, dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dhNext = alloc(be, dt, b, hid);
            Tensor dcNext = alloc(be, dt, b, hid);
            getStep(be, dP, (int) t, t + 1, dcNext, b, hid);
            Tensor dhStep = alloc(be, dt, b, hid);
            Tensor dh = alloc(be, dt, b, hid);
            Tensor dz = alloc(be, dt, b, g);
            Tensor dcPrev = alloc(be, dt, b, hid);
            for (int s = (int) t - 1; s >= 0; s--) {
                getStep(be, dP, s, t + 1, dhStep, b, hid);
                add(be, dhStep, dhNext, dh, b, hid);
                KernelDispatch.lstmCellBackward(be, gates[s].storage(), cs[s].storage(), cs[s + 1].storage(), dh.storage(),
                        dcNext.storage(), dz.storage(), dcPrev.storage(), b, hid);
                putStep(be, dz, dXp, s, t, b, g);
                be.matmul(dz.storage(), rk.storage(), dhNext.storage(), 1, b, hid, g, false, true, 0, 0);
                Tensor swap = dcNext;
                dcNext = dcPrev;
                dcPrev = swap;
            }
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dXp.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            closeAll(dhStep, dh, dz, dcPrev);
            return new Tensor[] {dXp, dRk, dhNext, dcNext};
        }, xp, rk, h0, c0);
    }

    /**
     * GRU recurrence over xp [B·T, 3H] (input bias included): returns P [B, T, H] with
     * P[:, t] = h_{t+1}; one tape node with inputs (xp, rk, recBias, h0).
     */
    private static Tensor gruRecurrence(Tensor xp, Tensor rk, Tensor recBias, Tensor h0, long b, long t, long hid,
                                        boolean rec) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        if (KernelDispatch.gruSequenceFused(be, dt, new SequenceGeometry(b, t, hid), false)) {
            return gruRecurrenceFused(xp, rk, recBias, h0, b, t, hid, rec);
        }
        long g = 3 * hid;
        Tensor packed = alloc(be, dt, b, t, hid);
        Tensor hPrevAll = alloc(be, dt, b, t, hid);
        Tensor[] gates = new Tensor[(int) t];
        Tensor[] hzs = new Tensor[(int) t];
        Tensor xt = alloc(be, dt, b, g);
        Tensor recZ = alloc(be, dt, b, g);
        Tensor h = h0;
        for (int s = 0; s < t; s++) {
            getStep(be, xp, s, t, xt, b, g);
            putStep(be, h, hPrevAll, s, t, b, hid);
            be.matmul(h.storage(), rk.storage(), recZ.storage(), 1, b, g, hid, false, false, 0, 0);
            hzs[s] = alloc(be, dt, b, g);
            be.binary(BinaryOp.ADD, recZ.storage(), new long[] {g, 1}, recBias.storage(), new long[] {0, 1},
                    hzs[s].storage(), new long[] {b, g});
            Tensor hn = alloc(be, dt, b, hid);
            gates[s] = alloc(be, dt, b, g);
            KernelDispatch.gruCellForward(be, xt.storage(), hzs[s].storage(), h.storage(), hn.storage(),
                    gates[s].storage(), b, hid);
            putStep(be, hn, packed, s, t, b, hid);
            if (h != h0) {
                h.close();
            }
            h = hn;
        }
        if (h != h0) {
            h.close();
        }
        closeAll(xt, recZ);
        List<Tensor> saved = new ArrayList<>(List.of(gates));
        saved.addAll(List.of(hzs));
        saved.add(hPrevAll);
        if (!rec) {
            closeIf(true, saved);
            return packed;
        }
        GradientTape.record("gru.recurrence", packed, dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dHz = alloc(be, dt, b * t, g);
            Tensor dhNext = alloc(be, dt, b, hid);
            Tensor dh = alloc(be, dt, b, hid);
            Tensor hPrev = alloc(be, dt, b, hid);
            Tensor dxz = alloc(be, dt, b, g);
            Tensor dhz = alloc(be, dt, b, g);
            Tensor dhPrev = alloc(be, dt, b, hid);
            Tensor dRec = alloc(be, dt, b, hid);
            for (int s = (int) t - 1; s >= 0; s--) {
                getStep(be, dP, s, t, dh, b, hid);
                Tensor dhTotal = alloc(be, dt, b, hid);
                add(be, dh, dhNext, dhTotal, b, hid);
                getStep(be, hPrevAll, s, t, hPrev, b, hid);
                KernelDispatch.gruCellBackward(be, gates[s].storage(), hzs[s].storage(), hPrev.storage(), dhTotal.storage(),
                        dxz.storage(), dhz.storage(), dhPrev.storage(), b, hid);
                dhTotal.close();
                putStep(be, dxz, dXp, s, t, b, g);
                putStep(be, dhz, dHz, s, t, b, g);
                be.matmul(dhz.storage(), rk.storage(), dRec.storage(), 1, b, hid, g, false, true, 0, 0);
                add(be, dRec, dhPrev, dhNext, b, hid);
            }
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dHz.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            Tensor dBias = alloc(be, dt, g);
            be.reduce(dev.lamina.backend.ReduceOp.SUM, dHz.storage(), 1, b * t, g, dBias.storage());
            closeAll(dHz, dh, hPrev, dxz, dhz, dhPrev, dRec);
            return new Tensor[] {dXp, dRk, dBias, dhNext};
        }, xp, rk, recBias, h0);
        return packed;
    }

    /**
     * {@link #gruRecurrence} through the backend's whole-sequence kernels ({@link
     * Backend#gruSequenceForward} and, for the gradient, {@link Backend#gruSequenceBackward}: on cuda
     * persistent kernels, one launch each; the backward dispatched, so a backend without it runs its
     * per-step composition): the same outputs and gradients.
     */
    private static Tensor gruRecurrenceFused(Tensor xp, Tensor rk, Tensor recBias, Tensor h0, long b, long t, long hid,
                                             boolean rec) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        long g = 3 * hid;
        Tensor packed = alloc(be, dt, b, t, hid);
        Tensor hPrevAll = alloc(be, dt, b, t, hid);
        Tensor gatesAll = alloc(be, dt, t, b, g);
        Tensor hzAll = alloc(be, dt, t, b, g);
        be.gruSequenceForward(xp.storage(), rk.storage(), recBias.storage(), h0.storage(), packed.storage(),
                hPrevAll.storage(), gatesAll.storage(), hzAll.storage(), b, t, hid);
        if (!rec) {
            closeAll(hPrevAll, gatesAll, hzAll);
            return packed;
        }
        GradientTape.record("gru.recurrence", packed, dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dHz = alloc(be, dt, b * t, g);
            Tensor dh0 = alloc(be, dt, b, hid);
            KernelDispatch.gruSequenceBackward(be, gatesAll.storage(), hzAll.storage(), hPrevAll.storage(), rk.storage(),
                    dP.storage(), dXp.storage(), dHz.storage(), dh0.storage(), b, t, hid);
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dHz.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            Tensor dBias = alloc(be, dt, g);
            be.reduce(dev.lamina.backend.ReduceOp.SUM, dHz.storage(), 1, b * t, g, dBias.storage());
            closeAll(dHz);
            return new Tensor[] {dXp, dRk, dBias, dh0};
        }, xp, rk, recBias, h0);
        return packed;
    }

    /**
     * Simple RNN (tanh) recurrence over xp [B·T, H] (bias included): returns P [B, T, H] with
     * P[:, t] = h_{t+1}; one tape node with inputs (xp, rk, h0).
     */
    private static Tensor rnnRecurrence(Tensor xp, Tensor rk, Tensor h0, long b, long t, long hid, boolean rec) {
        Backend be = xp.backend();
        DType dt = xp.dtype();
        Tensor packed = alloc(be, dt, b, t, hid);
        Tensor hPrevAll = alloc(be, dt, b, t, hid);
        Tensor xt = alloc(be, dt, b, hid);
        Tensor recZ = alloc(be, dt, b, hid);
        Tensor a = alloc(be, dt, b, hid);
        Tensor h = h0;
        for (int s = 0; s < t; s++) {
            getStep(be, xp, s, t, xt, b, hid);
            putStep(be, h, hPrevAll, s, t, b, hid);
            be.matmul(h.storage(), rk.storage(), recZ.storage(), 1, b, hid, hid, false, false, 0, 0);
            add(be, xt, recZ, a, b, hid);
            Tensor hn = alloc(be, dt, b, hid);
            be.unary(UnaryOp.TANH, a.storage(), hn.storage());
            putStep(be, hn, packed, s, t, b, hid);
            if (h != h0) {
                h.close();
            }
            h = hn;
        }
        if (h != h0) {
            h.close();
        }
        closeAll(xt, recZ, a);
        if (!rec) {
            hPrevAll.close();
            return packed;
        }
        GradientTape.record("simpleRnn.recurrence", packed, dP -> {
            Tensor dXp = alloc(be, dt, b * t, hid);
            Tensor dhNext = alloc(be, dt, b, hid);
            Tensor dhStep = alloc(be, dt, b, hid);
            Tensor dh = alloc(be, dt, b, hid);
            Tensor ht = alloc(be, dt, b, hid);
            Tensor sq = alloc(be, dt, b, hid);
            Tensor one = alloc(be, dt);
            be.fill(one.storage(), 1.0);
            Tensor oneMinus = alloc(be, dt, b, hid);
            Tensor da = alloc(be, dt, b, hid);
            long[] shp = {b, hid};
            long[] full = {hid, 1};
            for (int s = (int) t - 1; s >= 0; s--) {
                getStep(be, dP, s, t, dhStep, b, hid);
                add(be, dhStep, dhNext, dh, b, hid);
                getStep(be, packed, s, t, ht, b, hid);
                be.unary(UnaryOp.SQUARE, ht.storage(), sq.storage());
                be.binary(BinaryOp.SUB, one.storage(), new long[] {0, 0}, sq.storage(), full, oneMinus.storage(), shp);
                be.binary(BinaryOp.MUL, dh.storage(), full, oneMinus.storage(), full, da.storage(), shp);
                putStep(be, da, dXp, s, t, b, hid);
                be.matmul(da.storage(), rk.storage(), dhNext.storage(), 1, b, hid, hid, false, true, 0, 0);
            }
            Tensor dRk = alloc(be, dt, hid, hid);
            be.matmul(hPrevAll.storage(), dXp.storage(), dRk.storage(), 1, hid, hid, b * t, true, false, 0, 0);
            closeAll(dhStep, dh, ht, sq, one, oneMinus, da);
            return new Tensor[] {dXp, dRk, dhNext};
        }, xp, rk, h0);
        return packed;
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static Tensor alloc(Backend be, DType dt, long... shape) {
        return Tensor.zeros(be, dt, shape);
    }

    private static Tensor track(Tensor x, List<Tensor> temps) {
        temps.add(x);
        return x;
    }

    private static void closeIf(boolean close, List<Tensor> ts) {
        if (close) {
            for (Tensor x : ts) {
                x.close();
            }
        }
    }

    private static void closeAll(Tensor... ts) {
        for (Tensor x : ts) {
            x.close();
        }
    }

    /** dst [B, w] = src[:, s, :] where src is [B, steps, w] (any shape with that layout). */
    private static void getStep(Backend be, Tensor src, int s, long steps, Tensor dst, long b, long w) {
        be.copyStrided(src.storage(), s * w, new long[] {steps * w, 1}, dst.storage(), 0, new long[] {w, 1},
                new long[] {b, w});
    }

    /** dst[:, s, :] = src [B, w] where dst is [B, steps, w]. */
    private static void putStep(Backend be, Tensor src, Tensor dst, int s, long steps, long b, long w) {
        be.copyStrided(src.storage(), 0, new long[] {w, 1}, dst.storage(), s * w, new long[] {steps * w, 1},
                new long[] {b, w});
    }

    /** out = x + y, all [B, w]. */
    private static void add(Backend be, Tensor x, Tensor y, Tensor out, long b, long w) {
        long[] st = {w, 1};
        be.binary(BinaryOp.ADD, x.storage(), st, y.storage(), st, out.storage(), new long[] {b, w});
    }

    /** xp = x.reshape(B·T, I) · kernel (+ bias): the input projection of all steps, one product. */
    private static Tensor project(Tensor x, Tensor kernel, Tensor bias, List<Tensor> temps) {
        Tensor flat = track(x.reshape(x.dim(0) * x.dim(1), x.dim(2)), temps);
        Tensor xp = track(flat.matmul(kernel), temps);
        return bias == null ? xp : track(xp.add(bias), temps);
    }

    /**
     * {y, h_T[, c_T]} from the packed recurrence output P: [B, T+1, H] with c_T last (LSTM) or
     * [B, T, H]. Every returned tensor is a recorded op of P, distinct from P and each other.
     */
    private static Tensor[] finish(Tensor packed, long t, boolean returnSequences, boolean withC, List<Tensor> temps) {
        long b = packed.dim(0);
        long hid = packed.dim(2);
        Tensor hT = track(packed.slice(1, t - 1, t), temps).reshape(b, hid);
        Tensor y;
        if (!returnSequences) {
            y = track(packed.slice(1, t - 1, t), temps).reshape(b, hid);
        } else if (withC) {
            y = packed.slice(1, 0, t);
        } else {
            y = packed.reshape(b, t, hid);
        }
        if (!withC) {
            return new Tensor[] {y, hT};
        }
        Tensor cT = track(packed.slice(1, t, t + 1), temps).reshape(b, hid);
        return new Tensor[] {y, hT, cT};
    }

    private static void floats(String op, Tensor... ts) {
        DType dt = ts[0].dtype();
        for (Tensor x : ts) {
            if (!x.dtype().isFloating() || x.dtype() != dt) {
                StringBuilder sb = new StringBuilder(op + ": needs tensors of one float dtype, got");
                for (Tensor y : ts) {
                    sb.append(' ').append(y.dtype()).append(' ').append(Shapes.str(y.shape()));
                }
                throw new IllegalArgumentException(sb.toString());
            }
        }
    }

    /**
     * Validates a sequence op's inputs; returns {B, T, I, H}. {@code gates} is 4 (LSTM), 3 (GRU)
     * or 1 (simple RNN); biasShape uses -1 for gates·H.
     */
    private static long[] checkSequence(String op, int gates, Tensor x, Tensor kernel, Tensor rk, Tensor bias,
                                        long[] biasShape, Tensor h0, Tensor c0) {
        List<Tensor> all = new ArrayList<>(List.of(x, kernel, rk));
        for (Tensor o : new Tensor[] {bias, h0, c0}) {
            if (o != null) {
                all.add(o);
            }
        }
        Tensor[] arr = all.toArray(new Tensor[0]);
        Tensor.check(op, arr);
        floats(op, arr);
        String got = " got x " + Shapes.str(x.shape()) + ", kernel " + Shapes.str(kernel.shape()) + ", recurrent_kernel "
                + Shapes.str(rk.shape()) + (bias != null ? ", bias " + Shapes.str(bias.shape()) : "")
                + (h0 != null ? ", h0 " + Shapes.str(h0.shape()) : "") + (c0 != null ? ", c0 " + Shapes.str(c0.shape()) : "");
        if (x.rank() != 3 || kernel.rank() != 2 || rk.rank() != 2) {
            throw new IllegalArgumentException(op + ": expected x [B, T, I], kernel [I, " + gates + "H], recurrent_kernel [H, "
                    + gates + "H];" + got);
        }
        long b = x.dim(0), t = x.dim(1), in = x.dim(2);
        long hid = rk.dim(0);
        long g = gates * hid;
        boolean ok = kernel.dim(0) == in && kernel.dim(1) == g && rk.dim(1) == g && hid >= 1 && t >= 1;
        if (bias != null) {
            long[] want = biasShape.clone();
            for (int i = 0; i < want.length; i++) {
                if (want[i] == -1) {
                    want[i] = g;
                }
            }
            ok &= java.util.Arrays.equals(bias.shape(), want);
        }
        for (Tensor s : new Tensor[] {h0, c0}) {
            if (s != null) {
                ok &= s.rank() == 2 && s.dim(0) == b && s.dim(1) == hid;
            }
        }
        if (!ok) {
            String bs = biasShape.length == 1 ? "[" + gates + "H]" : "[2, " + gates + "H]";
            throw new IllegalArgumentException(op + ": expected x [B, T, I] with T >= 1, kernel [I, " + gates
                    + "H], recurrent_kernel [H, " + gates + "H] with H >= 1, bias " + bs + ", initial states [B, H];" + got);
        }
        return new long[] {b, t, in, hid};
    }
}
