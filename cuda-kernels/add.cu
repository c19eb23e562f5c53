// Elementwise float32 add: out[i] = a[i] + b[i].
//
// One grid-stride loop: a grid sized to the data (capped), each thread walking the array in
// steps of the whole grid, so any n (up to int64) is covered by one launch.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"

namespace {

constexpr int kThreads = 256;
// 65535 blocks of 256 threads cover 16M elements per sweep; larger n loops.
constexpr int64_t kMaxBlocks = 65535;

__global__ void add_f32_kernel(const float* __restrict__ a, const float* __restrict__ b,
                               float* __restrict__ out, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride) {
        out[i] = a[i] + b[i];
    }
}

}  // namespace

extern "C" int lamina_cuda_add_f32(const float* a, const float* b, float* out, int64_t n,
                                   void* stream) {
    if (n <= 0) {
        return cudaSuccess;
    }
    int64_t blocks = (n + kThreads - 1) / kThreads;
    if (blocks > kMaxBlocks) {
        blocks = kMaxBlocks;
    }
    add_f32_kernel<<<static_cast<unsigned>(blocks), kThreads, 0,
                     static_cast<cudaStream_t>(stream)>>>(a, b, out, n);
    return static_cast<int>(cudaGetLastError());
}
