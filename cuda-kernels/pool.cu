// 2-D max and average pooling over NHWC images, forward and backward (Backend.maxPool2dForward
// and the three methods after it), float32 and float64, the semantics of the cpu backend
// (cpu-kernels/lamina_conv.hpp):
//   max forward   y[b,oh,ow,c] = max over the real (non-padding) window elements; NaN propagates
//                 (the first NaN wins); a window without a real element gives NaN.
//   max backward  dy[b,oh,ow,c] goes to the window's first maximum in row-major window order (the
//                 first NaN if any); dx is overwritten.
//   avg forward   y = (Σ real window elements) / (their count), summed in float64.
//   avg backward  every real element of a window receives dy / count (float64 sum, rounded once).
//
// Launch configuration: every kernel is one grid-stride loop over 64-bit element indices with
// the channel fastest, so the threads of a warp read consecutive channels of one pixel
// (coalesced). Forwards: one thread per output element. Backwards are gathers, not scatters:
// one thread per dx element visits, in increasing (oh, ow) order, the windows that contain it
// and sums what they send it, so no two threads write one element (no atomics) and the sums are
// bitwise those of the cpu backend's scatter in (oh, ow) order (max: adding exact zeros for the
// windows whose maximum lies elsewhere changes nothing, dx never being -0). The max backward
// recomputes each visited window's argmax from x (PH·PW reads per visited window): no scratch.
//
// Every input position is bounds-checked; the Java side (CudaLayerKernels) checks storage sizes.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_ops.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

// PoolGeometry's 12 fields (read by the indices of native/lamina_ops.h), passed to the kernels by value
struct PoolG {
    int64_t B, H, W, C, OH, OW, PH, PW, SH, SW, PT, PL;
};

__device__ __forceinline__ int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// real rows [h0, h1) and columns [w0, w1) of the window of (oh, ow)
struct Window {
    int64_t h0, h1, w0, w1;
};

__device__ __forceinline__ Window window_of(const PoolG& g, int64_t oh, int64_t ow) {
    Window r;
    r.h0 = max64(oh * g.SH - g.PT, 0);
    r.h1 = min64(oh * g.SH - g.PT + g.PH, g.H);
    r.w0 = max64(ow * g.SW - g.PL, 0);
    r.w1 = min64(ow * g.SW - g.PL + g.PW, g.W);
    return r;
}

// output rows (or columns) whose window holds input row ih: o·S − P ≤ ih < o·S − P + K
__device__ __forceinline__ void covering(int64_t i, int64_t P, int64_t K, int64_t S, int64_t O, int64_t& lo,
                                         int64_t& hi) {
    const int64_t l = i + P - K + 1;
    lo = l <= 0 ? 0 : (l + S - 1) / S;
    hi = min64((i + P) / S, O - 1);
}

template <class T>
__device__ __forceinline__ T quiet_nan();
template <>
__device__ __forceinline__ float quiet_nan<float>() { return nanf(""); }
template <>
__device__ __forceinline__ double quiet_nan<double>() { return nan(""); }

// the max rule of the cpu backend: a larger value, or the first NaN, replaces the best
template <class T>
__device__ __forceinline__ bool better(T v, T best) {
    return v > best || (v != v && best == best);
}

template <class T>
__global__ void max_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, PoolG g, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t c = p % g.C, q = p / g.C, ow = q % g.OW, r = q / g.OW, oh = r % g.OH, b = r / g.OH;
        const Window w = window_of(g, oh, ow);
        const T* xb = x + b * g.H * g.W * g.C + c;
        T best = quiet_nan<T>();
        bool any = false;
        for (int64_t ih = w.h0; ih < w.h1; ih++) {
            for (int64_t iw = w.w0; iw < w.w1; iw++) {
                const T v = xb[(ih * g.W + iw) * g.C];
                if (!any || better(v, best)) best = v;
                any = true;
            }
        }
        y[p] = best;
    }
}

template <class T>
__global__ void avg_pool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, PoolG g, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t c = p % g.C, q = p / g.C, ow = q % g.OW, r = q / g.OW, oh = r % g.OH, b = r / g.OH;
        const Window w = window_of(g, oh, ow);
        const T* xb = x + b * g.H * g.W * g.C + c;
        double acc = 0.0;
        for (int64_t ih = w.h0; ih < w.h1; ih++) {
            for (int64_t iw = w.w0; iw < w.w1; iw++) {
                acc += static_cast<double>(xb[(ih * g.W + iw) * g.C]);
            }
        }
        const double cnt = static_cast<double>(max64(w.h1 - w.h0, 0) * max64(w.w1 - w.w0, 0));
        y[p] = static_cast<T>(acc / cnt);
    }
}

