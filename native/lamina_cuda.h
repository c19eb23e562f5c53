/*
 * lamina_cuda.h: the JNI surface of the cuda backend (included by
 * dev.lamina.backend.cuda.CudaNative through JavaCPP).
 *
 * Every function returns the cudaError_t code of the CUDA call it wraps (0 = cudaSuccess) and
 * writes its results through out-parameters. Device memory is passed as raw addresses (void*).
 * The functions are implemented in cuda-kernels/ and compiled by nvcc into
 * target/cuda/liblamina_cuda_kernels.a; the CUDA runtime is linked statically, so only the driver
 * (libcuda.so.1, opened by the runtime with dlopen) is needed at run time. Without a driver or
 * device the probe returns an error code (cudaErrorInsufficientDriver, cudaErrorNoDevice, ...)
 * instead of failing.
 *
 * Callers (Java) validate sizes and pointers first: nothing here checks bounds.
 */
#ifndef LAMINA_CUDA_H
#define LAMINA_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------- */

/**
 * Set in a kernel launcher's result when the error was already pending before its launch: a sticky
 * error of an earlier kernel that faulted while it ran asynchronously (the context is then
 * unusable). The rest of the code is the cudaError_t. Launch errors of the launch itself and
 * failed runtime calls come without it (each call clears the error it returns).
 */
#define LAMINA_CUDA_EARLIER_ERROR 0x40000000

/** The name of a cudaError_t code, e.g. "cudaErrorNoDevice" (never NULL). */
const char* lamina_cuda_error_name(int code);

/** The description of a cudaError_t code (never NULL). */
const char* lamina_cuda_error_string(int code);

/** cudaGetLastError: returns and clears the last error of this thread. */
int lamina_cuda_get_last_error(void);

/* ---- probe ----------------------------------------------------------------------------- */

/** CUDA runtime version linked in (e.g. 13000); never fails. */
int lamina_cuda_runtime_version(int* version);

/** Version of the installed driver, or 0 when none is installed. */
int lamina_cuda_driver_version(int* version);

/** Number of devices; an error code without driver or device. */
int lamina_cuda_device_count(int* count);

/**
 * Properties of one device: its name (NUL-terminated, at most name_len bytes with the NUL),
 * compute capability and total global memory in bytes.
 */
int lamina_cuda_device_info(int device, char* name, int name_len,
                            int* major, int* minor, int64_t* total_memory);

/** cudaSetDevice. */
int lamina_cuda_set_device(int device);

/** cudaMemGetInfo of the current device. */
int lamina_cuda_mem_info(int64_t* free_bytes, int64_t* total_bytes);

/** cudaDeviceSynchronize. */
int lamina_cuda_synchronize(void);

/* ---- streams and events ---------------------------------------------------------------------
 * A failing call clears the thread's last error (cudaGetLastError) after returning its code, so
 * that the launch check of the next kernel does not report it again. */

/** cudaStreamCreateWithFlags(cudaStreamNonBlocking) into *stream. */
int lamina_cuda_stream_create(void** stream);

/** cudaStreamDestroy. */
int lamina_cuda_stream_destroy(void* stream);

/** cudaStreamSynchronize: waits for all work queued on stream; execution errors surface here. */
int lamina_cuda_stream_synchronize(void* stream);

/** cudaEventCreateWithFlags(cudaEventDisableTiming) into *event. */
int lamina_cuda_event_create(void** event);

/** cudaEventDestroy. */
int lamina_cuda_event_destroy(void* event);

/** cudaEventRecord: the event completes when the work queued on stream so far has. */
int lamina_cuda_event_record(void* event, void* stream);

/** cudaEventSynchronize: waits until the event's recorded work has completed. */
int lamina_cuda_event_synchronize(void* event);

/* ---- memory ---------------------------------------------------------------------------- */

/** cudaMalloc of bytes (at least 1) into *ptr (the device address); cudaErrorMemoryAllocation when out of memory. */
int lamina_cuda_malloc(int64_t bytes, void** ptr);

/** cudaFree. */
int lamina_cuda_free(void* ptr);

/** cudaMallocHost (page-locked host memory) of bytes (at least 1) into *ptr. */
int lamina_cuda_malloc_host(int64_t bytes, void** ptr);

/** cudaFreeHost. */
int lamina_cuda_free_host(void* ptr);

