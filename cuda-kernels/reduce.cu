// Reductions over the middle axis of [outer, n, inner] (SUM/MAX/MIN/ARGMAX/ARGMIN), softmax and
// log-softmax along that axis, row gather, row scatter-add and one-hot.
//
// Determinism: no atomics anywhere. When inner == 1 one block reduces one row with a fixed
// shape (each thread folds a fixed strided subset in increasing order, then a shared-memory
// tree of fixed pairing); otherwise one thread owns one output (o, i) and folds n in order.
// scatterAdd gives each column of the row one thread that walks the ids in increasing order,
// so out[r, j] receives its additions in the order of i, the same order as the cpu backend.
// Compiled, not yet run on a GPU.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_ops.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

// op codes: native/lamina_ops.h
enum ROp : int { LAMINA_REDUCE_OPS(LAMINA_ENUM_ENTRY) };

constexpr int kRowThreads = 256;

// accumulator of SUM: float32 sums accumulate in double (fixed order), as the cpu backend's do: a
// float32 accumulator lost the digits of sums that cancel (a bias gradient of 24 seeds summing to
// 1e-2 came out 4e-5 off); float64 in float64, integers wrap
template <class T>
struct Acc { using type = T; };
template <>
struct Acc<float> { using type = double; };

// the partials' type of op OP on T: the SUM accumulator, else T itself
template <class T, int OP>
using Part = std::conditional_t<OP == SUM, typename Acc<T>::type, T>;

template <class T>
__device__ __forceinline__ bool is_nan(T v) {
    if constexpr (std::is_floating_point_v<T>) return v != v; else return false;
}

// (value, index) combine of MAX/MIN/ARGMAX/ARGMIN: NaN wins (the first NaN), then the larger
// (smaller) value, ties to the smaller index. Associative and commutative, so any fixed tree
// gives the first occurrence as the sequential scan does.
template <class T, bool IS_MAX>
__device__ __forceinline__ void pick(T& v, int64_t& i, T v2, int64_t i2) {
    const bool n1 = is_nan(v), n2 = is_nan(v2);
    bool take;
    if (n1 || n2) take = n2 && (!n1 || i2 < i);
    else if (v2 == v) take = i2 < i;
    else take = IS_MAX ? (v2 > v) : (v2 < v);
    if (take) { v = v2; i = i2; }
}

template <class T>
__device__ __forceinline__ T wrap_add(T a, T b) {
    if constexpr (std::is_same_v<T, uint8_t>) {
        return static_cast<uint8_t>(a | b);  // bool: the sum is logical or (as the cpu backend)
    } else if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        return static_cast<T>(U(a) + U(b));
    } else {
        return a + b;
    }
}

// one block per output row (inner == 1): x row of n elements -> out[row]
template <class T, int OP>
__global__ void reduce_rows_kernel(const T* x, void* out, int64_t outer, int64_t n) {
    using P = Part<T, OP>;
    __shared__ P sv[kRowThreads];
    __shared__ int64_t si[kRowThreads];
    for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
        const T* xr = x + row * n;
        const int t = threadIdx.x;
        P v;
        int64_t idx = INT64_MAX;
        if (OP == SUM) v = P(0); else v = xr[0], idx = 0;
        for (int64_t j = t; j < n; j += kRowThreads) {
            if constexpr (OP == SUM) v = wrap_add(v, static_cast<P>(xr[j]));
            else pick<T, OP == MAX || OP == ARGMAX>(v, idx, xr[j], j);
        }
        sv[t] = v;
        si[t] = idx;
        __syncthreads();
        for (int w = kRowThreads / 2; w > 0; w >>= 1) {
            if (t < w) {
                if constexpr (OP == SUM) {
                    sv[t] = wrap_add(sv[t], sv[t + w]);
                } else {
                    T a = sv[t];
                    int64_t ia = si[t];
                    pick<T, OP == MAX || OP == ARGMAX>(a, ia, sv[t + w], si[t + w]);
                    sv[t] = a;
                    si[t] = ia;
                }
            }
            __syncthreads();
        }
        if (t == 0) {
            if constexpr (OP == ARGMAX || OP == ARGMIN) static_cast<int64_t*>(out)[row] = si[0];
            else static_cast<T*>(out)[row] = sv[0];
        }
        __syncthreads();
    }
}

// one thread per output (o, i), folding j = 0..n-1 in order (coalesced across i)
template <class T, int OP>
__global__ void reduce_cols_kernel(const T* x, void* out, int64_t outer, int64_t n, int64_t inner) {
    const int64_t total = outer * inner;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < total; p += stride) {
        const int64_t o = p / inner, i = p - o * inner;
        const T* xc = x + o * n * inner + i;
        Part<T, OP> v = OP == SUM ? Part<T, OP>(0) : xc[0];
        int64_t idx = 0;
        for (int64_t j = (OP == SUM ? 0 : 1); j < n; j++) {
            if constexpr (OP == SUM) v = wrap_add(v, static_cast<Part<T, OP>>(xc[j * inner]));
            else pick<T, OP == MAX || OP == ARGMAX>(v, idx, xc[j * inner], j);
        }
        if constexpr (OP == ARGMAX || OP == ARGMIN) static_cast<int64_t*>(out)[p] = idx;
        else static_cast<T*>(out)[p] = v;
    }
}

