// gru_seq.cu: a persistent GRU (Keras reset_after, gates z, r, h) over a whole sequence for small
// hidden sizes (H ≤ 64), forward and backward through time, one launch per sequence each, the GRU
// twin of lstm_seq.cu. For each batch row b and step t = 0 .. T−1, with xp [B·T, 3H] the input
// projection (x·W + input bias, batch-major rows b·T + t), rk [H, 3H] the recurrent kernel, rb [3H]
// the recurrent bias and h0 [B, H]:
//   hz  = h_t·rk + rb;   xz = xp[b·T + t]
//   z   = σ(xz_z + hz_z);  r = σ(xz_r + hz_r);  ĥ = tanh(xz_h + r·hz_h)
//   h_{t+1} = z·h_t + (1 − z)·ĥ
// The forward writes what RecurrentOps' per-step path saves: packed [B, T, H] (h_1 .. h_T), hPrev
// [B, T, H] (h_0 .. h_{T−1}), gates [T, B, 3H] (z, r, ĥ) and hz [T, B, 3H].
// The backward, from those and dP [B, T, H] (the gradient of packed), for s = T−1 .. 0 (recurrent.cu's
// gru_bwd_kernel per step):
//   dh = dP[b, s] + dh_next;  da = dh·(1 − z)·(1 − ĥ²);  dzz = dh·(h_s − ĥ)·z(1 − z);  dzr = da·hz_h·r(1 − r)
//   dxz = (dzz, dzr, da);  dhz = (dzz, dzr, da·r);  dh_next = dhz·rkᵀ + dh·z
// and writes dxp and dhz [B·T, 3H] (rows b·T + s) and dh0 = dh_next [B, H]. The recurrent kernel's
// gradient h_prevᵀ·dhz and the recurrent bias's (column sums of dhz) are one matmul and one reduction
// over all B·T rows afterwards (reductions across rows: a block per row cannot do them without atomics).
//
// Version 1 of each (the only one; the per-step kernels — matmul, add, gru_fwd_kernel /
// gru_bwd_kernel — are the check, CudaPersistentGruGpuTest, with the float64 reference backend).
// Launch configuration as lstm_seq.cu: the rows are independent recurrences, so one block per row b
// (a grid-stride loop over rows), 3H threads. Forward: thread j holds column j of rk in registers for
// the whole sequence and forms hz_j (k = 0 .. H−1 in increasing order, then + rb_j, the per-step
// path's two roundings); threads j < H apply the cell to unit j. Backward: thread (q, k) = q·H + k
// holds the third rk[k, q·H .. q·H+H−1] of row k (H registers) and forms that third of dhz·rkᵀ;
// threads k < H add the three partials in the order q = 0, 1, 2, then dh·z: fixed order,
// deterministic, no atomics. Two barriers a step in each.
// u[] stays in registers as in lstm_seq.cu (loops to the constant 64 with a guard, unrolled; `ptxas -v`
// on sm_90: 0 bytes of stack, 96 and 110 registers for float, 166 and 182 for double).
// Not yet: several rows per block for B > number of SMs, H > 64 (rk no longer fits the registers).
// Precision: fp32 FMA under every Precision, tf32 never; why, and what Precision.HIGH changes around
// the kernel (the input projection and the recurrent kernel's gradient), is in lstm_seq.cu's header.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

constexpr int kGruSeqMaxH = 64;

template <class T>
__device__ __forceinline__ T gseq_sig(T x) {
    if (x >= T(0)) return T(1) / (T(1) + exp(-x));
    const T e = exp(x);
    return e / (T(1) + e);
}

