// Lamina cpu-kernels: direct (im2col-free) float32 convolution for layers with few input taps,
// such as an image network's first layer (3x3 over 3 channels: 27 taps). There the column matrix
// is 27 wide, OpenBLAS reaches only 50-80 GFLOP/s on the products and im2col moves 9-float spans;
// these AVX-512 kernels read x in place and keep their sums in registers.
//
//   forward  y[p, k] = Σ_t x_t(p) · w[t, k]          (blocks of 8 (or 6) pixels x all K channels)
//   kernel gradient  dW[t, k] += Σ_p x_t(p) · dz[p, k]   (all taps x 16 channels per pass; 3x3
//                                                        kernels over 1-3 channels and 5x5 over 1)
//
// where x_t(p) is tap t = (i·KW + j)·C + c of output pixel p. They apply to float32, one group,
// dilation 1, no padding ("valid"), K a multiple of 16 up to 64 and at most 32 taps, on CPUs with
// AVX-512F (checked at run time); the driver uses im2col + sgemm otherwise. The sums use fused
// multiply-adds in a fixed order (taps in order, pixels in order), so results do not depend on the
// thread count; they differ from the im2col path in rounding only (tested against the reference).
#pragma once

#include <atomic>
#include <cstdint>

#include "lamina_conv.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define LAMINA_HAVE_DIRECT_CONV 1
#endif

