// Lamina cpu-kernels: the graph API's fused element-wise kernel. A small program of unary and binary
// ops runs per element, each step in the dtype with the same scalar functions as the unary and
// binary kernels (unary_scalar, binary_scalar of lamina_kernels.hpp; -ffp-contract=off), so a fused chain is bitwise the
// unfused one. Registers 0..n_in-1 hold the inputs' elements (an input flagged scalar is element 0
// broadcast); register n_in + j holds instruction j's result; the last one is the output.
// Instructions are 4 ints: kind (0 unary, 1 binary), op code (UnaryOp / BinaryOp code(), native/lamina_ops.h), a, b.
#pragma once

#include "lamina_kernels.hpp"

namespace lamina {

constexpr int kFusedMaxRegs = 64;

// The scalar functions are the unary and binary kernels' own (unary_scalar, binary_scalar in
// lamina_kernels.hpp); these switches are expanded from the op lists of native/lamina_ops.h.
template <class T>
LAMINA_INLINE T fused_unary(int op, T v) {
    switch (op) {
#define LAMINA_FUSED_UNARY_CASE(NAME, code) \
        case NAME: return unary_scalar<NAME>(v);
        LAMINA_UNARY_OPS(LAMINA_FUSED_UNARY_CASE)
#undef LAMINA_FUSED_UNARY_CASE
        default: return v;  // codes checked before the loop
    }
}

template <class T>
LAMINA_INLINE T fused_binary(int op, T x, T y) {
    switch (op) {
#define LAMINA_FUSED_BINARY_CASE(NAME, code) \
        case NAME: if constexpr (!is_comparison(NAME)) { return binary_scalar<NAME>(x, y); } break;
        LAMINA_BINARY_OPS(LAMINA_FUSED_BINARY_CASE)
#undef LAMINA_FUSED_BINARY_CASE
        default: break;
    }
    return x;  // comparisons: refused before the loop
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
            if (c[1] < 0 || c[1] >= UOP_COUNT || c[2] < 0 || c[2] >= regs) return E_ARG;
        } else if (c[0] == 1) {
            if (c[1] < 0 || is_comparison(c[1]) || c[2] < 0 || c[2] >= regs || c[3] < 0 || c[3] >= regs) return E_ARG;
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
