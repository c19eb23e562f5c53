package dev.lamina.ops;

import static dev.lamina.ops.RecurrentSteps.add;
import static dev.lamina.ops.RecurrentSteps.alloc;
import static dev.lamina.ops.RecurrentSteps.closeAll;
import static dev.lamina.ops.RecurrentSteps.getStep;
import static dev.lamina.ops.RecurrentSteps.putStep;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import dev.lamina.tensor.Backward;
import dev.lamina.tensor.Tensor;

/**
 * The gradient rules of the recurrent cells and sequences ({@link RecurrentOps}), one family of the
 * gradient table whose tensor-level rules are in {@code dev.lamina.tensor.Gradients} (and the
 * convolution family in {@link ConvGradients}). Each method takes what its op saved at forward time
 * and returns the {@link Backward} rule the tape runs. The cell rules call the backend's fused cell
 * backward kernels; the sequence rules run back-propagation through time with them, one product
 * {@code dz_t · recurrent_kernelᵀ} per step and ONE product {@code [h_0 … h_{T−1}]ᵀ · [dz_1 … dz_T]}
 * for the recurrent kernel's gradient.
 */
final class RecurrentGradients {
    private RecurrentGradients() {
    }

    /**
     * lstmCell, one rule per output: {dz, dcPrev} from dh ({@code ofH}) or from dc; the other
     * output's gradient counts as zeros (the tape adds the two nodes' results).
     */
    static Backward lstmCell(Tensor gates, Tensor cPrev, Tensor c, boolean ofH, long b, long hid) {
        return up -> {
            Backend be = gates.backend();
            DType dt = gates.dtype();
            Tensor zero = alloc(be, dt, b, hid);
            Tensor dz = alloc(be, dt, b, 4 * hid);
            Tensor dcPrev = alloc(be, dt, b, hid);
            KernelDispatch.lstmCellBackward(be, gates.storage(), cPrev.storage(), c.storage(), (ofH ? up : zero).storage(),
                    (ofH ? zero : up).storage(), dz.storage(), dcPrev.storage(), b, hid);
            zero.close();
            return new Tensor[] {dz, dcPrev};
        };
    }

    /** gruCell: {dxz, dhz, dhPrev} from dh. */
    static Backward gruCell(Tensor gates, Tensor hz, Tensor hPrev, long b, long hid) {
        return dh -> {
            Backend be = gates.backend();
            DType dt = gates.dtype();
            Tensor dxz = alloc(be, dt, b, 3 * hid);
            Tensor dhz = alloc(be, dt, b, 3 * hid);
            Tensor dhPrev = alloc(be, dt, b, hid);
            KernelDispatch.gruCellBackward(be, gates.storage(), hz.storage(), hPrev.storage(), dh.storage(), dxz.storage(),
                    dhz.storage(), dhPrev.storage(), b, hid);
            return new Tensor[] {dxz, dhz, dhPrev};
        };
    }

    /**
     * The LSTM recurrence (inputs xp, rk, h0, c0; output P [B, T+1, H] with c_T last): from the
     * per-step gates, the cell states cs[0..T] (cs[0] = c0) and hPrevAll [B, T, H] = h_0 … h_{T−1}.
     */
    static Backward lstmRecurrence(Tensor[] gates, Tensor[] cs, Tensor hPrevAll, Tensor rk, long b, long t, long hid) {
        return dP -> {
            Backend be = hPrevAll.backend();
            DType dt = hPrevAll.dtype();
            long g = 4 * hid;
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
        };
    }