template <class T>
__global__ void max_pool_bwd_kernel(const T* __restrict__ x, const T* __restrict__ dy, T* __restrict__ dx, PoolG g,
                                    int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t c = p % g.C, q = p / g.C, iw = q % g.W, r = q / g.W, ih = r % g.H, b = r / g.H;
        int64_t ohLo, ohHi, owLo, owHi;
        covering(ih, g.PT, g.PH, g.SH, g.OH, ohLo, ohHi);
        covering(iw, g.PL, g.PW, g.SW, g.OW, owLo, owHi);
        const T* xb = x + b * g.H * g.W * g.C + c;
        const T* dyb = dy + b * g.OH * g.OW * g.C + c;
        T acc = T(0);
        for (int64_t oh = ohLo; oh <= ohHi; oh++) {
            for (int64_t ow = owLo; ow <= owHi; ow++) {
                const Window w = window_of(g, oh, ow);
                // the window's first maximum (first NaN), as the forward finds it
                T best = xb[(w.h0 * g.W + w.w0) * g.C];
                int64_t bh = w.h0, bw = w.w0;
                for (int64_t h = w.h0; h < w.h1; h++) {
                    for (int64_t v = w.w0; v < w.w1; v++) {
                        const T xv = xb[(h * g.W + v) * g.C];
                        if (better(xv, best)) {
                            best = xv;
                            bh = h;
                            bw = v;
                        }
                    }
                }
                if (bh == ih && bw == iw) acc += dyb[(oh * g.OW + ow) * g.C];
            }
        }
        dx[p] = acc;
    }
}

template <class T>
__global__ void avg_pool_bwd_kernel(const T* __restrict__ dy, T* __restrict__ dx, PoolG g, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += stride) {
        const int64_t c = p % g.C, q = p / g.C, iw = q % g.W, r = q / g.W, ih = r % g.H, b = r / g.H;
        int64_t ohLo, ohHi, owLo, owHi;
        covering(ih, g.PT, g.PH, g.SH, g.OH, ohLo, ohHi);
        covering(iw, g.PL, g.PW, g.SW, g.OW, owLo, owHi);
        const T* dyb = dy + b * g.OH * g.OW * g.C + c;
        double acc = 0.0;
        for (int64_t oh = ohLo; oh <= ohHi; oh++) {
            for (int64_t ow = owLo; ow <= owHi; ow++) {
                const Window w = window_of(g, oh, ow);
                const double cnt = static_cast<double>((w.h1 - w.h0) * (w.w1 - w.w0));
                acc += static_cast<double>(dyb[(oh * g.OW + ow) * g.C]) / cnt;
            }
        }
        dx[p] = static_cast<T>(acc);
    }
}

template <class T>
int pool_t(int kind, const void* x, const void* dy, void* out, const PoolG& g, cudaStream_t s) {
    const int64_t nOut = g.B * g.OH * g.OW * g.C, nIn = g.B * g.H * g.W * g.C;
    switch (kind) {
        case 0:
            max_pool_fwd_kernel<T><<<blocks_for(nOut), kThreads, 0, s>>>(static_cast<const T*>(x),
                                                                          static_cast<T*>(out), g, nOut);
            break;
        case 1:
            max_pool_bwd_kernel<T><<<blocks_for(nIn), kThreads, 0, s>>>(
                    static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<T*>(out), g, nIn);
            break;
        case 2:
            avg_pool_fwd_kernel<T><<<blocks_for(nOut), kThreads, 0, s>>>(static_cast<const T*>(x),
                                                                          static_cast<T*>(out), g, nOut);
            break;
        case 3:
            avg_pool_bwd_kernel<T><<<blocks_for(nIn), kThreads, 0, s>>>(static_cast<const T*>(dy),
                                                                         static_cast<T*>(out), g, nIn);
            break;
        default:
            return static_cast<int>(cudaErrorInvalidValue);
    }
    return launch_result();
}

}  // namespace

extern "C" int lamina_cuda_pool2d(int kind, int dtype, const void* x, const void* dy, void* out, const int64_t* geom,
                                  void* stream) {
    const PoolG g{geom[LAMINA_POOL_B],  geom[LAMINA_POOL_H],  geom[LAMINA_POOL_W],  geom[LAMINA_POOL_C],
                  geom[LAMINA_POOL_OH], geom[LAMINA_POOL_OW], geom[LAMINA_POOL_PH], geom[LAMINA_POOL_PW],
                  geom[LAMINA_POOL_SH], geom[LAMINA_POOL_SW], geom[LAMINA_POOL_PT], geom[LAMINA_POOL_PL]};
    if (g.B < 0 || g.H < 1 || g.W < 1 || g.C < 1 || g.OH < 1 || g.OW < 1 || g.PH < 1 || g.PW < 1 || g.SH < 1 ||
        g.SW < 1 || g.PT < 0 || g.PL < 0 || kind < 0 || kind > 3) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    if (g.B == 0) return static_cast<int>(cudaSuccess);
    switch (dtype) {
        case F32: return pool_t<float>(kind, x, dy, out, g, as_stream(stream));
        case F64: return pool_t<double>(kind, x, dy, out, g, as_stream(stream));
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}
