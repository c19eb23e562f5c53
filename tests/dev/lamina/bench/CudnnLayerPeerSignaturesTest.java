package dev.lamina.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CudnnLayerPeer} calls cuDNN by reflection, and no GPU was at hand when it was written: this
 * test resolves every function overload and constant it uses against the org.bytedeco cuda preset's
 * jar (13.1-9.19-1.5.13, from the local Maven repository or {@code -Dlamina.cuda.preset.jar}),
 * without initialising a class (no native library is loaded), so a wrong name or parameter type
 * fails here rather than on the first GPU. Skipped where that jar is absent. Without the preset on
 * the class path the peer is null with the reason.
 */
class CudnnLayerPeerSignaturesTest {
    private static Path presetJar() {
        String p = System.getProperty("lamina.cuda.preset.jar");
        if (p != null) {
            return Path.of(p);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "bytedeco", "cuda",
                "13.1-9.19-1.5.13", "cuda-13.1-9.19-1.5.13.jar");
    }

    @Test
    void everyFunctionAndConstantResolvesAgainstThePresetJar() throws Exception {
        Path jar = presetJar();
        assumeTrue(Files.isRegularFile(jar), "the cuda preset jar is not at " + jar);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                CudnnLayerPeerSignaturesTest.class.getClassLoader())) {
            Map<String, Method> resolved = new HashMap<>();
            List<String> missing = CudnnLayerPeer.resolve(loader, resolved);
            assertTrue(missing.isEmpty(), "not in the preset: " + missing);
            assertEquals(CudnnLayerPeer.FUNCTIONS.length, resolved.size());
            for (Method m : resolved.values()) {
                assertEquals(int.class == m.getReturnType() || long.class == m.getReturnType(), true, m.toString());
            }
        }
    }

    @Test
    void withoutThePresetClassItIsReported() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            List<String> missing = CudnnLayerPeer.resolve(empty, null);
            assertFalse(missing.isEmpty());
            assertTrue(missing.get(0).startsWith(CudnnLayerPeer.G), missing.toString());
        }
    }

    @Test
    void withoutThePresetThePeerIsNullWithTheReason() {
        StringBuilder why = new StringBuilder();
        assertNull(CudnnLayerPeer.load(why));
        assertTrue(why.toString().contains("cuda preset"), why.toString());
    }
}
