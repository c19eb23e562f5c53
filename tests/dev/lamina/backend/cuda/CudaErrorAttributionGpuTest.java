package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which op a CUDA error is blamed on: a sticky error of an earlier asynchronous kernel is reported
 * as such (LAMINA_CUDA_EARLIER_ERROR), and a failed call clears the error it returns so that the
 * next launch does not report it again (matmul's k = 0 path, whose memset used to leave it).
 */
@Tag("gpu")
class CudaErrorAttributionGpuTest {
    private final CudaBackend cuda = CudaBackend.instance();

    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    @Test
    void anEarlierKernelsStickyErrorIsNotBlamedOnTheOpThatFoundIt() {
        int launchFailure = 719; // cudaErrorLaunchFailure
        CudaException e = assertThrows(CudaException.class,
                () -> CudaRuntime.check(launchFailure | CudaRuntime.EARLIER_ERROR, "cuda.unary EXP: launch"));
        assertEquals(launchFailure, e.code());
        assertEquals("cudaErrorLaunchFailure", e.errorName());
        assertTrue(e.getMessage().startsWith("cuda.unary EXP: launch: an earlier asynchronous kernel failed"),
                e.getMessage());
        CudaException own = assertThrows(CudaException.class, () -> CudaRuntime.check(launchFailure, "cuda.fill"));
        assertTrue(own.getMessage().startsWith("cuda.fill: cudaErrorLaunchFailure"), own.getMessage());
    }

    /**
     * matmul with k = 0 only zeroes out (cudaMemsetAsync). When that memset fails its error must be
     * returned and cleared: the next, valid launch succeeds. Provoked with an address outside every
     * device allocation, which only the emulated device rejects safely (on a GPU it could fault).
     */
    @Test
    void aFailedZeroingMemsetOfMatmulDoesNotStickToTheNextLaunch() {
        Assumptions.assumeTrue(GpuTestSupport.emulated(), "needs the emulated device's checked memset");
        long bogus = 64; // no allocation lives there
        int code = CudaNative.lamina_cuda_matmul_f32(bogus, bogus, bogus, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0);
        assertNotEquals(0, code, "a memset of an address outside device memory fails");
        assertEquals(0, CudaNative.lamina_cuda_get_last_error(), "the failed memset's error was cleared");
        Storage s = cuda.allocate(DType.FLOAT32, 5);
        try {
            cuda.fill(s, 2.5); // must not report the memset's error
            ByteBuffer back = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            cuda.download(s, back);
            for (int i = 0; i < 5; i++) {
                assertEquals(2.5f, back.getFloat(4 * i));
            }
        } finally {
            s.release();
        }
    }

    @Test
    void matmulWithKZeroGivesZeros() {
        Storage a = cuda.allocate(DType.FLOAT32, 1), b = cuda.allocate(DType.FLOAT32, 1);
        Storage out = cuda.allocate(DType.FLOAT32, 6);
        try {
            cuda.fill(out, 7);
            cuda.matmul(a, b, out, 1, 2, 3, 0, false, false, 0, 0);
            ByteBuffer back = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            cuda.download(out, back);
            for (int i = 0; i < 6; i++) {
                assertEquals(0f, back.getFloat(4 * i));
            }
        } finally {
            a.release();
            b.release();
            out.release();
        }
    }
}
