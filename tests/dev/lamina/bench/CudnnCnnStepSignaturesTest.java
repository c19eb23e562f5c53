package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CudnnCnnStep} calls cuDNN and cuBLAS by reflection and has never run on a GPU: this test
 * resolves every function overload and constant it uses against the org.bytedeco cuda preset's jar
 * ({@link PresetSignatures}), so a wrong name or parameter type fails here rather than on the first
 * GPU. Skipped where that jar is absent. Also: the buffers it asks for hold the CNN's shapes, and
 * without the preset on the class path the step is null with the reason.
 */
class CudnnCnnStepSignaturesTest {
    @Test
    void everyFunctionAndConstantResolvesAgainstThePresetJar() throws Exception {
        assertEquals(CudnnCnnStep.FUNCTIONS.length + CudnnCnnStep.CUBLAS_FUNCTIONS.length,
                PresetSignatures.resolveAgainstThePresetJar(CudnnCnnStep::resolve).size());
    }

    @Test
    void withoutThePresetClassesTheyAreReported() throws Exception {
        List<String> missing = PresetSignatures.resolveWithoutThePreset(CudnnCnnStep::resolve);
        assertEquals(2, missing.size(), missing.toString());
        assertTrue(missing.get(0).startsWith(CudnnCnnStep.G), missing.toString());
        assertTrue(missing.get(1).startsWith(CudnnCnnStep.GB), missing.toString());
    }

    @Test
    void withoutThePresetTheStepIsNullWithTheReason() {
        StringBuilder why = new StringBuilder();
        assertNull(CudnnCnnStep.load(32, false, Map.of(), why));
        assertTrue(why.toString().contains("cuda preset"), why.toString());
    }

    @Test
    void theBuffersHoldTheWorkshopCnnShapes() {
        Map<String, Long> b = CudnnCnnStep.bufferSizes(32);
        assertEquals(32L * 32 * 32 * 3, b.get("x"));
        assertEquals(32L * 30 * 30 * 32, b.get("pre_a1"));
        assertEquals(32L * 15 * 15 * 32, b.get("d_p1"));
        assertEquals(32L * 6 * 6 * 64, b.get("p2"));
        assertEquals(32L * 4 * 4 * 64, b.get("a3"));
        // the parameters add up to the model's 122,570
        long params = 0;
        for (int i = 1; i <= 5; i++) {
            params += b.get("w" + i) + b.get("b" + i);
            assertEquals(b.get("w" + i), b.get("dw" + i));
        }
        assertEquals(122_570L, params);
        assertFalse(b.containsKey("ws"));
    }
}
