package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the JNI library was built (nvcc present) but no driver or device exists: the stream,
 * event, page-locked memory and copy entry points are bound and answer with a CUDA error code
 * (never a crash), leave their out-parameters null, and the code has a CUDA error name. This
 * checks the JNI glue of the runtime functions on a machine without a GPU; what they do on a
 * device is CudaMemoryGpuTest's job.
 */
class CudaNativeWithoutDeviceTest {

    @BeforeEach
    void needsLibraryWithoutDevice() {
        CudaRuntime rt = CudaRuntime.get();
        Assumptions.assumeTrue(rt.runtimeVersion() > 0, () -> "cuda JNI library not loaded: " + rt.unavailableReason());
        Assumptions.assumeFalse(rt.isAvailable(), "a usable device exists; CudaMemoryGpuTest covers it");
    }

    private static void failsWithACudaError(int code, String what) {
        assertNotEquals(0, code, what + " cannot succeed without a device");
        String name = CudaNative.lamina_cuda_error_name(code);
        assertTrue(name.startsWith("cudaError"), what + ": " + code + " -> " + name);
        // (whether the last error is cleared cannot be seen here: a missing driver is a sticky
        // initialization error that cudaGetLastError reports forever; CudaMemoryGpuTest checks that
        // a kernel launch after an out-of-memory failure succeeds)
    }

    @Test
    void runtimeEntryPointsReturnErrorCodes() {
        long[] out = {-1};
        failsWithACudaError(CudaNative.lamina_cuda_stream_create(out), "cudaStreamCreate");
        assertEquals(0, out[0], "no stream");
        out[0] = -1;
        failsWithACudaError(CudaNative.lamina_cuda_event_create(out), "cudaEventCreate");
        assertEquals(0, out[0], "no event");
        out[0] = -1;
        failsWithACudaError(CudaNative.lamina_cuda_malloc(1024, out), "cudaMalloc");
        assertEquals(0, out[0], "no device memory");
        out[0] = -1;
        failsWithACudaError(CudaNative.lamina_cuda_malloc_host(1024, out), "cudaMallocHost");
        assertEquals(0, out[0], "no page-locked memory");
        failsWithACudaError(CudaNative.lamina_cuda_stream_synchronize(0), "cudaStreamSynchronize");
        long[] free = new long[1];
        long[] total = new long[1];
        failsWithACudaError(CudaNative.lamina_cuda_mem_info(free, total), "cudaMemGetInfo");
        assertEquals(0, total[0]);
    }

    @Test
    void errorNamesAreThoseOfTheCudaRuntime() {
        assertEquals("cudaSuccess", CudaNative.lamina_cuda_error_name(0));
        assertEquals(CudaOutOfMemoryException.NAME, CudaNative.lamina_cuda_error_name(CudaOutOfMemoryException.CODE));
    }
}
