package dev.lamina.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
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

    /** The int constant {@code name} of a preset's global class; {@code what} names the library in the error. */
    static int constant(Class<?> global, String what, String name) {
        try {
            return global.getField(name).getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(what + " constant " + name + ": " + e, e);
        }
    }

    /** Calls the resolved function {@code name} of {@code fns} and checks the status it returns. */
    static void call(Map<String, Method> fns, String name, Object... args) {
        status(invoke(fns.get(name), args), name);
    }

    /** A new descriptor of the preset class {@code type}, initialised by the library's {@code createFn}. */
    static Object create(Map<String, Method> fns, String createFn, String type) {
        try {
            Object desc = Class.forName(type).getConstructor().newInstance();
            call(fns, createFn, desc);
            return desc;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(createFn + ": " + e, e);
        }
    }

    /** A cuDNN NHWC float32 tensor descriptor [n, c, h, w] (cuDNN's argument order) of the preset class {@code type}. */
    static Object nhwcTensor(Class<?> cudnn, Map<String, Method> fns, String type, int n, int c, int h, int w) {
        Object d = create(fns, "cudnnCreateTensorDescriptor", type);
        call(fns, "cudnnSetTensor4dDescriptor", d, constant(cudnn, "cuDNN", "CUDNN_TENSOR_NHWC"),
                constant(cudnn, "cuDNN", "CUDNN_DATA_FLOAT"), n, c, h, w);
        return d;
    }
}