template <class T, int OP>
int launch_reduce(const void* x, void* out, int64_t outer, int64_t n, int64_t inner, cudaStream_t s) {
    const T* xt = static_cast<const T*>(x);
    if (inner == 1) {
        reduce_rows_kernel<T, OP><<<blocks_for(outer, 1), kRowThreads, 0, s>>>(xt, out, outer, n);
    } else {
        reduce_cols_kernel<T, OP><<<blocks_for(outer * inner), kThreads, 0, s>>>(xt, out, outer, n, inner);
    }
    return launch_result();
}

// bool (uint8 0/1): SUM is logical or, MAX any, MIN all, ARGMAX/ARGMIN the first 1/0
template <class T>
int reduce_t(int op, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, cudaStream_t s) {
    switch (op) {
        case SUM: return launch_reduce<T, SUM>(x, out, outer, n, inner, s);
        case MAX: return launch_reduce<T, MAX>(x, out, outer, n, inner, s);
        case MIN: return launch_reduce<T, MIN>(x, out, outer, n, inner, s);
        case ARGMAX: return launch_reduce<T, ARGMAX>(x, out, outer, n, inner, s);
        case ARGMIN: return launch_reduce<T, ARGMIN>(x, out, outer, n, inner, s);
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

// ---- softmax ---------------------------------------------------------------------------------

// fixed-shape block tree over kRowThreads partials; op 0 = max (NaN propagates), 1 = sum
template <class T, int KIND>
__device__ T block_reduce(T v, T* sh) {
    const int t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (int w = kRowThreads / 2; w > 0; w >>= 1) {
        if (t < w) {
            const T a = sh[t], b = sh[t + w];
            sh[t] = KIND == 0 ? ((a != a || b != b) ? (a != a ? a : b) : (a > b ? a : b)) : a + b;
        }
        __syncthreads();
    }
    const T r = sh[0];
    __syncthreads();
    return r;
}

template <class T>
__global__ void softmax_rows_kernel(const T* x, T* out, int64_t outer, int64_t n, bool log_out) {
    __shared__ T sh[kRowThreads];
    for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
        const T* xr = x + row * n;
        T* yr = out + row * n;
        T m = xr[0];
        for (int64_t j = threadIdx.x; j < n; j += kRowThreads) {
            const T v = xr[j];
            m = (m != m || v != v) ? (m != m ? m : v) : (v > m ? v : m);
        }
        m = block_reduce<T, 0>(m, sh);
        T sum = T(0);
        for (int64_t j = threadIdx.x; j < n; j += kRowThreads) sum += exp(xr[j] - m);
        sum = block_reduce<T, 1>(sum, sh);
        if (log_out) {
            const T ls = log(sum);
            for (int64_t j = threadIdx.x; j < n; j += kRowThreads) yr[j] = xr[j] - m - ls;
        } else {
            const T inv = T(1) / sum;
            for (int64_t j = threadIdx.x; j < n; j += kRowThreads) yr[j] = exp(xr[j] - m) * inv;
        }
    }
}

template <class T>
__global__ void softmax_cols_kernel(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool log_out) {
    const int64_t total = outer * inner;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < total; p += stride) {
        const int64_t o = p / inner, i = p - o * inner;
        const T* xc = x + o * n * inner + i;
        T* yc = out + o * n * inner + i;
        T m = xc[0];
        for (int64_t j = 1; j < n; j++) {
            const T v = xc[j * inner];
            m = (m != m || v != v) ? (m != m ? m : v) : (v > m ? v : m);
        }
        T sum = T(0);
        for (int64_t j = 0; j < n; j++) sum += exp(xc[j * inner] - m);
        if (log_out) {
            const T ls = log(sum);
            for (int64_t j = 0; j < n; j++) yc[j * inner] = xc[j * inner] - m - ls;
        } else {
            const T inv = T(1) / sum;
            for (int64_t j = 0; j < n; j++) yc[j * inner] = exp(xc[j * inner] - m) * inv;
        }
    }
}

template <class T>
int softmax_t(const void* x, void* out, int64_t outer, int64_t n, int64_t inner, bool log_out, cudaStream_t s) {
    if (inner == 1) {
        softmax_rows_kernel<T><<<blocks_for(outer, 1), kRowThreads, 0, s>>>(
                static_cast<const T*>(x), static_cast<T*>(out), outer, n, log_out);
    } else {
        softmax_cols_kernel<T><<<blocks_for(outer * inner), kThreads, 0, s>>>(
                static_cast<const T*>(x), static_cast<T*>(out), outer, n, inner, log_out);
    }
    return launch_result();
}

// ---- gather, scatterAdd, oneHot ----------------------------------------------------------------

template <class I>
__device__ __forceinline__ int64_t id_at(const void* ids, int64_t i) {
    return static_cast<int64_t>(static_cast<const I*>(ids)[i]);
}

