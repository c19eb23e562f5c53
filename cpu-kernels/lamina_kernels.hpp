// Lamina cpu-kernels: element-wise, reduction, softmax and indexing kernels, templated over the
// element type. Plain C++17, vectorised by the compiler.
//
// Multiversioning: the leaf "range" functions (those that process [begin, end) of one kernel) carry
// LAMINA_CLONES, so GCC emits an x86-64-v4 (AVX-512), an x86-64-v3 (AVX2/FMA) and a baseline
// x86-64 clone and picks one at load time through an ifunc resolver. The templated loop bodies are
// always_inline, so they are compiled once per clone. The thread pool calls the range functions;
// lambdas never hold hot loops (a lambda would not inherit the clone's target).
//
// Floating-point contraction is off (-ffp-contract=off, see pom.xml) so every clone computes
// bitwise the same results.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "lamina_threads.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(LAMINA_NO_CLONES)
#define LAMINA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LAMINA_CLONES
#endif
#define LAMINA_INLINE __attribute__((always_inline)) inline

#include "lamina_ops.h"

namespace lamina {

// dtype and op codes: native/lamina_ops.h (the Java side is checked against it by NativeHeaderTest)
enum DT : int { F32 = LAMINA_FLOAT32, F64 = LAMINA_FLOAT64, I32 = LAMINA_INT32, I64 = LAMINA_INT64, BOOL = LAMINA_BOOL };
enum UOp : int { LAMINA_UNARY_OPS(LAMINA_ENUM_ENTRY) UOP_COUNT };  // codes run 0..UOP_COUNT-1
enum BOp : int { LAMINA_BINARY_OPS(LAMINA_ENUM_ENTRY) };
enum ROp : int { LAMINA_REDUCE_OPS(LAMINA_ENUM_ENTRY) };

// error codes returned through the C surface
enum Err : int { OK = 0, E_DTYPE = -1, E_OP = -2, E_INDEX = -3, E_ARG = -4, E_NOMEM = -5 };

// Element-wise work below this runs serially (thread policy, issue 13): 2^17 float adds take about
// 40 µs on one core, enough to pay for a fork/join when the other core is busy; at 2^15 (10 µs) the
// second thread saved less than the hand-off cost on a loaded machine. Only the decision to go
// parallel depends on it, never how work is cut, so results do not change.
constexpr int64_t kParallelElems = 1 << 17;

// Binary ops and reductions go to the pool only from 2^18 elements (issue 13: the default thread
// count must not make a workload slower than one thread). Both are memory-bound: 2^17–2^18 adds take
// 40–80 µs, and the seed LSTM fit's 640 × 256 adds (xp's bias, gradient sums) and column sums (the
// bias gradient), 164 K elements each, handed to a second thread made its 2-thread fit 15–20 % slower
// than 1 thread at load 0.2–1.5, the worker spinning between hand-offs for 8–10 % of the samples.
// Only the decision to go parallel depends on it, never how work is cut, so results do not change.
// LAMINA_MEMBOUND_MIN_PARALLEL=n overrides it (A/B benchmarks; 131072 is the previous threshold).
constexpr int64_t kMemBoundParallelElems = 1 << 18;

inline int64_t membound_parallel_elems() {
    static const int64_t n = [] {
        const char* v = std::getenv("LAMINA_MEMBOUND_MIN_PARALLEL");
        const long long x = v != nullptr ? std::atoll(v) : 0;
        return x > 0 ? (int64_t) x : kMemBoundParallelElems;
    }();
    return n;
}

inline int dtype_size(int dt) {
    switch (dt) {
        case F32: case I32: return 4;
        case F64: case I64: return 8;
        case BOOL: return 1;
        default: return 0;
    }
}

// ---- conversions (Java semantics: float -> int truncates, NaN -> 0, saturates) ---------------

template <class To, class From>
LAMINA_INLINE To convert(From v) {
    if constexpr (std::is_same_v<To, uint8_t>) {
        return (uint8_t) (v != From(0));
    } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
        if (v != v) return 0;
        // bounds as From: exact for the int32 limits, and 2^63 for int64 (rounded up, so use >=)
        const From hi = (From) std::numeric_limits<To>::max();
        const From lo = (From) std::numeric_limits<To>::min();
        if (v >= hi) return std::numeric_limits<To>::max();
        if (v <= lo) return std::numeric_limits<To>::min();
        return (To) v;
    } else {
        return (To) v;
    }
}

// ---- fill --------------------------------------------------------------------------------------

template <class T>
LAMINA_INLINE void fill_range(T* out, T v, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = v;
}
LAMINA_CLONES static void fill_f32(float* o, float v, int64_t b, int64_t e) { fill_range(o, v, b, e); }
LAMINA_CLONES static void fill_f64(double* o, double v, int64_t b, int64_t e) { fill_range(o, v, b, e); }
LAMINA_CLONES static void fill_i32(int32_t* o, int32_t v, int64_t b, int64_t e) { fill_range(o, v, b, e); }
LAMINA_CLONES static void fill_i64(int64_t* o, int64_t v, int64_t b, int64_t e) { fill_range(o, v, b, e); }

inline int fill(void* out, int dt, int64_t n, double v) {
    switch (dt) {
        case F32: parallel_for(n, 4 * kParallelElems, [&](int64_t b, int64_t e) { fill_f32((float*) out, (float) v, b, e); }); return OK;
        case F64: parallel_for(n, 4 * kParallelElems, [&](int64_t b, int64_t e) { fill_f64((double*) out, v, b, e); }); return OK;
        case I32: parallel_for(n, 4 * kParallelElems, [&](int64_t b, int64_t e) { fill_i32((int32_t*) out, convert<int32_t>(v), b, e); }); return OK;
        case I64: parallel_for(n, 4 * kParallelElems, [&](int64_t b, int64_t e) { fill_i64((int64_t*) out, convert<int64_t>(v), b, e); }); return OK;
        case BOOL: if (n > 0) std::memset(out, v != 0.0 ? 1 : 0, (size_t) n); return OK;
        default: return E_DTYPE;
    }
}

// ---- cast --------------------------------------------------------------------------------------

template <class From, class To>
LAMINA_INLINE void cast_loop(const void* x, void* out, int64_t b, int64_t e) {
    const From* s = (const From*) x;
    To* d = (To*) out;
    for (int64_t i = b; i < e; i++) d[i] = convert<To, From>(s[i]);
}

