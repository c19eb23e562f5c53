// Kernels with deliberate faults, for the kernel harness to check that the emulated device
// reports each one as a failed launch naming the kernel and this file's line (the EXPECT_LINE
// comments are what the harness looks for). Compiled only into the harness, never into a library.
#include <cuda_runtime.h>
#include <stdint.h>

namespace {

__global__ void early_exit_before_barrier(float* out) {
    __shared__ float s[64];
    if (threadIdx.x >= 32) return;
    s[threadIdx.x] = 1.0f;
    __syncthreads();  // EXPECT_LINE barrier_exit
    out[threadIdx.x] = s[63 - threadIdx.x];
}

__global__ void barrier_in_branches(float* out) {
    if (threadIdx.x % 2 == 0) {
        __syncthreads();  // EXPECT_LINE barrier_two_sites
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

__global__ void mismatched_masks(float* out) {
    float v = threadIdx.x;
    const unsigned mask = threadIdx.x < 16 ? 0x0000ffffu : 0xffffffffu;
    v += __shfl_xor_sync(mask, v, 1);  // EXPECT_LINE masks
    out[threadIdx.x] = v;
}

__global__ void shuffle_then_barrier(float* out) {
    float v = threadIdx.x;
    if (threadIdx.x < 16) {
        v += __shfl_down_sync(0xffffffffu, v, 1);  // EXPECT_LINE deadlock
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = v;
}

__global__ void block_sum(const float* in, float* out, int n) {
    __shared__ float s[128];
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    s[threadIdx.x] = i < n ? in[i] : 0.0f;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
        if (static_cast<int>(threadIdx.x) < w) s[threadIdx.x] += s[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = s[0];
}

}  // namespace

extern "C" {
int selftest_early_exit(float* out) {
    early_exit_before_barrier<<<1, 64>>>(out);
    return static_cast<int>(cudaGetLastError());
}
int selftest_two_sites(float* out) {
    barrier_in_branches<<<1, 64>>>(out);
    return static_cast<int>(cudaGetLastError());
}
int selftest_masks(float* out) {
    mismatched_masks<<<1, 32>>>(out);
    return static_cast<int>(cudaGetLastError());
}
int selftest_deadlock(float* out) {
    shuffle_then_barrier<<<1, 32>>>(out);
    return static_cast<int>(cudaGetLastError());
}
int selftest_block_sum(const float* in, float* out, int n) {
    block_sum<<<(n + 127) / 128, 128>>>(in, out, n);
    return static_cast<int>(cudaGetLastError());
}
int selftest_bad_config(float* out) {
    block_sum<<<1, 2048>>>(out, out, 1);
    return static_cast<int>(cudaGetLastError());
}
}