// out[i, j] = table[ids[i], j]; an id outside [0, rows) is never dereferenced (its row is zeros)
template <class E, class I>
__global__ void gather_kernel(const E* table, int64_t rows, int64_t row_size, const void* ids, int64_t n_ids,
                              E* out) {
    const int64_t total = n_ids * row_size;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < total; p += stride) {
        const int64_t i = p / row_size, j = p - i * row_size;
        const int64_t r = id_at<I>(ids, i);
        out[p] = (r >= 0 && r < rows) ? table[r * row_size + j] : E(0);
    }
}

// column j of every row: out[ids[i], j] += src[i, j] for i = 0, 1, ... in order; ids outside
// [0, rows) are skipped
template <class T, class I>
__global__ void scatter_add_kernel(const T* src, int64_t row_size, const void* ids, int64_t n_ids, T* out,
                                   int64_t rows) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < row_size; j += stride) {
        for (int64_t i = 0; i < n_ids; i++) {
            const int64_t r = id_at<I>(ids, i);
            if (r >= 0 && r < rows) out[r * row_size + j] = wrap_add(out[r * row_size + j], src[i * row_size + j]);
        }
    }
}

template <class T, class I>
__global__ void one_hot_kernel(const void* ids, int64_t n_ids, int64_t depth, T* out) {
    const int64_t total = n_ids * depth;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < total; p += stride) {
        const int64_t i = p / depth, d = p - i * depth;
        out[p] = id_at<I>(ids, i) == d ? T(1) : T(0);
    }
}

template <class F>
int with_ids(int id_dtype, F f) {
    switch (id_dtype) {
        case I32: return f(int32_t{});
        case I64: return f(int64_t{});
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

}  // namespace

extern "C" {

int lamina_cuda_reduce(int op, int dtype, const void* x, int64_t outer, int64_t n, int64_t inner, void* out,
                       void* stream) {
    if (outer <= 0 || inner <= 0) return cudaSuccess;
    if (n < 1) return static_cast<int>(cudaErrorInvalidValue);
    return with_dtype(dtype, [&](auto t) {
        return reduce_t<decltype(t)>(op, x, out, outer, n, inner, as_stream(stream));
    });
}

int lamina_cuda_softmax(int dtype, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, int log_out,
                        void* stream) {
    if (outer <= 0 || inner <= 0) return cudaSuccess;
    if (n < 1) return static_cast<int>(cudaErrorInvalidValue);
    switch (dtype) {
        case F32: return softmax_t<float>(x, out, outer, n, inner, log_out != 0, as_stream(stream));
        case F64: return softmax_t<double>(x, out, outer, n, inner, log_out != 0, as_stream(stream));
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

int lamina_cuda_gather(int elem_size, const void* table, int64_t rows, int64_t row_size, const void* ids,
                       int id_dtype, int64_t n_ids, void* out, void* stream) {
    if (n_ids <= 0 || row_size <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    const unsigned blocks = blocks_for(n_ids * row_size);
    return with_ids(id_dtype, [&](auto idt) {
        using I = decltype(idt);
        switch (elem_size) {
            case 1:
                gather_kernel<uint8_t, I><<<blocks, kThreads, 0, s>>>(static_cast<const uint8_t*>(table), rows,
                        row_size, ids, n_ids, static_cast<uint8_t*>(out));
                break;
            case 4:
                gather_kernel<uint32_t, I><<<blocks, kThreads, 0, s>>>(static_cast<const uint32_t*>(table), rows,
                        row_size, ids, n_ids, static_cast<uint32_t*>(out));
                break;
            case 8:
                gather_kernel<uint64_t, I><<<blocks, kThreads, 0, s>>>(static_cast<const uint64_t*>(table), rows,
                        row_size, ids, n_ids, static_cast<uint64_t*>(out));
                break;
            default:
                return static_cast<int>(cudaErrorInvalidValue);
        }
        return launch_result();
    });
}

int lamina_cuda_scatter_add(int dtype, const void* src, int64_t row_size, const void* ids, int id_dtype,
                            int64_t n_ids, void* out, int64_t rows, void* stream) {
    if (n_ids <= 0 || row_size <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    return with_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        return with_ids(id_dtype, [&](auto idt) {
            using I = decltype(idt);
            scatter_add_kernel<T, I><<<blocks_for(row_size), kThreads, 0, s>>>(
                    static_cast<const T*>(src), row_size, ids, n_ids, static_cast<T*>(out), rows);
            return launch_result();
        });
    });
}

int lamina_cuda_one_hot(const void* ids, int id_dtype, int64_t n_ids, int64_t depth, void* out, int out_dtype,
                        void* stream) {
    if (n_ids <= 0 || depth <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    return with_dtype(out_dtype, [&](auto t) {
        using T = decltype(t);
        return with_ids(id_dtype, [&](auto idt) {
            using I = decltype(idt);
            one_hot_kernel<T, I><<<blocks_for(n_ids * depth), kThreads, 0, s>>>(ids, n_ids, depth,
                                                                                static_cast<T*>(out));
            return launch_result();
        });
    });
}

}  // extern "C"