/** cudaMemcpyAsync host (page-locked) to device of bytes on stream. */
int lamina_cuda_memcpy_h2d_async(void* dst, const void* src, int64_t bytes, void* stream);

/** cudaMemcpyAsync device to host (page-locked) of bytes on stream. */
int lamina_cuda_memcpy_d2h_async(void* dst, const void* src, int64_t bytes, void* stream);

/** cudaMemsetAsync of bytes to the byte value on stream. */
int lamina_cuda_memset_async(void* ptr, int value, int64_t bytes, void* stream);

/* ---- kernels --------------------------------------------------------------------------- */

/*
 * The kernels take the dtype and op codes of native/lamina_ops.h (DType ordinals: 0 float32,
 * 1 float64, 2 int32, 3 int64, 4 bool; UnaryOp/BinaryOp/ReduceOp code(), checked against the
 * header by NativeHeaderTest). They run on stream (NULL: the default stream) and return the launch error;
 * unsupported dtype/op combinations return cudaErrorInvalidValue (the Java side rejects them
 * first). Sizes <= 0 launch nothing.
 */

/** out[i] = op(x[i]), i < n; out may equal x. Floats: every UnaryOp; int32/int64: NEG ABS SIGN SQUARE. */
int lamina_cuda_unary(int op, int dtype, const void* x, void* out, int64_t n, void* stream);

/**
 * out[idx] = op(a[Σ idx·a_strides], b[Σ idx·b_strides]) for every index of shape (rank <= 8,
 * strides in elements, 0 broadcasts); out contiguous, of a's dtype or bool for comparisons.
 */
int lamina_cuda_binary(int op, int dtype, const void* a, const int64_t* a_strides, const void* b,
                       const int64_t* b_strides, void* out, const int64_t* shape, int rank, void* stream);

/** out[i] = value converted to dtype (Java conversions: truncation, saturation, NaN -> 0; bool v != 0). */
int lamina_cuda_fill(int dtype, void* out, int64_t n, double value, void* stream);

/** out[i] = (to) x[i] with the conversions of lamina_cuda_fill; every pair of the five dtypes. */
int lamina_cuda_cast(int from_dtype, const void* x, int to_dtype, void* out, int64_t n, void* stream);

/**
 * dst[dst_offset + Σ idx·dst_strides] = src[src_offset + Σ idx·src_strides] over shape
 * (rank <= 8), elements of elem_size bytes (1, 4 or 8).
 */
int lamina_cuda_copy_strided(const void* src, int64_t src_offset, const int64_t* src_strides, void* dst,
                             int64_t dst_offset, const int64_t* dst_strides, const int64_t* shape, int rank,
                             int elem_size, void* stream);

/**
 * Reduces the middle axis of x viewed as [outer, n, inner] into out [outer, inner]: SUM, MAX,
 * MIN (x's dtype), ARGMAX, ARGMIN (int64, first occurrence; NaN wins). Fixed order, no atomics.
 * bool: SUM is logical or, MAX any, MIN all.
 */
int lamina_cuda_reduce(int op, int dtype, const void* x, int64_t outer, int64_t n, int64_t inner, void* out,
                       void* stream);

/** Softmax (log_out = 0) or log-softmax (1) of float32/float64 x [outer, n, inner] along n. */
int lamina_cuda_softmax(int dtype, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, int log_out,
                        void* stream);

/** out[i, :] = table[ids[i], :] (rows of row_size elements of elem_size bytes; ids int32/int64). */
int lamina_cuda_gather(int elem_size, const void* table, int64_t rows, int64_t row_size, const void* ids,
                       int id_dtype, int64_t n_ids, void* out, void* stream);

/** out[ids[i], :] += src[i, :] for i = 0, 1, ... in order (one thread per column; no atomics); bool: |=. */
int lamina_cuda_scatter_add(int dtype, const void* src, int64_t row_size, const void* ids, int id_dtype,
                            int64_t n_ids, void* out, int64_t rows, void* stream);

/** out[i, d] = (ids[i] == d), out [n_ids, depth] of out_dtype (overwritten). */
int lamina_cuda_one_hot(const void* ids, int id_dtype, int64_t n_ids, int64_t depth, void* out, int out_dtype,
                        void* stream);

