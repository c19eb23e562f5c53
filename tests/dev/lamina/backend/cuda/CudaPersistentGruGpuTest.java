package dev.lamina.backend.cuda;

import static dev.lamina.backend.cuda.CudaLayerKernelsGpuTest.assertClose;
import static dev.lamina.backend.cuda.TestArrays.concat;
import static dev.lamina.backend.cuda.TestArrays.random;
import static dev.lamina.backend.cuda.TestArrays.rel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.SequenceGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The persistent GRU sequence kernels ({@code gru_seq.cu}) against the per-step kernels they replace
 * on the same device (matmul h·rk, the bias add, the fused cell; backward: the cell backward, add,
 * matmul dhz·rkᵀ, add) and the backward also against the reference backend in float64 on the same
 * inputs: every output, float32 (relative error ≤ 1e-5) and float64 (1e-12), odd sizes and H = 64,
 * outputs poisoned with NaN first; RecurrentOps.gru on cuda against cpu; tiny saturated sequences
 * against float64 (conditioning). Seed fixed, printed in failures.
 */
@Tag("gpu")
class CudaPersistentGruGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);

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

    /** The forward's outputs: packed, hPrev, gates, hz. */
    private Storage[] forward(DType dt, int b, int t, int h, Storage xp, Storage rk, Storage rb, Storage h0) {
        int g = 3 * h;
        Storage[] out = {poisoned(dt, (long) b * t * h), poisoned(dt, (long) b * t * h), poisoned(dt, (long) t * b * g),
            poisoned(dt, (long) t * b * g)};
        CudaPersistentGru.forward(cuda, xp, rk, rb, h0, out[0], out[1], out[2], out[3], b, t, h);
        return out;
    }

    @Test
    void persistentForwardAndBackwardMatchThePerStepKernelsAndTheReference() {
        int k = 0;
        int[][] shapes = {{3, 5, 7}, {2, 4, 64}, {1, 1, 1}, {5, 3, 33}, {2, 0, 4}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
            for (int[] sh : shapes) {
                long seed = SEED + 700 + k++;
                int b = sh[0], t = sh[1], h = sh[2], g = 3 * h;
                String what = dt + " B=" + b + " T=" + t + " H=" + h + " (seed " + seed + ")";
                Storage xp = put(dt, random(b * t * g, -2, 2, seed)), rk = put(dt, random(h * g, -0.5, 0.5, seed + 1));
                Storage rb = put(dt, random(g, -0.5, 0.5, seed + 2)), h0 = put(dt, random(b * h, -1, 1, seed + 3));
                Storage[] f = forward(dt, b, t, h, xp, rk, rb, h0);
                // the per-step forward
                double[] wantPacked = new double[b * t * h], wantHPrev = new double[b * t * h];
                double[] wantGates = new double[t * b * g], wantHz = new double[t * b * g];
                Storage hCur = h0;
                Storage xt = poisoned(dt, (long) b * g), recZ = poisoned(dt, (long) b * g);
                for (int s = 0; s < t; s++) {
                    cuda.copyStrided(xp, (long) s * g, new long[] {(long) t * g, 1}, xt, 0, new long[] {g, 1},
                            new long[] {b, g});
                    cuda.matmul(hCur, rk, recZ, 1, b, g, h, false, false, 0, 0);
                    Storage hz = poisoned(dt, (long) b * g), hn = poisoned(dt, (long) b * h);
                    Storage gs = poisoned(dt, (long) b * g);
                    cuda.binary(BinaryOp.ADD, recZ, new long[] {g, 1}, rb, new long[] {0, 1}, hz, new long[] {b, g});
                    cuda.gruCellForward(xt, hz, hCur, hn, gs, b, h);
                    double[] hp = get(hCur), hv = get(hn);
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(hp, r * h, wantHPrev, (r * t + s) * h, h);
                        System.arraycopy(hv, r * h, wantPacked, (r * t + s) * h, h);
                    }
                    System.arraycopy(get(gs), 0, wantGates, s * b * g, b * g);
                    System.arraycopy(get(hz), 0, wantHz, s * b * g, b * g);
                    hCur = hn;
                }
                assertClose(wantPacked, get(f[0]), tol, "packed " + what);
                assertClose(wantHPrev, get(f[1]), tol, "hPrev " + what);
                assertClose(wantGates, get(f[2]), tol, "gates " + what);
                assertClose(wantHz, get(f[3]), tol, "hz " + what);
                // the persistent backward
                Storage dp = put(dt, random(b * t * h, -1, 1, seed + 4));
                Storage dXp = poisoned(dt, (long) b * t * g), dHz = poisoned(dt, (long) b * t * g);
                Storage dh0 = poisoned(dt, (long) b * h);
                CudaPersistentGru.backward(cuda, f[2], f[3], f[1], rk, dp, dXp, dHz, dh0, b, t, h);
                double[] gotXp = get(dXp), gotHz = get(dHz), gotH0 = get(dh0);
                // the per-step backward
                double[] wantXp = new double[b * t * g], wantDHz = new double[b * t * g];
                Storage dhNext = put(dt, new double[b * h]);
                for (int s = t - 1; s >= 0; s--) {
                    Storage dh = poisoned(dt, (long) b * h), dht = poisoned(dt, (long) b * h);
                    Storage hp = poisoned(dt, (long) b * h), gs = poisoned(dt, (long) b * g), hz = poisoned(dt, (long) b * g);
                    cuda.copyStrided(dp, (long) s * h, new long[] {(long) t * h, 1}, dh, 0, new long[] {h, 1},
                            new long[] {b, h});
                    cuda.binary(BinaryOp.ADD, dh, new long[] {h, 1}, dhNext, new long[] {h, 1}, dht, new long[] {b, h});
                    cuda.copyStrided(f[1], (long) s * h, new long[] {(long) t * h, 1}, hp, 0, new long[] {h, 1},
                            new long[] {b, h});
                    cuda.copyStrided(f[2], (long) s * b * g, new long[] {1}, gs, 0, new long[] {1},
                            new long[] {(long) b * g});
                    cuda.copyStrided(f[3], (long) s * b * g, new long[] {1}, hz, 0, new long[] {1},
                            new long[] {(long) b * g});
                    Storage dxz = poisoned(dt, (long) b * g), dhz = poisoned(dt, (long) b * g);
                    Storage dhPrev = poisoned(dt, (long) b * h), dRec = poisoned(dt, (long) b * h);
                    cuda.gruCellBackward(gs, hz, hp, dht, dxz, dhz, dhPrev, b, h);
                    cuda.matmul(dhz, rk, dRec, 1, b, h, g, false, true, 0, 0);
                    Storage next = poisoned(dt, (long) b * h);
                    cuda.binary(BinaryOp.ADD, dRec, new long[] {h, 1}, dhPrev, new long[] {h, 1}, next,
                            new long[] {b, h});
                    double[] dxv = get(dxz), dhv = get(dhz);
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(dxv, r * g, wantXp, (r * t + s) * g, g);
                        System.arraycopy(dhv, r * g, wantDHz, (r * t + s) * g, g);
                    }
                    dhNext = next;
                }
                assertClose(wantXp, gotXp, tol, "dXp vs per-step " + what);
                assertClose(wantDHz, gotHz, tol, "dHz vs per-step " + what);
                assertClose(get(dhNext), gotH0, tol, "dh0 vs per-step " + what);
                // the reference backend in float64 on the same inputs
                double[][] r = referenceBackward(f, rk, dp, b, t, h);
                assertClose(r[0], gotXp, tol, "dXp vs reference " + what);
                assertClose(r[1], gotHz, tol, "dHz vs reference " + what);
                assertClose(r[2], gotH0, tol, "dh0 vs reference " + what);
            }
        }
    }

    /** {dXp, dHz, dh0} of the reference backend in float64 from the device's forward outputs. */
    private double[][] referenceBackward(Storage[] f, Storage rk, Storage dp, int b, int t, int h) {
        DType f64 = DType.FLOAT64;
        int g = 3 * h;
        Storage rXp = storages.poisoned(ref, f64, (long) b * t * g), rHz = storages.poisoned(ref, f64, (long) b * t * g);
        Storage rH0 = storages.poisoned(ref, f64, (long) b * h);
        ref.gruSequenceBackward(storages.put(ref, f64, get(f[2])), storages.put(ref, f64, get(f[3])),
                storages.put(ref, f64, get(f[1])), storages.put(ref, f64, get(rk)), storages.put(ref, f64, get(dp)),
                rXp, rHz, rH0, b, t, h);
        return new double[][] {storages.get(ref, rXp), storages.get(ref, rHz), storages.get(ref, rH0)};
    }

    /**
     * Tiny float32 sequences (hidden 1, batch 1 and 3, 4 steps) over 100 seeds, saturated (xp in ±60)
     * and not (±3): the persistent backward against the float64 reference on the same inputs.
     */
    @Test
    void tinySaturatedSequencesStayCloseToFloat64() {
        DType dt = DType.FLOAT32;
        double worst = 0;
        String worstCase = "";
        int h = 1, t = 4, g = 3;
        for (long s = 0; s < 100; s++) {
            for (int b : new int[] {1, 3}) {
                for (double range : new double[] {3, 60}) {
                    long seed = SEED + 5000 + s;
                    Storage rk = put(dt, random(h * g, -1, 1, seed + 1));
                    Storage[] f = forward(dt, b, t, h, put(dt, random(b * t * g, -range, range, seed)), rk,
                            put(dt, random(g, -1, 1, seed + 2)), put(dt, random(b * h, -1, 1, seed + 3)));
                    Storage dp = put(dt, random(b * t * h, -1, 1, seed + 4));
                    Storage dXp = poisoned(dt, (long) b * t * g), dHz = poisoned(dt, (long) b * t * g);
                    Storage dh0 = poisoned(dt, (long) b * h);
                    CudaPersistentGru.backward(cuda, f[2], f[3], f[1], rk, dp, dXp, dHz, dh0, b, t, h);
                    double[][] r = referenceBackward(f, rk, dp, b, t, h);
                    double rel = rel(concat(r[0], r[1], r[2]), concat(get(dXp), get(dHz), get(dh0)));
                    if (!(rel <= worst)) {
                        worst = rel;
                        worstCase = "seed " + seed + ", batch " + b + ", xp in ±" + range;
                    }
                    storages.releaseAll();
                }
            }
        }
        System.out.println("persistent GRU backward, float32 vs float64 reference: worst relative error " + worst
                + " at " + worstCase);
        assertTrue(worst <= 1e-6, "persistent GRU backward relative error " + worst + " > 1e-6 at " + worstCase);
    }

    /** RecurrentOps.gru on cuda takes the persistent kernels (H ≤ 64) and matches cpu, gradients included. */
    @Test
    void recurrentOpsUsesThemAndMatchesCpu() {
        Backend cpu = Backends.cpu();
        for (int hid : new int[] {8, 64, 65}) {
            SequenceGeometry geom = new SequenceGeometry(3, 5, hid);
            assertEquals(hid <= 64, cuda.kernel(Kernel.GRU_SEQUENCE_FORWARD, DType.FLOAT32, geom).available(),
                    "forward capability at H=" + hid);
            assertEquals(hid <= 64, cuda.kernel(Kernel.GRU_SEQUENCE_BACKWARD, DType.FLOAT32, geom).available(),
                    "backward capability at H=" + hid);
            double[][] want = gruRun(cpu, hid), got = gruRun(cuda, hid);
            for (int i = 0; i < want.length; i++) {
                assertClose(want[i], got[i], 1e-5, "H=" + hid + " output/gradient " + i + " (cuda vs cpu)");
            }
        }
    }

    private static double[][] gruRun(Backend be, int hid) {
        try (var u = Backends.use(be); dev.lamina.tensor.Scope s = dev.lamina.tensor.Scope.open()) {
            dev.lamina.tensor.Rng rng = new dev.lamina.tensor.Rng(SEED);
            dev.lamina.tensor.Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 3, 5, 2);
            dev.lamina.tensor.Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, 2, 3 * hid);
            dev.lamina.tensor.Tensor rk = rng.uniform(DType.FLOAT32, -0.3, 0.3, hid, 3 * hid);
            dev.lamina.tensor.Tensor bias = rng.uniform(DType.FLOAT32, -0.5, 0.5, 2, 3 * hid);
            dev.lamina.tensor.Tensor h0 = rng.uniform(DType.FLOAT32, -1, 1, 3, hid);
            try (dev.lamina.autograd.GradientTape tape = dev.lamina.autograd.GradientTape.start()) {
                tape.watch(x, k, rk, bias, h0);
                dev.lamina.tensor.Tensor[] out = dev.lamina.ops.RecurrentOps.gru(x, k, rk, bias, h0, true);
                dev.lamina.tensor.Tensor loss = out[0].square().sum().add(out[1].sum());
                dev.lamina.tensor.Tensor[] g = tape.gradient(loss, x, k, rk, bias, h0);
                return new double[][] {out[0].toDoubleArray(), out[1].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), g[3].toDoubleArray(), g[4].toDoubleArray()};
            }
        }
    }

    @Test
    void capabilityAndBadInput() {
        assertTrue(CudaPersistentGru.capability(DType.FLOAT64, 64).available());
        assertFalse(CudaPersistentGru.capability(DType.FLOAT32, 65).available());
        assertFalse(CudaPersistentGru.capability(DType.INT32, 8).available());
        assertEquals(CudaPersistentGru.MAX_HIDDEN, CudaNative.lamina_cuda_gru_sequence_max_hidden());
        Storage s = poisoned(DType.FLOAT32, 8);
        Storage big = poisoned(DType.FLOAT32, 65 * 3 * 65);
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentGru.forward(cuda, s, s, s, s, s, s, s, s, 1, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentGru.forward(cuda, big, big, big, big, big, big, big, big, 1, 1, 65));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentGru.backward(cuda, s, s, s, s, s, s, s, s, 1, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> CudaPersistentGru.backward(cuda, s, s, s, s, s, s, s, s, -1, 1, 1));
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
