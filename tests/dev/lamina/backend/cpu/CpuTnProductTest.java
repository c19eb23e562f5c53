package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backends;
import dev.lamina.backend.reference.ReferenceBackend;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's float32 {@code Aᵀ·B} (matmul with transA: the weight gradients, the LSTM/GRU
 * recurrent kernel's {@code hPrevᵀ·dXp}) on the direct kernel of cpu-kernels/lamina_tn_gemm.hpp:
 * where it serves, every element equals the fused multiply-add chain over k from zero computed here
 * with {@link Math#fma} (bitwise), on 1 and 2 threads; on every shape, served or not, within 1e-5
 * relative of the reference backend. Shapes: the seed LSTM's gradient (64 × 256, depth 640), ragged
 * rows and columns (tiles of 8 × 32 cut by masks), a column tail under 16, depth 1, one row (an input
 * kernel's gradient), one column, a narrow product with a large left operand (OpenBLAS), a product
 * large enough to run on the pool.
 */
class CpuTnProductTest {
    // {m, n, k}
    private static final int[][] SHAPES = {{64, 256, 640}, {13, 37, 5}, {8, 16, 1}, {70, 100, 33}, {9, 17, 640},
            {65, 47, 3}, {8, 40, 2}, {7, 256, 64}, {64, 15, 64}, {1, 1, 9}, {256, 512, 160}, {1, 256, 640},
            {32, 1, 32}, {300, 8, 400}};

    @Test
    void servedProductsAreOneFmaChainPerElementOnAnyThreadCount() {
        CpuBackend cpu = CpuBackend.instance();
        int before = CpuBackend.threads();
        int served = 0;
        try (var u = Backends.use(cpu)) {
            for (int[] sh : SHAPES) {
                int m = sh[0], n = sh[1], k = sh[2];
                boolean serves = CpuKernels.lamina_cpu_tn_direct_serves(m, n, k) == 1;
                try (Scope s = Scope.open()) {
                    Rng rng = new Rng(7 + m * 31L + n * 7L + k);
                    Tensor a = rng.uniform(DType.FLOAT32, -1, 1, k, m);
                    Tensor b = rng.uniform(DType.FLOAT32, -1, 1, k, n);
                    float[] av = a.toFloatArray(), bv = b.toFloatArray();
                    float[] want = fmaChain(av, bv, m, n, k);
                    float[][] got = new float[2][];
                    for (int threads = 1; threads <= 2; threads++) {
                        CpuBackend.setThreads(threads);
                        Tensor c = Tensor.zeros(cpu, DType.FLOAT32, m, n);
                        cpu.matmul(a.storage(), b.storage(), c.storage(), 1, m, n, k, true, false, 0, 0);
                        got[threads - 1] = c.toFloatArray();
                    }
                    String what = Arrays.toString(sh) + (serves ? " (direct)" : " (OpenBLAS)");
                    if (serves) {
                        served++;
                        assertArrayEquals(want, got[0], 0f, what + " 1 thread against the fma chain");
                    }
                    assertArrayEquals(got[0], got[1], 0f, what + " 1 against 2 threads");
                    double[] ref = reference(av, bv, m, n, k);
                    double scale = 0;
                    for (double r : ref) scale = Math.max(scale, Math.abs(r));
                    for (int i = 0; i < ref.length; i++) {
                        assertEquals(ref[i], got[0][i], 1e-5 * (1 + scale), what + " element " + i + " against the reference");
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
        if (CpuKernels.lamina_cpu_tn_direct_serves(64, 256, 640) == 1) {
            assertEquals(13, served, "shapes on the direct kernel");
        }
    }

    @Test
    void theDirectKernelServesOnlyItsShapes() {
        if (CpuKernels.lamina_cpu_tn_direct_serves(64, 256, 640) == 0) {
            return;  // no AVX-512 (or LAMINA_TN_DIRECT=0): every product goes to OpenBLAS
        }
        assertEquals(1, CpuKernels.lamina_cpu_tn_direct_serves(1, 256, 640));
        assertEquals(1, CpuKernels.lamina_cpu_tn_direct_serves(64, 15, 64));
        assertEquals(0, CpuKernels.lamina_cpu_tn_direct_serves(300, 8, 400));  // narrow, left operand over 2^16
        assertEquals(0, CpuKernels.lamina_cpu_tn_direct_serves(64, 256, 0));
        assertEquals(0, CpuKernels.lamina_cpu_tn_direct_serves(2048, 1024, 1024));  // A over 2^20 elements
    }

    /** c[i, j] = fma chain over kk of a[kk, i]·b[kk, j] from zero, in float32. */
    private static float[] fmaChain(float[] a, float[] b, int m, int n, int k) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int kk = 0; kk < k; kk++) acc = Math.fma(a[kk * m + i], b[kk * n + j], acc);
                c[i * n + j] = acc;
            }
        }
        return c;
    }

    /** The reference backend's Aᵀ·B (double accumulation). */
    private static double[] reference(float[] a, float[] b, int m, int n, int k) {
        ReferenceBackend ref = ReferenceBackend.INSTANCE;
        try (var u = Backends.use(ref); Scope s = Scope.open()) {
            Tensor ta = Tensor.of(a, k, m), tb = Tensor.of(b, k, n);
            Tensor c = Tensor.zeros(ref, DType.FLOAT32, m, n);
            ref.matmul(ta.storage(), tb.storage(), c.storage(), 1, m, n, k, true, false, 0, 0);
            return c.toDoubleArray();
        }
    }
}
