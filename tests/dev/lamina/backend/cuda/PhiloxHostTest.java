package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs without a GPU: the host (C++) reference of the Philox-4x32-10 function that the CUDA
 * random kernels use (cuda-kernels/philox.cu, one {@code __host__ __device__} function for both)
 * against {@link Rng}'s Java stream. Words and uniform doubles must agree bit for bit; normals
 * within 4 ulp (C's log/cos and Java's Math.log/cos may round the last bit differently). Skipped
 * only where the JNI library was not built (nvcc absent at build time).
 */
@Tag("cuda-emulated") // also run by CI on the emulated CUDA device (pom.xml, emulated-cuda-*)
class PhiloxHostTest {
    private static final long[] SEEDS = {0L, 1L, 42L, -1L, Long.MIN_VALUE, 0x0123_4567_89AB_CDEFL};

    @BeforeAll
    static void needsLibrary() {
        String reason = CudaRuntime.get().unavailableReason();
        Assumptions.assumeFalse(reason != null && (reason.startsWith(CudaRuntime.NOT_BUILT)
                || reason.startsWith("cuda JNI library")), () -> "cuda JNI library not loaded: " + reason);
    }

    /** Random123's known-answer vector: philox4x32-10 of counter 0 under key 0. */
    @Test
    void knownAnswerOfCounterZeroKeyZero() {
        int[] w = new int[4];
        assertEquals(0, CudaNative.lamina_philox_host_u32(0L, 4, w));
        assertEquals(0x6627e8d5, w[0]);
        assertEquals(0xe169c58d, w[1]);
        assertEquals(0xbc57ac4c, w[2]);
        assertEquals(0x9b00dbd8, w[3]);
        Rng rng = new Rng(0L);
        for (int i = 0; i < 4; i++) {
            assertEquals(w[i], rng.nextInt(), "Java Rng word " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023, 100_003})
    void wordsMatchJavaBitForBit(int n) {
        for (long seed : SEEDS) {
            int[] host = new int[n];
            assertEquals(0, CudaNative.lamina_philox_host_u32(seed, n, host));
            Rng rng = new Rng(seed);
            for (int i = 0; i < n; i++) {
                int want = rng.nextInt();
                if (want != host[i]) {
                    throw new AssertionError("seed " + seed + " word " + i + ": Java " + Integer.toHexString(want)
                            + ", host " + Integer.toHexString(host[i]));
                }
            }
        }
    }

    @Test
    void seedHalvesAndCounterHighWordAllMatter() {
        int[] a = new int[8], b = new int[8];
        CudaNative.lamina_philox_host_u32(1L, 8, a);
        CudaNative.lamina_philox_host_u32(1L << 32, 8, b);
        assertNotEquals(a[0], b[0], "the high half of the seed is key word 1");
        // a stream long enough that the block counter passes 2^32 is out of reach; the low words differ per block
        assertNotEquals(a[0], a[4]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1023, 50_001})
    void uniformMatchesRngUniformBitForBit(int n) {
        for (long seed : SEEDS) {
            double lo = -0.25, hi = 3.5;
            double[] host = new double[n];
            assertEquals(0, CudaNative.lamina_philox_host_uniform_f64(seed, n, lo, hi, host));
            double[] java;
            try (Tensor t = new Rng(seed).uniform(DType.FLOAT64, lo, hi, n)) {
                java = t.toDoubleArray();
            }
            for (int i = 0; i < n; i++) {
                if (Double.doubleToRawLongBits(java[i]) != Double.doubleToRawLongBits(host[i])) {
                    throw new AssertionError("seed " + seed + " element " + i + ": Java " + java[i] + ", host " + host[i]);
                }
                assertTrue(host[i] >= lo && host[i] < hi);
            }
            // the float32 tensor is the rounding of the same doubles, as the cuda kernel writes it
            try (Tensor t = new Rng(seed).uniform(DType.FLOAT32, lo, hi, n)) {
                float[] f = t.toFloatArray();
                for (int i = 0; i < n; i++) {
                    assertEquals((float) host[i], f[i], 0.0f, "float32 element " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 1023, 20_001})
    void normalMatchesRngNormalWithin4Ulp(int n) {
        for (long seed : SEEDS) {
            double mean = 0.5, std = 2.0;
            double[] host = new double[n];
            assertEquals(0, CudaNative.lamina_philox_host_normal_f64(seed, n, mean, std, host));
            double[] java;
            try (Tensor t = new Rng(seed).normal(DType.FLOAT64, mean, std, n)) {
                java = t.toDoubleArray();
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double tol = 4 * Math.ulp(Math.max(Math.abs(java[i]), Math.abs(mean)));
                if (!(Math.abs(java[i] - host[i]) <= tol)) {
                    throw new AssertionError("seed " + seed + " element " + i + ": Java " + java[i] + ", host "
                            + host[i] + " (tolerance " + tol + ")");
                }
                sum += host[i];
            }
            if (n > 10_000) {
                // a sanity check of the distribution: the mean of 20001 N(0.5, 4) draws within 5 sigma
                assertEquals(mean, sum / n, 5 * std / Math.sqrt(n));
            }
        }
    }
}
