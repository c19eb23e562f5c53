// Philox-4x32-10 random numbers matching dev.lamina.tensor.Rng exactly.
//
// Rng(seed) has key (k0, k1) = (low 32 bits, high 32 bits) of the seed; block c (c = 0, 1, ...)
// is philox(counter = (c_lo, c_hi, 0, 0), key), four 32-bit words consumed in order by
// nextInt(). nextDouble() takes two words: ((w0 >>> 5) << 26 | (w1 >>> 6)) · 2^-53.
// nextGaussian() takes two doubles u1, u2 (one whole block when aligned, as in a fresh Rng
// filling a tensor): sqrt(-2 ln max(u1, 1e-300)) · cos(2π u2).
// Element i of Rng.uniform(..) therefore reads block i/2, words 2(i%2), 2(i%2)+1; element i of
// Rng.normal(..) reads block i. The same __host__ __device__ function serves the kernels and a
// host reference compiled into the library, which the cpu-side test compares with Rng.java bit
// for bit. Multiplications and additions are written as separate correctly rounded operations
// (no fused multiply-add), as Java evaluates them. Kernels: compiled, not yet run on a GPU.
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

struct Block {
    uint32_t w[4];
};

__host__ __device__ __forceinline__ Block philox(uint64_t seed, uint64_t ctr) {
    uint32_t c0 = static_cast<uint32_t>(ctr), c1 = static_cast<uint32_t>(ctr >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = static_cast<uint64_t>(M0) * c0;
        const uint64_t p1 = static_cast<uint64_t>(M1) * c2;
        const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
        const uint32_t n1 = static_cast<uint32_t>(p1);
        const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
        const uint32_t n3 = static_cast<uint32_t>(p0);
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += W0;
        k1 += W1;
    }
    return Block{{c0, c1, c2, c3}};
}

__host__ __device__ __forceinline__ double mul_rn(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}

__host__ __device__ __forceinline__ double add_rn(double a, double b) {
#ifdef __CUDA_ARCH__
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}

// Rng.nextDouble from two words
__host__ __device__ __forceinline__ double to_double(uint32_t w0, uint32_t w1) {
    const uint64_t hi = w0 >> 5, lo = w1 >> 6;
    return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;  // exact: a 53-bit integer times 2^-53
}

// element i of Rng.uniform(lo, hi): lo + (hi - lo) · u
__host__ __device__ __forceinline__ double uniform_at(uint64_t seed, int64_t i, double lo, double hi) {
    const Block b = philox(seed, static_cast<uint64_t>(i) >> 1);
    const int w = static_cast<int>(i & 1) * 2;
    return add_rn(lo, mul_rn(hi - lo, to_double(b.w[w], b.w[w + 1])));
}

// element i of Rng.normal(mean, std): mean + std · sqrt(-2 ln u1) · cos(2π u2)
__host__ __device__ __forceinline__ double normal_at(uint64_t seed, int64_t i, double mean, double std) {
    const Block b = philox(seed, static_cast<uint64_t>(i));
    double u1 = to_double(b.w[0], b.w[1]);
    const double u2 = to_double(b.w[2], b.w[3]);
    if (u1 < 1e-300) u1 = 1e-300;
    const double r = sqrt(mul_rn(-2.0, log(u1)));
    const double z = mul_rn(r, cos(mul_rn(mul_rn(2.0, 3.141592653589793), u2)));
    return add_rn(mean, mul_rn(std, z));
}

template <class T>
__global__ void uniform_kernel(uint64_t seed, T* out, int64_t n, double lo, double hi) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = static_cast<T>(uniform_at(seed, i, lo, hi));
    }
}

template <class T>
__global__ void normal_kernel(uint64_t seed, T* out, int64_t n, double mean, double std) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = static_cast<T>(normal_at(seed, i, mean, std));
    }
}

__global__ void u32_kernel(uint64_t seed, uint32_t* out, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = philox(seed, static_cast<uint64_t>(i) >> 2).w[i & 3];
    }
}

}  // namespace

extern "C" {

// ---- host reference (runs on the CPU; no CUDA call) --------------------------------------------

int lamina_philox_host_u32(int64_t seed, int64_t n, int32_t* out) {
    for (int64_t i = 0; i < n; i++) {
        out[i] = static_cast<int32_t>(philox(static_cast<uint64_t>(seed), static_cast<uint64_t>(i) >> 2).w[i & 3]);
    }
    return 0;
}

int lamina_philox_host_uniform_f64(int64_t seed, int64_t n, double lo, double hi, double* out) {
    for (int64_t i = 0; i < n; i++) out[i] = uniform_at(static_cast<uint64_t>(seed), i, lo, hi);
    return 0;
}

int lamina_philox_host_normal_f64(int64_t seed, int64_t n, double mean, double std, double* out) {
    for (int64_t i = 0; i < n; i++) out[i] = normal_at(static_cast<uint64_t>(seed), i, mean, std);
    return 0;
}

// ---- device ----------------------------------------------------------------------------------

int lamina_cuda_philox_u32(int64_t seed, void* out, int64_t n, void* stream) {
    if (n <= 0) return cudaSuccess;
    u32_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(static_cast<uint64_t>(seed),
                                                                  static_cast<uint32_t*>(out), n);
    return launch_result();
}

int lamina_cuda_random_uniform(int dtype, int64_t seed, void* out, int64_t n, double lo, double hi, void* stream) {
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    const uint64_t key = static_cast<uint64_t>(seed);
    switch (dtype) {
        case F32: uniform_kernel<float><<<blocks_for(n), kThreads, 0, s>>>(key, static_cast<float*>(out), n, lo, hi); break;
        case F64: uniform_kernel<double><<<blocks_for(n), kThreads, 0, s>>>(key, static_cast<double*>(out), n, lo, hi); break;
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
    return launch_result();
}

int lamina_cuda_random_normal(int dtype, int64_t seed, void* out, int64_t n, double mean, double std, void* stream) {
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    const uint64_t key = static_cast<uint64_t>(seed);
    switch (dtype) {
        case F32: normal_kernel<float><<<blocks_for(n), kThreads, 0, s>>>(key, static_cast<float*>(out), n, mean, std); break;
        case F64: normal_kernel<double><<<blocks_for(n), kThreads, 0, s>>>(key, static_cast<double*>(out), n, mean, std); break;
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
    return launch_result();
}

}  // extern "C"