template <class From>
LAMINA_INLINE int cast_to(const void* x, int odt, void* out, int64_t b, int64_t e) {
    switch (odt) {
        case F32: cast_loop<From, float>(x, out, b, e); return OK;
        case F64: cast_loop<From, double>(x, out, b, e); return OK;
        case I32: cast_loop<From, int32_t>(x, out, b, e); return OK;
        case I64: cast_loop<From, int64_t>(x, out, b, e); return OK;
        case BOOL: cast_loop<From, uint8_t>(x, out, b, e); return OK;
        default: return E_DTYPE;
    }
}

LAMINA_CLONES static int cast_range(const void* x, int xdt, void* out, int odt, int64_t b, int64_t e) {
    switch (xdt) {
        case F32: return cast_to<float>(x, odt, out, b, e);
        case F64: return cast_to<double>(x, odt, out, b, e);
        case I32: return cast_to<int32_t>(x, odt, out, b, e);
        case I64: return cast_to<int64_t>(x, odt, out, b, e);
        case BOOL: return cast_to<uint8_t>(x, odt, out, b, e);
        default: return E_DTYPE;
    }
}

inline int cast(const void* x, int xdt, void* out, int odt, int64_t n) {
    if (dtype_size(xdt) == 0 || dtype_size(odt) == 0) return E_DTYPE;
    parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) { cast_range(x, xdt, out, odt, b, e); });
    return OK;
}

// ---- strided copy ------------------------------------------------------------------------------

/**
 * Drops size-1 dimensions and merges dimension d into d+1 where every stride array is
 * contiguous across them. Returns the new rank; a rank-0 result means one element.
 */
inline int collapse_dims(int rank, const int64_t* shape, int narr, const int64_t* const* strides_in,
                         int64_t* shape_out, int64_t** strides_out) {
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (shape[d] == 1) continue;
        if (r > 0) {
            bool merge = true;
            for (int k = 0; k < narr; k++) {
                if (strides_out[k][r - 1] != strides_in[k][d] * shape[d]) { merge = false; break; }
            }
            if (merge) {
                shape_out[r - 1] *= shape[d];
                for (int k = 0; k < narr; k++) strides_out[k][r - 1] = strides_in[k][d];
                continue;
            }
        }
        shape_out[r] = shape[d];
        for (int k = 0; k < narr; k++) strides_out[k][r] = strides_in[k][d];
        r++;
    }
    return r;
}

constexpr int kMaxRank = 64;

template <class T>
LAMINA_INLINE void copy_rows(const T* src, const int64_t* ss, T* dst, const int64_t* ds, const int64_t* shape,
                             int rank, int64_t row_begin, int64_t row_end) {
    // rank >= 1; rows are all dims but the last
    const int64_t L = shape[rank - 1], sl = ss[rank - 1], dl = ds[rank - 1];
    int64_t idx[kMaxRank];
    int64_t rem = row_begin, so = 0, dof = 0;
    for (int d = rank - 2; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem /= shape[d];
        so += idx[d] * ss[d];
        dof += idx[d] * ds[d];
    }
    for (int64_t row = row_begin; row < row_end; row++) {
        const T* s = src + so;
        T* t = dst + dof;
        if (sl == 1 && dl == 1) {
            std::memcpy(t, s, (size_t) L * sizeof(T));
        } else if (sl == 0) {
            T v = *s;
            for (int64_t i = 0; i < L; i++) t[i * dl] = v;
        } else if (dl == 1) {
            for (int64_t i = 0; i < L; i++) t[i] = s[i * sl];
        } else {
            for (int64_t i = 0; i < L; i++) t[i * dl] = s[i * sl];
        }
        for (int d = rank - 2; d >= 0; d--) {
            so += ss[d];
            dof += ds[d];
            if (++idx[d] < shape[d]) break;
            so -= ss[d] * shape[d];
            dof -= ds[d] * shape[d];
            idx[d] = 0;
        }
    }
}

template <class T>
inline void copy_strided_t(const T* src, const int64_t* ss, T* dst, const int64_t* ds, const int64_t* shape, int rank) {
    if (rank == 0) { dst[0] = src[0]; return; }
    int64_t rows = 1;
    for (int d = 0; d < rank - 1; d++) rows *= shape[d];
    const int64_t L = shape[rank - 1];
    parallel_for(rows, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(L, 1)), [&](int64_t b, int64_t e) {
        copy_rows(src, ss, dst, ds, shape, rank, b, e);
    });
}

inline int copy_strided(const void* src, int64_t src_off, const int64_t* src_strides, void* dst, int64_t dst_off,
                        const int64_t* dst_strides, const int64_t* shape, int rank, int elem_size) {
    if (rank < 0 || rank > kMaxRank) return E_ARG;
    for (int d = 0; d < rank; d++) if (shape[d] == 0) return OK;
    int64_t sh[kMaxRank], s1[kMaxRank], s2[kMaxRank];
    const int64_t* in[2] = {src_strides, dst_strides};
    int64_t* outs[2] = {s1, s2};
    int r = collapse_dims(rank, shape, 2, in, sh, outs);
    switch (elem_size) {
        case 1: copy_strided_t((const uint8_t*) src + src_off, s1, (uint8_t*) dst + dst_off, s2, sh, r); return OK;
        case 4: copy_strided_t((const uint32_t*) src + src_off, s1, (uint32_t*) dst + dst_off, s2, sh, r); return OK;
        case 8: copy_strided_t((const uint64_t*) src + src_off, s1, (uint64_t*) dst + dst_off, s2, sh, r); return OK;
        default: return E_DTYPE;
    }
}

// ---- unary -------------------------------------------------------------------------------------

