package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Runs on every machine: the probe never throws and says why when there is no usable GPU. */
@Tag("cuda-emulated") // also run by CI on the emulated CUDA device (pom.xml, emulated-cuda-*)
class CudaProbeTest {

    @Test
    void probeNeverThrowsAndIsStable() {
        CudaRuntime rt = assertDoesNotThrow(CudaRuntime::get);
        assertSame(rt, CudaRuntime.get(), "probed once, one holder");
        CudaBackend b = assertDoesNotThrow(CudaBackend::instance);
        assertSame(b, CudaBackend.instance());
        assertEquals("cuda", b.name());
        assertEquals(rt.isAvailable(), b.isAvailable());
        System.out.println("lamina cuda probe: " + rt);
    }

    @Test
    void probeReportsEitherADeviceOrAReason() {
        CudaRuntime rt = CudaRuntime.get();
        if (rt.isAvailable()) {
            assertNull(CudaBackend.unavailableReason());
            assertTrue(rt.deviceCount() >= 1);
            assertNotNull(rt.deviceName());
            assertTrue(rt.computeCapabilityMajor() >= 8);
            assertTrue(rt.totalMemory() > 0);
        } else {
            String reason = CudaBackend.unavailableReason();
            assertNotNull(reason);
            assertFalse(reason.isBlank());
            assertTrue(reason.startsWith(CudaRuntime.NOT_BUILT) || reason.startsWith("cuda")
                            || reason.startsWith("device 0"),
                    "reason names the CUDA error or the missing library: " + reason);
        }
    }

    /** Where there is no GPU (this project's CI), every operation says why, never crashes. */
    @Test
    void withoutDeviceEveryOperationThrowsTheReason() {
        CudaBackend b = CudaBackend.instance();
        if (b.isAvailable()) {
            return;
        }
        String reason = CudaBackend.unavailableReason();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.allocate(DType.FLOAT32, 4));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertThrows(IllegalStateException.class, b::bytesInUse);
        assertThrows(IllegalStateException.class,
                () -> b.binary(BinaryOp.ADD, null, new long[] {1}, null, new long[] {1}, null, new long[] {1}));
        assertThrows(IllegalStateException.class, () -> b.upload(ByteBuffer.allocate(4), null));
        assertThrows(IllegalStateException.class, () -> b.matmul(null, null, null, 1, 1, 1, 1, false, false, 0, 0));
        assertThrows(IllegalStateException.class, b::synchronize);
    }

    /**
     * Every public operation of the backend, found by reflection (the Backend interface, its
     * default convolution/pooling/cell methods), throws an
     * IllegalStateException carrying the reason where there is no usable device: never a crash,
     * never a NullPointerException from the arguments, never UnsupportedOperationException.
     */
    @Test
    void withoutDeviceEveryBackendMethodThrowsIllegalStateException() throws Exception {
        CudaBackend b = CudaBackend.instance();
        if (b.isAvailable()) {
            return;
        }
        String reason = CudaBackend.unavailableReason();
        java.util.Set<String> exempt = java.util.Set.of("name", "isAvailable", "toString", "hashCode", "equals",
                "getClass", "notify", "notifyAll", "wait", "instance", "unavailableReason", "runtime", "precision",
                "setPrecision", "kernel", "lstmInferenceKernel");
        // kernel(...) answers instead of throwing: every fused kernel is unavailable, with the reason
        for (dev.lamina.backend.Kernel k : dev.lamina.backend.Kernel.values()) {
            dev.lamina.backend.Capability c = b.kernel(k, DType.FLOAT32);
            assertTrue(!c.available() && c.reason().contains(reason), k + ": " + c);
        }
        // and so does the inference-kernel capability
        dev.lamina.backend.Capability inference = b.lstmInferenceKernel(DType.FLOAT32,
                new dev.lamina.backend.SequenceGeometry(1, 1, 1));
        assertTrue(!inference.available() && inference.reason().contains(reason), inference.toString());
        int called = 0;
        for (java.lang.reflect.Method m : CudaBackend.class.getMethods()) {
            if (exempt.contains(m.getName()) || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = types[i] == long.class ? (Object) 1L
                        : types[i] == int.class ? (Object) 1
                        : types[i] == double.class ? (Object) 0.0
                        : types[i] == boolean.class ? (Object) false
                        : types[i] == long[].class ? new long[] {1}
                        : types[i] == DType.class ? DType.FLOAT32
                        : types[i] == ByteBuffer.class ? ByteBuffer.allocate(4)
                        : types[i].isEnum() ? types[i].getEnumConstants()[0]
                        : null;
            }
            java.lang.reflect.InvocationTargetException e = assertThrows(
                    java.lang.reflect.InvocationTargetException.class, () -> m.invoke(b, args), m.getName());
            assertTrue(e.getCause() instanceof IllegalStateException,
                    m.getName() + " threw " + e.getCause());
            assertTrue(e.getCause().getMessage().contains(reason), e.getCause().getMessage());
            called++;
        }
        // memory (5), kernels (11), conv/pool/cells (13), adam (1), synchronize (1)
        assertTrue(called >= 31, "only " + called + " methods were exercised");
    }

    @Test
    void precisionDefaultsToHighestAndIsSettable() {
        Precision before = CudaBackend.precision();
        try {
            assertEquals(Precision.HIGHEST, Precision.parse("highest"));
            assertEquals(Precision.HIGH, Precision.parse(" HIGH "));
            assertThrows(IllegalArgumentException.class, () -> Precision.parse("medium"));
            CudaBackend.setPrecision(Precision.HIGH);
            assertEquals(Precision.HIGH, CudaBackend.precision());
            assertThrows(IllegalArgumentException.class, () -> CudaBackend.setPrecision(null));
        } finally {
            CudaBackend.setPrecision(before);
        }
        if (System.getProperty("lamina.cuda.precision") == null) {
            assertEquals(Precision.HIGHEST, before);
        }
    }

    @Test
    void cudaExceptionNamesTheOpAndTheError() {
        CudaException e = new CudaException("cuda.allocate: cudaMalloc", 2, "cudaErrorMemoryAllocation", "out of memory");
        assertEquals("cuda.allocate: cudaMalloc: cudaErrorMemoryAllocation (out of memory)", e.getMessage());
        assertEquals("cudaErrorMemoryAllocation", e.errorName());
        assertEquals(2, e.code());
    }
}
