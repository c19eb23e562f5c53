package dev.lamina.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * What the optional-preset peers ({@link CublasPeer}, {@link CudnnPeer}, {@link CudnnLayerPeer},
 * {@link CudnnCnnStep}) share: they reach the
 * org.bytedeco cuda preset by reflection, so that Lamina compiles and runs without it.
 */
final class PresetCalls {
    /** Why a cuDNN peer is not measured when the preset's classes are missing. */
    static final String NO_CUDNN_PRESET = "the org.bytedeco cuda preset is not on the class path (add cuda-<version>-1.5.13.jar, "
            + "its linux-x86_64 jar and a CUDA/cuDNN of that version, or the cuda-platform-redist jars)";

    private PresetCalls() {
    }

    /** cudnnGetVersion()'s number as " major.minor.patch" (9.19.0 is 91900). */
    static String cudnnVersion(long v) {
        return " " + v / 10000 + "." + v / 100 % 100 + "." + v % 100;
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

    /**
     * Resolves, without initialising any class (no native library is loaded), each function of
     * {@code functions} (a name, then its parameter types: {@code int}, {@code long},
     * {@code float}, {@code double}, {@code [I} or a class name) and each constant of
     * {@code constants} on the class {@code holder}; the methods go to {@code resolved} (may be
     * null) by name, and what did not resolve to {@code missing}.
     */
    static void resolve(ClassLoader loader, String holder, String[][] functions, String[] constants,
                        Map<String, Method> resolved, List<String> missing) {
        Class<?> c;
        try {
            c = Class.forName(holder, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            missing.add(holder + ": " + e);
            return;
        }
        for (String[] f : functions) {
            try {
                Class<?>[] types = new Class<?>[f.length - 1];
                for (int i = 1; i < f.length; i++) {
                    types[i - 1] = type(f[i], loader);
                }
                Method m = c.getMethod(f[0], types);
                if (resolved != null) {
                    resolved.put(f[0], m);
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                missing.add(f[0] + ": " + e);
            }
        }
        for (String k : constants) {
            try {
                c.getField(k);
            } catch (NoSuchFieldException e) {
                missing.add(k + ": " + e);
            }
        }
    }

    private static Class<?> type(String name, ClassLoader loader) throws ClassNotFoundException {
        return switch (name) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "float" -> float.class;
            case "double" -> double.class;
            case "[I" -> int[].class;
            default -> Class.forName(name, false, loader);
        };
    }
}
