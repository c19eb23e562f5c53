// Element-wise kernels: unary, binary with broadcasting (rank <= 8), fill, cast, copyStrided.
// Semantics follow the cpu backend (cpu-kernels/lamina_kernels.hpp): Java conversions, NaN
// propagation in MAXIMUM/MINIMUM, integer DIV truncating with 0 for a zero divisor, wrapping
// integer arithmetic, BOOL as logical or/and. Every kernel is a grid-stride loop over 64-bit
// indices. Compiled, not yet run on a GPU.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_ops.h"
#include "lamina_cuda_common.cuh"
#include "lamina_cuda_scalar.cuh"

using namespace lamina;

namespace {

// the scalar functions (unary_one, binary_one) are in lamina_cuda_scalar.cuh, shared with fused.cu

template <class T, int OP>
__global__ void unary_kernel(const T* x, T* out, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = unary_one<T, OP>(x[i]);
    }
}

template <class T, int OP>
int launch_unary(const void* x, void* out, int64_t n, cudaStream_t s) {
    unary_kernel<T, OP><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(out), n);
    return launch_result();
}

template <class T>
int unary_t(int op, const void* x, void* out, int64_t n, cudaStream_t s) {
    if constexpr (std::is_floating_point_v<T>) {
        switch (op) {
#define LAMINA_UNARY_CASE(NAME, code) \
            case NAME: return launch_unary<T, NAME>(x, out, n, s);
            LAMINA_UNARY_OPS(LAMINA_UNARY_CASE)  // every op of native/lamina_ops.h
#undef LAMINA_UNARY_CASE
            default: return static_cast<int>(cudaErrorInvalidValue);
        }
    } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
        switch (op) {
            case NEG: return launch_unary<T, NEG>(x, out, n, s);
            case ABS: return launch_unary<T, ABS>(x, out, n, s);
            case SIGN: return launch_unary<T, SIGN>(x, out, n, s);
            case SQUARE: return launch_unary<T, SQUARE>(x, out, n, s);
            default: return static_cast<int>(cudaErrorInvalidValue);
        }
    } else {
        return static_cast<int>(cudaErrorInvalidValue);
    }
}

// ---- binary ----------------------------------------------------------------------------------

// out[i] = op(a[Σ idx·as], b[Σ idx·bs]) for the row-major index vector idx of linear index i.
template <class T, class O, int OP>
__global__ void binary_kernel(const T* a, const T* b, O* out, Strided g, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        int64_t rem = i, ia = 0, ib = 0;
#pragma unroll
        for (int d = kMaxRank - 1; d >= 0; d--) {
            if (d < g.rank) {
                const int64_t q = rem / g.shape[d];
                const int64_t c = rem - q * g.shape[d];
                rem = q;
                ia += c * g.s0[d];
                ib += c * g.s1[d];
            }
        }
        out[i] = binary_one<T, OP>(a[ia], b[ib]);
    }
}

// same-shape contiguous operands: no index arithmetic
template <class T, class O, int OP>
__global__ void binary_contig_kernel(const T* a, const T* b, O* out, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = binary_one<T, OP>(a[i], b[i]);
    }
}

template <class T, int OP>
int launch_binary(const void* a, const void* b, void* out, const Strided& g, bool contiguous, int64_t n,
                  cudaStream_t s) {
    using O = BinOut<T, OP>;
    if (contiguous) {
        binary_contig_kernel<T, O, OP><<<blocks_for(n), kThreads, 0, s>>>(
                static_cast<const T*>(a), static_cast<const T*>(b), static_cast<O*>(out), n);
    } else {
        binary_kernel<T, O, OP><<<blocks_for(n), kThreads, 0, s>>>(
                static_cast<const T*>(a), static_cast<const T*>(b), static_cast<O*>(out), g, n);
    }
    return launch_result();
}

template <class T>
int binary_t(int op, const void* a, const void* b, void* out, const Strided& g, bool c, int64_t n, cudaStream_t s) {
    switch (op) {
        case EQ: return launch_binary<T, EQ>(a, b, out, g, c, n, s);
        case NE: return launch_binary<T, NE>(a, b, out, g, c, n, s);
        case LT: return launch_binary<T, LT>(a, b, out, g, c, n, s);
        case LE: return launch_binary<T, LE>(a, b, out, g, c, n, s);
        case GT: return launch_binary<T, GT>(a, b, out, g, c, n, s);
        case GE: return launch_binary<T, GE>(a, b, out, g, c, n, s);
        default: break;
    }
    if constexpr (std::is_same_v<T, uint8_t>) {
        switch (op) {
            case ADD: return launch_binary<T, ADD>(a, b, out, g, c, n, s);
            case MAXIMUM: return launch_binary<T, MAXIMUM>(a, b, out, g, c, n, s);
            case MUL: return launch_binary<T, MUL>(a, b, out, g, c, n, s);
            case MINIMUM: return launch_binary<T, MINIMUM>(a, b, out, g, c, n, s);
            default: return static_cast<int>(cudaErrorInvalidValue);
        }
    } else {
        switch (op) {
#define LAMINA_BINARY_CASE(NAME, code) \
            case NAME: return launch_binary<T, NAME>(a, b, out, g, c, n, s);
            LAMINA_BINARY_OPS(LAMINA_BINARY_CASE)  // comparisons returned above
#undef LAMINA_BINARY_CASE
            default: return static_cast<int>(cudaErrorInvalidValue);
        }
    }
}

