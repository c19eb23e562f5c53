// Shared helpers of the cuda-kernels/*.cu files: dtype codes (DType ordinals), Java-semantics
// conversions, launch geometry. Not part of the JNI surface.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include <type_traits>

#include "lamina_cuda.h"

namespace lamina {

// dev.lamina.types.DType ordinals
enum DT : int { F32 = 0, F64 = 1, I32 = 2, I64 = 3, BOOL = 4 };

constexpr int kThreads = 256;
// 65535 blocks of 256 threads cover 16M elements per sweep; larger n is covered by grid-stride loops.
constexpr int64_t kMaxBlocks = 65535;

inline unsigned blocks_for(int64_t n, int threads = kThreads) {
    int64_t b = (n + threads - 1) / threads;
    if (b < 1) b = 1;
    if (b > kMaxBlocks) b = kMaxBlocks;
    return static_cast<unsigned>(b);
}

inline cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

// The result of a kernel launch, read right after it with cudaGetLastError. A launch error of this
// launch (invalid configuration, too many resources, no kernel image) is cleared by that read. An
// error still there afterwards is sticky: an earlier kernel faulted while it ran asynchronously and
// the context is unusable. It is returned with LAMINA_CUDA_EARLIER_ERROR set, so that Java does not
// blame this op's kernel for it. (Every other call of the surface clears the error it returns,
// so nothing else is left pending; see call_result.)
inline int launch_result() {
    const cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return 0;
    if (cudaPeekAtLastError() != cudaSuccess) return static_cast<int>(e) | LAMINA_CUDA_EARLIER_ERROR;
    return static_cast<int>(e);
}

// The result of a runtime call (memset, copy) made by a launcher: a failure is returned and
// cleared, so that the next launch's launch_result does not report it again.
inline int call_result(cudaError_t e) {
    if (e != cudaSuccess) cudaGetLastError();
    return static_cast<int>(e);
}

// integer limits usable in device code (std::numeric_limits is host-only without relaxed constexpr)
template <class T> struct Limits;
template <> struct Limits<int32_t> { static constexpr int32_t lo = INT32_MIN, hi = INT32_MAX; };
template <> struct Limits<int64_t> { static constexpr int64_t lo = INT64_MIN, hi = INT64_MAX; };

// Java semantics (as the cpu backend): float -> int truncates toward zero, NaN -> 0, saturates;
// anything -> bool is (v != 0); bool is stored as one byte 0/1.
template <class To, class From>
__host__ __device__ __forceinline__ To convert(From v) {
    if constexpr (std::is_same_v<To, uint8_t>) {
        return static_cast<uint8_t>(v != From(0));
    } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
        if (v != v) return 0;
        // bounds as From: exact for the int32 limits, and 2^63 for int64 (rounded up, so >=)
        const From hi = static_cast<From>(Limits<To>::hi);
        const From lo = static_cast<From>(Limits<To>::lo);
        if (v >= hi) return Limits<To>::hi;
        if (v <= lo) return Limits<To>::lo;
        return static_cast<To>(v);
    } else {
        return static_cast<To>(v);
    }
}

// Calls f(T{}) with the C++ type of a dtype code; returns cudaErrorInvalidValue for unknown codes.
template <class F>
inline int with_dtype(int dt, F f) {
    switch (dt) {
        case F32: return f(float{});
        case F64: return f(double{});
        case I32: return f(int32_t{});
        case I64: return f(int64_t{});
        case BOOL: return f(uint8_t{});
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

// Up to rank 8 shape and strides, passed to kernels by value.
constexpr int kMaxRank = 8;
struct Strided {
    int64_t shape[kMaxRank];
    int64_t s0[kMaxRank];
    int64_t s1[kMaxRank];
    int rank;
};

}  // namespace lamina
