package dev.lamina.backend.cuda;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.bytedeco.javacpp.Loader;

/**
 * The one place where the CUDA backend is probed: on first use (lazily, once, thread-safe) it
 * loads the JNI library, asks the CUDA runtime for devices and records either device 0's name,
 * compute capability and memory, or the reason why CUDA is not usable here. The probe never
 * throws: a machine without nvcc at build time, without driver or without GPU is a normal machine,
 * and the reason says which ("cuda kernels not built (nvcc was absent at build time)",
 * "cudaErrorInsufficientDriver", "cudaErrorNoDevice", ...).
 *
 * <p>The device is chosen here too. By default it is the real one: {@code libjniCudaNative}
 * (nvcc's kernels and the static CUDA runtime). With the system property {@code
 * lamina.cuda=emulated} or the environment variable {@code LAMINA_CUDA=emulated} (the property
 * wins) it is the <em>emulated device</em>: {@code libjniCudaNativeEmulated}, the same {@code .cu}
 * kernels compiled for the CPU by {@code cuda-kernels/emu/build.sh}, exporting the same JNI
 * functions, so the probe, the allocator, the stream, the staged copies and every kernel go through
 * the same Java code as on a GPU, on any machine. It runs every CUDA thread as a fiber and reports
 * a kernel that breaks CUDA's rules (a barrier reached by part of a block, mismatched warp masks,
 * a deadlock) as a failed launch whose {@link CudaException} names the kernel and the {@code .cu}
 * line. {@code LAMINA_CUDA_EMU_ORDER=forward|reverse|shuffled[:seed]} picks the order in which its
 * threads run between barriers. See {@code cuda-kernels/emu/README.md}.
 *
 * <p>Also the single translation of CUDA error codes into {@link CudaException}s.
 */
public final class CudaRuntime {
    /** The reason when the JNI library is missing. */
    public static final String NOT_BUILT = "cuda kernels not built (nvcc was absent at build time)";

    /** The system property that picks the device: {@code emulated}, or {@code device} (the default). */
    public static final String DEVICE_PROPERTY = "lamina.cuda";

    /** The environment variable read when {@link #DEVICE_PROPERTY} is not set. */
    public static final String DEVICE_ENV = "LAMINA_CUDA";

    /** Set in a launcher's result for a sticky error of an earlier kernel (LAMINA_CUDA_EARLIER_ERROR). */
    static final int EARLIER_ERROR = 0x40000000;

    private static final String EMULATED_LIBRARY = "jniCudaNativeEmulated";

    private final boolean available;
    private final String reason;
    private final int deviceCount;
    private final String deviceName;
    private final int ccMajor;
    private final int ccMinor;
    private final long totalMemory;
    private final int runtimeVersion;
    private final int driverVersion;
    private final boolean emulated;

    private CudaRuntime(boolean emulated, boolean available, String reason, int deviceCount, String deviceName,
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
        this.emulated = emulated;
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
        boolean emulated;
        try {
            emulated = requestedEmulation();
        } catch (IllegalArgumentException e) {
            emulated = false;
        }
        return new CudaRuntime(emulated, false, reason, count, null, 0, 0, 0, rt, drv);
    }

    /**
     * Whether the emulated device is asked for: {@code -Dlamina.cuda=emulated}, else {@code
     * LAMINA_CUDA=emulated}. Any other value than {@code emulated}, {@code device} or empty is an
     * {@link IllegalArgumentException} naming it.
     */
    public static boolean requestedEmulation() {
        String v = System.getProperty(DEVICE_PROPERTY);
        String from = "-D" + DEVICE_PROPERTY;
        if (v == null) {
            v = System.getenv(DEVICE_ENV);
            from = DEVICE_ENV;
        }
        if (v == null || v.isBlank()) {
            return false;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "emulated":
                return true;
            case "device":
                return false;
            default:
                throw new IllegalArgumentException(from + " must be 'emulated' or 'device', got '" + v + "'");
        }
    }

