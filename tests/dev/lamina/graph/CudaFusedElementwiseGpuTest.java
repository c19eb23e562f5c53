package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cuda fused element-wise kernel ({@code cuda-kernels/fused.cu}) against the unfused cuda
 * kernels, bitwise, NaN and infinities included: the program of {@link FusedElementwiseTest} (every
 * unary and binary op), STEP directly, and malformed programs rejected before any launch.
 */
@Tag("gpu")
class CudaFusedElementwiseGpuTest {
    @BeforeEach
    void device() {
        GpuTestSupport.requireDevice();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void fusedProgramIsBitwiseTheUnfusedCudaChain(DType dtype) {
        FusedElementwiseTest.check(CudaBackend.instance(), dtype);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void stepThenScalarBroadcastMatchesTheUnfusedKernels(DType dtype) {
        CudaBackend cuda = CudaBackend.instance();
        try (var use = Backends.use(cuda); Scope scope = Scope.open()) {
            double[] v = {0.0, -0.0, 1.5, -2.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-40};
            Tensor x = Tensor.of(v, v.length).cast(dtype);
            Tensor s = Tensor.of(new double[] {3.25}, 1).cast(dtype);
            // unfused: step(x), then step(x) * s (s broadcast)
            Storage stepped = cuda.allocate(dtype, v.length);
            Storage expected = cuda.allocate(dtype, v.length);
            Storage fused = cuda.allocate(dtype, v.length);
            try {
                cuda.unary(UnaryOp.STEP, x.storage(), stepped);
                cuda.binary(BinaryOp.MUL, stepped, new long[] {1}, s.storage(), new long[] {0}, expected,
                        new long[] {v.length});
                int[] code = {0, UnaryOp.STEP.code(), 0, 0, 1, BinaryOp.MUL.code(), 2, 1};
                cuda.fusedElementwise(new Storage[] {x.storage(), s.storage()}, new boolean[] {false, true}, code, fused);
                assertArrayEquals(read(cuda, expected, dtype, v.length), read(cuda, fused, dtype, v.length));
                // register 3 is not written before instruction 0 reads it
                assertThrows(IllegalArgumentException.class, () -> cuda.fusedElementwise(
                        new Storage[] {x.storage(), s.storage()}, new boolean[] {false, true},
                        new int[] {0, UnaryOp.EXP.code(), 3, 0}, fused));
                assertThrows(IllegalArgumentException.class, () -> cuda.fusedElementwise(
                        new Storage[] {x.storage()}, new boolean[] {false}, new int[] {0, UnaryOp.EXP.code(), 0},
                        fused));
            } finally {
                stepped.release();
                expected.release();
                fused.release();
            }
        }
    }

    private static double[] read(CudaBackend cuda, Storage s, DType dtype, int n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(n * dtype.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        cuda.download(s, b);
        return GpuTestSupport.decode(dtype, b, n);
    }
}