/**
 * Batched float32 matrix product (Backend.matmul's contract): out[p] = op(a[p])·op(b[p]),
 * a[p] at p·stride_a ([m,k], or [k,m] when trans_a), b[p] at p·stride_b ([k,n], or [n,k]
 * when trans_b), out contiguous [batch, m, n]. precision 0: fp32 SIMT FMAs (HIGHEST);
 * 1: TF32 tensor cores (mma.sync m16n8k8, fp32 accumulation; HIGH).
 */
int lamina_cuda_matmul_f32(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t n,
                           int64_t k, int trans_a, int trans_b, int64_t stride_a, int64_t stride_b, int precision,
                           void* stream);

/* ---- layers: pooling, optimizer steps, recurrent cells, convolution (issue #12) -------------
 * float32 and float64 unless stated; geometry arrays are the fields of the Java records
 * (PoolGeometry: 12, ConvGeometry: 16) at the indices of native/lamina_ops.h, read on the host. Invalid
 * geometry or an unsupported dtype returns cudaErrorInvalidValue. */

/**
 * 2-D pooling over NHWC (cuda-kernels/pool.cu; Backend.maxPool2dForward and the three after it).
 * kind 0: max forward (x -> out = y); 1: max backward (x, dy -> out = dx, first maximum);
 * 2: average forward (x -> out = y); 3: average backward (dy -> out = dx). Outputs overwritten.
 */
int lamina_cuda_pool2d(int kind, int dtype, const void* x, const void* dy, void* out, const int64_t* geom,
                       void* stream);

/**
 * One Adam step in place (cuda-kernels/optim.cu; Backend.adamUpdate) on n elements of w, m, v
 * with gradient g, float32 or float64; c1 = 1 − β1, c2 = 1 − β2. The scalars are rounded to the
 * dtype first and every operation is rounded (no FMA contraction): bitwise the cpu backend.
 */
int lamina_cuda_adam_update(int dtype, void* w, const void* g, void* m, void* v, int64_t n, double alpha, double c1,
                            double c2, double eps, void* stream);

/**
 * One RMSprop step in place (cuda-kernels/optim.cu; Backend.rmspropUpdate) on n elements of w and
 * vel, and of mom and avg when not null (momentum, centered), with gradient g, float32 or float64;
 * the scalars are rounded to the dtype first and every operation is rounded: bitwise the composed ops.
 */
int lamina_cuda_rmsprop_update(int dtype, void* w, const void* g, void* vel, void* mom, void* avg, int64_t n,
                               double lr, double rho, double one_minus_rho, double momentum, double eps,
                               void* stream);

/**
 * One SGD step in place (cuda-kernels/optim.cu; Backend.sgdUpdate) on n elements of w, and of the
 * momentum m when not null (nesterov != 0: Nesterov momentum), float32 or float64; bitwise the composed ops.
 */
int lamina_cuda_sgd_update(int dtype, void* w, const void* g, void* m, int64_t n, double lr, double momentum,
                           int nesterov, void* stream);

/**
 * Softmax cross-entropy with its gradient (cuda-kernels/xent.cu; Backend.softmaxCrossEntropy) over
 * rows × classes logits and labels: loss [rows], dlogits [rows, classes] (may be null). version 0 is
 * the one-thread-per-row check, 1 the block-per-row kernel.
 */
/** The largest hidden size lamina_cuda_lstm_sequence_forward serves (64). */
int lamina_cuda_lstm_sequence_max_hidden();

/**
 * Persistent LSTM forward over a whole sequence (cuda-kernels/lstm_seq.cu), one launch: xp [B·T, 4H]
 * (batch-major rows), rk [H, 4H], h0 and c0 [B, H]; writes packed [B, T+1, H] (h_1..h_T, c_T),
 * h_prev [B, T, H] (h_0..h_{T−1}), gates [T, B, 4H] and cs [T, B, H] (c_1..c_T). 1 ≤ H ≤ 64.
 */
int lamina_cuda_lstm_sequence_forward(int dtype, const void* xp, const void* rk, const void* h0, const void* c0,
                                      void* packed, void* h_prev, void* gates, void* cs, int64_t batch, int64_t steps,
                                      int64_t hidden, void* stream);

/**
 * Persistent LSTM backward through time (cuda-kernels/lstm_seq.cu), one launch: from the forward's
 * gates [T, B, 4H], cs [T, B, H], c0 [B, H], rk [H, 4H] and dp [B, T+1, H] (the gradient of packed),
 * writes dxp [B·T, 4H] (dz of every step), dh0 and dc0 [B, H]. 1 ≤ H ≤ 64.
 */
