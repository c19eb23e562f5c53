package dev.lamina.backend.cuda;

import static dev.lamina.backend.cuda.TestArrays.concat;
import static dev.lamina.backend.cuda.TestArrays.random;
import static dev.lamina.backend.cuda.TestArrays.rel;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The float32 persistent LSTM backward through time ({@code lstm_seq.cu}) on tiny sequences (hidden
 * 1, so the tensor norm does not hide an element's error; batch 1 and 3; 4 steps, so errors carried
 * through dh_next and dc_next show) over 200 seeds, saturated (input projections in ±60) and not
 * (±3), against the reference backend in float64 on the same float32 inputs (gates and cell states
 * from the float32 persistent forward). The per-step cell it replaces is held to 1e-6 per cell by
 * {@code CudaLstmBackwardConditioningGpuTest}; through four steps the worst relative error of
 * (dXp, dh0, dc0) is held to the bound asserted below.
 */
@Tag("gpu")
class CudaLstmSequenceBackwardConditioningGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);
    /** The bound on the worst relative error over all seeds and cases (see the class comment). */
    static final double BOUND = 1e-6;

    private final CudaBackend cuda = CudaBackend.instance();
    private final Backend ref = Backends.reference();
    private final DeviceStorages storages = new DeviceStorages();

    @BeforeEach
    void needsDevice() {
        storages.start();
    }

    @AfterEach
    void releaseAll() {
        storages.finish();
    }

    @Test
    void tinySequencesStayCloseToFloat64() {
        DType dt = DType.FLOAT32;
        DType f64 = DType.FLOAT64;
        double worst = 0;
        String worstCase = "";
        int h = 1, t = 4, g = 4 * h;
        for (long s = 0; s < 200; s++) {
            for (int b : new int[] {1, 3}) {
                for (double range : new double[] {3, 60}) {
                    long seed = SEED + 3000 + s;
                    Storage rk = put(cuda, dt, random(h * g, -1, 1, seed + 1)), c0 = put(cuda, dt, random(b * h, -2, 2, seed + 3));
                    Storage gates = poisoned(cuda, dt, (long) t * b * g), cs = poisoned(cuda, dt, (long) t * b * h);
                    CudaPersistentLstm.forward(cuda, put(cuda, dt, random(b * t * g, -range, range, seed)), rk,
                            put(cuda, dt, random(b * h, -1, 1, seed + 2)), c0, poisoned(cuda, dt, (long) b * (t + 1) * h),
                            poisoned(cuda, dt, (long) b * t * h), gates, cs, b, t, h);
                    Storage dp = put(cuda, dt, random(b * (t + 1) * h, -1, 1, seed + 4));
                    Storage dXp = poisoned(cuda, dt, (long) b * t * g), dh0 = poisoned(cuda, dt, (long) b * h);
                    Storage dc0 = poisoned(cuda, dt, (long) b * h);
                    CudaPersistentLstm.backward(cuda, gates, cs, c0, rk, dp, dXp, dh0, dc0, b, t, h);
                    Storage rXp = poisoned(ref, f64, (long) b * t * g), rH0 = poisoned(ref, f64, (long) b * h);
                    Storage rC0 = poisoned(ref, f64, (long) b * h);
                    ref.lstmSequenceBackward(put(ref, f64, get(cuda, gates)), put(ref, f64, get(cuda, cs)),
                            put(ref, f64, get(cuda, c0)), put(ref, f64, get(cuda, rk)), put(ref, f64, get(cuda, dp)),
                            rXp, rH0, rC0, b, t, h);
                    double rel = rel(concat(get(ref, rXp), get(ref, rH0), get(ref, rC0)),
                            concat(get(cuda, dXp), get(cuda, dh0), get(cuda, dc0)));
                    if (!(rel <= worst)) {
                        worst = rel;
                        worstCase = "seed " + seed + ", batch " + b + ", xp in ±" + range;
                    }
                    storages.releaseAll();
                }
            }
        }
        System.out.println("persistent LSTM backward, float32 vs float64 reference: worst relative error " + worst
                + " at " + worstCase);
        assertTrue(worst <= BOUND, "persistent LSTM backward (dXp, dh0, dc0) relative error " + worst + " > " + BOUND
                + " at " + worstCase);
    }

    private Storage poisoned(Backend be, DType dt, long n) {
        return storages.poisoned(be, dt, n);
    }

    private Storage put(Backend be, DType dt, double[] v) {
        return storages.put(be, dt, v);
    }

    private double[] get(Backend be, Storage s) {
        return storages.get(be, s);
    }
}
