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
 * <p>The emulated device ({@code LAMINA_CUDA=emulated}) is a second library, {@code
 * libjniCudaNativeEmulated}, built by {@code cuda-kernels/emu/build.sh} from the JNI source that
 * JavaCPP generates for this class and the same {@code .cu} files compiled for the CPU; it exports
 * the same functions, and {@link CudaRuntime} loads it instead of this class's own library.
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

    // ---- streams and events ----------------------------------------------------------------

    /** cudaStreamCreateWithFlags(cudaStreamNonBlocking); the stream goes to {@code stream[0]}. */
    static native int lamina_cuda_stream_create(@Cast("void**") long[] stream);

    static native int lamina_cuda_stream_destroy(@Cast("void*") long stream);

    static native int lamina_cuda_stream_synchronize(@Cast("void*") long stream);

    /** cudaEventCreateWithFlags(cudaEventDisableTiming); the event goes to {@code event[0]}. */
    static native int lamina_cuda_event_create(@Cast("void**") long[] event);

    static native int lamina_cuda_event_destroy(@Cast("void*") long event);

    static native int lamina_cuda_event_record(@Cast("void*") long event, @Cast("void*") long stream);

    static native int lamina_cuda_event_synchronize(@Cast("void*") long event);

    // ---- memory --------------------------------------------------------------------------

    /** cudaMalloc; the device address goes to {@code ptr[0]}. */
    static native int lamina_cuda_malloc(@Cast("int64_t") long bytes, @Cast("void**") long[] ptr);

    static native int lamina_cuda_free(@Cast("void*") long ptr);

    /** cudaMallocHost (page-locked); the host address goes to {@code ptr[0]}. */
    static native int lamina_cuda_malloc_host(@Cast("int64_t") long bytes, @Cast("void**") long[] ptr);

    static native int lamina_cuda_free_host(@Cast("void*") long ptr);

    static native int lamina_cuda_memcpy_h2d_async(@Cast("void*") long dst, @Cast("const void*") long src,
                                                   @Cast("int64_t") long bytes, @Cast("void*") long stream);

    static native int lamina_cuda_memcpy_d2h_async(@Cast("void*") long dst, @Cast("const void*") long src,
                                                   @Cast("int64_t") long bytes, @Cast("void*") long stream);

    static native int lamina_cuda_memset_async(@Cast("void*") long ptr, int value, @Cast("int64_t") long bytes,
                                               @Cast("void*") long stream);

    // ---- kernels -------------------------------------------------------------------------

    static native int lamina_cuda_unary(int op, int dtype, @Cast("const void*") long x, @Cast("void*") long out,
                                        @Cast("int64_t") long n, @Cast("void*") long stream);

    static native int lamina_cuda_binary(int op, int dtype, @Cast("const void*") long a,
                                         @Cast("const int64_t*") long[] aStrides, @Cast("const void*") long b,
                                         @Cast("const int64_t*") long[] bStrides, @Cast("void*") long out,
                                         @Cast("const int64_t*") long[] shape, int rank, @Cast("void*") long stream);

    static native int lamina_cuda_fill(int dtype, @Cast("void*") long out, @Cast("int64_t") long n, double value,
                                       @Cast("void*") long stream);

    static native int lamina_cuda_cast(int fromDtype, @Cast("const void*") long x, int toDtype,
                                       @Cast("void*") long out, @Cast("int64_t") long n, @Cast("void*") long stream);

    static native int lamina_cuda_copy_strided(@Cast("const void*") long src, @Cast("int64_t") long srcOffset,
                                               @Cast("const int64_t*") long[] srcStrides, @Cast("void*") long dst,
                                               @Cast("int64_t") long dstOffset,
                                               @Cast("const int64_t*") long[] dstStrides,
                                               @Cast("const int64_t*") long[] shape, int rank, int elemSize,
                                               @Cast("void*") long stream);

    static native int lamina_cuda_reduce(int op, int dtype, @Cast("const void*") long x, @Cast("int64_t") long outer,
                                         @Cast("int64_t") long n, @Cast("int64_t") long inner,
                                         @Cast("void*") long out, @Cast("void*") long stream);

    static native int lamina_cuda_softmax(int dtype, @Cast("const void*") long x, @Cast("void*") long out,
                                          @Cast("int64_t") long outer, @Cast("int64_t") long n,
                                          @Cast("int64_t") long inner, int logOut, @Cast("void*") long stream);

    static native int lamina_cuda_gather(int elemSize, @Cast("const void*") long table, @Cast("int64_t") long rows,
                                         @Cast("int64_t") long rowSize, @Cast("const void*") long ids, int idDtype,
                                         @Cast("int64_t") long nIds, @Cast("void*") long out,
                                         @Cast("void*") long stream);

    static native int lamina_cuda_scatter_add(int dtype, @Cast("const void*") long src, @Cast("int64_t") long rowSize,
                                              @Cast("const void*") long ids, int idDtype, @Cast("int64_t") long nIds,
                                              @Cast("void*") long out, @Cast("int64_t") long rows,
                                              @Cast("void*") long stream);

    static native int lamina_cuda_one_hot(@Cast("const void*") long ids, int idDtype, @Cast("int64_t") long nIds,
                                          @Cast("int64_t") long depth, @Cast("void*") long out, int outDtype,
                                          @Cast("void*") long stream);

    static native int lamina_cuda_matmul_f32(@Cast("const float*") long a, @Cast("const float*") long b,
                                             @Cast("float*") long out, @Cast("int64_t") long batch,
                                             @Cast("int64_t") long m, @Cast("int64_t") long n,
                                             @Cast("int64_t") long k, int transA, int transB,
                                             @Cast("int64_t") long strideA, @Cast("int64_t") long strideB,
                                             int precision, @Cast("void*") long stream);

    // ---- layers (issue #12): pooling, optimizer steps, recurrent cells, convolution -------------

    static native int lamina_cuda_pool2d(int kind, int dtype, @Cast("const void*") long x, @Cast("const void*") long dy,
                                         @Cast("void*") long out, @Cast("const int64_t*") long[] geom,
                                         @Cast("void*") long stream);

    static native int lamina_cuda_adam_update(int dtype, @Cast("void*") long w, @Cast("const void*") long g,
                                              @Cast("void*") long m, @Cast("void*") long v, @Cast("int64_t") long n,
                                              double alpha, double c1, double c2, double eps,
                                              @Cast("void*") long stream);

    static native int lamina_cuda_rmsprop_update(int dtype, @Cast("void*") long w, @Cast("const void*") long g,
                                                 @Cast("void*") long vel, @Cast("void*") long mom,
                                                 @Cast("void*") long avg, @Cast("int64_t") long n, double lr,
                                                 double rho, double oneMinusRho, double momentum, double eps,
                                                 @Cast("void*") long stream);

    static native int lamina_cuda_sgd_update(int dtype, @Cast("void*") long w, @Cast("const void*") long g,
                                             @Cast("void*") long m, @Cast("int64_t") long n, double lr,
                                             double momentum, int nesterov, @Cast("void*") long stream);

    static native int lamina_cuda_lstm_sequence_max_hidden();

    static native int lamina_cuda_lstm_sequence_forward(int dtype, @Cast("const void*") long xp,
                                                        @Cast("const void*") long rk, @Cast("const void*") long h0,
                                                        @Cast("const void*") long c0, @Cast("void*") long packed,
                                                        @Cast("void*") long hPrev, @Cast("void*") long gates,
                                                        @Cast("void*") long cs, @Cast("int64_t") long batch,
                                                        @Cast("int64_t") long steps, @Cast("int64_t") long hidden,
                                                        @Cast("void*") long stream);

    static native int lamina_cuda_lstm_sequence_backward(int dtype, @Cast("const void*") long gates,
                                                         @Cast("const void*") long cs, @Cast("const void*") long c0,
                                                         @Cast("const void*") long rk, @Cast("const void*") long dp,
                                                         @Cast("void*") long dxp, @Cast("void*") long dh0,
                                                         @Cast("void*") long dc0, @Cast("int64_t") long batch,
                                                         @Cast("int64_t") long steps, @Cast("int64_t") long hidden,
                                                         @Cast("void*") long stream);

    static native int lamina_cuda_gru_sequence_max_hidden();

    static native int lamina_cuda_gru_sequence_forward(int dtype, @Cast("const void*") long xp,
                                                       @Cast("const void*") long rk, @Cast("const void*") long rb,
                                                       @Cast("const void*") long h0, @Cast("void*") long packed,
                                                       @Cast("void*") long hPrev, @Cast("void*") long gates,
                                                       @Cast("void*") long hz, @Cast("int64_t") long batch,
                                                       @Cast("int64_t") long steps, @Cast("int64_t") long hidden,
                                                       @Cast("void*") long stream);

    static native int lamina_cuda_gru_sequence_backward(int dtype, @Cast("const void*") long gates,
                                                        @Cast("const void*") long hz, @Cast("const void*") long hPrev,
                                                        @Cast("const void*") long rk, @Cast("const void*") long dp,
                                                        @Cast("void*") long dxp, @Cast("void*") long dhz,
                                                        @Cast("void*") long dh0, @Cast("int64_t") long batch,
                                                        @Cast("int64_t") long steps, @Cast("int64_t") long hidden,
                                                        @Cast("void*") long stream);

    static native int lamina_cuda_softmax_xent(int version, int dtype, @Cast("const void*") long logits,
                                               @Cast("const void*") long labels, @Cast("void*") long loss,
                                               @Cast("void*") long dlogits, @Cast("int64_t") long rows,
                                               @Cast("int64_t") long classes, @Cast("void*") long stream);

    static native int lamina_cuda_lstm_cell_forward(int dtype, @Cast("const void*") long z,
                                                    @Cast("const void*") long cPrev, @Cast("void*") long h,
                                                    @Cast("void*") long c, @Cast("void*") long gates,
                                                    @Cast("int64_t") long batch, @Cast("int64_t") long hidden,
                                                    @Cast("void*") long stream);

    static native int lamina_cuda_lstm_cell_backward(int dtype, @Cast("const void*") long gates,
                                                     @Cast("const void*") long cPrev, @Cast("const void*") long c,
                                                     @Cast("const void*") long dh, @Cast("const void*") long dc,
                                                     @Cast("void*") long dz, @Cast("void*") long dcPrev,
                                                     @Cast("int64_t") long batch, @Cast("int64_t") long hidden,
                                                     @Cast("void*") long stream);

    static native int lamina_cuda_gru_cell_forward(int dtype, @Cast("const void*") long xz, @Cast("const void*") long hz,
                                                   @Cast("const void*") long hPrev, @Cast("void*") long h,
                                                   @Cast("void*") long gates, @Cast("int64_t") long batch,
                                                   @Cast("int64_t") long hidden, @Cast("void*") long stream);

    static native int lamina_cuda_gru_cell_backward(int dtype, @Cast("const void*") long gates,
                                                    @Cast("const void*") long hz, @Cast("const void*") long hPrev,
                                                    @Cast("const void*") long dh, @Cast("void*") long dxz,
                                                    @Cast("void*") long dhz, @Cast("void*") long dhPrev,
                                                    @Cast("int64_t") long batch, @Cast("int64_t") long hidden,
                                                    @Cast("void*") long stream);

    static native int lamina_cuda_conv2d_forward(int dtype, @Cast("const void*") long x, @Cast("const void*") long w,
                                                 @Cast("const void*") long bias, int relu, @Cast("void*") long y,
                                                 @Cast("const int64_t*") long[] geom, int precision,
                                                 @Cast("void*") long stream);

    static native @Cast("int64_t") long lamina_cuda_conv2d_backward_workspace(@Cast("const int64_t*") long[] geom,
                                                                              int wantDw, int wantDb);

    static native int lamina_cuda_conv2d_backward(int dtype, @Cast("const void*") long x, @Cast("const void*") long w,
                                                  @Cast("const void*") long y, @Cast("const void*") long dy, int relu,
                                                  @Cast("void*") long dx, @Cast("void*") long dw,
                                                  @Cast("void*") long db, @Cast("void*") long workspace,
                                                  @Cast("const int64_t*") long[] geom, int precision,
                                                  @Cast("void*") long stream);

    static native int lamina_cuda_matmul_f64(@Cast("const double*") long a, @Cast("const double*") long b,
                                             @Cast("double*") long out, @Cast("int64_t") long batch,
                                             @Cast("int64_t") long m, @Cast("int64_t") long n,
                                             @Cast("int64_t") long k, int transA, int transB,
                                             @Cast("int64_t") long strideA, @Cast("int64_t") long strideB,
                                             @Cast("void*") long stream);

    // ---- Philox-4x32-10 (the stream of dev.lamina.tensor.Rng) --------------------------------

    /** Host reference, no CUDA call: the first n words of {@code new Rng(seed).nextInt()}. */
    static native int lamina_philox_host_u32(@Cast("int64_t") long seed, @Cast("int64_t") long n,
                                             @Cast("int32_t*") int[] out);

    /** Host reference: {@code new Rng(seed).uniform(FLOAT64, lo, hi, n)}. */
    static native int lamina_philox_host_uniform_f64(@Cast("int64_t") long seed, @Cast("int64_t") long n,
                                                     double lo, double hi, double[] out);

    /** Host reference: {@code new Rng(seed).normal(FLOAT64, mean, std, n)}. */
    static native int lamina_philox_host_normal_f64(@Cast("int64_t") long seed, @Cast("int64_t") long n,
                                                    double mean, double std, double[] out);

    // ---- the graph API: fused element-wise programs and CUDA-graph capture (capture.cu, fused.cu) ----

    static native int lamina_cuda_fused_elementwise(int dtype, int nInputs, @Cast("const int64_t*") long[] inputs,
                                                    @Cast("const int*") int[] scalar, @Cast("const int*") int[] code,
                                                    int nInstructions, @Cast("void*") long out,
                                                    @Cast("int64_t") long n, @Cast("void*") long stream);

    static native int lamina_cuda_graphs_supported();

    static native int lamina_cuda_stream_begin_capture(@Cast("void*") long stream);

    static native int lamina_cuda_stream_end_capture(@Cast("void*") long stream, @Cast("void**") long[] exec);

    static native int lamina_cuda_graph_launch(@Cast("void*") long exec, @Cast("void*") long stream);

    static native int lamina_cuda_graph_exec_destroy(@Cast("void*") long exec);
}