// float32 exp, tanh and sigmoid for vector loops. libm's expf/tanhf are scalar calls (1.4 and 7.7
// ns per element here); these branch-free forms vectorise in every clone. vexpf: Cephes expf's
// reduction by ln 2 (in two parts) and degree-6 polynomial, then 2^k applied as two normal powers
// of two so that results in the subnormal range come out right; +inf above ln(FLT_MAX), 0 below
// ln of half the smallest subnormal, NaN stays NaN. Within 2 ulp of exp (tested against Math.exp
// over the whole range, subnormal results within 1 of the last place there). float64 keeps libm.
LAMINA_INLINE float vexpf(float x) {
    const bool nan = x != x;
    float xc = x > 88.7228394f ? 88.7228394f : x;
    xc = xc < -103.972084f ? -103.972084f : xc;
    xc = nan ? 0.0f : xc;  // keeps the integer conversion below defined
    const float kf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
    float r = xc - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    const int32_t k = static_cast<int32_t>(kf);  // in [-150, 128]
    const int32_t k1 = k / 2, k2 = k - k1;         // each in [-75, 64]: normal powers of two
    const float s1 = __builtin_bit_cast(float, (k1 + 127) << 23), s2 = __builtin_bit_cast(float, (k2 + 127) << 23);
    float res = (y * s1) * s2;
    res = x > 88.7228394f ? std::numeric_limits<float>::infinity() : res;
    res = x < -103.972084f ? 0.0f : res;
    return nan ? x : res;
}

// tanh: Cephes tanhf's odd polynomial for |x| < 0.625 (no cancellation near 0), else
// 1 − 2 / (e^{2|x|} + 1) with the sign restored; exactly ±1 for large |x|, −0 stays −0.
LAMINA_INLINE float vtanhf(float x) {
    const float ax = x < 0.0f ? -x : x;
    const float z = x * x;
    const float poly = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                         + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float big = 1.0f - 2.0f / (vexpf(2.0f * ax) + 1.0f);
    big = x < 0.0f ? -big : big;
    return ax < 0.625f ? (ax == 0.0f ? x : poly) : big;  // x itself at ±0: the polynomial would give +0 for −0
}

template <class T>
LAMINA_INLINE T exp_t(T x) {
    if constexpr (std::is_same_v<T, float>) {
        return vexpf(x);
    } else {
        return std::exp(x);
    }
}

template <class T>
LAMINA_INLINE T sigmoid(T x) {
    // never exponentiates a positive number: no overflow for large |x|
    if constexpr (std::is_same_v<T, float>) {
        const float e = vexpf(x < 0.0f ? x : -x);  // e^−|x| (NaN stays NaN)
        return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    } else {
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        T e = std::exp(x);
        return e / (T(1) + e);
    }
}

template <class T>
LAMINA_INLINE T tanh_t(T x) {
    if constexpr (std::is_same_v<T, float>) {
        return vtanhf(x);
    } else {
        return std::tanh(x);
    }
}

// One scalar function per unary op, for float32 and float64: the unary kernel below and the graph's
// fused kernel (lamina_fused.hpp) both expand their switch from LAMINA_UNARY_OPS (native/lamina_ops.h)
// into calls of this one definition, so a new op is a line in the header and a line here (an op of
// the list without one fails to compile).
template <int OP, class T>
LAMINA_INLINE T unary_scalar(T v) {
    if constexpr (OP == NEG) return -v;
    else if constexpr (OP == ABS) return std::fabs(v);
    else if constexpr (OP == SIGN) return v > T(0) ? T(1) : v < T(0) ? T(-1) : v;  // keeps ±0, NaN
    else if constexpr (OP == EXP) return exp_t(v);
    else if constexpr (OP == LOG) return std::log(v);
    else if constexpr (OP == LOG1P) return std::log1p(v);
    else if constexpr (OP == SQRT) return std::sqrt(v);
    else if constexpr (OP == SQUARE) return v * v;
    else if constexpr (OP == RECIPROCAL) return T(1) / v;
    else if constexpr (OP == TANH) return tanh_t(v);
    else if constexpr (OP == SIGMOID) return sigmoid(v);
    else if constexpr (OP == RELU) return v > T(0) ? v : (v != v ? v : T(0));  // NaN stays NaN
    else if constexpr (OP == STEP) return v > T(0) ? T(1) : T(0);
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|; NaN stays NaN
    else if constexpr (OP == SOFTPLUS) return (v > T(0) ? v : T(0)) + std::log1p(std::exp(-std::fabs(v)));
    else static_assert(OP < 0, "a unary op of LAMINA_UNARY_OPS has no unary_scalar");
}

template <class T, class F>
LAMINA_INLINE void map(const T* x, T* o, int64_t b, int64_t e, F f) {
    for (int64_t i = b; i < e; i++) o[i] = f(x[i]);
}

template <class T>
LAMINA_INLINE int unary_float(int op, const T* x, T* o, int64_t b, int64_t e) {
    switch (op) {
#define LAMINA_UNARY_CASE(NAME, code) \
        case NAME: map(x, o, b, e, [](T v) { return unary_scalar<NAME>(v); }); return OK;
        LAMINA_UNARY_OPS(LAMINA_UNARY_CASE)
#undef LAMINA_UNARY_CASE
        default: return E_OP;
    }
}

template <class T>
LAMINA_INLINE int unary_int(int op, const T* x, T* o, int64_t b, int64_t e) {
    using U = std::make_unsigned_t<T>;  // wrap-around arithmetic without signed overflow
    switch (op) {
        case NEG: map(x, o, b, e, [](T v) { return (T) (U(0) - U(v)); }); return OK;
        case ABS: map(x, o, b, e, [](T v) { return v < 0 ? (T) (U(0) - U(v)) : v; }); return OK;
        case SIGN: map(x, o, b, e, [](T v) { return (T) ((v > 0) - (v < 0)); }); return OK;
        case SQUARE: map(x, o, b, e, [](T v) { return (T) (U(v) * U(v)); }); return OK;
        default: return E_OP;
    }
}

LAMINA_CLONES static int unary_f32(int op, const float* x, float* o, int64_t b, int64_t e) { return unary_float(op, x, o, b, e); }
LAMINA_CLONES static int unary_f64(int op, const double* x, double* o, int64_t b, int64_t e) { return unary_float(op, x, o, b, e); }
LAMINA_CLONES static int unary_i32(int op, const int32_t* x, int32_t* o, int64_t b, int64_t e) { return unary_int(op, x, o, b, e); }
LAMINA_CLONES static int unary_i64(int op, const int64_t* x, int64_t* o, int64_t b, int64_t e) { return unary_int(op, x, o, b, e); }

