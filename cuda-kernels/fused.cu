// The fused element-wise kernel of the graph API (dev.lamina.graph.FusedElementwise): a chain of
// unary and binary ops that the fusion pass joined runs as one pass over memory. Each CUDA thread
// evaluates the small op program for its elements, in registers, calling the same scalar
// functions as the unfused kernels (lamina_cuda_scalar.cuh) and rounding every step to the dtype,
// so the result is bitwise the chain of elementwise.cu kernels, NaN and infinities included.
// The cpu twin is cpu-kernels/lamina_fused.hpp; both are checked against the unfused kernels by
// FusedElementwiseTest / CudaFusedElementwiseGpuTest (the latter on the emulated device in CI).
//
// Version 1 (this one): one element per thread in a grid-stride loop, the program in the kernel's
// parameter space (uniform across the warp, so the op switch does not diverge), registers in a
// small per-thread array. The program is limited to LAMINA_FUSED_MAX_REGISTERS registers.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_ops.h"
#include "lamina_cuda_common.cuh"
#include "lamina_cuda_scalar.cuh"

using namespace lamina;

namespace {

constexpr int kMaxRegs = LAMINA_FUSED_MAX_REGISTERS;

// Passed by value (about 1.6 KB of the 4 KB kernel parameter space).
struct Program {
    const void* in[kMaxRegs];
    int32_t code[4 * kMaxRegs];
    uint64_t scalar_mask;  // bit k: input k is one element broadcast
    int n_in;
    int n_instr;
};

// A step's rounded result, kept opaque to the compiler: nvcc contracts a multiply and a following
// add into one fma (one rounding) when it sees both, which the unfused kernels never do. The empty
// asm makes each step's value a register the next step only reads. (The emulated device is built
// with -ffp-contract=off and needs no barrier.)
template <class T>
__device__ __forceinline__ T rounded(T v) {
#ifndef LAMINA_CUDAEMU
    if constexpr (sizeof(T) == 4) {
        asm volatile("" : "+f"(v));
    } else {
        asm volatile("" : "+d"(v));
    }
#endif
    return v;
}

template <class T>
__device__ __forceinline__ T apply_unary(int op, T v) {
    switch (op) {
#define LAMINA_FUSED_UNARY_CASE(NAME, code) \
        case NAME: return unary_one<T, NAME>(v);
        LAMINA_UNARY_OPS(LAMINA_FUSED_UNARY_CASE)  // every op of native/lamina_ops.h
#undef LAMINA_FUSED_UNARY_CASE
        default: return v;  // never: the launcher checks every op code
    }
}

template <class T>
__device__ __forceinline__ T apply_binary(int op, T x, T y) {
    switch (op) {
        case ADD: return binary_one<T, ADD>(x, y);
        case SUB: return binary_one<T, SUB>(x, y);
        case MUL: return binary_one<T, MUL>(x, y);
        case DIV: return binary_one<T, DIV>(x, y);
        case POW: return binary_one<T, POW>(x, y);
        case MAXIMUM: return binary_one<T, MAXIMUM>(x, y);
        case MINIMUM: return binary_one<T, MINIMUM>(x, y);
        default: return x;  // never: the launcher checks every op code
    }
}

template <class T>
__global__ void fused_elementwise_v1(Program p, T* out, int64_t n) {
    T r[kMaxRegs];
    const int last = p.n_in + p.n_instr - 1;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        for (int k = 0; k < p.n_in; k++) {
            r[k] = static_cast<const T*>(p.in[k])[((p.scalar_mask >> k) & 1u) ? 0 : i];
        }
        for (int j = 0; j < p.n_instr; j++) {
            const int32_t* c = &p.code[4 * j];
            const T v = c[0] == 0 ? apply_unary<T>(c[1], r[c[2]]) : apply_binary<T>(c[1], r[c[2]], r[c[3]]);
            r[p.n_in + j] = rounded(v);
        }
        out[i] = r[last];
    }
}

bool valid_unary(int op) {
    switch (op) {
        case NEG: case ABS: case SIGN: case EXP: case LOG: case LOG1P: case SQRT: case SQUARE: case RECIPROCAL:
        case TANH: case SIGMOID: case RELU: case STEP: case SOFTPLUS:
            return true;
        default:
            return false;
    }
}

bool valid_binary(int op) {
    switch (op) {
        case ADD: case SUB: case MUL: case DIV: case POW: case MAXIMUM: case MINIMUM:
            return true;
        default:
            return false;
    }
}

}  // namespace

extern "C" {

int lamina_cuda_fused_elementwise(int dtype, int n_inputs, const int64_t* inputs, const int* scalar,
                                  const int* code, int n_instructions, void* out, int64_t n, void* stream) {
    if (n_inputs < 1 || n_instructions < 1 || n_inputs + n_instructions > kMaxRegs) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    if (dtype != F32 && dtype != F64) return static_cast<int>(cudaErrorInvalidValue);
    Program p{};
    p.n_in = n_inputs;
    p.n_instr = n_instructions;
    for (int k = 0; k < n_inputs; k++) {
        if (inputs[k] == 0) return static_cast<int>(cudaErrorInvalidValue);
        p.in[k] = reinterpret_cast<const void*>(inputs[k]);
        if (scalar[k] != 0) p.scalar_mask |= uint64_t(1) << k;
    }
    for (int j = 0; j < n_instructions; j++) {
        const int kind = code[4 * j], op = code[4 * j + 1], a = code[4 * j + 2], b = code[4 * j + 3];
        const int avail = n_inputs + j;  // registers written before instruction j
        if (a < 0 || a >= avail || (kind == 1 && (b < 0 || b >= avail))) return static_cast<int>(cudaErrorInvalidValue);
        if (!(kind == 0 ? valid_unary(op) : kind == 1 && valid_binary(op))) return static_cast<int>(cudaErrorInvalidValue);
        for (int q = 0; q < 4; q++) p.code[4 * j + q] = code[4 * j + q];
    }
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    if (dtype == F32) {
        fused_elementwise_v1<float><<<blocks_for(n), kThreads, 0, s>>>(p, static_cast<float*>(out), n);
    } else {
        fused_elementwise_v1<double><<<blocks_for(n), kThreads, 0, s>>>(p, static_cast<double*>(out), n);
    }
    return launch_result();
}

}  // extern "C"
