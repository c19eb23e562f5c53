package dev.lamina.bench;

import static dev.lamina.bench.PresetCalls.invoke;
import static dev.lamina.bench.PresetCalls.status;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.FloatPointer;

/**
 * cuBLAS SGEMM as a peer for {@code lamina bench matmul}, reached through the optional JavaCPP
 * cuda preset ({@code org.bytedeco:cuda}) by reflection: Lamina neither compiles against it nor
 * ships it, and the engine never calls cuBLAS. When the preset's classes (and the CUDA libraries
 * they load: its redist jar or a system CUDA of the preset's version) are on the class path, the
 * benchmark measures cuBLAS on the same device buffers in the same run; otherwise {@link #load}
 * says why not.
 *
 * <p>Both CUDA runtimes in the process (Lamina's static one and the preset's) work in device 0's
 * primary context, so device addresses from Lamina's allocator are valid for cuBLAS. cuBLAS runs
 * on the legacy default stream; {@link #synchronize()} waits for the whole device.
 *
 * <p>Written without a GPU or the preset at hand: only the "not on the class path" path has run.
 */
final class CublasPeer {
    private final Object handle;
    private final Method sgemm;
    private final Method setMathMode;
    private final Method deviceSynchronize;
    private final int opN;
    private final int mathDefault;
    private final int mathTf32;
    private final String version;
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);

    private CublasPeer(Object handle, Method sgemm, Method setMathMode, Method deviceSynchronize, int opN,
                       int mathDefault, int mathTf32, String version) {
        this.handle = handle;
        this.sgemm = sgemm;
        this.setMathMode = setMathMode;
        this.deviceSynchronize = deviceSynchronize;
        this.opN = opN;
        this.mathDefault = mathDefault;
        this.mathTf32 = mathTf32;
        this.version = version;
    }

    /** The peer, or null with the reason appended to {@code whyNot}. Never throws. */
    static CublasPeer load(StringBuilder whyNot) {
        Class<?> cublas;
        Class<?> context;
        Class<?> cudart;
        try {
            cublas = Class.forName("org.bytedeco.cuda.global.cublas");
            context = Class.forName("org.bytedeco.cuda.cublas.cublasContext");
            cudart = Class.forName("org.bytedeco.cuda.global.cudart");
        } catch (ClassNotFoundException | LinkageError e) {
            whyNot.append("the org.bytedeco cuda preset is not on the class path (add cuda-<version>-1.5.13.jar, "
                    + "its linux-x86_64 jar and a CUDA of that version, or the cuda-platform-redist jars, to compare)");
            return null;
        }
        try {
            Object handle = context.getConstructor().newInstance();
            int status = (Integer) cublas.getMethod("cublasCreate_v2", context).invoke(null, handle);
            if (status != 0) {
                whyNot.append("cublasCreate failed with status ").append(status);
                return null;
            }
            Method sgemm = cublas.getMethod("cublasSgemm_v2", context, int.class, int.class, int.class, int.class,
                    int.class, FloatPointer.class, FloatPointer.class, int.class, FloatPointer.class, int.class,
                    FloatPointer.class, FloatPointer.class, int.class);
            Method mathMode = cublas.getMethod("cublasSetMathMode", context, int.class);
            Method sync = cudart.getMethod("cudaDeviceSynchronize");
            String version = "";
            try {
                int[] v = new int[1];
                if ((Integer) cublas.getMethod("cublasGetVersion_v2", context, int[].class).invoke(null, handle, v) == 0) {
                    version = " " + v[0] / 10000 + "." + v[0] / 100 % 100 + "." + v[0] % 100;
                }
            } catch (NoSuchMethodException e) {
                // the version only decorates the report
            }
            return new CublasPeer(handle, sgemm, mathMode, sync, cublas.getField("CUBLAS_OP_N").getInt(null),
                    cublas.getField("CUBLAS_DEFAULT_MATH").getInt(null),
                    cublas.getField("CUBLAS_TF32_TENSOR_OP_MATH").getInt(null), version);
        } catch (InvocationTargetException e) {
            whyNot.append("the cuda preset failed to start cuBLAS: ").append(e.getCause());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            whyNot.append("the cuda preset failed to load: ").append(e);
        }
        return null;
    }

    /** "cuBLAS 12.9.1 (org.bytedeco cuda preset)". */
    String describe() {
        return "cuBLAS" + version + " (org.bytedeco cuda preset)";
    }

    /** TF32 tensor-op math (true) or the default fp32 math (false) for later calls. */
    void setTf32(boolean tf32) {
        status(invoke(setMathMode, handle, tf32 ? mathTf32 : mathDefault), "cublasSetMathMode");
    }

    /**
     * Row-major C = A·B of n×n float32 matrices at device addresses: column-major cuBLAS computes
     * Cᵀ = Bᵀ·Aᵀ, i.e. sgemm(N, N, n, n, n, 1, B, n, A, n, 0, C, n). Asynchronous.
     */
    void sgemm(long a, long b, long c, int n) {
        status(invoke(sgemm, handle, opN, opN, n, n, n, one, device(b), n, device(a), n, zero, device(c), n),
                "cublasSgemm_v2");
    }

    /** cudaDeviceSynchronize through the preset's runtime. */
    void synchronize() {
        status(invoke(deviceSynchronize), "cudaDeviceSynchronize");
    }

    private static FloatPointer device(long address) {
        return new FloatPointer(new PresetCalls.At(address));
    }
}
