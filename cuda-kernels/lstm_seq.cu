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
// Not yet: the backward through time in one launch (the per-step backward kernels serve it), several
// rows per block for B > number of SMs, H > 64 (rk no longer fits the registers).
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
    for (int k = 0; k < H; k++) u[k] = rk[static_cast<int64_t>(k) * G + j];
    for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
        if (j < H) {
            hs[j] = h0[b * H + j];
            cs_sh[j] = c0[b * H + j];
        }
        __syncthreads();
        for (int64_t t = 0; t < Tn; t++) {
            T z = xp[(b * Tn + t) * G + j];
            T acc = T(0);
            for (int k = 0; k < H; k++) acc += hs[k] * u[k];
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