namespace lamina {

constexpr int64_t kDirectMaxTaps = 32;

/**
 * Whether conv_direct_dw serves this geometry (it also needs conv_direct_applies): kernel rows of
 * 3 taps over 1 to 3 channels (3x3 kernels on images), or 5x5 over one channel.
 */
inline bool conv_direct_dw_applies(const ConvGeom& g) {
    const int64_t span = g.KW * g.C;
    return (g.KH == 3 && (span == 9 || span == 6 || span == 3)) || (g.KH == 5 && span == 5);
}

/** Switch for the direct kernels (CpuBackend sets it from lamina.cpu.conv.direct; on by default). */
inline std::atomic<bool>& conv_direct_enabled() {
    static std::atomic<bool> on{true};
    return on;
}

/** Whether the direct kernels serve this float32 geometry on this CPU. */
inline bool conv_direct_applies(const ConvGeom& g) {
#ifdef LAMINA_HAVE_DIRECT_CONV
    static const bool avx512 = __builtin_cpu_supports("avx512f");
    return avx512 && conv_direct_enabled().load(std::memory_order_relaxed) && g.G == 1 && g.DH == 1 && g.DW == 1 && g.PT == 0 && g.PL == 0 &&
           (g.OH - 1) * g.SH + g.KH <= g.H && (g.OW - 1) * g.SW + g.KW <= g.W && g.K % 16 == 0 && g.K <= 64 &&
           g.kcol() <= kDirectMaxTaps;
#else
    (void) g;
    return false;
#endif
}

#ifdef LAMINA_HAVE_DIRECT_CONV

// Pixels ow0 .. ow0 + PB − 1 of output row u (NV = K / 16 vectors per pixel): y = Σ_t x_t · w_t.
template <int NV, int PB>
__attribute__((target("avx512f"), always_inline)) inline void direct_fwd_block(const float* __restrict__ x,
                                                                              const float* __restrict__ w,
                                                                              float* __restrict__ y,
                                                                              const ConvGeom& g, int64_t u,
                                                                              int64_t ow0) {
    const int64_t b = u / g.OH, oh = u % g.OH, C = g.C;
    __m512 acc[PB][NV];
#pragma GCC unroll 8
    for (int p = 0; p < PB; p++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[p][v] = _mm512_setzero_ps();
    const float* wt = w;
    for (int64_t i = 0; i < g.KH; i++) {
        const float* row = x + ((b * g.H + oh * g.SH + i) * g.W) * C;
        for (int64_t j = 0; j < g.KW; j++) {
            for (int64_t c = 0; c < C; c++, wt += g.K) {
                __m512 wv[NV];
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++) wv[v] = _mm512_loadu_ps(wt + 16 * v);
                const float* xs = row + ((ow0 * g.SW) + j) * C + c;
#pragma GCC unroll 8
                for (int p = 0; p < PB; p++) {
                    const __m512 xv = _mm512_set1_ps(xs[p * g.SW * C]);
#pragma GCC unroll 4
                    for (int v = 0; v < NV; v++) acc[p][v] = _mm512_fmadd_ps(xv, wv[v], acc[p][v]);
                }
            }
        }
    }
#pragma GCC unroll 8
    for (int p = 0; p < PB; p++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(y + (u * g.OW + ow0 + p) * g.K + 16 * v, acc[p][v]);
}

template <int NV>
__attribute__((target("avx512f"))) inline void direct_fwd_rows(const float* x, const float* w, float* y,
                                                               const ConvGeom& g, int64_t u0, int64_t u1) {
    constexpr int PB = NV == 4 ? 6 : 8;
    for (int64_t u = u0; u < u1; u++) {
        int64_t ow = 0;
        for (; ow + PB <= g.OW; ow += PB) direct_fwd_block<NV, PB>(x, w, y, g, u, ow);
        for (; ow < g.OW; ow++) direct_fwd_block<NV, 1>(x, w, y, g, u, ow);
    }
}

/** y rows of units [u0, u1) (before bias and activation). */
inline void conv_direct_forward(const float* x, const float* w, float* y, const ConvGeom& g, int64_t u0, int64_t u1) {
    switch (g.K / 16) {
        case 1: direct_fwd_rows<1>(x, w, y, g, u0, u1); return;
        case 2: direct_fwd_rows<2>(x, w, y, g, u0, u1); return;
        case 3: direct_fwd_rows<3>(x, w, y, g, u0, u1); return;
        default: direct_fwd_rows<4>(x, w, y, g, u0, u1); return;
    }
}

// dW[:, 16v .. 16v + 15] (+)= Σ over the pixels of units [u0, u1) of x_t(p) · dz[p, 16v ..]:
// the KH·SPAN taps' sums (SPAN = KW·C taps per kernel row) for one 16-channel slice stay in
// registers; both counts are compile-time so the loops unroll onto fixed registers.
template <int KH, int SPAN>
__attribute__((target("avx512f"))) inline void direct_dw_slice(const float* __restrict__ x,
                                                               const float* __restrict__ dz,
                                                               float* __restrict__ dw, const ConvGeom& g,
                                                               int64_t u0, int64_t u1, int64_t v, bool first) {
    constexpr int NT = KH * SPAN;
    const int64_t C = g.C;
    __m512 acc[NT];
#pragma GCC unroll 32
    for (int t = 0; t < NT; t++) acc[t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(dw + t * g.K + 16 * v);
    for (int64_t u = u0; u < u1; u++) {
        const int64_t b = u / g.OH, oh = u % g.OH;
        const float* dzr = dz + (u - u0) * g.OW * g.K + 16 * v;
        const float* x0 = x + ((b * g.H + oh * g.SH) * g.W) * C;
        for (int64_t ow = 0; ow < g.OW; ow++) {
            const __m512 d = _mm512_loadu_ps(dzr + ow * g.K);
            const float* xs = x0 + ow * g.SW * C;
#pragma GCC unroll 8
            for (int i = 0; i < KH; i++) {
#pragma GCC unroll 16
                for (int q = 0; q < SPAN; q++) {
                    acc[i * SPAN + q] = _mm512_fmadd_ps(_mm512_set1_ps(xs[i * g.W * C + q]), d, acc[i * SPAN + q]);
                }
            }
        }
    }
#pragma GCC unroll 32
    for (int t = 0; t < NT; t++) _mm512_storeu_ps(dw + t * g.K + 16 * v, acc[t]);
}

template <int KH, int SPAN>
inline void direct_dw(const float* x, const float* dz, float* dw, const ConvGeom& g, int64_t u0, int64_t u1,
                      bool first) {
    for (int64_t v = 0; v < g.K / 16; v++) direct_dw_slice<KH, SPAN>(x, dz, dw, g, u0, u1, v, first);
}

/**
 * dw (first: =, else +=) Σ over the units [u0, u1) of the taps times dz (dz holds those units'
 * rows, leading dimension K). Only for the shapes conv_direct_dw_applies accepts.
 */
inline void conv_direct_dw(const float* x, const float* dz, float* dw, const ConvGeom& g, int64_t u0, int64_t u1,
                           bool first) {
    const int64_t span = g.KW * g.C;
    if (g.KH == 3 && span == 9) direct_dw<3, 9>(x, dz, dw, g, u0, u1, first);
    else if (g.KH == 3 && span == 6) direct_dw<3, 6>(x, dz, dw, g, u0, u1, first);
    else if (g.KH == 3 && span == 3) direct_dw<3, 3>(x, dz, dw, g, u0, u1, first);
    else direct_dw<5, 5>(x, dz, dw, g, u0, u1, first);
}

#endif  // LAMINA_HAVE_DIRECT_CONV

}  // namespace lamina
