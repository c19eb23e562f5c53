package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CudnnLayerPeer} calls cuDNN by reflection, and no GPU was at hand when it was written: this
 * test resolves every function overload and constant it uses against the org.bytedeco cuda preset's
 * jar ({@link PresetSignatures}), so a wrong name or parameter type fails here rather than on the
 * first GPU. Skipped where that jar is absent. Without the preset on
 * the class path the peer is null with the reason.
 */
class CudnnLayerPeerSignaturesTest {
    @Test
    void everyFunctionAndConstantResolvesAgainstThePresetJar() throws Exception {
        assertEquals(CudnnLayerPeer.FUNCTIONS.length, PresetSignatures.resolveAgainstThePresetJar(CudnnLayerPeer::resolve).size());
    }

    @Test
    void withoutThePresetClassItIsReported() throws Exception {
        List<String> missing = PresetSignatures.resolveWithoutThePreset(CudnnLayerPeer::resolve);
        assertFalse(missing.isEmpty());
        assertTrue(missing.get(0).startsWith(CudnnLayerPeer.G), missing.toString());
    }

    @Test
    void withoutThePresetThePeerIsNullWithTheReason() {
        StringBuilder why = new StringBuilder();
        assertNull(CudnnLayerPeer.load(why));
        assertTrue(why.toString().contains("cuda preset"), why.toString());
    }
}
