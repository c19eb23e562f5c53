package dev.lamina.ops;

import dev.lamina.backend.Backend;
import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The LSTM sequence forward when no tape records ({@link RecurrentOps#lstm} at inference): one call of
 * {@link Backend#lstmInference} for the whole sequence, nothing kept for a backward pass.
 *
 * <p>On the cpu backend that is one native call (cpu-kernels/lamina_lstm_infer.hpp: plain loops for
 * small layers, for large ones the projection in chunks of steps into a workspace reused between
 * calls and the per-step products from C++), equal to the recorded path up to rounding
 * ({@code LstmInferenceTest} states the tolerance). Other backends run the default composition, the
 * recorded path's own calls, bitwise that path. Freshly mapped memory is what made the composed path
 * slow for large layers: an LSTM(512) over 64 × 100 steps touched about 52 MB of new pages per call
 * for the projection, and on the development VM a first touch costs about 3.5 ms per MB.
 */
final class LstmInference {
    private LstmInference() {
    }

    /** {y, h_T, c_T} as {@link RecurrentOps#lstm} returns them; inputs already checked. */
    static Tensor[] run(Tensor x, Tensor kernel, Tensor rk, Tensor bias, Tensor h0, Tensor c0, boolean returnSequences,
                        long b, long t, long in, long hid) {
        Backend be = x.backend();
        DType dt = x.dtype();
        List<Tensor> temps = new ArrayList<>();
        Tensor y = returnSequences ? Tensor.uninitialized(be, dt, b, t, hid) : Tensor.uninitialized(be, dt, b, hid);
        Tensor hT = null;
        Tensor cT = null;
        try {
            hT = Tensor.uninitialized(be, dt, b, hid);
            cT = Tensor.uninitialized(be, dt, b, hid);
            Tensor h = h0 != null ? h0 : temp(Tensor.zeros(be, dt, b, hid), temps);
            Tensor c = c0 != null ? c0 : temp(Tensor.zeros(be, dt, b, hid), temps);
            Tensor bs = bias != null ? bias : temp(Tensor.zeros(be, dt, 4 * hid), temps);
            be.lstmInference(x.storage(), kernel.storage(), rk.storage(), bs.storage(), h.storage(), c.storage(),
                    y.storage(), hT.storage(), cT.storage(), b, t, in, hid, returnSequences);
        } catch (RuntimeException | Error e) {
            for (Tensor o : new Tensor[] {y, hT, cT}) {
                if (o != null) {
                    o.close();
                }
            }
            throw e;
        } finally {
            temps.forEach(Tensor::close);
        }
        return new Tensor[] {y, hT, cT};
    }

    private static Tensor temp(Tensor x, List<Tensor> temps) {
        temps.add(x);
        return x;
    }
}
