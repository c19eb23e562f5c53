// Lamina cpu-kernels: fused recurrent cells (LSTM gate order i, f, c, o; GRU reset_after with
// gate order z, r, h), forward and backward, templated over float and double.
//
// One pass over the gate pre-activations per step: each row reads its 4H (or 3H) pre-activations
// once and writes the activated gates, the new state and the output in the same loop. Rows are
// independent, so the thread pool splits the batch between threads (results do not depend on the
// thread count). The row functions carry LAMINA_CLONES (x86-64-v4 / v3 / baseline, as in
// lamina_kernels.hpp); the math is documented on dev.lamina.backend.Backend#lstmCellForward.
//
// sigmoid never exponentiates a positive number (no overflow for any |x|) and std::tanh returns
// exactly ±1 for large |x|, so pre-activations of ±50 (or ±inf) give finite gates.
#pragma once

#include <cmath>
#include <cstdint>

#include "lamina_kernels.hpp"

namespace lamina {

constexpr int64_t kRecurrentParallel = 1 << 13;  // elements (batch·hidden) below this run serially

template <class T>
LAMINA_INLINE T rsig(T x) {
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    T e = std::exp(x);
    return e / (T(1) + e);
}

template <class T>
LAMINA_INLINE void lstm_fwd_rows(const T* z, const T* cp, T* h, T* c, T* g, int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* zr = z + b * 4 * H;
        T* gr = g + b * 4 * H;
        const T* cpr = cp + b * H;
        T* hr = h + b * H;
        T* cr = c + b * H;
        for (int64_t j = 0; j < H; j++) {
            T i = rsig(zr[j]);
            T f = rsig(zr[H + j]);
            T gg = std::tanh(zr[2 * H + j]);
            T o = rsig(zr[3 * H + j]);
            T cv = f * cpr[j] + i * gg;
            gr[j] = i;
            gr[H + j] = f;
            gr[2 * H + j] = gg;
            gr[3 * H + j] = o;
            cr[j] = cv;
            hr[j] = o * std::tanh(cv);
        }
    }
}

template <class T>
LAMINA_INLINE void lstm_bwd_rows(const T* g, const T* cp, const T* c, const T* dh, const T* dc, T* dz, T* dcp,
                                 int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* gr = g + b * 4 * H;
        T* dzr = dz + b * 4 * H;
        const int64_t s = b * H;
        for (int64_t j = 0; j < H; j++) {
            T i = gr[j], f = gr[H + j], gg = gr[2 * H + j], o = gr[3 * H + j];
            T tc = std::tanh(c[s + j]);
            T d = dh[s + j];
            T dct = dc[s + j] + d * o * (T(1) - tc * tc);
            dzr[j] = dct * gg * i * (T(1) - i);
            dzr[H + j] = dct * cp[s + j] * f * (T(1) - f);
            dzr[2 * H + j] = dct * i * (T(1) - gg * gg);
            dzr[3 * H + j] = d * tc * o * (T(1) - o);
            dcp[s + j] = dct * f;
        }
    }
}

template <class T>
LAMINA_INLINE void gru_fwd_rows(const T* xz, const T* hz, const T* hp, T* h, T* g, int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* xr = xz + b * 3 * H;
        const T* hr = hz + b * 3 * H;
        T* gr = g + b * 3 * H;
        const int64_t s = b * H;
        for (int64_t j = 0; j < H; j++) {
            T z = rsig(xr[j] + hr[j]);
            T r = rsig(xr[H + j] + hr[H + j]);
            T hh = std::tanh(xr[2 * H + j] + r * hr[2 * H + j]);
            gr[j] = z;
            gr[H + j] = r;
            gr[2 * H + j] = hh;
            h[s + j] = z * hp[s + j] + (T(1) - z) * hh;
        }
    }
}

template <class T>
LAMINA_INLINE void gru_bwd_rows(const T* g, const T* hz, const T* hp, const T* dh, T* dxz, T* dhz, T* dhp,
                                int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* gr = g + b * 3 * H;
        const T* hzr = hz + b * 3 * H;
        T* dxr = dxz + b * 3 * H;
        T* dhr = dhz + b * 3 * H;
        const int64_t s = b * H;
        for (int64_t j = 0; j < H; j++) {
            T z = gr[j], r = gr[H + j], hh = gr[2 * H + j];
            T d = dh[s + j];
            T da = d * (T(1) - z) * (T(1) - hh * hh);
            T dzz = d * (hp[s + j] - hh) * z * (T(1) - z);
            T dzr = da * hzr[2 * H + j] * r * (T(1) - r);
            dxr[j] = dzz;
            dxr[H + j] = dzr;
            dxr[2 * H + j] = da;
            dhr[j] = dzz;
            dhr[H + j] = dzr;
            dhr[2 * H + j] = da * r;
            dhp[s + j] = d * z;
        }
    }
}

