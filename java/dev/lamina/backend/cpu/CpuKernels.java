package dev.lamina.backend.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/lamina_cpu.h} (kernels in {@code cpu-kernels/}). The JNI library
 * {@code libjniCpuKernels} is built by the javacpp Maven plugin in {@code process-classes}.
 *
 * <p>Raw surface: no checks beyond what the native side re-checks (indices). Use {@link CpuBackend}.
 * dtype codes are {@code DType.ordinal()}, op codes the ordinals of the op enums; every kernel
 * returns 0 or a negative error code (see {@link #OK} and below).
 */
@Platform(include = "lamina_cpu.h", compiler = "cpp17")
public final class CpuKernels {
    static {
        Loader.load();
    }

    public static final int OK = 0;
    public static final int E_DTYPE = -1;
    public static final int E_OP = -2;
    public static final int E_INDEX = -3;
    public static final int E_ARG = -4;
    /** A kernel could not allocate its scratch memory. */
    public static final int E_NOMEM = -5;

    private CpuKernels() {
    }

    public static native int lamina_cpu_fill(Pointer out, int dtype, long n, double value);

    public static native int lamina_cpu_cast(@Const Pointer x, int xDtype, Pointer out, int outDtype, long n);

    public static native int lamina_cpu_copy_strided(@Const Pointer src, long srcOffset,
            @Cast("const int64_t*") long[] srcStrides, Pointer dst, long dstOffset,
            @Cast("const int64_t*") long[] dstStrides, @Cast("const int64_t*") long[] shape, int rank, int elemSize);

    public static native int lamina_cpu_unary(int op, int dtype, @Const Pointer x, Pointer out, long n);

    public static native int lamina_cpu_binary(int op, int dtype, @Const Pointer a, @Cast("const int64_t*") long[] aStrides,
            @Const Pointer b, @Cast("const int64_t*") long[] bStrides, Pointer out,
            @Cast("const int64_t*") long[] outShape, int rank);

    public static native int lamina_cpu_reduce(int op, int dtype, @Const Pointer x, long outer, long n, long inner,
            Pointer out);

    public static native int lamina_cpu_softmax(int dtype, @Const Pointer x, Pointer out, long outer, long n, long inner,
            int log);

    public static native int lamina_cpu_gather(int elemSize, @Const Pointer table, long tableRows, long rowSize,
            @Const Pointer ids, int idsDtype, long nIds, Pointer out);

    public static native int lamina_cpu_scatter_add(int dtype, @Const Pointer src, long rowSize, @Const Pointer ids,
            int idsDtype, long nIds, Pointer out, long outRows);

    public static native int lamina_cpu_one_hot(@Const Pointer ids, int idsDtype, long nIds, long depth, Pointer out,
            int outDtype);

    public static native int lamina_cpu_set_threads(int n, int[] started);

    public static native void lamina_cpu_fail_thread_start_after(int k);

    public static native int lamina_cpu_get_threads();

    public static native @Cast("const char*") String lamina_cpu_target();

    /** glibc mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD); 1 when applied, 0 otherwise (see lamina_cpu.h). */
    /** One Adam step in place on n elements (Backend.adamUpdate); c1 = 1 − β1, c2 = 1 − β2. */
    public static native int lamina_cpu_adam_update(int dtype, Pointer w, @Const Pointer g, Pointer m, Pointer v, long n,
            double alpha, double c1, double c2, double eps);

    /** Binds cblas_sgemm and cblas_dgemm (addresses in the loaded OpenBLAS); 0 on success. */
    public static native int lamina_cpu_bind_blas(@Const Pointer sgemm, @Const Pointer dgemm);

    /**
     * Batched row-major c[p] = op(a[p])·op(b[p]) + beta·c[p] (elements offsets p·stride), split over
     * the kernel pool with single-threaded BLAS calls (cpu-kernels/lamina_gemm.hpp).
     */
    public static native int lamina_cpu_gemm(int dtype, int transA, int transB, long batch, long m, long n, long k,
            @Const Pointer a, long lda, long strideA, @Const Pointer b, long ldb, long strideB, double beta, Pointer c,
            long ldc, long strideC);

    /**
     * 1 when a float32 {@code lamina_cpu_gemm} with transA, batch 1 and beta 0 of these sizes runs the
     * direct Aᵀ·B kernel (cpu-kernels/lamina_tn_gemm.hpp: one FMA chain per element) instead of OpenBLAS.
     */
    public static native int lamina_cpu_tn_direct_serves(long m, long n, long k);

    public static native int lamina_cpu_tune_malloc(long mmapThreshold, long trimThreshold);

    // ---- convolution helpers and pooling (cpu-kernels/lamina_conv.hpp) ------------------------

    /**
     * Convolution forward y = act(conv(x, w) + bias) (cpu-kernels/lamina_conv_driver.hpp): bias may be
     * null, act 0 = identity, 1 = ReLU; {@code per} output rows (units) per column chunk.
     */
    public static native int lamina_cpu_conv2d_forward(int dtype, @Const Pointer x, @Const Pointer w, @Const Pointer bias,
            int act, Pointer y, @Cast("const int64_t*") long[] geom, long per);

    /**
     * Convolution backward: with dz = dy ⊙ [y &gt; 0] (act 1) or dy (act 0), writes db = Σ dz, dw and dx;
     * any of dx, dw, db may be null (not computed).
     */
    public static native int lamina_cpu_conv2d_backward(int dtype, @Const Pointer x, @Const Pointer w, @Const Pointer y,
            @Const Pointer dy, int act, Pointer dx, Pointer dw, Pointer db, @Cast("const int64_t*") long[] geom, long per);

    /**
     * Column-buffer bytes a convolution call with {@code per} units per chunk holds at most; pass 0
     * forward, 1 backward with dx, 2 backward with the kernel gradient only.
     */
    public static native long lamina_cpu_conv_column_bytes(@Cast("const int64_t*") long[] geom, long per, int elemSize,
            int pass);

    /** The most batch parts (chunks running at once) of one convolution call. */
    public static native long lamina_cpu_conv_max_parts();

    /** Turns the direct float32 convolution kernels on (1) or off (0). */
    public static native void lamina_cpu_set_conv_direct(int on);

    /** 1 when the direct (im2col-free) float32 convolution kernels serve this geometry on this CPU. */
    public static native int lamina_cpu_conv_direct(@Cast("const int64_t*") long[] geom);

    public static native int lamina_cpu_pool2d(int kind, int dtype, @Const Pointer x, @Const Pointer dy, Pointer out,
            @Cast("const int64_t*") long[] geom);

    // ---- fused recurrent cells (cpu-kernels/lamina_recurrent.hpp) ------------------------------

    public static native int lamina_cpu_lstm_cell_forward(int dtype, @Const Pointer z, @Const Pointer cPrev, Pointer h,
            Pointer c, Pointer gates, long batch, long hidden);

    /** A whole LSTM sequence at inference (cpu-kernels/lamina_lstm_infer.hpp); retSeq 1 for return_sequences. */
    public static native int lamina_cpu_lstm_inference(int dtype, @Const Pointer x, @Const Pointer kernel,
            @Const Pointer rk, @Const Pointer bias, @Const Pointer h0, @Const Pointer c0, Pointer y, Pointer hT,
            Pointer cT, long batch, long steps, long input, long hidden, int retSeq);

    /** Kernel of large float32 LSTM inference layers: -1 auto, 0 BLAS, 1 scalar, 2 AVX2, 3 AVX-512; E_ARG if unsupported. */
    public static native int lamina_cpu_set_lstm_inference_kernel(int choice);

    public static native int lamina_cpu_lstm_cell_backward(int dtype, @Const Pointer gates, @Const Pointer cPrev,
            @Const Pointer c, @Const Pointer dh, @Const Pointer dc, Pointer dz, Pointer dcPrev, long batch, long hidden);

    public static native int lamina_cpu_gru_cell_forward(int dtype, @Const Pointer xz, @Const Pointer hz,
            @Const Pointer hPrev, Pointer h, Pointer gates, long batch, long hidden);

    public static native int lamina_cpu_gru_cell_backward(int dtype, @Const Pointer gates, @Const Pointer hz,
            @Const Pointer hPrev, @Const Pointer dh, Pointer dxz, Pointer dhz, Pointer dhPrev, long batch, long hidden);

    /** The graph API's fused element-wise program (see cpu-kernels/lamina_fused.hpp); inputs are addresses. */
    public static native int lamina_cpu_fused_elementwise(int dtype, int nIn, @Cast("const int64_t*") long[] inputs,
            @Cast("const int*") int[] scalar, @Cast("const int*") int[] code, int nInstr, Pointer out, long n);

    /** A whole LSTM sequence forward for training (cpu-kernels/lamina_recurrent_seq.hpp; Backend.lstmSequenceForward). */
    public static native int lamina_cpu_lstm_sequence_forward(int dtype, @Const Pointer xp, @Const Pointer rk,
            @Const Pointer h0, @Const Pointer c0, Pointer packed, Pointer hPrev, Pointer gates, Pointer cs, long batch,
            long steps, long hidden);

    /** The LSTM backward through time (cpu-kernels/lamina_recurrent_seq.hpp; Backend.lstmSequenceBackward). */
    public static native int lamina_cpu_lstm_sequence_backward(int dtype, @Const Pointer gates, @Const Pointer cs,
            @Const Pointer c0, @Const Pointer rk, @Const Pointer dP, Pointer dXp, Pointer dh0, Pointer dc0, long batch,
            long steps, long hidden);

    /** A whole GRU sequence forward (cpu-kernels/lamina_recurrent_seq.hpp; Backend.gruSequenceForward). */
    public static native int lamina_cpu_gru_sequence_forward(int dtype, @Const Pointer xp, @Const Pointer rk,
            @Const Pointer rb, @Const Pointer h0, Pointer packed, Pointer hPrev, Pointer gates, Pointer hz, long batch,
            long steps, long hidden);

    /** The GRU backward through time (cpu-kernels/lamina_recurrent_seq.hpp; Backend.gruSequenceBackward). */
    public static native int lamina_cpu_gru_sequence_backward(int dtype, @Const Pointer gates, @Const Pointer hz,
            @Const Pointer hPrev, @Const Pointer rk, @Const Pointer dP, Pointer dXp, Pointer dHz, Pointer dh0,
            long batch, long steps, long hidden);
}
