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
