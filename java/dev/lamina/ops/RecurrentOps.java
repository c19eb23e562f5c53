package dev.lamina.ops;

import static dev.lamina.ops.RecurrentSteps.add;
import static dev.lamina.ops.RecurrentSteps.alloc;
import static dev.lamina.ops.RecurrentSteps.closeAll;
import static dev.lamina.ops.RecurrentSteps.getStep;
import static dev.lamina.ops.RecurrentSteps.putStep;

import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
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
            GradientTape.record("lstmCell.h", h, RecurrentGradients.lstmCell(gates, cPrev, c, true, b, hid), z, cPrev);
            GradientTape.record("lstmCell.c", c, RecurrentGradients.lstmCell(gates, cPrev, c, false, b, hid), z, cPrev);
        } else {
            gates.close();
        }
        return new Tensor[] {h, c};
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
            GradientTape.record("gruCell", h, RecurrentGradients.gruCell(gates, hz, hPrev, b, hid), xz, hz, hPrev);
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
        if (!rec && !KernelDispatch.lstmSequenceAtInference(be, dt, new SequenceGeometry(b, t, hid))) {
            // inference without the per-step buffers; where the backend has the one-launch sequence
            // kernel (cuda, small H) that one runs instead
            return LstmInference.run(x, kernel, recurrentKernel, bias, h0, c0, returnSequences, b, t, d[2], hid);
        }
        List<Tensor> temps = new ArrayList<>();
        return sequence(x, kernel, bias, h0, d, true, returnSequences, temps, (xp, hInit) -> {
            Tensor cInit = c0 != null ? c0 : track(alloc(be, dt, b, hid), temps);
            return lstmRecurrence(xp, recurrentKernel, hInit, cInit, b, t, hid, rec);
        });
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
        return sequence(x, kernel, inBias, h0, d, false, returnSequences, temps,
                (xp, hInit) -> gruRecurrence(xp, recurrentKernel, recBias, hInit, b, t, hid, rec));
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
        boolean rec = GradientTape.isRecording();
        return sequence(x, kernel, bias, h0, d, false, returnSequences, new ArrayList<>(),
                (xp, hInit) -> rnnRecurrence(xp, recurrentKernel, hInit, b, t, hid, rec));
    }

    /** A recurrence over the projected inputs xp [B·T, gates·H] from h_0: its packed output P. */
    @FunctionalInterface
    private interface Recurrence {
        Tensor run(Tensor xp, Tensor hInit);
    }

    /**
     * The shape every sequence op shares once its inputs are checked ({@code d} = {B, T, I, H}):
     * the input projection of all steps as one product, zero initial state where h0 is null, the
     * recurrence, then y and the final states sliced from its packed output. Temporaries collect in
     * {@code temps} and are freed here when no tape records (a recording tape keeps them for the
     * backward pass, in the current scope).
     */
    private static Tensor[] sequence(Tensor x, Tensor kernel, Tensor inBias, Tensor h0, long[] d, boolean withC,
                                     boolean returnSequences, List<Tensor> temps, Recurrence recurrence) {
        long b = d[0], t = d[1], hid = d[3];
        Tensor xp = project(x, kernel, inBias, temps);
        Tensor hInit = h0 != null ? h0 : track(alloc(x.backend(), x.dtype(), b, hid), temps);
        Tensor packed = track(recurrence.run(xp, hInit), temps);
        Tensor[] out = finish(packed, t, returnSequences, withC, temps);
        closeIf(!GradientTape.isRecording(), temps);
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
        GradientTape.record("lstm.recurrence", packed,
                RecurrentGradients.lstmSequence(gatesAll, csAll, c0, hPrevAll, rk, b, t, hid), xp, rk, h0, c0);
        return packed;
    }

    /** The tape node of an LSTM recurrence: backward through time with the per-step fused cell kernels. */
    private static void recordLstm(Tensor packed, Tensor[] gates, Tensor[] cs, Tensor hPrevAll, Tensor xp, Tensor rk,
                                   Tensor h0, Tensor c0, long b, long t, long hid) {
        GradientTape.record("lstm.recurrence", packed, RecurrentGradients.lstmRecurrence(gates, cs, hPrevAll, rk, b, t, hid),
                xp, rk, h0, c0);
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
        GradientTape.record("gru.recurrence", packed, RecurrentGradients.gruRecurrence(gates, hzs, hPrevAll, rk, b, t, hid),
                xp, rk, recBias, h0);
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
        GradientTape.record("gru.recurrence", packed,
                RecurrentGradients.gruSequence(gatesAll, hzAll, hPrevAll, rk, b, t, hid), xp, rk, recBias, h0);
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
        GradientTape.record("simpleRnn.recurrence", packed, RecurrentGradients.rnnRecurrence(packed, hPrevAll, rk, b, t, hid),
                xp, rk, h0);
        return packed;
    }

    // ---- helpers ----------------------------------------------------------------------------

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