inline int unary(int op, int dt, const void* x, void* out, int64_t n) {
    if (op < 0 || op >= UOP_COUNT) return E_OP;
    bool int_ok = op == NEG || op == ABS || op == SIGN || op == SQUARE;
    // transcendental ops cost more per element: parallelise earlier
    int64_t grain = (op == EXP || op == LOG || op == LOG1P || op == TANH || op == SIGMOID || op == SOFTPLUS) ? kParallelElems / 8 : kParallelElems;
    switch (dt) {
        case F32: parallel_for(n, grain, [&](int64_t b, int64_t e) { unary_f32(op, (const float*) x, (float*) out, b, e); }); return OK;
        case F64: parallel_for(n, grain, [&](int64_t b, int64_t e) { unary_f64(op, (const double*) x, (double*) out, b, e); }); return OK;
        case I32: if (!int_ok) return E_OP; parallel_for(n, grain, [&](int64_t b, int64_t e) { unary_i32(op, (const int32_t*) x, (int32_t*) out, b, e); }); return OK;
        case I64: if (!int_ok) return E_OP; parallel_for(n, grain, [&](int64_t b, int64_t e) { unary_i64(op, (const int64_t*) x, (int64_t*) out, b, e); }); return OK;
        default: return E_DTYPE;
    }
}

// ---- binary ------------------------------------------------------------------------------------

