package dev.lamina.backend.cuda;

import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI binding of {@code native/lamina_cuda.h} (JavaCPP). The library, {@code libjniCudaNative},
 * is built by {@code cuda-kernels/build.sh} during {@code mvn process-classes}: the nvcc-built
 * static library {@code liblamina_cuda_kernels.a} and the static CUDA runtime are linked into
 * it, so at run time only the driver ({@code libcuda.so.1}) is needed. Where nvcc was absent at
 * build time the library does not exist and loading it fails; {@link CudaRuntime} turns that
 * into a reason.
 *
 * <p>Every function returns a {@code cudaError_t} code (0 = success). Device memory is passed
 * as raw addresses. Nothing here checks bounds: only {@link CudaBackend} calls it, after
 * checking. Do not load this class directly; go through {@link CudaRuntime}.
 */
// JavaCPP passes the link libraries to the linker in reverse order; static libraries must come
// before the libraries they use: -llamina_cuda_kernels -lcudart_static -lrt -ldl -lpthread.
@Platform(include = "lamina_cuda.h",
        link = {"pthread", "dl", "rt", "cudart_static", "lamina_cuda_kernels"})
final class CudaNative {
    private CudaNative() {
    }

    // ---- errors --------------------------------------------------------------------------

    static native @Cast("const char*") String lamina_cuda_error_name(int code);

    static native @Cast("const char*") String lamina_cuda_error_string(int code);

    static native int lamina_cuda_get_last_error();

    // ---- probe ---------------------------------------------------------------------------

    static native int lamina_cuda_runtime_version(int[] version);

    static native int lamina_cuda_driver_version(int[] version);

    static native int lamina_cuda_device_count(int[] count);

    static native int lamina_cuda_device_info(int device, @Cast("char*") byte[] name, int nameLen,
                                              int[] major, int[] minor,
                                              @Cast("int64_t*") long[] totalMemory);

    static native int lamina_cuda_set_device(int device);

    static native int lamina_cuda_mem_info(@Cast("int64_t*") long[] freeBytes,
                                           @Cast("int64_t*") long[] totalBytes);

    static native int lamina_cuda_synchronize();

    // ---- memory --------------------------------------------------------------------------

    /** cudaMalloc; the device address goes to {@code ptr[0]}. */
    static native int lamina_cuda_malloc(@Cast("int64_t") long bytes, @Cast("void**") long[] ptr);

    static native int lamina_cuda_free(@Cast("void*") long ptr);

    static native int lamina_cuda_memcpy_h2d(@Cast("void*") long dst, @Cast("const void*") long src,
                                             @Cast("int64_t") long bytes);

    static native int lamina_cuda_memcpy_d2h(@Cast("void*") long dst, @Cast("const void*") long src,
                                             @Cast("int64_t") long bytes);

    static native int lamina_cuda_memset(@Cast("void*") long ptr, int value, @Cast("int64_t") long bytes);

    // ---- kernels -------------------------------------------------------------------------

    static native int lamina_cuda_add_f32(@Cast("const float*") long a, @Cast("const float*") long b,
                                          @Cast("float*") long out, @Cast("int64_t") long n,
                                          @Cast("void*") long stream);
}
