// lstm_seq.cu: a persistent LSTM forward over a whole sequence for small hidden sizes (H ≤ 64, the
// workshop's LSTM(64)): one launch per sequence instead of T × (matmul + add + cell). For each batch
// row b and step t = 0 .. T−1, with xp [B·T, 4H] the input projection (x·W + bias, batch-major rows
// b·T + t), rk [H, 4H] the recurrent kernel and h0, c0 [B, H]:
//   z      = xp[b·T + t] + h_{t}·rk                    (Keras gate order i, f, c, o)
//   i, f, o = σ(z_i, z_f, z_o);  g = tanh(z_c)
//   c_{t+1} = f·c_t + i·g;       h_{t+1} = o·tanh(c_{t+1})
// It writes what RecurrentOps' per-step path saves: packed [B, T+1, H] (h_1 .. h_T, then c_T),
// hPrev [B, T, H] (h_0 .. h_{T−1}), gates [T, B, 4H] (activated) and cs [T, B, H] (c_1 .. c_T).
//
// Version 1 (the only one; the per-step kernels — matmul, add, lstm_fwd_kernel — are its check,
// CudaPersistentLstmGpuTest): the rows of a batch are independent recurrences, so no grid-wide
// synchronisation is needed: one block per row b (a grid-stride loop over rows, at most 65535
// blocks), 4H threads, thread j owning gate column j. Thread j holds column j of rk in registers for
// the whole sequence (H values: 64 registers at H = 64); h_t and c_t live in shared memory. A step
// is: every thread forms its z_j (dot product over k = 0 .. H−1 in increasing order: deterministic),
// __syncthreads, threads j < H apply the cell to unit j, __syncthreads. Per step it reads 4H inputs
// and writes 7H outputs per row; the recurrent weights are read from memory once per sequence.
//
// The backward through time (lamina_cuda_lstm_sequence_backward), version 1 (the only one; its check
// is the per-step path — lstm_bwd_kernel, add, matmul dz·rkᵀ — in CudaPersistentLstmGpuTest, and the
// float64 reference backend): from what the forward saved (gates [T, B, 4H], cs [T, B, H], c0) and
// dP [B, T+1, H] (the gradient of packed: dh of every step's output, then dc_T), for s = T−1 .. 0:
//   dh     = dP[b, s] + dh_next;   dct = dc_next + dh·o·sech²(c_s)       (formed in double, as
//   dz     = (dct·g·i(1−i), dct·c_{s−1}·f(1−f), dct·i(1−g²), dh·tanh(c_s)·o(1−o))  recurrent.cu does)
//   dc_next = dct·f;               dh_next = dz·rkᵀ
// and writes dxp [B·T, 4H] (dz of every step, rows b·T + s), dh0 = dh_next and dc0 = dc_next [B, H].
// The recurrent kernel's gradient h_prevᵀ·dxp is one matmul over all B·T rows afterwards (a
// reduction across rows, which a block per row cannot do without atomics).
// Launch configuration: as the forward, one block per row, 4H threads. dh_next[k] = Σ_j dz_j·rk[k, j]
// sums over the 4H gate columns, so thread (q, k) = q·H + k holds the quarter rk[k, q·H .. q·H+H−1]
// of row k in registers (H values, the forward's register budget) and forms that quarter's partial
// sum (jj = 0 .. H−1 in increasing order); threads k < H then add the four partials in the order
// q = 0, 1, 2, 3: a fixed order, deterministic, no atomics. Two barriers a step: after dz is in shared
// memory, after the partials are. Threads k < H (q = 0) keep dh_next and dc_next of unit k in
// registers for the whole sequence.
// Registers: the loops over u[] run to the constant 64 with an `if (k < H)` guard, fully unrolled, so
// every index into u[] is a compile-time constant and u[] stays in registers (the same sums in the
// same order). With a loop to the run-time H, nvcc put u[] in local memory: `ptxas -v` (sm_90) showed
// a 256-byte stack frame for float; unrolled, 0 bytes of stack, 96 registers (forward) and 110
// (backward) for float, 168 and 184 for double.
// Not yet: several rows per block for B > number of SMs, H > 64 (rk no longer fits the registers).
//
// Precision: fp32 FMA under every Precision, tf32 never (decided for issue #12; gru_seq.cu likewise).
// Precision.HIGH puts the sequence's two big products on tf32 tensor cores — the input projection
// x·W before this kernel and the recurrent kernel's gradient h_prevᵀ·dxp after the backward, both
// matmul.cu — but not the recurrent product h_t·rk inside it. A tensor-core version would not be
// this kernel with an mma in the inner loop: mma.sync.m16n8k8 multiplies 16 rows, and a block here
// holds one batch row (a rows-per-block of 16 would leave 2 to 4 blocks busy at the seed's B = 32 and
// the workshop's B = 64); and its B operand is spread over a warp in the PTX fragment layout, while
// thread j here owns gate column j whole, so the step's cell update (thread j < H reads z of its unit
// from four columns) would need a shared-memory exchange of the accumulator fragments every step. The
// product per step is 4H² = 16K multiply-adds per row at H = 64, and we expect its latency (one 64-term
// dependent FMA chain a thread, two barriers) to bound the step rather than FMA throughput, which is
// what tf32 adds (an expectation: nothing here has been measured on a GPU).
// So the kernel is left fp32 until a GPU shows the chain, not the barriers, dominates; then the design
// is a 16-rows-per-block kernel with rk as B fragments in registers (the same 64 registers a thread
// at H = 64) and h as the A operand from shared memory, checked against this one as version 2.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