template <class T>
LAMINA_INLINE T int_div(T a, T b) {
    if (b == 0) return 0;  // no SIGFPE in the JVM; documented in CpuBackend
    if (b == -1) return (T) (std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
    return a / b;
}

template <class T>
LAMINA_INLINE T int_pow(T a, T b) {
    using U = std::make_unsigned_t<T>;
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    U r = 1, base = (U) a;
    while (b) {
        if (b & 1) r *= base;
        base *= base;
        b >>= 1;
    }
    return (T) r;
}

/** One row of the broadcast loop: o[i] = f(a[i*sa], b[i*sb]) with fast paths for strides 1 and 0. */
template <class T, class O, class F>
LAMINA_INLINE void bin_row(const T* a, int64_t sa, const T* b, int64_t sb, O* o, int64_t L, F f) {
    if (sa == 1 && sb == 1) {
        for (int64_t i = 0; i < L; i++) o[i] = f(a[i], b[i]);
    } else if (sa == 1 && sb == 0) {
        const T bv = *b;
        for (int64_t i = 0; i < L; i++) o[i] = f(a[i], bv);
    } else if (sa == 0 && sb == 1) {
        const T av = *a;
        for (int64_t i = 0; i < L; i++) o[i] = f(av, b[i]);
    } else {
        for (int64_t i = 0; i < L; i++) o[i] = f(a[i * sa], b[i * sb]);
    }
}

/** Rows [rb, re) of the collapsed broadcast (rank >= 1; rows are all dims but the last). */
template <class T, class O, class F>
LAMINA_INLINE void bin_rows(const T* a, const int64_t* as, const T* b, const int64_t* bs, O* o, const int64_t* shape,
                            int rank, int64_t rb, int64_t re, F f) {
    const int64_t L = shape[rank - 1];
    if (rank == 1) {  // rows are chunks of one long row
        bin_row(a + rb * as[0], as[0], b + rb * bs[0], bs[0], o + rb, re - rb, f);
        return;
    }
    int64_t idx[kMaxRank];
    int64_t rem = rb, ao = 0, bo = 0;
    for (int d = rank - 2; d >= 0; d--) {
        idx[d] = rem % shape[d];
        rem /= shape[d];
        ao += idx[d] * as[d];
        bo += idx[d] * bs[d];
    }
    for (int64_t row = rb; row < re; row++) {
        bin_row(a + ao, as[rank - 1], b + bo, bs[rank - 1], o + row * L, L, f);
        for (int d = rank - 2; d >= 0; d--) {
            ao += as[d];
            bo += bs[d];
            if (++idx[d] < shape[d]) break;
            ao -= as[d] * shape[d];
            bo -= bs[d] * shape[d];
            idx[d] = 0;
        }
    }
}

template <class T>
LAMINA_INLINE T fmax_nan(T x, T y) { return (x != x || y != y) ? (x != x ? x : y) : (x > y ? x : y); }
template <class T>
LAMINA_INLINE T fmin_nan(T x, T y) { return (x != x || y != y) ? (x != x ? x : y) : (x < y ? x : y); }

/** Comparisons (EQ and after in LAMINA_BINARY_OPS) give bool; they have no float scalar function. */
constexpr bool is_comparison(int op) { return op >= EQ; }

// One scalar function per arithmetic binary op, for float32 and float64, shared with the fused
// kernel (lamina_fused.hpp) as unary_scalar is.
template <int OP, class T>
LAMINA_INLINE T binary_scalar(T x, T y) {
    if constexpr (OP == ADD) return x + y;
    else if constexpr (OP == SUB) return x - y;
    else if constexpr (OP == MUL) return x * y;
    else if constexpr (OP == DIV) return x / y;
    else if constexpr (OP == POW) return std::pow(x, y);
    else if constexpr (OP == MAXIMUM) return fmax_nan(x, y);
    else if constexpr (OP == MINIMUM) return fmin_nan(x, y);
    else static_assert(OP < 0, "an arithmetic op of LAMINA_BINARY_OPS has no binary_scalar");
}

#define LAMINA_BIN(F) bin_rows(a, as, b, bs, o, shape, rank, rb, re, F); return OK
#define LAMINA_CMP(F) bin_rows(a, as, b, bs, (uint8_t*) out, shape, rank, rb, re, F); return OK

template <class T>
LAMINA_INLINE int binary_t(int op, const T* a, const int64_t* as, const T* b, const int64_t* bs, void* out,
                           const int64_t* shape, int rank, int64_t rb, int64_t re) {
    T* o = (T*) out;
    switch (op) {
        case EQ: LAMINA_CMP([](T x, T y) { return (uint8_t) (x == y); });
        case NE: LAMINA_CMP([](T x, T y) { return (uint8_t) (x != y); });
        case LT: LAMINA_CMP([](T x, T y) { return (uint8_t) (x < y); });
        case LE: LAMINA_CMP([](T x, T y) { return (uint8_t) (x <= y); });
        case GT: LAMINA_CMP([](T x, T y) { return (uint8_t) (x > y); });
        case GE: LAMINA_CMP([](T x, T y) { return (uint8_t) (x >= y); });
        default: break;
    }
    if constexpr (std::is_same_v<T, uint8_t>) {  // bool: logical or/and
        switch (op) {
            case ADD: case MAXIMUM: LAMINA_BIN([](T x, T y) { return (T) (x | y); });
            case MUL: case MINIMUM: LAMINA_BIN([](T x, T y) { return (T) (x & y); });
            default: return E_OP;
        }
    } else if constexpr (std::is_floating_point_v<T>) {
        switch (op) {
#define LAMINA_BINARY_CASE(NAME, code) \
            case NAME: if constexpr (!is_comparison(NAME)) { LAMINA_BIN([](T x, T y) { return binary_scalar<NAME>(x, y); }); } break;
            LAMINA_BINARY_OPS(LAMINA_BINARY_CASE)
#undef LAMINA_BINARY_CASE
            default: break;
        }
        return E_OP;  // comparisons returned above
    } else {
        using U = std::make_unsigned_t<T>;
        switch (op) {
            case ADD: LAMINA_BIN([](T x, T y) { return (T) (U(x) + U(y)); });
            case SUB: LAMINA_BIN([](T x, T y) { return (T) (U(x) - U(y)); });
            case MUL: LAMINA_BIN([](T x, T y) { return (T) (U(x) * U(y)); });
            case DIV: LAMINA_BIN([](T x, T y) { return int_div(x, y); });
            case POW: LAMINA_BIN([](T x, T y) { return int_pow(x, y); });
            case MAXIMUM: LAMINA_BIN([](T x, T y) { return x > y ? x : y; });
            case MINIMUM: LAMINA_BIN([](T x, T y) { return x < y ? x : y; });
            default: return E_OP;
        }
    }
}
#undef LAMINA_BIN
#undef LAMINA_CMP

#define LAMINA_BIN_CLONE(NAME, T)                                                                              \
    LAMINA_CLONES static int NAME(int op, const T* a, const int64_t* as, const T* b, const int64_t* bs, void* o, \
                                  const int64_t* shape, int rank, int64_t rb, int64_t re) {                    \
        return binary_t<T>(op, a, as, b, bs, o, shape, rank, rb, re);                                          \
    }
LAMINA_BIN_CLONE(binary_f32, float)
LAMINA_BIN_CLONE(binary_f64, double)
LAMINA_BIN_CLONE(binary_i32, int32_t)
LAMINA_BIN_CLONE(binary_i64, int64_t)
LAMINA_BIN_CLONE(binary_u8, uint8_t)
#undef LAMINA_BIN_CLONE

inline int binary(int op, int dt, const void* a, const int64_t* a_strides, const void* b, const int64_t* b_strides,
                  void* out, const int64_t* out_shape, int rank) {
    if (op < ADD || op > GE) return E_OP;
    if (rank < 0 || rank > kMaxRank) return E_ARG;
    if (dt == BOOL && !(op >= EQ || op == ADD || op == MUL || op == MAXIMUM || op == MINIMUM)) return E_OP;
    if (dtype_size(dt) == 0) return E_DTYPE;
    for (int d = 0; d < rank; d++) if (out_shape[d] == 0) return OK;
    // collapse with the output's contiguous strides as the third array
    int64_t cs[kMaxRank];
    for (int d = rank - 1, s = 1; d >= 0; d--) { cs[d] = s; s *= out_shape[d]; }
    int64_t sh[kMaxRank], s1[kMaxRank], s2[kMaxRank], s3[kMaxRank];
    const int64_t* in[3] = {a_strides, b_strides, cs};
    int64_t* outs[3] = {s1, s2, s3};
    int r = collapse_dims(rank, out_shape, 3, in, sh, outs);
    if (r == 0) { r = 1; sh[0] = 1; s1[0] = 0; s2[0] = 0; }
    int64_t rows = 1;
    for (int d = 0; d < r - 1; d++) rows *= sh[d];
    const int64_t L = sh[r - 1];
    int64_t units = r == 1 ? L : rows;  // rank 1: split the one row
    const int64_t minPar = membound_parallel_elems();
    int64_t grain = r == 1 ? minPar : std::max<int64_t>(1, minPar / L);
    if (op == POW) grain = std::max<int64_t>(1, grain / 8);
    int rc = OK;
    parallel_for(units, grain, [&](int64_t rb, int64_t re) {
        int e;
        switch (dt) {
            case F32: e = binary_f32(op, (const float*) a, s1, (const float*) b, s2, out, sh, r, rb, re); break;
            case F64: e = binary_f64(op, (const double*) a, s1, (const double*) b, s2, out, sh, r, rb, re); break;
            case I32: e = binary_i32(op, (const int32_t*) a, s1, (const int32_t*) b, s2, out, sh, r, rb, re); break;
            case I64: e = binary_i64(op, (const int64_t*) a, s1, (const int64_t*) b, s2, out, sh, r, rb, re); break;
            default: e = binary_u8(op, (const uint8_t*) a, s1, (const uint8_t*) b, s2, out, sh, r, rb, re); break;
        }
        if (e != OK) rc = e;
    });
    return rc;
}

// ---- reduce ------------------------------------------------------------------------------------

template <class T> struct Acc { using type = T; };
template <> struct Acc<float> { using type = double; };  // float sums accumulate in double
template <> struct Acc<int32_t> { using type = int64_t; };
template <> struct Acc<uint8_t> { using type = int64_t; };

template <class T>
LAMINA_INLINE T from_acc(typename Acc<T>::type v) {
    if constexpr (std::is_same_v<T, uint8_t>) return (uint8_t) (v != 0);  // bool sum is logical or
    else return (T) v;
}

constexpr int kLanes = 8;
constexpr int64_t kSumBlock = 1 << 16;  // fixed block for long sums: split does not depend on threads

/** Sum of x[0..n) in a fixed order: 8 interleaved lanes, then the lanes in order. */
template <class T>
LAMINA_INLINE typename Acc<T>::type sum_contig(const T* x, int64_t n) {
    using A = typename Acc<T>::type;
    A lane[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; j++) lane[j] += (A) x[i + j];
    for (int j = 0; i < n; i++, j++) lane[j] += (A) x[i];
    A s = 0;
    for (int j = 0; j < kLanes; j++) s += lane[j];
    return s;
}

template <class T>
LAMINA_INLINE bool better(T v, T best, bool want_max) {
    if constexpr (std::is_floating_point_v<T>) {
        if (best != best) return false;  // NaN already found: it wins (first occurrence)
        if (v != v) return true;
    }
    return want_max ? v > best : v < best;
}

/** Outputs [b, e) of the [outer, inner] result, each reduced serially over n. */
template <class T>
LAMINA_INLINE void reduce_t(int op, const T* x, int64_t n, int64_t inner, void* out, int64_t b, int64_t e) {
    using A = typename Acc<T>::type;
    if (inner == 1) {
        for (int64_t o = b; o < e; o++) {
            const T* row = x + o * n;
            switch (op) {
                case SUM: ((T*) out)[o] = from_acc<T>(sum_contig(row, n)); break;
                case MAX: case MIN: {
                    bool mx = op == MAX;
                    T best = row[0];
                    for (int64_t i = 1; i < n; i++) if (better(row[i], best, mx)) best = row[i];
                    ((T*) out)[o] = best;
                    break;
                }
                default: {
                    bool mx = op == ARGMAX;
                    T best = row[0];
                    int64_t arg = 0;
                    for (int64_t i = 1; i < n; i++) if (better(row[i], best, mx)) { best = row[i]; arg = i; }
                    ((int64_t*) out)[o] = arg;
                }
            }
        }
        return;
    }
    // inner > 1: walk outputs in tiles of consecutive j of one outer row; reduce over i vectorised over j
    constexpr int64_t kTile = 256;
    int64_t p = b;
    while (p < e) {
        const int64_t o = p / inner, j0 = p % inner;
        const int64_t t = std::min<int64_t>({kTile, inner - j0, e - p});
        const T* base = x + o * n * inner + j0;
        if (op == SUM) {
            A acc[kTile];
            for (int64_t j = 0; j < t; j++) acc[j] = (A) base[j];
            for (int64_t i = 1; i < n; i++) {
                const T* r = base + i * inner;
                for (int64_t j = 0; j < t; j++) acc[j] += (A) r[j];
            }
            T* dst = (T*) out + p;
            for (int64_t j = 0; j < t; j++) dst[j] = from_acc<T>(acc[j]);
        } else if (op == MAX || op == MIN) {
            bool mx = op == MAX;
            T* dst = (T*) out + p;
            for (int64_t j = 0; j < t; j++) dst[j] = base[j];
            for (int64_t i = 1; i < n; i++) {
                const T* r = base + i * inner;
                for (int64_t j = 0; j < t; j++) if (better(r[j], dst[j], mx)) dst[j] = r[j];
            }
        } else {
            bool mx = op == ARGMAX;
            T best[kTile];
            int64_t* dst = (int64_t*) out + p;
            for (int64_t j = 0; j < t; j++) { best[j] = base[j]; dst[j] = 0; }
            for (int64_t i = 1; i < n; i++) {
                const T* r = base + i * inner;
                for (int64_t j = 0; j < t; j++) if (better(r[j], best[j], mx)) { best[j] = r[j]; dst[j] = i; }
            }
        }
        p += t;
    }
}

LAMINA_CLONES static void reduce_f32(int op, const float* x, int64_t n, int64_t inner, void* o, int64_t b, int64_t e) { reduce_t(op, x, n, inner, o, b, e); }
LAMINA_CLONES static void reduce_f64(int op, const double* x, int64_t n, int64_t inner, void* o, int64_t b, int64_t e) { reduce_t(op, x, n, inner, o, b, e); }
LAMINA_CLONES static void reduce_i32(int op, const int32_t* x, int64_t n, int64_t inner, void* o, int64_t b, int64_t e) { reduce_t(op, x, n, inner, o, b, e); }
LAMINA_CLONES static void reduce_i64(int op, const int64_t* x, int64_t n, int64_t inner, void* o, int64_t b, int64_t e) { reduce_t(op, x, n, inner, o, b, e); }
LAMINA_CLONES static void reduce_u8(int op, const uint8_t* x, int64_t n, int64_t inner, void* o, int64_t b, int64_t e) { reduce_t(op, x, n, inner, o, b, e); }

LAMINA_CLONES static double block_sum_f32(const float* x, int64_t n) { return sum_contig(x, n); }
LAMINA_CLONES static double block_sum_f64(const double* x, int64_t n) { return sum_contig(x, n); }
LAMINA_CLONES static int64_t block_sum_i32(const int32_t* x, int64_t n) { return sum_contig(x, n); }
LAMINA_CLONES static int64_t block_sum_i64(const int64_t* x, int64_t n) { return sum_contig(x, n); }
LAMINA_CLONES static int64_t block_sum_u8(const uint8_t* x, int64_t n) { return sum_contig(x, n); }

template <class T>
inline typename Acc<T>::type block_sum(const T* x, int64_t n) {
    if constexpr (std::is_same_v<T, float>) return block_sum_f32(x, n);
    else if constexpr (std::is_same_v<T, double>) return block_sum_f64(x, n);
    else if constexpr (std::is_same_v<T, int32_t>) return block_sum_i32(x, n);
    else if constexpr (std::is_same_v<T, int64_t>) return block_sum_i64(x, n);
    else return block_sum_u8(x, n);
}

template <class T>
inline void reduce_range(int op, const T* x, int64_t n, int64_t inner, void* out, int64_t b, int64_t e) {
    if constexpr (std::is_same_v<T, float>) reduce_f32(op, x, n, inner, out, b, e);
    else if constexpr (std::is_same_v<T, double>) reduce_f64(op, x, n, inner, out, b, e);
    else if constexpr (std::is_same_v<T, int32_t>) reduce_i32(op, x, n, inner, out, b, e);
    else if constexpr (std::is_same_v<T, int64_t>) reduce_i64(op, x, n, inner, out, b, e);
    else reduce_u8(op, x, n, inner, out, b, e);
}

/**
 * The order of every sum depends on (outer, n, inner) only, never on the thread count: outputs
 * are split between threads, and long contiguous rows are cut into fixed kSumBlock blocks whose
 * sums are added in order.
 */
template <class T>
inline void reduce_run(int op, const T* x, int64_t outer, int64_t n, int64_t inner, void* out) {
    using A = typename Acc<T>::type;
    if (op == SUM && inner == 1 && n >= 2 * kSumBlock) {
        const int64_t nb = (n + kSumBlock - 1) / kSumBlock;
        std::vector<A> partial((size_t) (outer * nb));
        parallel_for(outer * nb, 2, [&](int64_t b, int64_t e) {
            for (int64_t u = b; u < e; u++) {
                int64_t o = u / nb, k = u % nb;
                partial[(size_t) u] = block_sum(x + o * n + k * kSumBlock, std::min(kSumBlock, n - k * kSumBlock));
            }
        });
        for (int64_t o = 0; o < outer; o++) {
            A total = 0;
            for (int64_t k = 0; k < nb; k++) total += partial[(size_t) (o * nb + k)];
            ((T*) out)[o] = from_acc<T>(total);
        }
        return;
    }
    parallel_for(outer * inner, std::max<int64_t>(1, membound_parallel_elems() / n),
                 [&](int64_t b, int64_t e) { reduce_range(op, x, n, inner, out, b, e); });
}

inline int reduce(int op, int dt, const void* x, int64_t outer, int64_t n, int64_t inner, void* out) {
    if (op < SUM || op > ARGMIN) return E_OP;
    if (n < 1 || outer < 0 || inner < 0) return E_ARG;
    switch (dt) {
        case F32: reduce_run(op, (const float*) x, outer, n, inner, out); return OK;
        case F64: reduce_run(op, (const double*) x, outer, n, inner, out); return OK;
        case I32: reduce_run(op, (const int32_t*) x, outer, n, inner, out); return OK;
        case I64: reduce_run(op, (const int64_t*) x, outer, n, inner, out); return OK;
        case BOOL: reduce_run(op, (const uint8_t*) x, outer, n, inner, out); return OK;
        default: return E_DTYPE;
    }
}

// ---- softmax -----------------------------------------------------------------------------------

/** Softmax over i of x[o, i, j] for outputs (o, j) in [b, e), computed in tiles of consecutive j. */
template <class T>
LAMINA_INLINE void softmax_t(const T* x, T* out, int64_t n, int64_t inner, bool log, int64_t b, int64_t e) {
    using A = typename Acc<T>::type;
    constexpr int64_t kTile = 64;
    T mx[kTile];
    A sum[kTile];
    int64_t p = b;
    while (p < e) {
        const int64_t o = p / inner, j0 = p % inner;
        const int64_t t = std::min<int64_t>({kTile, inner - j0, e - p});
        const T* xb = x + o * n * inner + j0;
        T* ob = out + o * n * inner + j0;
        for (int64_t j = 0; j < t; j++) { mx[j] = xb[j]; sum[j] = 0; }
        for (int64_t i = 1; i < n; i++)
            for (int64_t j = 0; j < t; j++) mx[j] = fmax_nan(mx[j], xb[i * inner + j]);
        for (int64_t j = 0; j < t; j++)  // an all -inf (or +inf) slice: avoid inf - inf
            if (std::isinf(mx[j])) mx[j] = mx[j] > 0 ? mx[j] : T(0);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < t; j++) {
                T ev = std::exp(xb[i * inner + j] - mx[j]);  // libm: this loop does not vectorise (double sums)
                if (!log) ob[i * inner + j] = ev;
                sum[j] += (A) ev;
            }
        if (log) {
            for (int64_t j = 0; j < t; j++) {
                T ls = (T) std::log(sum[j]);
                for (int64_t i = 0; i < n; i++) ob[i * inner + j] = xb[i * inner + j] - mx[j] - ls;
            }
        } else {
            for (int64_t j = 0; j < t; j++) {
                T inv = (T) (A(1) / sum[j]);
                for (int64_t i = 0; i < n; i++) ob[i * inner + j] *= inv;
            }
        }
        p += t;
    }
}

