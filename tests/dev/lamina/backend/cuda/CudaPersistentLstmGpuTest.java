package dev.lamina.backend.cuda;

import static dev.lamina.backend.cuda.CudaLayerKernelsGpuTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The persistent LSTM sequence forward ({@code lstm_seq.cu}) against the per-step kernels it
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

    /** RecurrentOps.lstm on cuda takes the persistent kernel (H ≤ 64) and matches cpu, gradients included. */
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
            try (dev.lamina.autograd.GradientTape tape = dev.lamina.autograd.GradientTape.start()) {
                tape.watch(x, k, rk, bias);
                dev.lamina.tensor.Tensor[] out = dev.lamina.ops.RecurrentOps.lstm(x, k, rk, bias, null, null, true);
                dev.lamina.tensor.Tensor loss = out[0].square().sum().add(out[2].sum());
                dev.lamina.tensor.Tensor[] g = tape.gradient(loss, x, k, rk, bias);
                return new double[][] {out[0].toDoubleArray(), out[2].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), g[3].toDoubleArray()};
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
    }

    private static double[] random(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
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