constexpr int kSeqMaxH = 64;

template <class T>
__device__ __forceinline__ T seq_sig(T x) {
    if (x >= T(0)) return T(1) / (T(1) + exp(-x));
    const T e = exp(x);
    return e / (T(1) + e);
}

template <class T>
__global__ void lstm_seq_fwd_kernel(const T* __restrict__ xp, const T* __restrict__ rk, const T* __restrict__ h0,
                                    const T* __restrict__ c0, T* __restrict__ packed, T* __restrict__ hprev,
                                    T* __restrict__ gates, T* __restrict__ cs, int64_t B, int64_t Tn, int H) {
    __shared__ T hs[kSeqMaxH];
    __shared__ T cs_sh[kSeqMaxH];
    __shared__ T zs[4 * kSeqMaxH];
    const int j = threadIdx.x;
    const int G = 4 * H;
    T u[kSeqMaxH];
#pragma unroll
    for (int k = 0; k < kSeqMaxH; k++) if (k < H) u[k] = rk[static_cast<int64_t>(k) * G + j];
    for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
        if (j < H) {
            hs[j] = h0[b * H + j];
            cs_sh[j] = c0[b * H + j];
        }
        __syncthreads();
        for (int64_t t = 0; t < Tn; t++) {
            T z = xp[(b * Tn + t) * G + j];
            T acc = T(0);
#pragma unroll
            for (int k = 0; k < kSeqMaxH; k++) if (k < H) acc += hs[k] * u[k];
            zs[j] = z + acc;
            if (j < H) hprev[(b * Tn + t) * H + j] = hs[j];
            __syncthreads();
            if (j < H) {
                const T i = seq_sig(zs[j]), f = seq_sig(zs[H + j]), g = tanh(zs[2 * H + j]);
                const T o = seq_sig(zs[3 * H + j]);
                const T cv = f * cs_sh[j] + i * g;
                const T hv = o * tanh(cv);
                T* gr = gates + (t * B + b) * G;
                gr[j] = i;
                gr[H + j] = f;
                gr[2 * H + j] = g;
                gr[3 * H + j] = o;
                cs[(t * B + b) * H + j] = cv;
                packed[(b * (Tn + 1) + t) * H + j] = hv;
                cs_sh[j] = cv;
                hs[j] = hv;
            }
            __syncthreads();
        }
        if (j < H) packed[(b * (Tn + 1) + Tn) * H + j] = cs_sh[j];
        __syncthreads();
    }
}

// sech²(x) = 4e/(1 + e)² with e = exp(−2|x|): recurrent.cu's form (no cancellation, no overflow).
__device__ __forceinline__ double seq_sech2(double x) {
    const double e = exp(-2.0 * (x < 0.0 ? -x : x));
    const double d = 1.0 + e;
    return 4.0 * e / (d * d);
}