int lamina_cuda_lstm_sequence_backward(int dtype, const void* gates, const void* cs, const void* c0, const void* rk,
                                       const void* dp, void* dxp, void* dh0, void* dc0, int64_t batch, int64_t steps,
                                       int64_t hidden, void* stream);

/** The largest hidden size the persistent GRU kernels serve (64). */
int lamina_cuda_gru_sequence_max_hidden();

/**
 * Persistent GRU (reset_after) forward over a whole sequence (cuda-kernels/gru_seq.cu), one launch:
 * xp [B·T, 3H] (batch-major rows), rk [H, 3H], rb [3H], h0 [B, H]; writes packed [B, T, H],
 * h_prev [B, T, H], gates [T, B, 3H] and hz [T, B, 3H]. 1 ≤ H ≤ 64.
 */
int lamina_cuda_gru_sequence_forward(int dtype, const void* xp, const void* rk, const void* rb, const void* h0,
                                     void* packed, void* h_prev, void* gates, void* hz, int64_t batch, int64_t steps,
                                     int64_t hidden, void* stream);

/**
 * Persistent GRU backward through time (cuda-kernels/gru_seq.cu), one launch: from gates and hz
 * [T, B, 3H], h_prev [B, T, H], rk [H, 3H] and dp [B, T, H], writes dxp and dhz [B·T, 3H] and dh0
 * [B, H]. 1 ≤ H ≤ 64.
 */
int lamina_cuda_gru_sequence_backward(int dtype, const void* gates, const void* hz, const void* h_prev, const void* rk,
                                      const void* dp, void* dxp, void* dhz, void* dh0, int64_t batch, int64_t steps,
                                      int64_t hidden, void* stream);

int lamina_cuda_softmax_xent(int version, int dtype, const void* logits, const void* labels, void* loss,
                             void* dlogits, int64_t rows, int64_t classes, void* stream);

/*
 * Fused recurrent cells (cuda-kernels/recurrent.cu), one launch per step, the math of
 * Backend.lstmCellForward / lstmCellBackward / gruCellForward / gruCellBackward: LSTM gates i, f, c,
 * o in [batch, 4·hidden]; GRU (reset_after) gates z, r, h in [batch, 3·hidden]; states [batch, hidden].
 */
int lamina_cuda_lstm_cell_forward(int dtype, const void* z, const void* c_prev, void* h, void* c, void* gates,
                                  int64_t batch, int64_t hidden, void* stream);

int lamina_cuda_lstm_cell_backward(int dtype, const void* gates, const void* c_prev, const void* c, const void* dh,
                                   const void* dc, void* dz, void* dc_prev, int64_t batch, int64_t hidden,
                                   void* stream);

int lamina_cuda_gru_cell_forward(int dtype, const void* xz, const void* hz, const void* h_prev, void* h, void* gates,
                                 int64_t batch, int64_t hidden, void* stream);

int lamina_cuda_gru_cell_backward(int dtype, const void* gates, const void* hz, const void* h_prev, const void* dh,
                                  void* dxz, void* dhz, void* dh_prev, int64_t batch, int64_t hidden, void* stream);

/*
 * 2-D convolution as implicit GEMM (cuda-kernels/conv.cu; Backend.conv2dForwardFused and
 * conv2dBackwardFused). geom: ConvGeometry's 16 fields. Forward: y = act(conv(x, w) + bias), bias
 * may be NULL, relu 0 or 1. Backward: with dz = dy ⊙ [y > 0] (relu) or dy, any of dx, dw, db may be
 * NULL (not computed); y may be NULL when relu is 0; workspace holds at least
 * lamina_cuda_conv2d_backward_workspace(geom, dw != NULL, db != NULL) elements of the dtype (may be
 * NULL when that is 0). precision (float32 only; float64 ignores it): 0 fp32 FMAs (HIGHEST), 1 TF32
 * tensor cores (HIGH). Deterministic: fixed summation orders, no atomics.
 */
int lamina_cuda_conv2d_forward(int dtype, const void* x, const void* w, const void* bias, int relu, void* y,
                               const int64_t* geom, int precision, void* stream);

/** Elements of the backward's workspace (a function of the geometry only); -1 for an invalid geometry. */
int64_t lamina_cuda_conv2d_backward_workspace(const int64_t* geom, int want_dw, int want_db);