    /**
     * The GRU recurrence (inputs xp, rk, recBias, h0; output P [B, T, H]): from the per-step gates,
     * the recurrent pre-activations hzs (recurrent bias included) and hPrevAll [B, T, H].
     */
    static Backward gruRecurrence(Tensor[] gates, Tensor[] hzs, Tensor hPrevAll, Tensor rk, long b, long t, long hid) {
        return dP -> {
            Backend be = hPrevAll.backend();
            DType dt = hPrevAll.dtype();
            long g = 3 * hid;
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
            be.reduce(ReduceOp.SUM, dHz.storage(), 1, b * t, g, dBias.storage());
            closeAll(dHz, dh, hPrev, dxz, dhz, dhPrev, dRec);
            return new Tensor[] {dXp, dRk, dBias, dhNext};
        };
    }

    /**
     * The simple RNN recurrence (inputs xp, rk, h0; output P [B, T, H] = h_1 … h_T): da_t =
     * dh_t ⊙ (1 − h_t²), from P itself and hPrevAll [B, T, H].
     */
    static Backward rnnRecurrence(Tensor packed, Tensor hPrevAll, Tensor rk, long b, long t, long hid) {
        return dP -> {
            Backend be = hPrevAll.backend();
            DType dt = hPrevAll.dtype();
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
        };
    }

    /**
     * The LSTM recurrence run by the backend's whole-sequence kernels (inputs xp, rk, h0, c0; output P
     * [B, T+1, H]): {@code Backend#lstmSequenceBackward} (on cuda one persistent launch, elsewhere its
     * per-step composition) gives dXp, dh0 and dc0 from what the forward saved (gatesAll [T, B, 4H],
     * csAll [T, B, H], hPrevAll [B, T, H]); the recurrent kernel's gradient is ONE product
     * {@code hPrevAllᵀ · dXp}.
     */
    static Backward lstmSequence(Tensor gatesAll, Tensor csAll, Tensor c0, Tensor hPrevAll, Tensor rk, long b, long t,
                             long hid) {
        Backend be = hPrevAll.backend();
        DType dt = hPrevAll.dtype();
        long g = 4 * hid;
        return dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dh0 = alloc(be, dt, b, hid);
            Tensor dc0 = alloc(be, dt, b, hid);
            KernelDispatch.lstmSequenceBackward(be, gatesAll.storage(), csAll.storage(), c0.storage(), rk.storage(),
                    dP.storage(), dXp.storage(), dh0.storage(), dc0.storage(), b, t, hid);
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dXp.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            return new Tensor[] {dXp, dRk, dh0, dc0};
        };
    }

    /**
     * The GRU recurrence run by the backend's whole-sequence kernels (inputs xp, rk, recBias, h0;
     * output P [B, T, H]): {@code Backend#gruSequenceBackward} gives dXp, dHz and dh0 from gatesAll and
     * hzAll [T, B, 3H] and hPrevAll [B, T, H]; the recurrent kernel's gradient is {@code hPrevAllᵀ ·
     * dHz} and the recurrent bias's the column sums of dHz.
     */
    static Backward gruSequence(Tensor gatesAll, Tensor hzAll, Tensor hPrevAll, Tensor rk, long b, long t, long hid) {
        Backend be = hPrevAll.backend();
        DType dt = hPrevAll.dtype();
        long g = 3 * hid;
        return dP -> {
            Tensor dXp = alloc(be, dt, b * t, g);
            Tensor dHz = alloc(be, dt, b * t, g);
            Tensor dh0 = alloc(be, dt, b, hid);
            KernelDispatch.gruSequenceBackward(be, gatesAll.storage(), hzAll.storage(), hPrevAll.storage(), rk.storage(),
                    dP.storage(), dXp.storage(), dHz.storage(), dh0.storage(), b, t, hid);
            Tensor dRk = alloc(be, dt, hid, g);
            be.matmul(hPrevAll.storage(), dHz.storage(), dRk.storage(), 1, hid, g, b * t, true, false, 0, 0);
            Tensor dBias = alloc(be, dt, g);
            be.reduce(ReduceOp.SUM, dHz.storage(), 1, b * t, g, dBias.storage());
            closeAll(dHz);
            return new Tensor[] {dXp, dRk, dBias, dh0};
        };
    }
}
