package dev.lamina.backend.cuda;

import static dev.lamina.backend.cuda.CudaLayerKernelsGpuTest.assertBitwise;
import static dev.lamina.backend.cuda.CudaLayerKernelsGpuTest.assertClose;
import static dev.lamina.backend.cuda.TestArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.Storage;
import dev.lamina.losses.CategoricalCrossentropy;
import dev.lamina.losses.Loss;
import dev.lamina.losses.SparseCategoricalCrossentropy;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused RMSprop and SGD steps ({@code optim.cu}) and the fused softmax cross-entropy
 * ({@code xent.cu}) on the cuda backend: the optimizer steps bitwise the cpu backend's (which runs
 * the composed element-wise ops, itself bitwise the tensor-level optimizers) over three steps of every
 * variant, and close to the reference; both versions of the cross-entropy kernel against the
 * reference backend (relative error ≤ 1e-5 float32, 1e-12 float64; outputs poisoned with NaN first),
 * and the losses that use it (from_logits) with their tape gradients against the cpu backend.
 * Seed fixed, printed in failures; {@code -Dlamina.test.seed=N} tries another.
 */
@Tag("gpu")
class CudaFusedStepsGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);

    private final CudaBackend cuda = CudaBackend.instance();
    private final Backend ref = Backends.reference();
    private final Backend cpu = Backends.cpu();
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
    void kernelsAreDeclared() {
        for (Kernel k : new Kernel[] {Kernel.RMSPROP_UPDATE, Kernel.SGD_UPDATE, Kernel.SOFTMAX_CROSS_ENTROPY}) {
            assertTrue(cuda.kernel(k, DType.FLOAT32).available(), k + " on cuda");
            assertTrue(!cpu.kernel(k, DType.FLOAT32).available(), k + " composed on cpu");
        }
    }

    // ---- optimizer steps ------------------------------------------------------------------------

    /** One optimizer variant: which slots it has and how it steps. */
    private record Variant(String name, int slots, Stepper step) {
    }

    @FunctionalInterface
    private interface Stepper {
        void run(Backend be, Storage w, Storage g, Storage[] slots);
    }

    private static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        for (double mom : new double[] {0, 0.9}) {
            for (boolean centered : new boolean[] {false, true}) {
                int n = 1 + (mom > 0 ? 1 : 0) + (centered ? 1 : 0);
                v.add(new Variant("rmsprop momentum=" + mom + " centered=" + centered, n, (be, w, g, s) ->
                        be.rmspropUpdate(w, g, s[0], mom > 0 ? s[1] : null, centered ? s[s.length - 1] : null, 0.0123,
                                0.9, mom, 1e-7)));
            }
        }
        v.add(new Variant("sgd", 0, (be, w, g, s) -> be.sgdUpdate(w, g, null, 0.0123, 0, false)));
        v.add(new Variant("sgd momentum", 1, (be, w, g, s) -> be.sgdUpdate(w, g, s[0], 0.0123, 0.9, false)));
        v.add(new Variant("sgd nesterov", 1, (be, w, g, s) -> be.sgdUpdate(w, g, s[0], 0.0123, 0.9, true)));
        return v;
    }

    @Test
    void rmspropAndSgdMatchCpuBitwiseAndReference() {
        int k = 0;
        for (Variant var : variants()) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                for (int n : new int[] {1, 7, 1023}) {
                    long seed = SEED + 300 + k++;
                    String what = var.name() + " " + dt + " n=" + n + " (seed " + seed + ")";
                    double[] w = random(n, -1, 1, seed);
                    Backend[] bes = {cuda, ref, cpu};
                    double[][][] got = new double[3][][];
                    for (int i = 0; i < 3; i++) {
                        Backend be = bes[i];
                        Storage sw = put(be, dt, w);
                        Storage[] slots = new Storage[var.slots()];
                        for (int j = 0; j < slots.length; j++) {
                            // the velocity (slot 0 of RMSprop) is a mean square: non-negative
                            slots[j] = put(be, dt, random(n, j == 0 ? 0 : -0.1, 0.1, seed + 1 + j));
                        }
                        for (int step = 0; step < 3; step++) {
                            var.step().run(be, sw, put(be, dt, random(n, -1, 1, seed + 10 + step)), slots);
                        }
                        got[i] = new double[1 + slots.length][];
                        got[i][0] = get(be, sw);
                        for (int j = 0; j < slots.length; j++) {
                            got[i][1 + j] = get(be, slots[j]);
                        }
                    }
                    double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
                    for (int j = 0; j < got[0].length; j++) {
                        String name = what + (j == 0 ? " w" : " slot " + (j - 1));
                        assertClose(got[1][j], got[0][j], tol, name + " vs reference");
                        assertBitwise(got[2][j], got[0][j], name + " vs cpu");
                    }
                }
            }
        }
        Storage w = poisoned(DType.FLOAT32, 5), shorter = poisoned(DType.FLOAT32, 4);
        Storage f64 = poisoned(DType.FLOAT64, 5);
        assertThrows(IllegalArgumentException.class, () -> cuda.sgdUpdate(w, shorter, null, 1e-3, 0, false));
        assertThrows(IllegalArgumentException.class, () -> cuda.sgdUpdate(w, w, f64, 1e-3, 0.9, false));
        assertThrows(IllegalArgumentException.class,
                () -> cuda.rmspropUpdate(w, w, shorter, null, null, 1e-3, 0.9, 0, 1e-7));
        assertThrows(IllegalArgumentException.class, () -> cuda.rmspropUpdate(w, w, w, null, f64, 1e-3, 0.9, 0, 1e-7));
    }

    // ---- softmax cross-entropy --------------------------------------------------------------------

    @Test
    void softmaxCrossEntropyVersionsMatchReference() {
        int k = 0;
        int[][] shapes = {{1, 1}, {7, 10}, {33, 300}, {4, 1000}, {300, 3}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
            for (int[] sh : shapes) {
                for (boolean soft : new boolean[] {false, true}) {
                    long seed = SEED + 500 + k++;
                    int rows = sh[0], classes = sh[1];
                    double scale = k % 3 == 0 ? 40 : 3;    // large logits: the max must be subtracted
                    double[] z = random(rows * classes, -scale, scale, seed);
                    double[] y = labels(rows, classes, soft, seed + 1);
                    Storage rz = put(ref, dt, z), ry = put(ref, dt, y);
                    Storage rl = poisoned(ref, dt, rows), rd = poisoned(ref, dt, (long) rows * classes);
                    ref.softmaxCrossEntropy(rz, ry, rl, rd, rows, classes);
                    double[] wantLoss = get(ref, rl), wantGrad = get(ref, rd);
                    Storage cz = put(cuda, dt, z), cy = put(cuda, dt, y);
                    for (int version = 0; version <= 1; version++) {
                        String what = "xent v" + version + " " + dt + " " + rows + "x" + classes + (soft ? " soft" : "")
                                + " (seed " + seed + ")";
                        Storage cl = poisoned(cuda, dt, rows), cd = poisoned(cuda, dt, (long) rows * classes);
                        CudaLosses.softmaxCrossEntropy(cuda, cz, cy, cl, cd, rows, classes, version);
                        assertClose(wantLoss, get(cuda, cl), tol, what + " loss");
                        assertClose(wantGrad, get(cuda, cd), tol, what + " dlogits");
                        Storage cl2 = poisoned(cuda, dt, rows);
                        CudaLosses.softmaxCrossEntropy(cuda, cz, cy, cl2, null, rows, classes, version);
                        assertBitwise(get(cuda, cl), get(cuda, cl2), what + " loss without dlogits");
                    }
                }
            }
        }
        Storage z = poisoned(cuda, DType.FLOAT32, 6), l = poisoned(cuda, DType.FLOAT32, 2);
        Storage l64 = poisoned(cuda, DType.FLOAT64, 2);
        assertThrows(IllegalArgumentException.class, () -> cuda.softmaxCrossEntropy(z, z, l, null, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> cuda.softmaxCrossEntropy(z, z, l64, null, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> cuda.softmaxCrossEntropy(z, z, l, z, 2, 0));
    }

    /** The from_logits losses on cuda (fused) against cpu (composed): value and tape gradient. */
    @Test
    void crossEntropyLossesOnCudaMatchCpu() {
        long seed = SEED + 700;
        int rows = 16, classes = 10;
        float[] z = new float[rows * classes];
        float[] y = new float[rows * classes];
        int[] ids = new int[rows];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (r.nextDouble() * 8 - 4);
        }
        for (int i = 0; i < rows; i++) {
            ids[i] = r.nextInt(classes);
            y[i * classes + ids[i]] = 1;
        }
        Loss[] losses = {new CategoricalCrossentropy(true), new SparseCategoricalCrossentropy(true)};
        for (Loss loss : losses) {
            double[][] results = new double[2][];
            double[][] grads = new double[2][];
            Backend[] bes = {cpu, cuda};
            for (int i = 0; i < 2; i++) {
                try (Scope s = Scope.open()) {
                    Tensor logits = Tensor.of(z, rows, classes).to(bes[i]);
                    Tensor target = (loss instanceof SparseCategoricalCrossentropy ? Tensor.of(ids, rows)
                            : Tensor.of(y, rows, classes)).to(bes[i]);
                    try (GradientTape tape = GradientTape.start()) {
                        tape.watch(logits);
                        Tensor value = loss.compute(target, logits);
                        results[i] = value.toDoubleArray();
                        grads[i] = tape.gradient(value, logits).toDoubleArray();
                    }
                }
            }
            String what = loss.name() + " (seed " + seed + ")";
            assertClose(results[0], results[1], 1e-6, what + " value, cuda vs cpu");
            assertClose(grads[0], grads[1], 1e-5, what + " gradient, cuda vs cpu");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static double[] labels(int rows, int classes, boolean soft, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[rows * classes];
        for (int i = 0; i < rows; i++) {
            if (soft) {
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    y[i * classes + c] = r.nextDouble();
                    sum += y[i * classes + c];
                }
                for (int c = 0; c < classes; c++) {
                    y[i * classes + c] /= sum;
                }
            } else {
                y[i * classes + r.nextInt(classes)] = 1;
            }
        }
        return y;
    }

    private Storage poisoned(DType dt, long n) {
        return poisoned(cuda, dt, n);
    }

    private Storage poisoned(Backend be, DType dt, long n) {
        return storages.poisoned(be, dt, n);
    }

    private Storage put(Backend b, DType dt, double[] v) {
        return storages.put(b, dt, v);
    }

    private double[] get(Backend b, Storage s) {
        return storages.get(b, s);
    }
}