int lamina_cuda_conv2d_backward(int dtype, const void* x, const void* w, const void* y, const void* dy, int relu,
                                void* dx, void* dw, void* db, void* workspace, const int64_t* geom, int precision,
                                void* stream);

/** Selects the convolution kernels' version for later calls: 0 the plain reference loop, 1 the tiled kernel (default). */
int lamina_cuda_conv2d_set_version(int version);

/**
 * Batched float64 matrix product with the contract of lamina_cuda_matmul_f32 (cuda-kernels/conv.cu, on the
 * convolution's tiled GEMM):
 * float64 FMAs in one fixed order per output.
 */
int lamina_cuda_matmul_f64(const double* a, const double* b, double* out, int64_t batch, int64_t m, int64_t n,
                           int64_t k, int trans_a, int trans_b, int64_t stride_a, int64_t stride_b, void* stream);

/* ---- Philox-4x32-10, the stream of dev.lamina.tensor.Rng ----------------------------------- */

/** Host reference (no CUDA call): the first n words of new Rng(seed).nextInt(). */
int lamina_philox_host_u32(int64_t seed, int64_t n, int32_t* out);

/** Host reference: the n values of new Rng(seed).uniform(FLOAT64, lo, hi, n). */
int lamina_philox_host_uniform_f64(int64_t seed, int64_t n, double lo, double hi, double* out);

/** Host reference: the n values of new Rng(seed).normal(FLOAT64, mean, std, n). */
int lamina_philox_host_normal_f64(int64_t seed, int64_t n, double mean, double std, double* out);

/*
 * The device functions below are not bound in Java (the Backend SPI has no random-number op; the
 * cuda backend draws through dev.lamina.tensor.Rng on the host like the others). They are checked
 * against the host references by the emulated device's kernel harness (cuda-kernels/emu/test).
 */

/** Device: out[i] (uint32) = word i of new Rng(seed)'s stream. */
int lamina_cuda_philox_u32(int64_t seed, void* out, int64_t n, void* stream);

/** Device: the values of new Rng(seed).uniform(dtype, lo, hi, n), float32 or float64. */
int lamina_cuda_random_uniform(int dtype, int64_t seed, void* out, int64_t n, double lo, double hi, void* stream);

/** Device: the values of new Rng(seed).normal(dtype, mean, std, n), float32 or float64. */
int lamina_cuda_random_normal(int dtype, int64_t seed, void* out, int64_t n, double mean, double std, void* stream);

/* ---- the graph API (dev.lamina.graph): fused element-wise programs, CUDA-graph capture -------- */

/** The most registers (inputs plus instructions) of a fused program (FusedElementwise.MAX_REGISTERS). */
#define LAMINA_FUSED_MAX_REGISTERS 64

/**
 * Runs a fused element-wise program (cuda-kernels/fused.cu) over n elements of float32 or float64:
 * registers 0 .. n_inputs-1 hold element i of each input (element 0 where scalar[k] != 0);
 * instruction j (code[4j..4j+3] = kind 0 unary / 1 binary, op code of lamina_ops.h, register a,
 * register b) writes register n_inputs + j; the last register goes to out[i]. Each step calls the
 * scalar function of the unfused kernel and is rounded to the dtype, so the result is bitwise the
 * chain of unary/binary kernels. cudaErrorInvalidValue for a malformed program (checked here too).
 */
int lamina_cuda_fused_elementwise(int dtype, int n_inputs, const int64_t* inputs, const int* scalar,
                                  const int* code, int n_instructions, void* out, int64_t n, void* stream);

/** 1 when this library can capture streams into CUDA graphs; 0 on the emulated device. */
int lamina_cuda_graphs_supported(void);

/** cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed). */
int lamina_cuda_stream_begin_capture(void* stream);

/**
 * cudaStreamEndCapture, then cudaGraphInstantiate into *exec (the graph itself is destroyed). On
 * failure *exec is NULL, the capture is over and the error is returned.
 */
int lamina_cuda_stream_end_capture(void* stream, void** exec);

/** cudaGraphLaunch of an instantiated graph on stream. */
int lamina_cuda_graph_launch(void* exec, void* stream);

/** cudaGraphExecDestroy. */
int lamina_cuda_graph_exec_destroy(void* exec);

#ifdef __cplusplus
}
#endif

#endif /* LAMINA_CUDA_H */
