// Fused recurrent cells, one kernel per step (Backend.lstmCellForward and the three methods after
// it; the math is documented there), float32 and float64:
//   LSTM (Keras gate order i, f, c, o): from the pre-activations z [B, 4H] and c_prev [B, H],
//        the activated gates [B, 4H], c and h [B, H]; backward from the saved gates, c_prev, c,
//        dh and dc: dz [B, 4H] and dc_prev [B, H].
//   GRU (Keras reset_after, gate order z, r, h): from xz, hz [B, 3H] and h_prev [B, H], the gates
//        [B, 3H] and h [B, H]; backward: dxz, dhz [B, 3H] and dh_prev [B, H].
// The matrix products around the cell (x·W, h·U) are the matmul kernels'; this file is the
// element-wise part between them, which otherwise costs ten or more separate launches.
//
// Launch configuration: one thread per (row b, unit j), a grid-stride loop over 64-bit indices
// p = b·H + j, 256 threads a block. A warp covers 32 consecutive units of one row, so each of its
// gate loads (z[b, k·H + j] for the four or three gate blocks k) is one coalesced segment. Every
// output element is written by exactly one thread: deterministic.
//
// σ never overflows: it never exponentiates a positive number. tanh is the CUDA math library's
// (exactly ±1 for large |x|). The results differ from the cpu backend's vectorised exp/tanh in the
// last bits only (the checks allow 1e-5 relative error in float32).
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

template <class T>
__device__ __forceinline__ T sig(T x) {
    if (x >= T(0)) return T(1) / (T(1) + exp(-x));
    const T e = exp(x);
    return e / (T(1) + e);
}

// sech²(x) = 1 − tanh²(x) = 4e/(1 + e)² with e = exp(−2|x|) ≤ 1: no cancellation, no overflow
// (e underflows to 0 for large |x|, where sech² is below the smallest normal anyway).
template <class T>
__device__ __forceinline__ T sech2(T x) {
    const T e = exp(T(-2) * (x < T(0) ? -x : x));
    const T d = T(1) + e;
    return T(4) * e / (d * d);
}

template <class T>
__global__ void lstm_fwd_kernel(const T* __restrict__ z, const T* __restrict__ cp, T* __restrict__ h,
                                T* __restrict__ c, T* __restrict__ g, int64_t H, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t b = p / H, j = p - b * H, r = b * 4 * H + j;
        const T i = sig(z[r]), f = sig(z[r + H]), gg = tanh(z[r + 2 * H]), o = sig(z[r + 3 * H]);
        const T cv = f * cp[p] + i * gg;
        g[r] = i;
        g[r + H] = f;
        g[r + 2 * H] = gg;
        g[r + 3 * H] = o;
        c[p] = cv;
        h[p] = o * tanh(cv);
    }
}

template <class T>
__global__ void lstm_bwd_kernel(const T* __restrict__ g, const T* __restrict__ cp, const T* __restrict__ c,
                                const T* __restrict__ dh, const T* __restrict__ dc, T* __restrict__ dz,
                                T* __restrict__ dcp, int64_t H, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t b = p / H, j = p - b * H, r = b * 4 * H + j;
        const T i = g[r], f = g[r + H], gg = g[r + 2 * H], o = g[r + 3 * H];
        const T tc = tanh(c[p]);
        const T d = dh[p];
        // 1 − tanh²(c) as sech²(c), and 1 − gg² as (1 − gg)(1 + gg): the plain 1 − t·t cancels when
        // |t| is near 1 and turns t's last-bit rounding into a relative error of ulp/(1 − t²) (up to
        // 9e-6 and 9e-5 in float32). The sum dc + dh·o·sech²(c) itself can cancel (the two terms of
        // opposite sign and nearly equal), and every output but dz_o is proportional to it, so it is
        // formed in double for either T (a few operations per element of a memory-bound kernel) and
        // rounded once: the float32 results then stay within a few ulps of the float64 reference.
        const T dct = static_cast<T>(static_cast<double>(dc[p]) + static_cast<double>(d) * static_cast<double>(o)
                                     * sech2(static_cast<double>(c[p])));
        dz[r] = dct * gg * i * (T(1) - i);
        dz[r + H] = dct * cp[p] * f * (T(1) - f);
        dz[r + 2 * H] = dct * i * ((T(1) - gg) * (T(1) + gg));
        dz[r + 3 * H] = d * tc * o * (T(1) - o);
        dcp[p] = dct * f;
    }
}