LAMINA_CLONES static void softmax_f32(const float* x, float* o, int64_t n, int64_t inner, bool log, int64_t b, int64_t e) { softmax_t(x, o, n, inner, log, b, e); }
LAMINA_CLONES static void softmax_f64(const double* x, double* o, int64_t n, int64_t inner, bool log, int64_t b, int64_t e) { softmax_t(x, o, n, inner, log, b, e); }

inline int softmax(int dt, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, bool log) {
    if (n < 1 || outer < 0 || inner < 0) return outer * inner == 0 ? OK : E_ARG;
    int64_t grain = std::max<int64_t>(1, kParallelElems / 8 / n);
    switch (dt) {
        case F32: parallel_for(outer * inner, grain, [&](int64_t b, int64_t e) { softmax_f32((const float*) x, (float*) out, n, inner, log, b, e); }); return OK;
        case F64: parallel_for(outer * inner, grain, [&](int64_t b, int64_t e) { softmax_f64((const double*) x, (double*) out, n, inner, log, b, e); }); return OK;
        default: return E_DTYPE;
    }
}

// ---- gather / scatter-add / one-hot -------------------------------------------------------------

template <class I>
inline bool ids_in_range(const I* ids, int64_t nids, int64_t rows) {
    for (int64_t i = 0; i < nids; i++) if (ids[i] < 0 || (int64_t) ids[i] >= rows) return false;
    return true;
}

