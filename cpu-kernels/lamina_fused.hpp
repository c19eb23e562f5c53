// Lamina cpu-kernels: the graph API's fused element-wise kernel. A small program of unary and binary
// ops runs per element, each step in the dtype with the same scalar functions as the unary and
// binary kernels (lamina_kernels.hpp; built with -ffp-contract=off), so a fused chain is bitwise the
// unfused one. Registers 0..n_in-1 hold the inputs' elements (an input flagged scalar is element 0
// broadcast); register n_in + j holds instruction j's result; the last one is the output.
// Instructions are 4 ints: kind (0 unary, 1 binary), op code (UnaryOp / BinaryOp code(), native/lamina_ops.h), a, b.
#pragma once

#include "lamina_kernels.hpp"

namespace lamina {

constexpr int kFusedMaxRegs = 64;

template <class T>
LAMINA_INLINE T fused_unary(int op, T v) {
    switch (op) {
        case NEG: return -v;
        case ABS: return std::fabs(v);
        case SIGN: return v > T(0) ? T(1) : v < T(0) ? T(-1) : v;
        case EXP: return exp_t(v);
        case LOG: return std::log(v);
        case LOG1P: return std::log1p(v);
        case SQRT: return std::sqrt(v);
        case SQUARE: return v * v;
        case RECIPROCAL: return T(1) / v;
        case TANH: return tanh_t(v);
        case SIGMOID: return sigmoid(v);
        case RELU: return v > T(0) ? v : (v != v ? v : T(0));
        case SOFTPLUS: return (v > T(0) ? v : T(0)) + std::log1p(std::exp(-std::fabs(v)));  // as lamina_kernels.hpp
        default: return v > T(0) ? T(1) : T(0);  // STEP (codes checked before the loop)
    }
}

template <class T>
LAMINA_INLINE T fused_binary(int op, T x, T y) {
    switch (op) {
        case ADD: return x + y;
        case SUB: return x - y;
        case MUL: return x * y;
        case DIV: return x / y;
        case POW: return std::pow(x, y);
        case MAXIMUM: return fmax_nan(x, y);
        default: return fmin_nan(x, y);  // MINIMUM (checked before the loop)
    }
}

template <class T>
LAMINA_INLINE void fused_range(int n_in, const T* const* in, const int* scalar, const int* code, int n_instr, T* out,
                               int64_t b, int64_t e) {
    T r[kFusedMaxRegs];
    for (int64_t i = b; i < e; i++) {
        for (int k = 0; k < n_in; k++) r[k] = in[k][scalar[k] ? 0 : i];
        for (int j = 0; j < n_instr; j++) {
            const int* c = code + 4 * j;
            r[n_in + j] = c[0] == 0 ? fused_unary<T>(c[1], r[c[2]]) : fused_binary<T>(c[1], r[c[2]], r[c[3]]);
        }
        out[i] = r[n_in + n_instr - 1];
    }
}

LAMINA_CLONES static void fused_f32(int n_in, const float* const* in, const int* scalar, const int* code, int n_instr,
                                    float* out, int64_t b, int64_t e) {
    fused_range(n_in, in, scalar, code, n_instr, out, b, e);
}
LAMINA_CLONES static void fused_f64(int n_in, const double* const* in, const int* scalar, const int* code, int n_instr,
                                    double* out, int64_t b, int64_t e) {
    fused_range(n_in, in, scalar, code, n_instr, out, b, e);
}

/** inputs: n_in addresses; returns E_ARG for a malformed program (checked before any element). */
inline int fused_elementwise(int dt, int n_in, const int64_t* inputs, const int* scalar, const int* code, int n_instr,
                             void* out, int64_t n) {
    if (n_in < 1 || n_instr < 1 || n_in + n_instr > kFusedMaxRegs || n < 0) return E_ARG;
    for (int j = 0; j < n_instr; j++) {
        const int* c = code + 4 * j;
        const int regs = n_in + j;
        if (c[0] == 0) {
            if (c[1] < NEG || c[1] > SOFTPLUS || c[2] < 0 || c[2] >= regs) return E_ARG;
        } else if (c[0] == 1) {
            if (c[1] < ADD || c[1] > MINIMUM || c[2] < 0 || c[2] >= regs || c[3] < 0 || c[3] >= regs) return E_ARG;
        } else {
            return E_ARG;
        }
    }
    const int64_t grain = kParallelElems / 8;
    switch (dt) {
        case F32: {
            const float* in[kFusedMaxRegs];
            for (int k = 0; k < n_in; k++) in[k] = (const float*) (intptr_t) inputs[k];
            parallel_for(n, grain, [&](int64_t b, int64_t e) { fused_f32(n_in, in, scalar, code, n_instr, (float*) out, b, e); });
            return OK;
        }
        case F64: {
            const double* in[kFusedMaxRegs];
            for (int k = 0; k < n_in; k++) in[k] = (const double*) (intptr_t) inputs[k];
            parallel_for(n, grain, [&](int64_t b, int64_t e) { fused_f64(n_in, in, scalar, code, n_instr, (double*) out, b, e); });
            return OK;
        }
        default: return E_DTYPE;
    }
}

}  // namespace lamina