LAMINA_CLONES static void lstm_fwd_f32(const float* z, const float* cp, float* h, float* c, float* g, int64_t H, int64_t b0, int64_t b1) { lstm_fwd_rows(z, cp, h, c, g, H, b0, b1); }
LAMINA_CLONES static void lstm_fwd_f64(const double* z, const double* cp, double* h, double* c, double* g, int64_t H, int64_t b0, int64_t b1) { lstm_fwd_rows(z, cp, h, c, g, H, b0, b1); }
LAMINA_CLONES static void lstm_bwd_f32(const float* g, const float* cp, const float* c, const float* dh, const float* dc, float* dz, float* dcp, int64_t H, int64_t b0, int64_t b1) { lstm_bwd_rows(g, cp, c, dh, dc, dz, dcp, H, b0, b1); }
LAMINA_CLONES static void lstm_bwd_f64(const double* g, const double* cp, const double* c, const double* dh, const double* dc, double* dz, double* dcp, int64_t H, int64_t b0, int64_t b1) { lstm_bwd_rows(g, cp, c, dh, dc, dz, dcp, H, b0, b1); }
LAMINA_CLONES static void gru_fwd_f32(const float* xz, const float* hz, const float* hp, float* h, float* g, int64_t H, int64_t b0, int64_t b1) { gru_fwd_rows(xz, hz, hp, h, g, H, b0, b1); }
LAMINA_CLONES static void gru_fwd_f64(const double* xz, const double* hz, const double* hp, double* h, double* g, int64_t H, int64_t b0, int64_t b1) { gru_fwd_rows(xz, hz, hp, h, g, H, b0, b1); }
LAMINA_CLONES static void gru_bwd_f32(const float* g, const float* hz, const float* hp, const float* dh, float* dxz, float* dhz, float* dhp, int64_t H, int64_t b0, int64_t b1) { gru_bwd_rows(g, hz, hp, dh, dxz, dhz, dhp, H, b0, b1); }
LAMINA_CLONES static void gru_bwd_f64(const double* g, const double* hz, const double* hp, const double* dh, double* dxz, double* dhz, double* dhp, int64_t H, int64_t b0, int64_t b1) { gru_bwd_rows(g, hz, hp, dh, dxz, dhz, dhp, H, b0, b1); }

/** Rows per parallel chunk threshold: parallel when batch·hidden is large enough. */
inline int64_t recurrent_min_rows(int64_t H) {
    int64_t h = H < 1 ? 1 : H;
    int64_t rows = kRecurrentParallel / h;
    return rows < 2 ? 2 : rows;
}

inline int lstm_cell_forward(int dt, const void* z, const void* cp, void* h, void* c, void* g, int64_t B, int64_t H) {
    if (B < 0 || H < 0) return E_ARG;
    const int64_t mr = recurrent_min_rows(H);
    switch (dt) {
        case F32: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { lstm_fwd_f32((const float*) z, (const float*) cp, (float*) h, (float*) c, (float*) g, H, b0, b1); }); return OK;
        case F64: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { lstm_fwd_f64((const double*) z, (const double*) cp, (double*) h, (double*) c, (double*) g, H, b0, b1); }); return OK;
        default: return E_DTYPE;
    }
}

inline int lstm_cell_backward(int dt, const void* g, const void* cp, const void* c, const void* dh, const void* dc,
                              void* dz, void* dcp, int64_t B, int64_t H) {
    if (B < 0 || H < 0) return E_ARG;
    const int64_t mr = recurrent_min_rows(H);
    switch (dt) {
        case F32: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { lstm_bwd_f32((const float*) g, (const float*) cp, (const float*) c, (const float*) dh, (const float*) dc, (float*) dz, (float*) dcp, H, b0, b1); }); return OK;
        case F64: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { lstm_bwd_f64((const double*) g, (const double*) cp, (const double*) c, (const double*) dh, (const double*) dc, (double*) dz, (double*) dcp, H, b0, b1); }); return OK;
        default: return E_DTYPE;
    }
}

inline int gru_cell_forward(int dt, const void* xz, const void* hz, const void* hp, void* h, void* g, int64_t B, int64_t H) {
    if (B < 0 || H < 0) return E_ARG;
    const int64_t mr = recurrent_min_rows(H);
    switch (dt) {
        case F32: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { gru_fwd_f32((const float*) xz, (const float*) hz, (const float*) hp, (float*) h, (float*) g, H, b0, b1); }); return OK;
        case F64: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { gru_fwd_f64((const double*) xz, (const double*) hz, (const double*) hp, (double*) h, (double*) g, H, b0, b1); }); return OK;
        default: return E_DTYPE;
    }
}

inline int gru_cell_backward(int dt, const void* g, const void* hz, const void* hp, const void* dh, void* dxz, void* dhz,
                             void* dhp, int64_t B, int64_t H) {
    if (B < 0 || H < 0) return E_ARG;
    const int64_t mr = recurrent_min_rows(H);
    switch (dt) {
        case F32: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { gru_bwd_f32((const float*) g, (const float*) hz, (const float*) hp, (const float*) dh, (float*) dxz, (float*) dhz, (float*) dhp, H, b0, b1); }); return OK;
        case F64: parallel_for(B, mr, [&](int64_t b0, int64_t b1) { gru_bwd_f64((const double*) g, (const double*) hz, (const double*) hp, (const double*) dh, (double*) dxz, (double*) dhz, (double*) dhp, H, b0, b1); }); return OK;
        default: return E_DTYPE;
    }
}

}  // namespace lamina
