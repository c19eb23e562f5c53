package dev.lamina.backend.cuda;

import static dev.lamina.backend.cuda.CudaLayerKernelsGpuTest.assertClose;
import static dev.lamina.backend.cuda.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The persistent LSTM sequence forward and backward through time ({@code lstm_seq.cu}) against the
 * per-step kernels they replace (and the backward against the float64 reference backend). The forward: against the per-step kernels it
 * replaces (matmul h·rk, add, the fused cell) on the same device: every saved output (packed h and
 * c_T, the previous h of each step, the gates, c of each step), float32 (relative error ≤ 1e-5) and
 * float64 (1e-12), odd sizes and the workshop's H = 64; outputs poisoned with NaN first. Seed fixed,
 * printed in failures.
 */
@Tag("gpu")
class CudaPersistentLstmGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);

    private final CudaBackend cuda = CudaBackend.instance();
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
    void persistentForwardMatchesThePerStepKernels() {
        int k = 0;
        int[][] shapes = {{3, 5, 7}, {2, 4, 64}, {1, 1, 1}, {5, 3, 33}, {2, 0, 4}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
            for (int[] sh : shapes) {
                long seed = SEED + 900 + k++;
                int b = sh[0], t = sh[1], h = sh[2], g = 4 * h;
                String what = dt + " B=" + b + " T=" + t + " H=" + h + " (seed " + seed + ")";
                double[] xp = random(b * t * g, -2, 2, seed), rk = random(h * g, -0.5, 0.5, seed + 1);
                double[] h0 = random(b * h, -1, 1, seed + 2), c0 = random(b * h, -1, 1, seed + 3);
                Storage sxp = put(dt, xp), srk = put(dt, rk), sh0 = put(dt, h0), sc0 = put(dt, c0);
                Storage packed = poisoned(dt, (long) b * (t + 1) * h), hPrev = poisoned(dt, (long) b * t * h);
                Storage gates = poisoned(dt, (long) t * b * g), cs = poisoned(dt, (long) t * b * h);
                CudaPersistentLstm.forward(cuda, sxp, srk, sh0, sc0, packed, hPrev, gates, cs, b, t, h);
                // the per-step path: z = xp[:, s] + h·rk, then the cell
                double[] wantPacked = new double[b * (t + 1) * h], wantHPrev = new double[b * t * h];
                double[] wantGates = new double[t * b * g], wantCs = new double[t * b * h];
                Storage hCur = sh0, cCur = sc0;
                Storage xt = poisoned(dt, (long) b * g), recZ = poisoned(dt, (long) b * g);
                Storage z = poisoned(dt, (long) b * g);
                for (int s = 0; s < t; s++) {
                    cuda.copyStrided(sxp, (long) s * g, new long[] {(long) t * g, 1}, xt, 0, new long[] {g, 1},
                            new long[] {b, g});
                    cuda.matmul(hCur, srk, recZ, 1, b, g, h, false, false, 0, 0);
                    cuda.binary(BinaryOp.ADD, xt, new long[] {g, 1}, recZ, new long[] {g, 1}, z, new long[] {b, g});
                    Storage hn = poisoned(dt, (long) b * h), cn = poisoned(dt, (long) b * h);
                    Storage gs = poisoned(dt, (long) b * g);
                    cuda.lstmCellForward(z, cCur, hn, cn, gs, b, h);
                    double[] hp = get(hCur), hv = get(hn), cv = get(cn), gv = get(gs);
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(hp, r * h, wantHPrev, (r * t + s) * h, h);
                        System.arraycopy(hv, r * h, wantPacked, (r * (t + 1) + s) * h, h);
                    }
                    System.arraycopy(gv, 0, wantGates, s * b * g, b * g);
                    System.arraycopy(cv, 0, wantCs, s * b * h, b * h);
                    hCur = hn;
                    cCur = cn;
                }
                double[] cLast = get(cCur);
                for (int r = 0; r < b; r++) {
                    System.arraycopy(cLast, r * h, wantPacked, (r * (t + 1) + t) * h, h);
                }
                assertClose(wantPacked, get(packed), tol, "packed (h_1..h_T, c_T) " + what);
                assertClose(wantHPrev, get(hPrev), tol, "hPrev " + what);
                assertClose(wantGates, get(gates), tol, "gates " + what);
                assertClose(wantCs, get(cs), tol, "cs " + what);
            }
        }
    }

    /**
     * The persistent backward through time against the per-step kernels on the same device (the cell
     * backward, add, matmul dz·rkᵀ: what RecurrentOps ran before) and against the reference backend
     * in float64 on the same inputs; gates and cell states from the persistent forward, dP random.
     */
    @Test
    void persistentBackwardMatchesThePerStepKernelsAndTheReference() {
        dev.lamina.backend.Backend ref = dev.lamina.backend.Backends.reference();
        int k = 0;
        int[][] shapes = {{3, 5, 7}, {2, 4, 64}, {1, 1, 1}, {5, 3, 33}, {2, 0, 4}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
            for (int[] sh : shapes) {
                long seed = SEED + 950 + k++;
                int b = sh[0], t = sh[1], h = sh[2], g = 4 * h;
                String what = dt + " B=" + b + " T=" + t + " H=" + h + " (seed " + seed + ")";
                Storage srk = put(dt, random(h * g, -0.5, 0.5, seed + 1)), sc0 = put(dt, random(b * h, -1, 1, seed + 3));
                Storage gates = poisoned(dt, (long) t * b * g), cs = poisoned(dt, (long) t * b * h);
                CudaPersistentLstm.forward(cuda, put(dt, random(b * t * g, -2, 2, seed)), srk,
                        put(dt, random(b * h, -1, 1, seed + 2)), sc0, poisoned(dt, (long) b * (t + 1) * h),
                        poisoned(dt, (long) b * t * h), gates, cs, b, t, h);
                double[] dp = random(b * (t + 1) * h, -1, 1, seed + 4);
                Storage sdp = put(dt, dp);
                Storage dXp = poisoned(dt, (long) b * t * g), dh0 = poisoned(dt, (long) b * h);
                Storage dc0 = poisoned(dt, (long) b * h);
                CudaPersistentLstm.backward(cuda, gates, cs, sc0, srk, sdp, dXp, dh0, dc0, b, t, h);
                double[] gotXp = get(dXp), gotH0 = get(dh0), gotC0 = get(dc0);
                // the per-step kernels on the device
                double[] wantXp = new double[b * t * g];
                Storage dhNext = put(dt, new double[b * h]), dcNext = poisoned(dt, (long) b * h);
                Storage dhStep = poisoned(dt, (long) b * h), dhs = poisoned(dt, (long) b * h);
                cuda.copyStrided(sdp, (long) t * h, new long[] {(long) (t + 1) * h, 1}, dcNext, 0, new long[] {h, 1},
                        new long[] {b, h});
                for (int s = t - 1; s >= 0; s--) {
                    cuda.copyStrided(sdp, (long) s * h, new long[] {(long) (t + 1) * h, 1}, dhStep, 0,
                            new long[] {h, 1}, new long[] {b, h});
                    cuda.binary(BinaryOp.ADD, dhStep, new long[] {h, 1}, dhNext, new long[] {h, 1}, dhs,
                            new long[] {b, h});
                    Storage gs = poisoned(dt, (long) b * g), c = poisoned(dt, (long) b * h);
                    Storage cp = poisoned(dt, (long) b * h);
                    cuda.copyStrided(gates, (long) s * b * g, new long[] {1}, gs, 0, new long[] {1},
                            new long[] {(long) b * g});
                    cuda.copyStrided(cs, (long) s * b * h, new long[] {1}, c, 0, new long[] {1}, new long[] {(long) b * h});
                    cuda.copyStrided(s > 0 ? cs : sc0, s > 0 ? (long) (s - 1) * b * h : 0, new long[] {1}, cp, 0,
                            new long[] {1}, new long[] {(long) b * h});
                    Storage dz = poisoned(dt, (long) b * g), dcp = poisoned(dt, (long) b * h);
                    cuda.lstmCellBackward(gs, cp, c, dhs, dcNext, dz, dcp, b, h);
                    cuda.matmul(dz, srk, dhNext, 1, b, h, g, false, true, 0, 0);
                    double[] dzv = get(dz);
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(dzv, r * g, wantXp, (r * t + s) * g, g);
                    }
                    dcNext = dcp;
                }
                assertClose(wantXp, gotXp, tol, "dXp vs per-step " + what);
                assertClose(get(dhNext), gotH0, tol, "dh0 vs per-step " + what);
                assertClose(get(dcNext), gotC0, tol, "dc0 vs per-step " + what);
                // the reference backend in float64 on the same inputs
                DType f64 = DType.FLOAT64;
                Storage rXp = storages.poisoned(ref, f64, (long) b * t * g), rH0 = storages.poisoned(ref, f64, (long) b * h);
                Storage rC0 = storages.poisoned(ref, f64, (long) b * h);
                ref.lstmSequenceBackward(storages.put(ref, f64, get(gates)), storages.put(ref, f64, get(cs)),
                        storages.put(ref, f64, get(sc0)), storages.put(ref, f64, get(srk)), storages.put(ref, f64, get(sdp)),
                        rXp, rH0, rC0, b, t, h);
                assertClose(storages.get(ref, rXp), gotXp, tol, "dXp vs reference " + what);
                assertClose(storages.get(ref, rH0), gotH0, tol, "dh0 vs reference " + what);
                assertClose(storages.get(ref, rC0), gotC0, tol, "dc0 vs reference " + what);
            }
        }
    }

    /** RecurrentOps.lstm on cuda takes the persistent kernels (H ≤ 64) and matches cpu, gradients included. */
    @Test
    void recurrentOpsUsesItAndMatchesCpu() {
        dev.lamina.backend.Backend cpu = dev.lamina.backend.Backends.cpu();
        for (int hid : new int[] {8, 64, 65}) {
            boolean fused = cuda.kernel(dev.lamina.backend.Kernel.LSTM_SEQUENCE_FORWARD, DType.FLOAT32,
                    new dev.lamina.backend.SequenceGeometry(3, 5, hid)).available();
            assertEquals(hid <= 64, fused, "capability at H=" + hid);
            double[][] want = lstmRun(cpu, hid), got = lstmRun(cuda, hid);
            for (int i = 0; i < want.length; i++) {
                assertClose(want[i], got[i], 1e-5, "H=" + hid + " output/gradient " + i + " (cuda vs cpu)");
            }
        }
    }

    private static double[][] lstmRun(dev.lamina.backend.Backend be, int hid) {
        try (var u = dev.lamina.backend.Backends.use(be); dev.lamina.tensor.Scope s = dev.lamina.tensor.Scope.open()) {
            dev.lamina.tensor.Rng rng = new dev.lamina.tensor.Rng(SEED);
            dev.lamina.tensor.Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 3, 5, 2);
            dev.lamina.tensor.Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, 2, 4 * hid);
            dev.lamina.tensor.Tensor rk = rng.uniform(DType.FLOAT32, -0.3, 0.3, hid, 4 * hid);
            dev.lamina.tensor.Tensor bias = rng.uniform(DType.FLOAT32, -0.5, 0.5, 4 * hid);
            dev.lamina.tensor.Tensor h0 = rng.uniform(DType.FLOAT32, -1, 1, 3, hid);
            dev.lamina.tensor.Tensor c0 = rng.uniform(DType.FLOAT32, -1, 1, 3, hid);
            try (dev.lamina.autograd.GradientTape tape = dev.lamina.autograd.GradientTape.start()) {
                tape.watch(x, k, rk, bias, h0, c0);
                dev.lamina.tensor.Tensor[] out = dev.lamina.ops.RecurrentOps.lstm(x, k, rk, bias, h0, c0, true);
                dev.lamina.tensor.Tensor loss = out[0].square().sum().add(out[2].sum());
                dev.lamina.tensor.Tensor[] g = tape.gradient(loss, x, k, rk, bias, h0, c0);
                return new double[][] {out[0].toDoubleArray(), out[2].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), g[3].toDoubleArray(), g[4].toDoubleArray(),
                        g[5].toDoubleArray()};
            }
        }
    }

    @Test
    void capabilityAndBadInput() {
        assertTrue(CudaPersistentLstm.capability(DType.FLOAT32, 64).available());
        assertFalse(CudaPersistentLstm.capability(DType.FLOAT32, 65).available());
        assertFalse(CudaPersistentLstm.capability(DType.INT32, 8).available());
        assertEquals(CudaPersistentLstm.MAX_HIDDEN, CudaNative.lamina_cuda_lstm_sequence_max_hidden());
        Storage s = poisoned(DType.FLOAT32, 8);
        Storage big = poisoned(DType.FLOAT32, 65 * 4 * 65);
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentLstm.forward(cuda, s, s, s, s, s, s, s, s, 1, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentLstm.forward(cuda, big, big, big, big, big, big, big, big, 1, 1, 65));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentLstm.backward(cuda, s, s, s, s, s, s, s, s, 1, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentLstm.backward(cuda, big, big, big, big, big, big, big, big, 1, 1, 65));
        assertFalse(cuda.kernel(dev.lamina.backend.Kernel.LSTM_SEQUENCE_BACKWARD, DType.FLOAT32,
                new dev.lamina.backend.SequenceGeometry(2, 3, 65)).available());
    }

    private Storage poisoned(DType dt, long n) {
        return storages.poisoned(cuda, dt, n);
    }

    private Storage put(DType dt, double[] v) {
        return storages.put(cuda, dt, v);
    }

    private double[] get(Storage s) {
        return storages.get(cuda, s);
    }
}
