// Lamina cpu backend: the C-callable surface that JavaCPP wraps (dev.lamina.backend.cpu.CpuKernels).
//
// Plain functions of pointers, int64 sizes and int codes. dtype and op codes are those of
// native/lamina_ops.h (DType ordinals: 0 float32, 1 float64, 2 int32, 3 int64, 4 bool; the code()
// of UnaryOp / BinaryOp / ReduceOp), checked against the Java side by NativeHeaderTest. Every function returns 0 on success or a negative code:
// -1 unsupported dtype, -2 unsupported op, -3 index out of range, -4 bad argument, -5 out of memory.
// The Java side validates sizes before calling; the native side re-checks indices.
#pragma once

#include <cstdint>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

#include "lamina_kernels.hpp"
#include "lamina_conv.hpp"
#include "lamina_recurrent.hpp"
#include "lamina_gemm.hpp"
#include "lamina_conv_driver.hpp"
#include "lamina_fused.hpp"
#include "lamina_lstm_infer.hpp"
#include "lamina_recurrent_seq.hpp"
#include "lamina_tn_gemm.hpp"

inline int lamina_cpu_fill(void* out, int dtype, int64_t n, double value) {
    return lamina::fill(out, dtype, n, value);
}

inline int lamina_cpu_cast(const void* x, int x_dtype, void* out, int out_dtype, int64_t n) {
    return lamina::cast(x, x_dtype, out, out_dtype, n);
}

inline int lamina_cpu_copy_strided(const void* src, int64_t src_offset, const int64_t* src_strides, void* dst,
                                   int64_t dst_offset, const int64_t* dst_strides, const int64_t* shape, int rank,
                                   int elem_size) {
    return lamina::copy_strided(src, src_offset, src_strides, dst, dst_offset, dst_strides, shape, rank, elem_size);
}

inline int lamina_cpu_unary(int op, int dtype, const void* x, void* out, int64_t n) {
    return lamina::unary(op, dtype, x, out, n);
}

inline int lamina_cpu_binary(int op, int dtype, const void* a, const int64_t* a_strides, const void* b,
                             const int64_t* b_strides, void* out, const int64_t* out_shape, int rank) {
    return lamina::binary(op, dtype, a, a_strides, b, b_strides, out, out_shape, rank);
}

inline int lamina_cpu_reduce(int op, int dtype, const void* x, int64_t outer, int64_t n, int64_t inner, void* out) {
    return lamina::reduce(op, dtype, x, outer, n, inner, out);
}

inline int lamina_cpu_softmax(int dtype, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, int log) {
    return lamina::softmax(dtype, x, out, outer, n, inner, log != 0);
}

inline int lamina_cpu_gather(int elem_size, const void* table, int64_t table_rows, int64_t row_size, const void* ids,
                             int ids_dtype, int64_t n_ids, void* out) {
    return lamina::gather(elem_size, table, table_rows, row_size, ids, ids_dtype, n_ids, out);
}

inline int lamina_cpu_scatter_add(int dtype, const void* src, int64_t row_size, const void* ids, int ids_dtype,
                                  int64_t n_ids, void* out, int64_t out_rows) {
    return lamina::scatter_add(dtype, src, row_size, ids, ids_dtype, n_ids, out, out_rows);
}

inline int lamina_cpu_one_hot(const void* ids, int ids_dtype, int64_t n_ids, int64_t depth, void* out, int out_dtype) {
    return lamina::one_hot(ids, ids_dtype, n_ids, depth, out, out_dtype);
}

/** Threads used by the parallel kernels (>= 1, the calling thread included). */
/** One Adam step in place (see Backend.adamUpdate); c1 = 1 − β1, c2 = 1 − β2. */
inline int lamina_cpu_adam_update(int dtype, void* w, const void* g, void* m, void* v, int64_t n, double alpha,
                                  double c1, double c2, double eps) {
    return lamina::adam_update(dtype, w, g, m, v, n, alpha, c1, c2, eps);
}

inline int lamina_cpu_bind_blas(const void* sgemm, const void* dgemm) { return lamina::bind_blas(sgemm, dgemm); }

inline int lamina_cpu_gemm(int dtype, int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                           const void* a, int64_t lda, int64_t stride_a, const void* b, int64_t ldb, int64_t stride_b,
                           double beta, void* c, int64_t ldc, int64_t stride_c) {
    // float32 Aᵀ·B (weight gradients): both operands read in place where the direct kernel serves
    if (dtype == lamina::F32 && trans_a != 0 && trans_b == 0 && batch == 1 && beta == 0.0 &&
        lamina::tn_gemm_direct(m, n, k, (const float*) a, lda, (const float*) b, ldb, (float*) c, ldc)) {
        return lamina::OK;
    }
    return lamina::gemm(dtype, trans_a, trans_b, batch, m, n, k, a, lda, stride_a, b, ldb, stride_b, beta, c, ldc,
                        stride_c);
}