inline bool check_ids(const void* ids, int ids_dt, int64_t nids, int64_t rows) {
    if (ids_dt == I32) return ids_in_range((const int32_t*) ids, nids, rows);
    if (ids_dt == I64) return ids_in_range((const int64_t*) ids, nids, rows);
    return false;
}

inline int64_t id_at(const void* ids, int ids_dt, int64_t i) {
    return ids_dt == I32 ? (int64_t) ((const int32_t*) ids)[i] : ((const int64_t*) ids)[i];
}

inline int gather(int elem_size, const void* table, int64_t rows, int64_t row_size, const void* ids, int ids_dt,
                  int64_t nids, void* out) {
    if (ids_dt != I32 && ids_dt != I64) return E_DTYPE;
    if (!check_ids(ids, ids_dt, nids, rows)) return E_INDEX;
    const size_t row_bytes = (size_t) (row_size * elem_size);
    parallel_for(nids, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, row_size)), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++)
            std::memcpy((char*) out + i * row_bytes, (const char*) table + id_at(ids, ids_dt, i) * row_bytes, row_bytes);
    });
    return OK;
}

template <class T>
LAMINA_INLINE void add_row(T* dst, const T* src, int64_t b, int64_t e) {
    if constexpr (std::is_same_v<T, uint8_t>) {
        for (int64_t j = b; j < e; j++) dst[j] = (uint8_t) (dst[j] | src[j]);
    } else if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        for (int64_t j = b; j < e; j++) dst[j] = (T) (U(dst[j]) + U(src[j]));
    } else {
        for (int64_t j = b; j < e; j++) dst[j] += src[j];
    }
}