template <class T>
__global__ void lstm_seq_bwd_kernel(const T* __restrict__ gates, const T* __restrict__ cs, const T* __restrict__ c0,
                                    const T* __restrict__ rk, const T* __restrict__ dp, T* __restrict__ dxp,
                                    T* __restrict__ dh0, T* __restrict__ dc0, int64_t B, int64_t Tn, int H) {
    __shared__ T dz_sh[4 * kSeqMaxH];
    __shared__ T part[4 * kSeqMaxH];
    const int tid = threadIdx.x;
    const int G = 4 * H;
    const int q = tid / H, k = tid - q * H;
    T u[kSeqMaxH];
#pragma unroll
    for (int jj = 0; jj < kSeqMaxH; jj++) if (jj < H) u[jj] = rk[static_cast<int64_t>(k) * G + q * H + jj];
    for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
        T dhn = T(0), dcn = T(0);
        if (tid < H) dcn = dp[(b * (Tn + 1) + Tn) * H + k];
        for (int64_t s = Tn - 1; s >= 0; s--) {
            if (tid < H) {
                const T* gr = gates + (s * B + b) * G;
                const T i = gr[k], f = gr[H + k], gg = gr[2 * H + k], o = gr[3 * H + k];
                const T cp = s > 0 ? cs[((s - 1) * B + b) * H + k] : c0[b * H + k];
                const T cv = cs[(s * B + b) * H + k];
                const T d = dp[(b * (Tn + 1) + s) * H + k] + dhn;
                const T tc = tanh(cv);
                const T dct = static_cast<T>(static_cast<double>(dcn) + static_cast<double>(d)
                                             * static_cast<double>(o) * seq_sech2(static_cast<double>(cv)));
                const T zi = dct * gg * i * (T(1) - i);
                const T zf = dct * cp * f * (T(1) - f);
                const T zc = dct * i * ((T(1) - gg) * (T(1) + gg));
                const T zo = d * tc * o * (T(1) - o);
                dz_sh[k] = zi;
                dz_sh[H + k] = zf;
                dz_sh[2 * H + k] = zc;
                dz_sh[3 * H + k] = zo;
                T* dr = dxp + (b * Tn + s) * G;
                dr[k] = zi;
                dr[H + k] = zf;
                dr[2 * H + k] = zc;
                dr[3 * H + k] = zo;
                dcn = dct * f;
            }
            __syncthreads();
            T acc = T(0);
#pragma unroll
            for (int jj = 0; jj < kSeqMaxH; jj++) if (jj < H) acc += dz_sh[q * H + jj] * u[jj];
            part[tid] = acc;
            __syncthreads();
            // dz_sh is written again only after every thread passed the barrier above (done reading
            // it); part only after the next step's first barrier (these sums are done by then)
            if (tid < H) dhn = ((part[k] + part[H + k]) + part[2 * H + k]) + part[3 * H + k];
        }
        if (tid < H) {
            dh0[b * H + k] = dhn;
            dc0[b * H + k] = dcn;
        }
    }
}

template <class T>
int lstm_seq_bwd_t(const void* gates, const void* cs, const void* c0, const void* rk, const void* dp, void* dxp,
                   void* dh0, void* dc0, int64_t B, int64_t Tn, int H, cudaStream_t s) {
    lstm_seq_bwd_kernel<T><<<blocks_for(B, 1), 4 * H, 0, s>>>(
            static_cast<const T*>(gates), static_cast<const T*>(cs), static_cast<const T*>(c0),
            static_cast<const T*>(rk), static_cast<const T*>(dp), static_cast<T*>(dxp), static_cast<T*>(dh0),
            static_cast<T*>(dc0), B, Tn, H);
    return launch_result();
}

template <class T>
int lstm_seq_t(const void* xp, const void* rk, const void* h0, const void* c0, void* packed, void* hprev, void* gates,
               void* cs, int64_t B, int64_t Tn, int H, cudaStream_t s) {
    lstm_seq_fwd_kernel<T><<<blocks_for(B, 1), 4 * H, 0, s>>>(
            static_cast<const T*>(xp), static_cast<const T*>(rk), static_cast<const T*>(h0),
            static_cast<const T*>(c0), static_cast<T*>(packed), static_cast<T*>(hprev), static_cast<T*>(gates),
            static_cast<T*>(cs), B, Tn, H);
    return launch_result();
}

}  // namespace

extern "C" int lamina_cuda_lstm_sequence_max_hidden() { return kSeqMaxH; }

extern "C" int lamina_cuda_lstm_sequence_forward(int dtype, const void* xp, const void* rk, const void* h0,
                                                 const void* c0, void* packed, void* h_prev, void* gates, void* cs,
                                                 int64_t batch, int64_t steps, int64_t hidden, void* stream) {
    if (batch < 0 || steps < 0 || hidden < 1 || hidden > kSeqMaxH) return static_cast<int>(cudaErrorInvalidValue);
    if (batch == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    const int H = static_cast<int>(hidden);
    switch (dtype) {
        case F32: return lstm_seq_t<float>(xp, rk, h0, c0, packed, h_prev, gates, cs, batch, steps, H, s);
        case F64: return lstm_seq_t<double>(xp, rk, h0, c0, packed, h_prev, gates, cs, batch, steps, H, s);
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

extern "C" int lamina_cuda_lstm_sequence_backward(int dtype, const void* gates, const void* cs, const void* c0,
                                                  const void* rk, const void* dp, void* dxp, void* dh0, void* dc0,
                                                  int64_t batch, int64_t steps, int64_t hidden, void* stream) {
    if (batch < 0 || steps < 0 || hidden < 1 || hidden > kSeqMaxH) return static_cast<int>(cudaErrorInvalidValue);
    if (batch == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    const int H = static_cast<int>(hidden);
    switch (dtype) {
        case F32: return lstm_seq_bwd_t<float>(gates, cs, c0, rk, dp, dxp, dh0, dc0, batch, steps, H, s);
        case F64: return lstm_seq_bwd_t<double>(gates, cs, c0, rk, dp, dxp, dh0, dc0, batch, steps, H, s);
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}