template <class T>
__global__ void gru_seq_fwd_kernel(const T* __restrict__ xp, const T* __restrict__ rk, const T* __restrict__ rb,
                                   const T* __restrict__ h0, T* __restrict__ packed, T* __restrict__ hprev,
                                   T* __restrict__ gates, T* __restrict__ hzo, int64_t B, int64_t Tn, int H) {
    __shared__ T hs[kGruSeqMaxH];
    __shared__ T xz_sh[3 * kGruSeqMaxH];
    __shared__ T hz_sh[3 * kGruSeqMaxH];
    const int j = threadIdx.x;
    const int G = 3 * H;
    T u[kGruSeqMaxH];
#pragma unroll
    for (int k = 0; k < kGruSeqMaxH; k++) if (k < H) u[k] = rk[static_cast<int64_t>(k) * G + j];
    const T bj = rb[j];
    for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
        if (j < H) hs[j] = h0[b * H + j];
        __syncthreads();
        for (int64_t t = 0; t < Tn; t++) {
            T acc = T(0);
#pragma unroll
            for (int k = 0; k < kGruSeqMaxH; k++) if (k < H) acc += hs[k] * u[k];
            const T hzj = acc + bj;
            hz_sh[j] = hzj;
            xz_sh[j] = xp[(b * Tn + t) * G + j];
            hzo[(t * B + b) * G + j] = hzj;
            if (j < H) hprev[(b * Tn + t) * H + j] = hs[j];
            __syncthreads();
            if (j < H) {
                const T zg = gseq_sig(xz_sh[j] + hz_sh[j]);
                const T rg = gseq_sig(xz_sh[H + j] + hz_sh[H + j]);
                const T hh = tanh(xz_sh[2 * H + j] + rg * hz_sh[2 * H + j]);
                const T hv = zg * hs[j] + (T(1) - zg) * hh;
                T* gr = gates + (t * B + b) * G;
                gr[j] = zg;
                gr[H + j] = rg;
                gr[2 * H + j] = hh;
                packed[(b * Tn + t) * H + j] = hv;
                hs[j] = hv;
            }
            __syncthreads();
        }
    }
}

template <class T>
__global__ void gru_seq_bwd_kernel(const T* __restrict__ gates, const T* __restrict__ hz, const T* __restrict__ hprev,
                                   const T* __restrict__ rk, const T* __restrict__ dp, T* __restrict__ dxp,
                                   T* __restrict__ dhzo, T* __restrict__ dh0, int64_t B, int64_t Tn, int H) {
    __shared__ T dhz_sh[3 * kGruSeqMaxH];
    __shared__ T part[3 * kGruSeqMaxH];
    const int tid = threadIdx.x;
    const int G = 3 * H;
    const int q = tid / H, k = tid - q * H;
    T u[kGruSeqMaxH];
#pragma unroll
    for (int jj = 0; jj < kGruSeqMaxH; jj++) if (jj < H) u[jj] = rk[static_cast<int64_t>(k) * G + q * H + jj];
    for (int64_t b = blockIdx.x; b < B; b += gridDim.x) {
        T dhn = T(0), dhp = T(0);
        for (int64_t s = Tn - 1; s >= 0; s--) {
            if (tid < H) {
                const T* gr = gates + (s * B + b) * G;
                const T zg = gr[k], rg = gr[H + k], hh = gr[2 * H + k];
                const T hzh = hz[(s * B + b) * G + 2 * H + k];
                const T hp = hprev[(b * Tn + s) * H + k];
                const T d = dp[(b * Tn + s) * H + k] + dhn;
                const T da = d * (T(1) - zg) * ((T(1) - hh) * (T(1) + hh));
                const T dzz = d * (hp - hh) * zg * (T(1) - zg);
                const T dzr = da * hzh * rg * (T(1) - rg);
                dhz_sh[k] = dzz;
                dhz_sh[H + k] = dzr;
                dhz_sh[2 * H + k] = da * rg;
                T* dx = dxp + (b * Tn + s) * G;
                dx[k] = dzz;
                dx[H + k] = dzr;
                dx[2 * H + k] = da;
                T* dr = dhzo + (b * Tn + s) * G;
                dr[k] = dzz;
                dr[H + k] = dzr;
                dr[2 * H + k] = da * rg;
                dhp = d * zg;
            }
            __syncthreads();
            T acc = T(0);
#pragma unroll
            for (int jj = 0; jj < kGruSeqMaxH; jj++) if (jj < H) acc += dhz_sh[q * H + jj] * u[jj];
            part[tid] = acc;
            __syncthreads();
            // dhz_sh is written again only after every thread passed the barrier above; part only
            // after the next step's first barrier (these sums are done by then)
            if (tid < H) dhn = ((part[k] + part[H + k]) + part[2 * H + k]) + dhp;
        }
        if (tid < H) dh0[b * H + k] = dhn;
    }
}