// ---- fill, cast, copyStrided -----------------------------------------------------------------

template <class T>
__global__ void fill_kernel(T* out, T v, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = v;
}

template <class From, class To>
__global__ void cast_kernel(const From* x, To* out, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = convert<To, From>(x[i]);
    }
}

// dst[dstOff + Σ idx·s1] = src[srcOff + Σ idx·s0], elements moved as E (1, 4 or 8 bytes)
template <class E>
__global__ void copy_strided_kernel(const E* src, int64_t srcOff, E* dst, int64_t dstOff, Strided g, int64_t n) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        int64_t rem = i, is = srcOff, id = dstOff;
#pragma unroll
        for (int d = kMaxRank - 1; d >= 0; d--) {
            if (d < g.rank) {
                const int64_t q = rem / g.shape[d];
                const int64_t c = rem - q * g.shape[d];
                rem = q;
                is += c * g.s0[d];
                id += c * g.s1[d];
            }
        }
        dst[id] = src[is];
    }
}

bool make_strided(Strided& g, const int64_t* shape, const int64_t* s0, const int64_t* s1, int rank, int64_t& n) {
    if (rank < 0 || rank > kMaxRank) return false;
    g = Strided{};
    g.rank = rank;
    n = 1;
    for (int d = 0; d < rank; d++) {
        g.shape[d] = shape[d];
        g.s0[d] = s0[d];
        g.s1[d] = s1 != nullptr ? s1[d] : 0;
        n *= shape[d];
    }
    return true;
}

}  // namespace

extern "C" {

int lamina_cuda_unary(int op, int dtype, const void* x, void* out, int64_t n, void* stream) {
    if (n <= 0) return cudaSuccess;
    return with_dtype(dtype, [&](auto t) { return unary_t<decltype(t)>(op, x, out, n, as_stream(stream)); });
}

int lamina_cuda_binary(int op, int dtype, const void* a, const int64_t* a_strides, const void* b,
                       const int64_t* b_strides, void* out, const int64_t* shape, int rank, void* stream) {
    Strided g;
    int64_t n;
    if (!make_strided(g, shape, a_strides, b_strides, rank, n)) return static_cast<int>(cudaErrorInvalidValue);
    if (n <= 0) return cudaSuccess;
    bool contiguous = true;
    int64_t expect = 1;
    for (int d = rank - 1; d >= 0; d--) {
        if (shape[d] != 1 && (a_strides[d] != expect || b_strides[d] != expect)) contiguous = false;
        expect *= shape[d];
    }
    return with_dtype(dtype, [&](auto t) {
        return binary_t<decltype(t)>(op, a, b, out, g, contiguous, n, as_stream(stream));
    });
}

int lamina_cuda_fill(int dtype, void* out, int64_t n, double value, void* stream) {
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    return with_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        T v;
        if constexpr (std::is_same_v<T, float>) v = static_cast<float>(value);
        else v = convert<T, double>(value);
        fill_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<T*>(out), v, n);
        return launch_result();
    });
}

int lamina_cuda_cast(int from_dtype, const void* x, int to_dtype, void* out, int64_t n, void* stream) {
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    return with_dtype(from_dtype, [&](auto f) {
        using From = decltype(f);
        return with_dtype(to_dtype, [&](auto t) {
            using To = decltype(t);
            cast_kernel<From, To><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const From*>(x),
                                                                      static_cast<To*>(out), n);
            return launch_result();
        });
    });
}

int lamina_cuda_copy_strided(const void* src, int64_t src_offset, const int64_t* src_strides, void* dst,
                             int64_t dst_offset, const int64_t* dst_strides, const int64_t* shape, int rank,
                             int elem_size, void* stream) {
    Strided g;
    int64_t n;
    if (!make_strided(g, shape, src_strides, dst_strides, rank, n)) return static_cast<int>(cudaErrorInvalidValue);
    if (n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    switch (elem_size) {
        case 1:
            copy_strided_kernel<uint8_t><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<const uint8_t*>(src), src_offset, static_cast<uint8_t*>(dst), dst_offset, g, n);
            break;
        case 4:
            copy_strided_kernel<uint32_t><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<const uint32_t*>(src), src_offset, static_cast<uint32_t*>(dst), dst_offset, g, n);
            break;
        case 8:
            copy_strided_kernel<uint64_t><<<blocks_for(n), kThreads, 0, s>>>(
                    static_cast<const uint64_t*>(src), src_offset, static_cast<uint64_t*>(dst), dst_offset, g, n);
            break;
        default:
            return static_cast<int>(cudaErrorInvalidValue);
    }
    return launch_result();
}

}  // extern "C"
