package dev.lamina.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;

/**
 * What the optional-preset peers ({@link CublasPeer}, {@link CudnnPeer}) share: they reach the
 * org.bytedeco cuda preset by reflection, so that Lamina compiles and runs without it.
 */
final class PresetCalls {
    private PresetCalls() {
    }

    /** A JavaCPP pointer at a device address that Lamina's allocator owns (never freed here). */
    static final class At extends Pointer {
        At(long deviceAddress) {
            this.address = deviceAddress;
        }
    }

    /** Calls the static method {@code m}; what it throws becomes an IllegalStateException naming it. */
    static Object invoke(Method m, Object... args) {
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(m.getName() + " threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(m.getName() + ": " + e, e);
        }
    }

    /** A CUDA, cuBLAS or cuDNN status code: anything but 0 is an IllegalStateException naming the call. */
    static void status(Object code, String what) {
        int c = (Integer) code;
        if (c != 0) {
            throw new IllegalStateException(what + " returned status " + c);
        }
    }
}