    /** Loads the real or the emulated JNI library; null when loaded, else the reason it is not. */
    private static String loadLibrary(boolean emulate) {
        if (!emulate) {
            try {
                Loader.load(CudaNative.class);
                return null;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                String lib = "/dev/lamina/backend/cuda/" + Loader.getPlatform() + "/"
                        + System.mapLibraryName("jniCudaNative");
                return CudaRuntime.class.getResource(lib) == null
                        ? NOT_BUILT
                        : "cuda JNI library " + lib + " is present but failed to load: " + e.getMessage();
            }
        }
        // The emulated library exports the JNI functions of CudaNative under the same names; loaded
        // by this class's loader, it is where the JVM binds CudaNative's native methods.
        String lib = "/dev/lamina/backend/cuda/" + Loader.getPlatform() + "/" + System.mapLibraryName(EMULATED_LIBRARY);
        java.net.URL url = CudaRuntime.class.getResource(lib);
        if (url == null) {
            return "cuda: the emulated device was asked for (" + DEVICE_ENV + "=emulated or -D" + DEVICE_PROPERTY
                    + "=emulated) but " + lib + " was not built (cuda-kernels/emu/build.sh, run by mvn process-classes)";
        }
        try {
            // from target/classes: the file itself; from a jar: extracted to JavaCPP's cache
            File file = "file".equals(url.getProtocol()) ? new File(url.toURI()) : Loader.cacheResource(CudaRuntime.class, lib);
            System.load(file.getAbsolutePath());
            return null;
        } catch (Exception | UnsatisfiedLinkError e) {
            return "cuda: the emulated device's library " + lib + " failed to load: " + e;
        }
    }

    private static CudaRuntime probe() {
        try {
            boolean emulate;
            try {
                emulate = requestedEmulation();
            } catch (IllegalArgumentException e) {
                return new CudaRuntime(false, false, "cuda: " + e.getMessage(), 0, null, 0, 0, 0, 0, 0);
            }
            String notLoaded = loadLibrary(emulate);
            if (notLoaded != null) {
                return unusable(notLoaded, 0, 0, 0);
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
            return new CudaRuntime(emulate, true, null, count, new String(name, 0, len, StandardCharsets.UTF_8),
                    major[0], minor[0], mem[0], rt, drv);
        } catch (Throwable t) {
            // the probe must never take the process down with it
            return unusable("cuda probe failed: " + t, 0, 0, 0);
        }
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /**
     * True when the emulated device was asked for ({@code LAMINA_CUDA=emulated} or {@code
     * -Dlamina.cuda=emulated}), whether or not it could be loaded.
     */
    public boolean isEmulated() {
        return emulated;
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

    /**
     * Throws a {@link CudaException} for a non-zero {@code cudaError_t}. A code with {@link
     * #EARLIER_ERROR} set is a sticky error that an earlier kernel raised while it ran
     * asynchronously; the exception says so instead of blaming {@code op}'s kernel.
     */
    static void check(int code, String op) {
        if (code != 0) {
            int cuda = code & ~EARLIER_ERROR;
            String where = (code & EARLIER_ERROR) != 0
                    ? op + ": an earlier asynchronous kernel failed (sticky error, found before this launch;"
                            + " the CUDA context is unusable)"
                    : op;
            throw new CudaException(where, cuda, CudaNative.lamina_cuda_error_name(cuda),
                    CudaNative.lamina_cuda_error_string(cuda));
        }
    }

    @Override
    public String toString() {
        if (emulated) {
            return available
                    ? "cuda: " + deviceName + " (compute " + computeCapability() + ", " + (totalMemory >> 20)
                            + " MiB; emulated: the cuda kernels run on the CPU, no GPU needed)"
                    : "cuda: unavailable: " + reason;
        }
        return available
                ? "cuda: " + deviceName + " (compute " + computeCapability() + ", "
                        + (totalMemory >> 20) + " MiB, " + deviceCount + " device(s), runtime "
                        + version(runtimeVersion) + ", driver " + version(driverVersion) + ")"
                : "cuda: unavailable: " + reason;
    }
}