template <class T>
__global__ void gru_fwd_kernel(const T* __restrict__ xz, const T* __restrict__ hz, const T* __restrict__ hp,
                               T* __restrict__ h, T* __restrict__ g, int64_t H, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t b = p / H, j = p - b * H, r = b * 3 * H + j;
        const T zg = sig(xz[r] + hz[r]);
        const T rg = sig(xz[r + H] + hz[r + H]);
        const T hh = tanh(xz[r + 2 * H] + rg * hz[r + 2 * H]);
        g[r] = zg;
        g[r + H] = rg;
        g[r + 2 * H] = hh;
        h[p] = zg * hp[p] + (T(1) - zg) * hh;
    }
}

template <class T>
__global__ void gru_bwd_kernel(const T* __restrict__ g, const T* __restrict__ hz, const T* __restrict__ hp,
                               const T* __restrict__ dh, T* __restrict__ dxz, T* __restrict__ dhz,
                               T* __restrict__ dhp, int64_t H, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t b = p / H, j = p - b * H, r = b * 3 * H + j;
        const T zg = g[r], rg = g[r + H], hh = g[r + 2 * H];
        const T d = dh[p];
        const T da = d * (T(1) - zg) * ((T(1) - hh) * (T(1) + hh));   // 1 − hh², without cancellation
        const T dzz = d * (hp[p] - hh) * zg * (T(1) - zg);
        const T dzr = da * hz[r + 2 * H] * rg * (T(1) - rg);
        dxz[r] = dzz;
        dxz[r + H] = dzr;
        dxz[r + 2 * H] = da;
        dhz[r] = dzz;
        dhz[r + H] = dzr;
        dhz[r + 2 * H] = da * rg;
        dhp[p] = d * zg;
    }
}

template <class F>
int with_float(int dtype, F f) {
    switch (dtype) {
        case F32: return f(float{});
        case F64: return f(double{});
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

}  // namespace

extern "C" int lamina_cuda_lstm_cell_forward(int dtype, const void* z, const void* c_prev, void* h, void* c,
                                             void* gates, int64_t batch, int64_t hidden, void* stream) {
    if (batch < 0 || hidden < 0) return static_cast<int>(cudaErrorInvalidValue);
    const int64_t n = batch * hidden;
    return with_float(dtype, [&](auto t) {
        using T = decltype(t);
        if (n == 0) return static_cast<int>(cudaSuccess);
        lstm_fwd_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(
                static_cast<const T*>(z), static_cast<const T*>(c_prev), static_cast<T*>(h), static_cast<T*>(c),
                static_cast<T*>(gates), hidden, n);
        return launch_result();
    });
}

extern "C" int lamina_cuda_lstm_cell_backward(int dtype, const void* gates, const void* c_prev, const void* c,
                                              const void* dh, const void* dc, void* dz, void* dc_prev,
                                              int64_t batch, int64_t hidden, void* stream) {
    if (batch < 0 || hidden < 0) return static_cast<int>(cudaErrorInvalidValue);
    const int64_t n = batch * hidden;
    return with_float(dtype, [&](auto t) {
        using T = decltype(t);
        if (n == 0) return static_cast<int>(cudaSuccess);
        lstm_bwd_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(
                static_cast<const T*>(gates), static_cast<const T*>(c_prev), static_cast<const T*>(c),
                static_cast<const T*>(dh), static_cast<const T*>(dc), static_cast<T*>(dz), static_cast<T*>(dc_prev),
                hidden, n);
        return launch_result();
    });
}

extern "C" int lamina_cuda_gru_cell_forward(int dtype, const void* xz, const void* hz, const void* h_prev, void* h,
                                            void* gates, int64_t batch, int64_t hidden, void* stream) {
    if (batch < 0 || hidden < 0) return static_cast<int>(cudaErrorInvalidValue);
    const int64_t n = batch * hidden;
    return with_float(dtype, [&](auto t) {
        using T = decltype(t);
        if (n == 0) return static_cast<int>(cudaSuccess);
        gru_fwd_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(
                static_cast<const T*>(xz), static_cast<const T*>(hz), static_cast<const T*>(h_prev),
                static_cast<T*>(h), static_cast<T*>(gates), hidden, n);
        return launch_result();
    });
}

extern "C" int lamina_cuda_gru_cell_backward(int dtype, const void* gates, const void* hz, const void* h_prev,
                                             const void* dh, void* dxz, void* dhz, void* dh_prev, int64_t batch,
                                             int64_t hidden, void* stream) {
    if (batch < 0 || hidden < 0) return static_cast<int>(cudaErrorInvalidValue);
    const int64_t n = batch * hidden;
    return with_float(dtype, [&](auto t) {
        using T = decltype(t);
        if (n == 0) return static_cast<int>(cudaSuccess);
        gru_bwd_kernel<T><<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(
                static_cast<const T*>(gates), static_cast<const T*>(hz), static_cast<const T*>(h_prev),
                static_cast<const T*>(dh), static_cast<T*>(dxz), static_cast<T*>(dhz), static_cast<T*>(dh_prev),
                hidden, n);
        return launch_result();
    });
}
