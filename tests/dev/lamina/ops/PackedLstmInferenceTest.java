package dev.lamina.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cpu LSTM inference kernel for large float32 layers on weights packed once per call
 * (cpu-kernels/lamina_packed_gemm.hpp, lamina_lstm_infer.hpp) at the edges of its tiling: hidden
 * sizes that are not a multiple of the panel width (32 for AVX-512, 16 for AVX2 and scalar), batches
 * that are not a multiple of the row block (8, 6, 4) or smaller than it, 1 and 2 threads,
 * return_sequences on and off. Each packed kernel this CPU runs is held to the recorded path within
 * {@link LstmInferenceTest#F32_TOL}; all of them, on 1 and 2 threads, must agree bitwise (one fused
 * multiply-add chain per element in the same order); and the BLAS path stays within the tolerance.
 */
class PackedLstmInferenceTest {
    private int threadsBefore;

    @BeforeEach
    void remember() {
        threadsBefore = CpuBackend.threads();
    }

    @AfterEach
    void restore() {
        CpuBackend.useLstmInferenceKernel("auto");
        CpuBackend.setThreads(threadsBefore);
    }

    /** B, T, I, H: each is above the small path's 2^18 multiply-adds per step. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(5, 4, 330, 37, true),    // odd batch below the AVX-512 row block; H = 32 + 5
                Arguments.of(13, 3, 40, 70, false),   // 13 rows: 8 + 5, 6 + 6 + 1, 4·3 + 1; H = 2·32 + 6
                Arguments.of(4, 3, 64, 129, true),    // the smallest batch the packed path takes; H = 4·32 + 1
                Arguments.of(16, 5, 96, 64, true),    // everything whole
                Arguments.of(4, 2, 1000, 40, false)); // K = I + H = 1040: the product in two chunks of depth
    }

    @ParameterizedTest(name = "B={0} T={1} I={2} H={3} seq={4}")
    @MethodSource("shapes")
    void everyPackedKernelMatchesTheRecordedPathAndEachOther(int b, int t, int in, int hid, boolean seq) {
        Inputs inp = new Inputs(b, t, in, hid);
        double[][] recorded = inp.recorded(seq);
        List<String> run = new ArrayList<>();
        double[][] first = null;
        for (String kernel : new String[] {"avx512", "avx2", "scalar"}) {
            if (!CpuBackend.useLstmInferenceKernel(kernel)) {
                continue;  // this CPU lacks it
            }
            for (int threads : new int[] {1, 2}) {
                CpuBackend.setThreads(threads);
                double[][] fast = inp.fast(seq);
                String what = kernel + " on " + threads + " thread(s)";
                for (int i = 0; i < 3; i++) {
                    LstmInferenceTest.assertClose(recorded[i], fast[i], LstmInferenceTest.F32_TOL, what + " output " + i);
                    if (first == null) {
                        continue;
                    }
                    for (int j = 0; j < fast[i].length; j++) {
                        if (Double.doubleToLongBits(first[i][j]) != Double.doubleToLongBits(fast[i][j])) {
                            throw new AssertionError(what + " output " + i + "[" + j + "]: " + fast[i][j] + ", but "
                                    + run.get(0) + " gave " + first[i][j]);
                        }
                    }
                }
                if (first == null) {
                    first = fast;
                }
                run.add(what);
            }
        }
        assertTrue(run.contains("scalar on 1 thread(s)"), "the scalar kernel runs everywhere: " + run);
        assertTrue(CpuBackend.useLstmInferenceKernel("blas"));
        double[][] blas = inp.fast(seq);
        for (int i = 0; i < 3; i++) {
            LstmInferenceTest.assertClose(recorded[i], blas[i], LstmInferenceTest.F32_TOL, "blas output " + i);
        }
    }

    /** The automatic choice on this CPU: a packed kernel when it has AVX2 or AVX-512, results as that kernel's. */
    @Test
    void autoIsTheBestPackedKernel() {
        Inputs inp = new Inputs(8, 3, 64, 96);
        CpuBackend.useLstmInferenceKernel("auto");
        double[][] auto = inp.fast(true);
        CpuBackend.useLstmInferenceKernel("scalar");
        double[][] scalar = inp.fast(true);
        CpuBackend.useLstmInferenceKernel("blas");
        double[][] blas = inp.fast(true);
        boolean simd = CpuBackend.useLstmInferenceKernel("avx2") || CpuBackend.useLstmInferenceKernel("avx512");
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(simd ? scalar[i] : blas[i], auto[i], "output " + i);
        }
    }

    /** Below 4 rows the BLAS path runs (a row block of 8 would be mostly padding); float64 always takes it. */
    @Test
    void smallBatchesAndFloat64StayOnTheBlasPath() {
        for (int b : new int[] {1, 3}) {
            Inputs inp = new Inputs(b, 3, 300, 200);
            double[][] recorded = inp.recorded(true);
            CpuBackend.useLstmInferenceKernel("blas");
            double[][] blas = inp.fast(true);
            CpuBackend.useLstmInferenceKernel("auto");
            double[][] auto = inp.fast(false);
            double[][] autoSeq = inp.fast(true);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(blas[i], autoSeq[i], "B=" + b + " output " + i);
                LstmInferenceTest.assertClose(recorded[i], blas[i], LstmInferenceTest.F32_TOL, "B=" + b + " output " + i);
            }
            assertArrayEquals(blas[1], auto[0], "return_sequences false gives h_T");
        }
        // float64 on a packed-kernel setting: as the BLAS path, bitwise
        Inputs d = new Inputs(8, 3, 64, 96, DType.FLOAT64);
        CpuBackend.useLstmInferenceKernel("scalar");
        double[][] packedSetting = d.fast(true);
        CpuBackend.useLstmInferenceKernel("blas");
        double[][] blas = d.fast(true);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(blas[i], packedSetting[i], "float64 output " + i);
        }
    }

    @Test
    void unknownKernelNamesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuBackend.useLstmInferenceKernel("avx1024"));
        assertTrue(e.getMessage().contains("avx1024"), e.getMessage());
    }

    /** Random inputs of one shape, run through RecurrentOps.lstm on the cpu backend. */
    static final class Inputs {
        final float[][] f;
        final double[][] d;
        final long[][] shapes;
        final DType dt;

        Inputs(int b, int t, int in, int hid) {
            this(b, t, in, hid, DType.FLOAT32);
        }

        Inputs(int b, int t, int in, int hid, DType dt) {
            this.dt = dt;
            Rng rng = new Rng(1009L * b + 17L * t + hid);
            double a = 1 / Math.sqrt(hid);
            shapes = new long[][] {{b, t, in}, {in, 4L * hid}, {hid, 4L * hid}, {4L * hid}, {b, hid}, {b, hid}};
            double[] lo = {-1, -a, -a, -a, -1, -1};
            f = new float[6][];
            d = new double[6][];
            try (Backends.Use u = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
                for (int q = 0; q < 6; q++) {
                    Tensor r = rng.uniform(dt, lo[q], -lo[q], shapes[q]);
                    if (dt == DType.FLOAT32) {
                        f[q] = r.toFloatArray();
                    } else {
                        d[q] = r.toDoubleArray();
                    }
                }
            }
        }

        private Tensor[] tensors() {
            Tensor[] in6 = new Tensor[6];
            for (int q = 0; q < 6; q++) {
                in6[q] = dt == DType.FLOAT32 ? Tensor.of(f[q], shapes[q]) : Tensor.of(d[q], shapes[q]);
            }
            return in6;
        }

        /** y, h_T, c_T of the recorded path (inside a tape). */
        double[][] recorded(boolean seq) {
            try (Backends.Use u = Backends.use(Backends.cpu()); Scope scope = Scope.open();
                 GradientTape tape = GradientTape.start()) {
                Tensor[] in6 = tensors();
                tape.watch(in6[0]);
                return arrays(RecurrentOps.lstm(in6[0], in6[1], in6[2], in6[3], in6[4], in6[5], seq));
            }
        }

        /** y, h_T, c_T of the native inference kernel (no tape). */
        double[][] fast(boolean seq) {
            Backend cpu = Backends.cpu();
            try (Backends.Use u = Backends.use(cpu); Scope scope = Scope.open()) {
                assertTrue(!GradientTape.isRecording());
                Tensor[] in6 = tensors();
                Tensor[] out = RecurrentOps.lstm(in6[0], in6[1], in6[2], in6[3], in6[4], in6[5], seq);
                assertEquals(3, out.length);
                return arrays(out);
            }
        }

        private static double[][] arrays(Tensor[] out) {
            double[][] r = new double[out.length][];
            for (int i = 0; i < out.length; i++) {
                r[i] = out[i].toDoubleArray();
            }
            return r;
        }
    }
}