/** 1 when float32 matmul with transA (Aᵀ·B, batch 1) runs the direct kernel (lamina_tn_gemm.hpp) on this CPU. */
inline int lamina_cpu_tn_direct_serves(int64_t m, int64_t n, int64_t k) { return lamina::tn_direct_serves(m, n, k) ? 1 : 0; }

// Convolution passes (lamina_conv_driver.hpp); geom: ConvGeometry.toArray(), 16 int64 values at
// the indices of native/lamina_ops.h; per: output rows (units b*outH + oh) per column chunk.
inline int lamina_cpu_conv2d_forward(int dtype, const void* x, const void* w, const void* bias, int act, void* y,
                                     const int64_t* geom, int64_t per) {
    return lamina::conv2d_forward(dtype, x, w, bias, act, y, geom, per);
}

inline int lamina_cpu_conv2d_backward(int dtype, const void* x, const void* w, const void* y, const void* dy, int act,
                                      void* dx, void* dw, void* db, const int64_t* geom, int64_t per) {
    return lamina::conv2d_backward(dtype, x, w, y, dy, act, dx, dw, db, geom, per);
}

/** The most batch parts (chunks running at once) of one convolution call. */
inline int64_t lamina_cpu_conv_max_parts() { return lamina::kConvMaxParts; }

/** pass: 0 forward, 1 backward with dx, 2 backward with the kernel gradient only. */
inline int64_t lamina_cpu_conv_column_bytes(const int64_t* geom, int64_t per, int elem_size, int pass) {
    return lamina::conv_column_bytes(geom, per, elem_size, pass);
}

/** Turns the direct float32 convolution kernels on (1) or off (0: im2col + sgemm everywhere). */
inline void lamina_cpu_set_conv_direct(int on) { lamina::conv_direct_enabled().store(on != 0); }

/** 1 when the direct (im2col-free) float32 kernels serve this geometry on this CPU. */
inline int lamina_cpu_conv_direct(const int64_t* geom) {
    lamina::ConvGeom g(geom);
    return g.valid() && lamina::conv_direct_applies(g) ? 1 : 0;
}

/**
 * Sets the pool's thread count; 0, or the system's error code (errno) when a thread could not be
 * created: started[0] then holds the workers that had started and the pool keeps its previous size.
 */
inline int lamina_cpu_set_threads(int n, int* started) { return lamina::ThreadPool::get().set_threads(n, started); }

/** Test hook: the k-th thread creation from now fails with EAGAIN (k < 0: none). */
inline void lamina_cpu_fail_thread_start_after(int k) { lamina::ThreadPool::get().fail_thread_start_after(k); }

inline int lamina_cpu_get_threads() { return lamina::ThreadPool::get().threads(); }

/**
 * Tunes glibc malloc for tensor workloads: blocks below mmap_threshold bytes come from the heap
 * (not fresh mmap pages, whose first touch page-faults every 4 KiB) and up to trim_threshold free
 * bytes stay in the heap for reuse instead of going back to the kernel. Returns 1 when applied,
 * 0 where the C library has no mallopt (non-glibc).
 */
inline int lamina_cpu_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold) {
#if defined(__GLIBC__)
    if (mmap_threshold <= 0 || trim_threshold <= 0 || mmap_threshold > INT32_MAX || trim_threshold > INT32_MAX) return 0;
    int a = mallopt(M_MMAP_THRESHOLD, (int) mmap_threshold);
    int b = mallopt(M_TRIM_THRESHOLD, (int) trim_threshold);
    return a == 1 && b == 1 ? 1 : 0;
#else
    (void) mmap_threshold; (void) trim_threshold;
    return 0;
#endif
}

/** "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2) or "x86-64": the kernel clone used on this CPU. */
inline const char* lamina_cpu_target() { return lamina::cpu_target(); }


// ---- pooling (lamina_conv.hpp) -------------------------------------------------------------------
// geom: PoolGeometry.toArray(), 12 int64 values at the indices of native/lamina_ops.h.

/** kind 0 max forward, 1 max backward (x, dy -> out = dx), 2 avg forward, 3 avg backward (dy -> out = dx). */
inline int lamina_cpu_pool2d(int kind, int dtype, const void* x, const void* dy, void* out, const int64_t* geom) {
    return lamina::pool2d(kind, dtype, x, dy, out, geom);
}

// ---- fused recurrent cells (cpu-kernels/lamina_recurrent.hpp; float32 and float64) -------------

