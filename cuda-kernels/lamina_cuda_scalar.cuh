// The scalar functions of the element-wise ops, one definition per op code of native/lamina_ops.h:
// the unary and binary kernels (elementwise.cu) and the fused element-wise kernel (fused.cu) call
// the same functions, so a fused program is bitwise the chain of unfused kernels. Semantics follow
// the cpu backend (cpu-kernels/lamina_kernels.hpp). Not part of the JNI surface.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include <type_traits>

#include "lamina_ops.h"

namespace lamina {

// op codes: native/lamina_ops.h
enum UOp : int { LAMINA_UNARY_OPS(LAMINA_ENUM_ENTRY) };
enum BOp : int { LAMINA_BINARY_OPS(LAMINA_ENUM_ENTRY) };

// ---- unary -----------------------------------------------------------------------------------

template <class T>
__device__ __forceinline__ T sigmoid(T x) {
    // never exponentiates a positive number: no overflow for large |x|
    if (x >= T(0)) return T(1) / (T(1) + exp(-x));
    T e = exp(x);
    return e / (T(1) + e);
}

template <class T, int OP>
__device__ __forceinline__ T unary_one(T v) {
    if constexpr (std::is_floating_point_v<T>) {
        if constexpr (OP == NEG) return -v;
        else if constexpr (OP == ABS) return fabs(v);
        else if constexpr (OP == SIGN) return v > T(0) ? T(1) : v < T(0) ? T(-1) : v;  // keeps ±0, NaN
        else if constexpr (OP == EXP) return exp(v);
        else if constexpr (OP == LOG) return log(v);
        else if constexpr (OP == LOG1P) return log1p(v);
        else if constexpr (OP == SQRT) return sqrt(v);
        else if constexpr (OP == SQUARE) return v * v;
        else if constexpr (OP == RECIPROCAL) return T(1) / v;
        else if constexpr (OP == TANH) return tanh(v);
        else if constexpr (OP == SIGMOID) return sigmoid(v);
        else if constexpr (OP == RELU) return v > T(0) ? v : (v != v ? v : T(0));  // NaN propagates
        else if constexpr (OP == STEP) return v > T(0) ? T(1) : T(0);
        else if constexpr (OP == SOFTPLUS) return (v > T(0) ? v : T(0)) + log1p(exp(-fabs(v)));  // no overflow; NaN propagates
        else static_assert(OP < 0, "a unary op of LAMINA_UNARY_OPS has no line in unary_one");
    } else {
        using U = std::make_unsigned_t<T>;
        if constexpr (OP == NEG) return static_cast<T>(U(0) - U(v));
        if constexpr (OP == ABS) return v < 0 ? static_cast<T>(U(0) - U(v)) : v;
        if constexpr (OP == SIGN) return static_cast<T>((v > 0) - (v < 0));
        if constexpr (OP == SQUARE) return static_cast<T>(U(v) * U(v));
    }
    return v;
}

// ---- binary ----------------------------------------------------------------------------------

template <class T>
__device__ __forceinline__ T fmax_nan(T x, T y) { return (x != x || y != y) ? (x != x ? x : y) : (x > y ? x : y); }
template <class T>
__device__ __forceinline__ T fmin_nan(T x, T y) { return (x != x || y != y) ? (x != x ? x : y) : (x < y ? x : y); }

template <class T>
__device__ __forceinline__ T int_div(T a, T b) {
    using U = std::make_unsigned_t<T>;
    if (b == 0) return 0;
    if (b == -1) return static_cast<T>(U(0) - U(a));
    return a / b;
}

template <class T>
__device__ __forceinline__ T int_pow(T a, T b) {
    using U = std::make_unsigned_t<T>;
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    U r = 1, base = static_cast<U>(a);
    while (b) {
        if (b & 1) r *= base;
        base *= base;
        b >>= 1;
    }
    return static_cast<T>(r);
}

// the result type: BOOL (uint8_t) for comparisons, else T
template <class T, int OP>
using BinOut = std::conditional_t<(OP >= EQ), uint8_t, T>;

template <class T, int OP>
__device__ __forceinline__ BinOut<T, OP> binary_one(T x, T y) {
    if constexpr (OP == EQ) return static_cast<uint8_t>(x == y);
    else if constexpr (OP == NE) return static_cast<uint8_t>(x != y);
    else if constexpr (OP == LT) return static_cast<uint8_t>(x < y);
    else if constexpr (OP == LE) return static_cast<uint8_t>(x <= y);
    else if constexpr (OP == GT) return static_cast<uint8_t>(x > y);
    else if constexpr (OP == GE) return static_cast<uint8_t>(x >= y);
    else if constexpr (std::is_same_v<T, uint8_t>) {
        if constexpr (OP == ADD || OP == MAXIMUM) return static_cast<T>(x | y);
        else return static_cast<T>(x & y);  // MUL, MINIMUM
    } else if constexpr (std::is_floating_point_v<T>) {
        if constexpr (OP == ADD) return x + y;
        else if constexpr (OP == SUB) return x - y;
        else if constexpr (OP == MUL) return x * y;
        else if constexpr (OP == DIV) return x / y;
        else if constexpr (OP == POW) return static_cast<T>(pow(x, y));
        else if constexpr (OP == MAXIMUM) return fmax_nan(x, y);
        else if constexpr (OP == MINIMUM) return fmin_nan(x, y);
        else static_assert(OP < 0, "a binary op of LAMINA_BINARY_OPS has no float line in binary_one");
    } else {
        using U = std::make_unsigned_t<T>;
        if constexpr (OP == ADD) return static_cast<T>(U(x) + U(y));
        else if constexpr (OP == SUB) return static_cast<T>(U(x) - U(y));
        else if constexpr (OP == MUL) return static_cast<T>(U(x) * U(y));
        else if constexpr (OP == DIV) return int_div(x, y);
        else if constexpr (OP == POW) return int_pow(x, y);
        else if constexpr (OP == MAXIMUM) return x > y ? x : y;
        else if constexpr (OP == MINIMUM) return x < y ? x : y;
        else static_assert(OP < 0, "a binary op of LAMINA_BINARY_OPS has no integer line in binary_one");
    }
}

}  // namespace lamina
