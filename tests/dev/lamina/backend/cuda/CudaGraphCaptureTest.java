package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The capability check of CUDA-graph capture, on any machine: turned off by the property, refused
 * with the reason where it is not supported, and nothing runs when a capture is refused.
 */
class CudaGraphCaptureTest {
    @Test
    void thePropertyTurnsCaptureOffAndCaptureThenRefusesWithTheReason() {
        String before = System.getProperty(CudaGraphCapture.PROPERTY);
        System.setProperty(CudaGraphCapture.PROPERTY, "false");
        try {
            assertEquals(CudaGraphCapture.PROPERTY + "=false", CudaGraphCapture.unsupportedReason());
            boolean[] ran = {false};
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CudaGraphCapture.capture(() -> ran[0] = true));
            assertTrue(e.getMessage().contains(CudaGraphCapture.PROPERTY + "=false"), e.getMessage());
            assertFalse(ran[0], "a refused capture runs nothing");
        } finally {
            if (before == null) {
                System.clearProperty(CudaGraphCapture.PROPERTY);
            } else {
                System.setProperty(CudaGraphCapture.PROPERTY, before);
            }
        }
    }

    @Test
    void withoutAUsableRealDeviceThereIsAReason() {
        CudaRuntime rt = CudaRuntime.get();
        if (!rt.isAvailable() || rt.isEmulated()) {
            assertNotNull(CudaGraphCapture.unsupportedReason());
            assertThrows(IllegalStateException.class, () -> CudaGraphCapture.capture(() -> { }));
        } else {
            assertEquals(null, CudaGraphCapture.unsupportedReason(), "a usable GPU captures");
        }
    }
}
