package dev.lamina.bench;

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

/**
 * The common part of the signature tests of the bench's cuDNN callers ({@link CudnnLayerPeer},
 * {@link CudnnCnnStep}), which call the org.bytedeco cuda preset by reflection: resolving their
 * functions against the preset's jar (13.1-9.19-1.5.13, from the local Maven repository or
 * {@code -Dlamina.cuda.preset.jar}) in a class loader of its own, without initialising a class (no
 * native library is loaded), and against an empty class path.
 */
final class PresetSignatures {
    /** A caller's resolve step: fills {@code resolved} (name to method) and returns what is missing. */
    @FunctionalInterface
    interface Resolver {
        List<String> resolve(ClassLoader loader, Map<String, Method> resolved);
    }

    private PresetSignatures() {
    }

    /** The preset jar: {@code -Dlamina.cuda.preset.jar}, else the local Maven repository's. */
    static Path presetJar() {
        String p = System.getProperty("lamina.cuda.preset.jar");
        if (p != null) {
            return Path.of(p);
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "bytedeco", "cuda",
                "13.1-9.19-1.5.13", "cuda-13.1-9.19-1.5.13.jar");
    }

    /**
     * Resolves against the preset jar (the test is skipped where it is absent); asserts nothing is
     * missing and every function returns a status code (int or long).
     *
     * @param resolver the caller's resolve step
     * @return the resolved functions by name
     */
    static Map<String, Method> resolveAgainstThePresetJar(Resolver resolver) throws Exception {
        Path jar = presetJar();
        assumeTrue(Files.isRegularFile(jar), "the cuda preset jar is not at " + jar);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                PresetSignatures.class.getClassLoader())) {
            Map<String, Method> resolved = new HashMap<>();
            List<String> missing = resolver.resolve(loader, resolved);
            assertTrue(missing.isEmpty(), "not in the preset: " + missing);
            for (Method m : resolved.values()) {
                assertTrue(int.class == m.getReturnType() || long.class == m.getReturnType(), m.toString());
            }
            return resolved;
        }
    }

    /**
     * Resolves against an empty class path (no preset).
     *
     * @param resolver the caller's resolve step
     * @return what it reported missing
     */
    static List<String> resolveWithoutThePreset(Resolver resolver) throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            return resolver.resolve(empty, null);
        }
    }
}
