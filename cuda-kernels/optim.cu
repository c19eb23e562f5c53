// Optimizer steps in one pass over memory. Adam (Backend.adamUpdate, Keras 3's arithmetic), in
// place on w, m, v with gradient g, float32 or float64:
//   m ← m + (g − m)·c1            c1 = 1 − β1
//   v ← v + (g·g − v)·c2          c2 = 1 − β2
//   w ← w − (m·α) / (√v + ε)
// every operation rounded to the dtype, with the scalars rounded to the dtype first (by the
// launcher). The products are __fmul_rn/__dmul_rn, which nvcc never contracts into an FMA, and
// division and square root are the IEEE round-to-nearest ones (nvcc's default -prec-div=true,
// -prec-sqrt=true), so every step is bitwise the cpu backend's (compiled with -ffp-contract=off)
// and the composed element-wise ops'.
//
// RMSprop (Backend.rmspropUpdate) and SGD (Backend.sgdUpdate), the same way: Keras 3's arithmetic
// in the order of the tensor-level optim.RMSprop / optim.SGD, each operation rounded to the dtype:
//   RMSprop  vel ← vel·ρ + (g·g)·(1 − ρ)
//            centered: avg ← avg·ρ + g·(1 − ρ);  d = (vel − avg·avg) + ε;  else d = vel + ε
//            inc = (g·lr) / √d;   momentum: mom ← mom·μ + inc, w ← w − mom;  else w ← w − inc
//   SGD      no momentum: w ← w − g·lr
//            m ← m·μ − g·lr;  w ← w + m  (plain)  or  w ← w + (m·μ − g·lr)  (nesterov, new m)
// so each is bitwise the composed element-wise ops (ComposedOptimizers) on the cpu backend.
//
// Launch configuration: one grid-stride loop over 64-bit element indices, 256 threads a block,
// at most 65535 blocks; each element is read and written by one thread (no ordering questions).
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

template <class T>
__global__ void adam_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                            int64_t n, T alpha, T c1, T c2, T eps) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const T gi = g[i], mi0 = m[i], vi0 = v[i];
        const T mi = mi0 + mul_rn(gi - mi0, c1);
        const T vi = vi0 + mul_rn(mul_rn(gi, gi) - vi0, c2);
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] - mul_rn(mi, alpha) / (sqrt(vi) + eps);
    }
}

template <class T>
__global__ void rmsprop_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ vel, T* __restrict__ mom,
                               T* __restrict__ avg, int64_t n, T lr, T rho, T one_minus_rho, T momentum, T eps) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const T gi = g[i];
        const T vi = mul_rn(vel[i], rho) + mul_rn(mul_rn(gi, gi), one_minus_rho);
        vel[i] = vi;
        T d;
        if (avg != nullptr) {
            const T ai = mul_rn(avg[i], rho) + mul_rn(gi, one_minus_rho);
            avg[i] = ai;
            d = (vi - mul_rn(ai, ai)) + eps;
        } else {
            d = vi + eps;
        }
        const T inc = mul_rn(gi, lr) / sqrt(d);
        if (mom != nullptr) {
            const T mi = mul_rn(mom[i], momentum) + inc;
            mom[i] = mi;
            w[i] = w[i] - mi;
        } else {
            w[i] = w[i] - inc;
        }
    }
}

template <class T>
__global__ void sgd_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, int64_t n, T lr,
                           T momentum, bool nesterov) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const T lrg = mul_rn(g[i], lr);
        if (m == nullptr) {
            w[i] = w[i] - lrg;
            continue;
        }
        const T mi = mul_rn(m[i], momentum) - lrg;
        m[i] = mi;
        w[i] = nesterov ? w[i] + (mul_rn(mi, momentum) - lrg) : w[i] + mi;
    }
}

}  // namespace

extern "C" int lamina_cuda_adam_update(int dtype, void* w, const void* g, void* m, void* v, int64_t n, double alpha,
                                       double c1, double c2, double eps, void* stream) {
    if (n < 0) return static_cast<int>(cudaErrorInvalidValue);
    if (n == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    switch (dtype) {
        case F32:
            adam_kernel<float><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<float*>(w), static_cast<const float*>(g), static_cast<float*>(m),
                    static_cast<float*>(v), n, static_cast<float>(alpha), static_cast<float>(c1),
                    static_cast<float>(c2), static_cast<float>(eps));
            return launch_result();
        case F64:
            adam_kernel<double><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<double*>(w), static_cast<const double*>(g), static_cast<double*>(m),
                    static_cast<double*>(v), n, alpha, c1, c2, eps);
            return launch_result();
        default:
            return static_cast<int>(cudaErrorInvalidValue);
    }
}

extern "C" int lamina_cuda_rmsprop_update(int dtype, void* w, const void* g, void* vel, void* mom, void* avg,
                                          int64_t n, double lr, double rho, double one_minus_rho, double momentum,
                                          double eps, void* stream) {
    if (n < 0) return static_cast<int>(cudaErrorInvalidValue);
    if (n == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    switch (dtype) {
        case F32:
            rmsprop_kernel<float><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<float*>(w), static_cast<const float*>(g), static_cast<float*>(vel),
                    static_cast<float*>(mom), static_cast<float*>(avg), n, static_cast<float>(lr),
                    static_cast<float>(rho), static_cast<float>(one_minus_rho), static_cast<float>(momentum),
                    static_cast<float>(eps));
            return launch_result();
        case F64:
            rmsprop_kernel<double><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<double*>(w), static_cast<const double*>(g), static_cast<double*>(vel),
                    static_cast<double*>(mom), static_cast<double*>(avg), n, lr, rho, one_minus_rho, momentum, eps);
            return launch_result();
        default:
            return static_cast<int>(cudaErrorInvalidValue);
    }
}

extern "C" int lamina_cuda_sgd_update(int dtype, void* w, const void* g, void* m, int64_t n, double lr,
                                      double momentum, int nesterov, void* stream) {
    if (n < 0) return static_cast<int>(cudaErrorInvalidValue);
    if (n == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    switch (dtype) {
        case F32:
            sgd_kernel<float><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<float*>(w), static_cast<const float*>(g), static_cast<float*>(m), n,
                    static_cast<float>(lr), static_cast<float>(momentum), nesterov != 0);
            return launch_result();
        case F64:
            sgd_kernel<double><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<double*>(w), static_cast<const double*>(g), static_cast<double*>(m), n, lr, momentum,
                    nesterov != 0);
            return launch_result();
        default:
            return static_cast<int>(cudaErrorInvalidValue);
    }
}
