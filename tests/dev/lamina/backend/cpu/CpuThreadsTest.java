package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a thread-creation failure said only "Resource temporarily unavailable", and after a
 * failed setThreads(500) threads() reported 500. Now the message says what failed and why, and the
 * pool keeps its previous size.
 */
class CpuThreadsTest {

    @Test
    void aRefusedThreadKeepsThePreviousPoolAndSaysWhy() {
        CpuBackend.instance();
        int before = CpuBackend.threads();
        try {
            CpuBackend.setThreads(2);
            CpuBackend.failThreadStartAfter(1);   // the second new worker fails, as under a pids limit
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CpuBackend.setThreads(4));
            assertTrue(e.getMessage().contains("setThreads(4)") && e.getMessage().contains("refused")
                    && e.getMessage().contains("EAGAIN") && e.getMessage().contains("keeps 2 threads"), e.getMessage());
            assertEquals(2, CpuBackend.threads(), "the old thread count stays");
            assertPoolWorks();
            CpuBackend.setThreads(3);             // the hook fired once: the next change works
            assertEquals(3, CpuBackend.threads());
            assertPoolWorks();
        } finally {
            CpuBackend.failThreadStartAfter(-1);
            CpuBackend.setThreads(before);
        }
        assertEquals(before, CpuBackend.threads());
    }

    @Test
    void tooManyThreadsAreRejectedBeforeAnyIsStarted() {
        int before = CpuBackend.threads();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuBackend.setThreads(500));
        assertTrue(e.getMessage().contains("500") && e.getMessage().contains(String.valueOf(CpuBackend.MAX_THREADS)),
                e.getMessage());
        assertEquals(before, CpuBackend.threads(), "threads() is not the refused count");
        assertThrows(IllegalArgumentException.class, () -> CpuBackend.setThreads(Integer.MAX_VALUE));
        assertEquals(before, CpuBackend.threads());
    }

    /** A product large enough to run on the pool (2^24 multiply-adds) gives the exact result. */
    private static void assertPoolWorks() {
        try (Backends.Use use = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor a = Tensor.ones(DType.FLOAT32, 512, 256);
            Tensor b = Tensor.ones(DType.FLOAT32, 256, 128);
            float[] out = a.matmul(b).toFloatArray();
            float[] expected = new float[out.length];
            java.util.Arrays.fill(expected, 256f);
            assertArrayEquals(expected, out);
        }
    }
}
