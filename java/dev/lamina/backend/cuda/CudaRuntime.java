package dev.lamina.backend.cuda;

import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.Loader;

/**
 * The one place where the CUDA backend is probed: on first use (lazily, once, thread-safe) it
 * loads the JNI library, asks the CUDA runtime for devices and records either device 0's name,
 * compute capability and memory, or the reason why CUDA is not usable here. The probe never
 * throws: a machine without nvcc at build time, without driver or without GPU is a normal machine,
 * and the reason says which ("cuda kernels not built (nvcc was absent at build time)",
 * "cudaErrorInsufficientDriver", "cudaErrorNoDevice", ...).
 *
 * <p>Also the single translation of CUDA error codes into {@link CudaException}s.
 */
public final class CudaRuntime {
    /** The reason when the JNI library is missing. */
    public static final String NOT_BUILT = "cuda kernels not built (nvcc was absent at build time)";

    private final boolean available;
    private final String reason;
    private final int deviceCount;
    private final String deviceName;
    private final int ccMajor;
    private final int ccMinor;
    private final long totalMemory;
    private final int runtimeVersion;
    private final int driverVersion;

    private CudaRuntime(boolean available, String reason, int deviceCount, String deviceName,
                        int ccMajor, int ccMinor, long totalMemory, int runtimeVersion, int driverVersion) {
        this.available = available;
        this.reason = reason;
        this.deviceCount = deviceCount;
        this.deviceName = deviceName;
        this.ccMajor = ccMajor;
        this.ccMinor = ccMinor;
        this.totalMemory = totalMemory;
        this.runtimeVersion = runtimeVersion;
        this.driverVersion = driverVersion;
    }

    /** Holder idiom: the JVM runs {@link #probe()} once, on first access, under its class-init lock. */
    private static final class Holder {
        static final CudaRuntime INSTANCE = probe();
    }

    /** The probe's result (probing on the first call). Never throws. */
    public static CudaRuntime get() {
        return Holder.INSTANCE;
    }

    private static CudaRuntime unusable(String reason, int count, int rt, int drv) {
        return new CudaRuntime(false, reason, count, null, 0, 0, 0, rt, drv);
    }

    private static CudaRuntime probe() {
        try {
            try {
                Loader.load(CudaNative.class);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                String lib = "/dev/lamina/backend/cuda/" + Loader.getPlatform() + "/"
                        + System.mapLibraryName("jniCudaNative");
                return unusable(CudaRuntime.class.getResource(lib) == null
                        ? NOT_BUILT
                        : "cuda JNI library " + lib + " is present but failed to load: " + e.getMessage(),
                        0, 0, 0);
            }
            int[] out = new int[1];
            CudaNative.lamina_cuda_runtime_version(out);
            int rt = out[0];
            out[0] = 0;
            CudaNative.lamina_cuda_driver_version(out);
            int drv = out[0];
            int code = CudaNative.lamina_cuda_device_count(out);
            if (code != 0) {
                return unusable(CudaNative.lamina_cuda_error_name(code) + ": "
                        + CudaNative.lamina_cuda_error_string(code)
                        + " (cudaGetDeviceCount; CUDA runtime " + version(rt) + ", driver "
                        + (drv == 0 ? "none" : version(drv)) + ")", 0, rt, drv);
            }
            int count = out[0];
            if (count <= 0) {
                return unusable("cudaErrorNoDevice: no CUDA device (cudaGetDeviceCount returned 0)", 0, rt, drv);
            }
            byte[] name = new byte[256];
            int[] major = new int[1];
            int[] minor = new int[1];
            long[] mem = new long[1];
            code = CudaNative.lamina_cuda_device_info(0, name, name.length, major, minor, mem);
            if (code != 0) {
                return unusable(CudaNative.lamina_cuda_error_name(code) + " (cudaGetDeviceProperties of device 0)",
                        count, rt, drv);
            }
            if (major[0] < 8) {
                return unusable("device 0 has compute capability " + major[0] + "." + minor[0]
                        + "; the cuda kernels are built for 8.0 and newer", count, rt, drv);
            }
            code = CudaNative.lamina_cuda_set_device(0);
            if (code != 0) {
                return unusable(CudaNative.lamina_cuda_error_name(code) + " (cudaSetDevice(0))", count, rt, drv);
            }
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            return new CudaRuntime(true, null, count, new String(name, 0, len, StandardCharsets.UTF_8),
                    major[0], minor[0], mem[0], rt, drv);
        } catch (Throwable t) {
            // the probe must never take the process down with it
            return unusable("cuda probe failed: " + t, 0, 0, 0);
        }
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /** True when the library is loaded and device 0 is usable. */
    public boolean isAvailable() {
        return available;
    }

    /** Why CUDA is not usable here, or null when it is. */
    public String unavailableReason() {
        return reason;
    }

    public int deviceCount() {
        return deviceCount;
    }

    /** Device 0's name, or null when unavailable. */
    public String deviceName() {
        return deviceName;
    }

    /** Device 0's compute capability as "major.minor", or null when unavailable. */
    public String computeCapability() {
        return available ? ccMajor + "." + ccMinor : null;
    }

    public int computeCapabilityMajor() {
        return ccMajor;
    }

    public int computeCapabilityMinor() {
        return ccMinor;
    }

    /** Device 0's global memory in bytes (0 when unavailable). */
    public long totalMemory() {
        return totalMemory;
    }

    /** CUDA runtime version linked in (e.g. 13000), 0 when the library is not built. */
    public int runtimeVersion() {
        return runtimeVersion;
    }

    /** Installed driver's CUDA version, 0 when there is no driver. */
    public int driverVersion() {
        return driverVersion;
    }

    /** Throws IllegalStateException with the reason unless CUDA is usable. */
    void requireAvailable(String op) {
        if (!available) {
            throw new IllegalStateException(op + ": the cuda backend is not usable here: " + reason);
        }
    }

    /** Throws a {@link CudaException} for a non-zero {@code cudaError_t}. */
    static void check(int code, String op) {
        if (code != 0) {
            throw new CudaException(op, code, CudaNative.lamina_cuda_error_name(code),
                    CudaNative.lamina_cuda_error_string(code));
        }
    }

    @Override
    public String toString() {
        return available
                ? "cuda: " + deviceName + " (compute " + computeCapability() + ", "
                        + (totalMemory >> 20) + " MiB, " + deviceCount + " device(s), runtime "
                        + version(runtimeVersion) + ", driver " + version(driverVersion) + ")"
                : "cuda: unavailable: " + reason;
    }
}