template <class T>
int gru_seq_fwd_t(const void* xp, const void* rk, const void* rb, const void* h0, void* packed, void* hprev,
                  void* gates, void* hz, int64_t B, int64_t Tn, int H, cudaStream_t s) {
    gru_seq_fwd_kernel<T><<<blocks_for(B, 1), 3 * H, 0, s>>>(
            static_cast<const T*>(xp), static_cast<const T*>(rk), static_cast<const T*>(rb),
            static_cast<const T*>(h0), static_cast<T*>(packed), static_cast<T*>(hprev), static_cast<T*>(gates),
            static_cast<T*>(hz), B, Tn, H);
    return launch_result();
}

template <class T>
int gru_seq_bwd_t(const void* gates, const void* hz, const void* hprev, const void* rk, const void* dp, void* dxp,
                  void* dhz, void* dh0, int64_t B, int64_t Tn, int H, cudaStream_t s) {
    gru_seq_bwd_kernel<T><<<blocks_for(B, 1), 3 * H, 0, s>>>(
            static_cast<const T*>(gates), static_cast<const T*>(hz), static_cast<const T*>(hprev),
            static_cast<const T*>(rk), static_cast<const T*>(dp), static_cast<T*>(dxp), static_cast<T*>(dhz),
            static_cast<T*>(dh0), B, Tn, H);
    return launch_result();
}

}  // namespace

extern "C" int lamina_cuda_gru_sequence_max_hidden() { return kGruSeqMaxH; }

extern "C" int lamina_cuda_gru_sequence_forward(int dtype, const void* xp, const void* rk, const void* rb,
                                                const void* h0, void* packed, void* h_prev, void* gates, void* hz,
                                                int64_t batch, int64_t steps, int64_t hidden, void* stream) {
    if (batch < 0 || steps < 0 || hidden < 1 || hidden > kGruSeqMaxH) return static_cast<int>(cudaErrorInvalidValue);
    if (batch == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    const int H = static_cast<int>(hidden);
    switch (dtype) {
        case F32: return gru_seq_fwd_t<float>(xp, rk, rb, h0, packed, h_prev, gates, hz, batch, steps, H, s);
        case F64: return gru_seq_fwd_t<double>(xp, rk, rb, h0, packed, h_prev, gates, hz, batch, steps, H, s);
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

extern "C" int lamina_cuda_gru_sequence_backward(int dtype, const void* gates, const void* hz, const void* h_prev,
                                                 const void* rk, const void* dp, void* dxp, void* dhz, void* dh0,
                                                 int64_t batch, int64_t steps, int64_t hidden, void* stream) {
    if (batch < 0 || steps < 0 || hidden < 1 || hidden > kGruSeqMaxH) return static_cast<int>(cudaErrorInvalidValue);
    if (batch == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    const int H = static_cast<int>(hidden);
    switch (dtype) {
        case F32: return gru_seq_bwd_t<float>(gates, hz, h_prev, rk, dp, dxp, dhz, dh0, batch, steps, H, s);
        case F64: return gru_seq_bwd_t<double>(gates, hz, h_prev, rk, dp, dxp, dhz, dh0, batch, steps, H, s);
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}