inline int lamina_cpu_lstm_cell_forward(int dtype, const void* z, const void* c_prev, void* h, void* c, void* gates,
                                        int64_t batch, int64_t hidden) {
    return lamina::lstm_cell_forward(dtype, z, c_prev, h, c, gates, batch, hidden);
}

inline int lamina_cpu_lstm_cell_backward(int dtype, const void* gates, const void* c_prev, const void* c, const void* dh,
                                         const void* dc, void* dz, void* dc_prev, int64_t batch, int64_t hidden) {
    return lamina::lstm_cell_backward(dtype, gates, c_prev, c, dh, dc, dz, dc_prev, batch, hidden);
}

inline int lamina_cpu_gru_cell_forward(int dtype, const void* xz, const void* hz, const void* h_prev, void* h, void* gates,
                                       int64_t batch, int64_t hidden) {
    return lamina::gru_cell_forward(dtype, xz, hz, h_prev, h, gates, batch, hidden);
}

inline int lamina_cpu_gru_cell_backward(int dtype, const void* gates, const void* hz, const void* h_prev, const void* dh,
                                        void* dxz, void* dhz, void* dh_prev, int64_t batch, int64_t hidden) {
    return lamina::gru_cell_backward(dtype, gates, hz, h_prev, dh, dxz, dhz, dh_prev, batch, hidden);
}

// The graph API's fused element-wise program (lamina_fused.hpp); inputs holds n_in addresses.
inline int lamina_cpu_fused_elementwise(int dtype, int n_in, const int64_t* inputs, const int* scalar, const int* code,
                                        int n_instr, void* out, int64_t n) {
    return lamina::fused_elementwise(dtype, n_in, inputs, scalar, code, n_instr, out, n);
}

// Kernel of large float32 LSTM inference layers (lamina_lstm_infer.hpp): -1 auto, 0 the BLAS path,
// 1 / 2 / 3 the scalar / AVX2 / AVX-512 packed kernel. Returns the choice, or -4 when this CPU lacks it.
inline int lamina_cpu_set_lstm_inference_kernel(int choice) { return lamina::lstm_infer_set_kernel(choice); }

// A whole LSTM sequence at inference in one call (cpu-kernels/lamina_lstm_infer.hpp): x [B, T, I],
// kernel [I, 4H], rk [H, 4H], bias [4H], h0 and c0 [B, H]; writes y ([B, T, H] when ret_seq, else
// [B, H]), hT and cT [B, H].
inline int lamina_cpu_lstm_inference(int dtype, const void* x, const void* kernel, const void* rk, const void* bias,
                                     const void* h0, const void* c0, void* y, void* h_t, void* c_t, int64_t batch,
                                     int64_t steps, int64_t input, int64_t hidden, int ret_seq) {
    return lamina::lstm_inference(dtype, x, kernel, rk, bias, h0, c0, y, h_t, c_t, batch, steps, input, hidden, ret_seq);
}

// A whole LSTM (and GRU) sequence for training in one call each way (cpu-kernels/lamina_recurrent_seq.hpp),
// bitwise the per-step composition; shapes as Backend.lstmSequenceForward / lstmSequenceBackward.
inline int lamina_cpu_lstm_sequence_forward(int dtype, const void* xp, const void* rk, const void* h0, const void* c0,
                                            void* packed, void* h_prev, void* gates, void* cs, int64_t batch,
                                            int64_t steps, int64_t hidden) {
    return lamina::lstm_sequence_forward(dtype, xp, rk, h0, c0, packed, h_prev, gates, cs, batch, steps, hidden);
}

inline int lamina_cpu_lstm_sequence_backward(int dtype, const void* gates, const void* cs, const void* c0,
                                             const void* rk, const void* dP, void* dxp, void* dh0, void* dc0,
                                             int64_t batch, int64_t steps, int64_t hidden) {
    return lamina::lstm_sequence_backward(dtype, gates, cs, c0, rk, dP, dxp, dh0, dc0, batch, steps, hidden);
}

inline int lamina_cpu_gru_sequence_forward(int dtype, const void* xp, const void* rk, const void* rb, const void* h0,
                                           void* packed, void* h_prev, void* gates, void* hz, int64_t batch,
                                           int64_t steps, int64_t hidden) {
    return lamina::gru_sequence_forward(dtype, xp, rk, rb, h0, packed, h_prev, gates, hz, batch, steps, hidden);
}

inline int lamina_cpu_gru_sequence_backward(int dtype, const void* gates, const void* hz, const void* h_prev,
                                            const void* rk, const void* dP, void* dxp, void* dhz, void* dh0,
                                            int64_t batch, int64_t steps, int64_t hidden) {
    return lamina::gru_sequence_backward(dtype, gates, hz, h_prev, rk, dP, dxp, dhz, dh0, batch, steps, hidden);
}
