// Lamina cpu-kernels: fused recurrent cells (LSTM gate order i, f, c, o; GRU reset_after with
// gate order z, r, h), forward and backward, templated over float and double.
//
// One pass over the gate pre-activations per step: each row reads its 4H (or 3H) pre-activations
// once and writes the activated gates, the new state and the output in the same loop. Rows are
// independent, so the thread pool splits the batch between threads (results do not depend on the
// thread count). The row functions carry LAMINA_CLONES (x86-64-v4 / v3 / baseline, as in
// lamina_kernels.hpp); the math is documented on dev.lamina.backend.Backend#lstmCellForward.
//
// sigmoid never overflows for any |x| (double: it never exponentiates a positive number; float: the clamped
// vectorisable fexp below) and tanh returns exactly ±1 for large |x|.
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
LAMINA_INLINE T rtanh(T x) {
    return std::tanh(x);
}

// float32 gates: libm's expf/tanhf are scalar calls (about 8 ns each), which made the gate
// non-linearities most of an LSTM step. These branch-free forms vectorise under LAMINA_CLONES.
// fexp: the unary kernels' vexpf (lamina_kernels.hpp) on inputs clamped to [-87.3, 88], so a gate
// never meets inf or a subnormal (bitwise the same as vexpf inside that range); NaN passes through.
LAMINA_INLINE float fexp(float x) {
    float xc = x > 88.0f ? 88.0f : x;
    xc = xc < -87.3f ? -87.3f : xc;
    return vexpf(xc);
}

// σ(x) = 1 / (1 + e^−x): with the clamp in fexp no overflow for any x; 0 < σ < 1 up to rounding.
template <>
LAMINA_INLINE float rsig<float>(float x) {
    return 1.0f / (1.0f + fexp(-x));
}

// tanh: the unary kernels' vtanhf (lamina_kernels.hpp): Cephes's odd polynomial near 0, else
// 1 − 2 / (e^{2|x|} + 1); exactly ±1 for large |x|.
template <>
LAMINA_INLINE float rtanh<float>(float x) {
    return vtanhf(x);
}

template <class T>
LAMINA_INLINE void lstm_fwd_rows(const T* __restrict z, const T* __restrict cp, T* __restrict h, T* __restrict c,
                                 T* __restrict g, int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* zr = z + b * 4 * H;
        T* gr = g + b * 4 * H;
        const T* cpr = cp + b * H;
        T* hr = h + b * H;
        T* cr = c + b * H;
        for (int64_t j = 0; j < H; j++) {
            T i = rsig(zr[j]);
            T f = rsig(zr[H + j]);
            T gg = rtanh(zr[2 * H + j]);
            T o = rsig(zr[3 * H + j]);
            T cv = f * cpr[j] + i * gg;
            gr[j] = i;
            gr[H + j] = f;
            gr[2 * H + j] = gg;
            gr[3 * H + j] = o;
            cr[j] = cv;
            hr[j] = o * rtanh(cv);
        }
    }
}

template <class T>
LAMINA_INLINE void lstm_bwd_rows(const T* __restrict g, const T* __restrict cp, const T* __restrict c,
                                 const T* __restrict dh, const T* __restrict dc, T* __restrict dz, T* __restrict dcp,
                                 int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* gr = g + b * 4 * H;
        T* dzr = dz + b * 4 * H;
        const int64_t s = b * H;
        for (int64_t j = 0; j < H; j++) {
            T i = gr[j], f = gr[H + j], gg = gr[2 * H + j], o = gr[3 * H + j];
            T tc = rtanh(c[s + j]);
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
LAMINA_INLINE void gru_fwd_rows(const T* __restrict xz, const T* __restrict hz, const T* __restrict hp, T* __restrict h,
                                T* __restrict g, int64_t H, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
        const T* xr = xz + b * 3 * H;
        const T* hr = hz + b * 3 * H;
        T* gr = g + b * 3 * H;
        const int64_t s = b * H;
        for (int64_t j = 0; j < H; j++) {
            T z = rsig(xr[j] + hr[j]);
            T r = rsig(xr[H + j] + hr[H + j]);
            T hh = rtanh(xr[2 * H + j] + r * hr[2 * H + j]);
            gr[j] = z;
            gr[H + j] = r;
            gr[2 * H + j] = hh;
            h[s + j] = z * hp[s + j] + (T(1) - z) * hh;
        }
    }
}

template <class T>
LAMINA_INLINE void gru_bwd_rows(const T* __restrict g, const T* __restrict hz, const T* __restrict hp,
                                const T* __restrict dh, T* __restrict dxz, T* __restrict dhz, T* __restrict dhp,
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