/** Columns [b, e) of every row, rows taken in increasing i: each element sees a fixed order. */
template <class T>
LAMINA_INLINE void scatter_cols(const T* src, int64_t row_size, const void* ids, int ids_dt, int64_t nids, T* out,
                                int64_t b, int64_t e) {
    for (int64_t i = 0; i < nids; i++) add_row(out + id_at(ids, ids_dt, i) * row_size, src + i * row_size, b, e);
}

LAMINA_CLONES static void scatter_f32(const float* s, int64_t rs, const void* ids, int dt, int64_t n, float* o, int64_t b, int64_t e) { scatter_cols(s, rs, ids, dt, n, o, b, e); }
LAMINA_CLONES static void scatter_f64(const double* s, int64_t rs, const void* ids, int dt, int64_t n, double* o, int64_t b, int64_t e) { scatter_cols(s, rs, ids, dt, n, o, b, e); }
LAMINA_CLONES static void scatter_i32(const int32_t* s, int64_t rs, const void* ids, int dt, int64_t n, int32_t* o, int64_t b, int64_t e) { scatter_cols(s, rs, ids, dt, n, o, b, e); }
LAMINA_CLONES static void scatter_i64(const int64_t* s, int64_t rs, const void* ids, int dt, int64_t n, int64_t* o, int64_t b, int64_t e) { scatter_cols(s, rs, ids, dt, n, o, b, e); }
LAMINA_CLONES static void scatter_u8(const uint8_t* s, int64_t rs, const void* ids, int dt, int64_t n, uint8_t* o, int64_t b, int64_t e) { scatter_cols(s, rs, ids, dt, n, o, b, e); }

inline int scatter_add(int dt, const void* src, int64_t row_size, const void* ids, int ids_dt, int64_t nids, void* out,
                       int64_t out_rows) {
    if (ids_dt != I32 && ids_dt != I64) return E_DTYPE;
    if (!check_ids(ids, ids_dt, nids, out_rows)) return E_INDEX;
    // parallel over column ranges only when rows are long enough to split usefully
    int64_t grain = row_size >= 256 && nids * row_size >= kParallelElems ? 64 : row_size + 1;
    switch (dt) {
        case F32: parallel_for(row_size, grain, [&](int64_t b, int64_t e) { scatter_f32((const float*) src, row_size, ids, ids_dt, nids, (float*) out, b, e); }); return OK;
        case F64: parallel_for(row_size, grain, [&](int64_t b, int64_t e) { scatter_f64((const double*) src, row_size, ids, ids_dt, nids, (double*) out, b, e); }); return OK;
        case I32: parallel_for(row_size, grain, [&](int64_t b, int64_t e) { scatter_i32((const int32_t*) src, row_size, ids, ids_dt, nids, (int32_t*) out, b, e); }); return OK;
        case I64: parallel_for(row_size, grain, [&](int64_t b, int64_t e) { scatter_i64((const int64_t*) src, row_size, ids, ids_dt, nids, (int64_t*) out, b, e); }); return OK;
        case BOOL: parallel_for(row_size, grain, [&](int64_t b, int64_t e) { scatter_u8((const uint8_t*) src, row_size, ids, ids_dt, nids, (uint8_t*) out, b, e); }); return OK;
        default: return E_DTYPE;
    }
}

/** out[i, ids[i]] = 1, everything else 0; an id outside [0, depth) leaves its row all zeros. */
inline int one_hot(const void* ids, int ids_dt, int64_t nids, int64_t depth, void* out, int odt) {
    if (ids_dt != I32 && ids_dt != I64) return E_DTYPE;
    int es = dtype_size(odt);
    if (es == 0) return E_DTYPE;
    if (nids * depth > 0) std::memset(out, 0, (size_t) (nids * depth * es));
    for (int64_t i = 0; i < nids; i++) {
        int64_t k = id_at(ids, ids_dt, i);
        if (k < 0 || k >= depth) continue;
        int64_t at = i * depth + k;
        switch (odt) {
            case F32: ((float*) out)[at] = 1.0f; break;
            case F64: ((double*) out)[at] = 1.0; break;
            case I32: ((int32_t*) out)[at] = 1; break;
            case I64: ((int64_t*) out)[at] = 1; break;
            default: ((uint8_t*) out)[at] = 1; break;
        }
    }
    return OK;
}

/** The clone the ifunc resolvers pick on this machine (same test GCC's resolver makes). */
inline const char* cpu_target() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(LAMINA_NO_CLONES)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
    return "x86-64";
#else
    return "generic";
#endif
}

// ---- Adam step (Backend.adamUpdate: the composed element-wise ops, each rounded to T) ----------

template <class T>
LAMINA_INLINE void adam_body(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                             T alpha, T c1, T c2, T eps, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
        const T gi = g[i];
        const T mi = m[i] + (gi - m[i]) * c1;
        const T vi = v[i] + (gi * gi - v[i]) * c2;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] - (mi * alpha) / (std::sqrt(vi) + eps);
    }
}
LAMINA_CLONES static void adam_f32(float* w, const float* g, float* m, float* v, float a, float c1, float c2, float eps,
                                   int64_t b, int64_t e) {
    adam_body(w, g, m, v, a, c1, c2, eps, b, e);
}
LAMINA_CLONES static void adam_f64(double* w, const double* g, double* m, double* v, double a, double c1, double c2,
                                   double eps, int64_t b, int64_t e) {
    adam_body(w, g, m, v, a, c1, c2, eps, b, e);
}

/** w, m, v updated in place; the scalars are rounded to the dtype first, as the composed ops do. */
inline int adam_update(int dtype, void* w, const void* g, void* m, void* v, int64_t n, double alpha, double c1,
                       double c2, double eps) {
    if (n < 0) return E_ARG;
    if (dtype == F32) {
        parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) {
            adam_f32((float*) w, (const float*) g, (float*) m, (float*) v, (float) alpha, (float) c1, (float) c2,
                     (float) eps, b, e);
        });
    } else if (dtype == F64) {
        parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) {
            adam_f64((double*) w, (const double*) g, (double*) m, (double*) v, alpha, c1, c2, eps, b, e);
        });
    } else {
        return E_DTYPE;
    }
    return OK;
}

}  // namespace lamina
