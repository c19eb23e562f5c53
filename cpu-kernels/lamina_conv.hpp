// Lamina cpu-kernels: convolution helpers (im2col / col2im over NHWC) and 2-D pooling kernels,
// templated over float and double. lamina_conv_driver.hpp runs the convolution passes with them
// (and OpenBLAS for the matrix products); these kernels only move data and pool.
//
// Geometry arrays (int64) are ConvGeometry / PoolGeometry.toArray(), read by the field indices of
// native/lamina_ops.h. Every input position is bounds-checked, so no geometry can make a kernel
// read or write outside [0, H) x [0, W) of its image; the Java side checks storage sizes.
//
// Column layout (one group g, a chunk of "units" u in [u0, u1), u = b*outH + oh, one output row
// each): row r = (u - u0)*outW + ow, column (i*kw + j)*Cg + c, Kcol = kh*kw*Cg columns; the entry is
// x[b, oh*sh - padTop + i*dh, ow*sw - padLeft + j*dw, g*Cg + c], or 0 in the padding.
//
// Determinism: im2col writes disjoint outputs; col2im is a gather (each dx element sums its column
// entries in fixed (i, j) order); the pooling forwards write disjoint outputs per thread;
// pooling backwards split the batch between threads and scatter within one image in a fixed order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "lamina_kernels.hpp"

namespace lamina {

struct ConvGeom {
    int64_t B, H, W, C, OH, OW, K, KH, KW, SH, SW, DH, DW, PT, PL, G;
    explicit ConvGeom(const int64_t* a)
        : B(a[LAMINA_CONV_B]), H(a[LAMINA_CONV_H]), W(a[LAMINA_CONV_W]), C(a[LAMINA_CONV_C]), OH(a[LAMINA_CONV_OH]),
          OW(a[LAMINA_CONV_OW]), K(a[LAMINA_CONV_K]), KH(a[LAMINA_CONV_KH]), KW(a[LAMINA_CONV_KW]), SH(a[LAMINA_CONV_SH]),
          SW(a[LAMINA_CONV_SW]), DH(a[LAMINA_CONV_DH]), DW(a[LAMINA_CONV_DW]), PT(a[LAMINA_CONV_PT]),
          PL(a[LAMINA_CONV_PL]), G(a[LAMINA_CONV_G]) {}
    bool valid() const {
        return B >= 0 && H > 0 && W > 0 && C > 0 && OH > 0 && OW > 0 && K > 0 && KH > 0 && KW > 0 && SH > 0 &&
               SW > 0 && DH > 0 && DW > 0 && PT >= 0 && PL >= 0 && G > 0 && C % G == 0 && K % G == 0;
    }
    int64_t cg() const { return C / G; }
    int64_t kcol() const { return KH * KW * (C / G); }
};

struct PoolGeom {
    int64_t B, H, W, C, OH, OW, PH, PW, SH, SW, PT, PL;
    explicit PoolGeom(const int64_t* a)
        : B(a[LAMINA_POOL_B]), H(a[LAMINA_POOL_H]), W(a[LAMINA_POOL_W]), C(a[LAMINA_POOL_C]), OH(a[LAMINA_POOL_OH]),
          OW(a[LAMINA_POOL_OW]), PH(a[LAMINA_POOL_PH]), PW(a[LAMINA_POOL_PW]), SH(a[LAMINA_POOL_SH]), SW(a[LAMINA_POOL_SW]),
          PT(a[LAMINA_POOL_PT]), PL(a[LAMINA_POOL_PL]) {}
    bool valid() const {
        return B >= 0 && H > 0 && W > 0 && C > 0 && OH > 0 && OW > 0 && PH > 0 && PW > 0 && SH > 0 && SW > 0 &&
               PT >= 0 && PL >= 0;
    }
};

// ---- im2col --------------------------------------------------------------------------------

// Copies over restrict-qualified rows (the column buffer never aliases x), which GCC turns into
// memcpy/memset or vector loops in every clone.
template <class T>
LAMINA_INLINE void copy_row(T* __restrict__ d, const T* __restrict__ s, int64_t n) {
    for (int64_t c = 0; c < n; c++) d[c] = s[c];
}
template <class T>
LAMINA_INLINE void zero_row(T* __restrict__ d, int64_t n) {
    for (int64_t c = 0; c < n; c++) d[c] = T(0);
}

template <class T>
LAMINA_INLINE void im2col_body(const T* x, T* col, const ConvGeom& g, int64_t grp, int64_t u0, int64_t ub, int64_t ue) {
    const int64_t cg = g.cg(), kcol = g.kcol();
    // one group and no column dilation: the in-bounds taps j of a kernel row are contiguous in x
    // (NHWC), so each kernel row is one copy of (jhi - jlo)*C elements between zero runs
    const bool spans = g.G == 1 && g.DW == 1;
    for (int64_t u = ub; u < ue; u++) {
        const int64_t b = u / g.OH, oh = u % g.OH;
        T* rowBase = col + (u - u0) * g.OW * kcol;
        for (int64_t ow = 0; ow < g.OW; ow++) {
            T* dst = rowBase + ow * kcol;
            const int64_t iw0 = ow * g.SW - g.PL;
            for (int64_t i = 0; i < g.KH; i++) {
                const int64_t ih = oh * g.SH - g.PT + i * g.DH;
                const bool rowIn = ih >= 0 && ih < g.H;
                if (spans) {
                    T* d = dst + i * g.KW * cg;
                    if (!rowIn) { zero_row(d, g.KW * cg); continue; }
                    const int64_t jlo = std::min<int64_t>(g.KW, std::max<int64_t>(0, -iw0));
                    const int64_t jhi = std::max<int64_t>(jlo, std::min<int64_t>(g.KW, g.W - iw0));
                    zero_row(d, jlo * cg);
                    copy_row(d + jlo * cg, x + ((b * g.H + ih) * g.W + iw0 + jlo) * g.C, (jhi - jlo) * cg);
                    zero_row(d + jhi * cg, (g.KW - jhi) * cg);
                    continue;
                }
                for (int64_t j = 0; j < g.KW; j++) {
                    const int64_t iw = iw0 + j * g.DW;
                    T* d = dst + (i * g.KW + j) * cg;
                    if (rowIn && iw >= 0 && iw < g.W) {
                        copy_row(d, x + ((b * g.H + ih) * g.W + iw) * g.C + grp * cg, cg);
                    } else {
                        zero_row(d, cg);
                    }
                }
            }
        }
    }
}
LAMINA_CLONES static void im2col_f32(const float* x, float* col, const ConvGeom& g, int64_t grp, int64_t u0, int64_t b,
                                     int64_t e) {
    im2col_body(x, col, g, grp, u0, b, e);
}
LAMINA_CLONES static void im2col_f64(const double* x, double* col, const ConvGeom& g, int64_t grp, int64_t u0,
                                     int64_t b, int64_t e) {
    im2col_body(x, col, g, grp, u0, b, e);
}


// ---- col2im (gather, accumulating into dx) -------------------------------------------------

// Rows r in [rb, re) of the (image, input row) pairs of images [b0, b1): r = (b - b0)*H + ih.
template <class T>
LAMINA_INLINE void col2im_body(const T* col, T* dx, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1, int64_t b0,
                               int64_t rb, int64_t re) {
    const int64_t cg = g.cg(), kcol = g.kcol();
    for (int64_t r = rb; r < re; r++) {
        const int64_t b = b0 + r / g.H, ih = r % g.H;
        T* dxRow = dx + (b * g.H + ih) * g.W * g.C + grp * cg;
        for (int64_t i = 0; i < g.KH; i++) {
            const int64_t t = ih + g.PT - i * g.DH;
            if (t < 0 || t % g.SH != 0) continue;
            const int64_t oh = t / g.SH;
            if (oh >= g.OH) continue;
            const int64_t u = b * g.OH + oh;
            if (u < u0 || u >= u1) continue;
            const T* colRow = col + (u - u0) * g.OW * kcol;
            for (int64_t iw = 0; iw < g.W; iw++) {
                T* d = dxRow + iw * g.C;
                for (int64_t j = 0; j < g.KW; j++) {
                    const int64_t t2 = iw + g.PL - j * g.DW;
                    if (t2 < 0 || t2 % g.SW != 0) continue;
                    const int64_t ow = t2 / g.SW;
                    if (ow >= g.OW) continue;
                    const T* s = colRow + ow * kcol + (i * g.KW + j) * cg;
                    for (int64_t c = 0; c < cg; c++) d[c] += s[c];
                }
            }
        }
    }
}
LAMINA_CLONES static void col2im_f32(const float* col, float* dx, const ConvGeom& g, int64_t grp, int64_t u0,
                                     int64_t u1, int64_t b0, int64_t rb, int64_t re) {
    col2im_body(col, dx, g, grp, u0, u1, b0, rb, re);
}
LAMINA_CLONES static void col2im_f64(const double* col, double* dx, const ConvGeom& g, int64_t grp, int64_t u0,
                                     int64_t u1, int64_t b0, int64_t rb, int64_t re) {
    col2im_body(col, dx, g, grp, u0, u1, b0, rb, re);
}


// ---- pooling ---------------------------------------------------------------------------------

// Max pooling forward over units u = b*OH + oh in [ub, ue). best holds C values.
template <class T>
LAMINA_INLINE void max_pool_fwd_body(const T* x, T* y, const PoolGeom& g, int64_t ub, int64_t ue, T* best,
                                     uint8_t* seen) {
    for (int64_t u = ub; u < ue; u++) {
        const int64_t b = u / g.OH, oh = u % g.OH;
        for (int64_t ow = 0; ow < g.OW; ow++) {
            bool any = false;
            for (int64_t i = 0; i < g.PH; i++) {
                const int64_t ih = oh * g.SH - g.PT + i;
                if (ih < 0 || ih >= g.H) continue;
                for (int64_t j = 0; j < g.PW; j++) {
                    const int64_t iw = ow * g.SW - g.PL + j;
                    if (iw < 0 || iw >= g.W) continue;
                    const T* s = x + ((b * g.H + ih) * g.W + iw) * g.C;
                    if (!any) {
                        for (int64_t c = 0; c < g.C; c++) best[c] = s[c];
                        any = true;
                    } else {
                        for (int64_t c = 0; c < g.C; c++) {
                            const T v = s[c], m = best[c];
                            best[c] = (v > m || (v != v && m == m)) ? v : m;
                        }
                    }
                }
            }
            T* d = y + (u * g.OW + ow) * g.C;
            if (any) {
                for (int64_t c = 0; c < g.C; c++) d[c] = best[c];
            } else {
                for (int64_t c = 0; c < g.C; c++) d[c] = std::numeric_limits<T>::quiet_NaN();
            }
        }
    }
    (void) seen;
}
LAMINA_CLONES static void max_pool_fwd_f32(const float* x, float* y, const PoolGeom& g, int64_t b, int64_t e,
                                           float* best) {
    max_pool_fwd_body(x, y, g, b, e, best, nullptr);
}
LAMINA_CLONES static void max_pool_fwd_f64(const double* x, double* y, const PoolGeom& g, int64_t b, int64_t e,
                                           double* best) {
    max_pool_fwd_body(x, y, g, b, e, best, nullptr);
}

// Max pooling backward for images [bb, be): dx of those images is cleared, then every dy goes
// to its window's first maximum (first NaN if any), windows in row-major order. Vectorised over
// channels: the window's maximum is found first (as in the forward), then one pass over the window
// in row-major order adds dy where the element equals that maximum and no earlier element has
// taken it (taken[c] holds 0 or 1). Adding exact zeros elsewhere leaves the sums bitwise equal to a
// scatter of dy into the argmax positions (dx is never -0, so dx + 0 == dx). Outputs alias nothing.
#define LAMINA_RESTRICT __restrict__
template <class T>
LAMINA_INLINE void max_pool_bwd_window(const T* LAMINA_RESTRICT s, const T* LAMINA_RESTRICT d,
                                       T* LAMINA_RESTRICT o, const T* LAMINA_RESTRICT best,
                                       T* LAMINA_RESTRICT taken, int64_t C) {
    for (int64_t c = 0; c < C; c++) {
        const T v = s[c], m = best[c];
        const bool hit = (v == m) | ((v != v) & (m != m));
        const bool take = hit & (taken[c] == T(0));
        o[c] += take ? d[c] : T(0);
        taken[c] = take ? T(1) : taken[c];
    }
}
template <class T>
LAMINA_INLINE void max_pool_best(const T* LAMINA_RESTRICT s, T* LAMINA_RESTRICT best, int64_t C, bool first) {
    if (first) {
        for (int64_t c = 0; c < C; c++) best[c] = s[c];
    } else {
        for (int64_t c = 0; c < C; c++) {
            const T v = s[c], m = best[c];
            best[c] = (v > m || (v != v && m == m)) ? v : m;
        }
    }
}
template <class T>
LAMINA_INLINE void max_pool_bwd_body(const T* x, const T* dy, T* dx, const PoolGeom& g, int64_t bb, int64_t be,
                                     T* best, T* taken) {
    const int64_t img = g.H * g.W * g.C;
    for (int64_t b = bb; b < be; b++) {
        T* dxi = dx + b * img;
        const T* xi = x + b * img;
        std::memset(dxi, 0, (size_t) img * sizeof(T));
        for (int64_t oh = 0; oh < g.OH; oh++) {
            const int64_t h0 = std::max<int64_t>(oh * g.SH - g.PT, 0);
            const int64_t h1 = std::min<int64_t>(oh * g.SH - g.PT + g.PH, g.H);
            for (int64_t ow = 0; ow < g.OW; ow++) {
                const int64_t w0 = std::max<int64_t>(ow * g.SW - g.PL, 0);
                const int64_t w1 = std::min<int64_t>(ow * g.SW - g.PL + g.PW, g.W);
                if (h0 >= h1 || w0 >= w1) continue;
                bool first = true;
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) {
                        max_pool_best(xi + (ih * g.W + iw) * g.C, best, g.C, first);
                        first = false;
                    }
                for (int64_t c = 0; c < g.C; c++) taken[c] = T(0);
                const T* d = dy + ((b * g.OH + oh) * g.OW + ow) * g.C;
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) {
                        const int64_t off = (ih * g.W + iw) * g.C;
                        max_pool_bwd_window(xi + off, d, dxi + off, best, taken, g.C);
                    }
            }
        }
    }
}
// ---- max pooling over tiling windows (stride = pool size, no padding: Keras's default) ------
// Every window is whole and windows do not overlap, so the forward needs no bounds checks and the
// backward writes each dx element once (no clearing pass, no accumulation). Same results as the
// general kernels: the window maximum (NaN wins), dy to the first position holding it.

// the NaN-aware maximum of the general kernels, and "v is that maximum" (NaN matches NaN)
template <class T>
LAMINA_INLINE T nan_max(T m, T v) {
    return (v > m || (v != v && m == m)) ? v : m;
}
template <class T>
LAMINA_INLINE T max4(T a, T b, T c, T d) {
    return nan_max(nan_max(nan_max(a, b), c), d);
}
template <class T>
LAMINA_INLINE bool same(T v, T m) {
    return (v == m) | ((v != v) & (m != m));
}

// best[c] = the maximum of the whole window at base over every channel, scanned in row-major order
template <class T>
LAMINA_INLINE void tile_window_max(const T* __restrict__ base, T* __restrict__ best, const PoolGeom& g) {
    const int64_t C = g.C;
    for (int64_t c = 0; c < C; c++) best[c] = base[c];
    for (int64_t i = 0; i < g.PH; i++)
        for (int64_t j = (i == 0 ? 1 : 0); j < g.PW; j++) {
            const T* __restrict__ s = base + (i * g.W + j) * C;
            for (int64_t c = 0; c < C; c++) best[c] = nan_max(best[c], s[c]);
        }
}

inline bool pool_tiles(const PoolGeom& g) {
    return g.PT == 0 && g.PL == 0 && g.SH == g.PH && g.SW == g.PW && g.OH * g.SH <= g.H && g.OW * g.SW <= g.W;
}

template <class T>
LAMINA_INLINE void max_pool_tiles_fwd_body(const T* __restrict__ x, T* __restrict__ y, const PoolGeom& g, int64_t ub,
                                           int64_t ue, T* __restrict__ best) {
    const int64_t C = g.C;
    for (int64_t u = ub; u < ue; u++) {
        const int64_t b = u / g.OH, oh = u % g.OH;
        for (int64_t ow = 0; ow < g.OW; ow++) {
            const T* __restrict__ base = x + ((b * g.H + oh * g.SH) * g.W + ow * g.SW) * C;
            if (g.PH == 2 && g.PW == 2) {  // one pass over the channels, all four taps at once
                const T* __restrict__ s1 = base + C;
                const T* __restrict__ s2 = base + g.W * C;
                const T* __restrict__ s3 = s2 + C;
                T* __restrict__ d = y + (u * g.OW + ow) * C;
                for (int64_t c = 0; c < C; c++) d[c] = max4(base[c], s1[c], s2[c], s3[c]);
                continue;
            }
            tile_window_max(base, best, g);
            T* __restrict__ d = y + (u * g.OW + ow) * C;
            for (int64_t c = 0; c < C; c++) d[c] = best[c];
        }
    }
}
LAMINA_CLONES static void max_pool_tiles_fwd_f32(const float* x, float* y, const PoolGeom& g, int64_t b, int64_t e,
                                                 float* best) {
    max_pool_tiles_fwd_body(x, y, g, b, e, best);
}
LAMINA_CLONES static void max_pool_tiles_fwd_f64(const double* x, double* y, const PoolGeom& g, int64_t b, int64_t e,
                                                 double* best) {
    max_pool_tiles_fwd_body(x, y, g, b, e, best);
}

// images [bb, be); the rows and columns past the last window (odd sizes) get zeros
template <class T>
LAMINA_INLINE void max_pool_tiles_bwd_body(const T* __restrict__ x, const T* __restrict__ dy, T* __restrict__ dx,
                                           const PoolGeom& g, int64_t bb, int64_t be, T* __restrict__ best,
                                           T* __restrict__ taken) {
    const int64_t C = g.C, img = g.H * g.W * C;
    const bool whole = g.OH * g.SH == g.H && g.OW * g.SW == g.W;
    for (int64_t b = bb; b < be; b++) {
        if (!whole) std::memset(dx + b * img, 0, (size_t) img * sizeof(T));
        for (int64_t oh = 0; oh < g.OH; oh++) {
            for (int64_t ow = 0; ow < g.OW; ow++) {
                const int64_t off = ((b * g.H + oh * g.SH) * g.W + ow * g.SW) * C;
                const T* __restrict__ base = x + off;
                T* __restrict__ out = dx + off;
                const T* __restrict__ d = dy + ((b * g.OH + oh) * g.OW + ow) * C;
                if (g.PH == 2 && g.PW == 2) {  // one pass over the channels, all four taps at once
                    const T* __restrict__ s1 = base + C;
                    const T* __restrict__ s2 = base + g.W * C;
                    const T* __restrict__ s3 = s2 + C;
                    T* __restrict__ o1 = out + C;
                    T* __restrict__ o2 = out + g.W * C;
                    T* __restrict__ o3 = o2 + C;
                    for (int64_t c = 0; c < C; c++) {
                        // the scan of max4, remembering which tap won: dy goes to that tap
                        T m = base[c], k = T(0);
                        const T v1 = s1[c], v2 = s2[c], v3 = s3[c];
                        const bool t1 = v1 > m || (v1 != v1 && m == m);
                        m = t1 ? v1 : m;
                        k = t1 ? T(1) : k;
                        const bool t2 = v2 > m || (v2 != v2 && m == m);
                        m = t2 ? v2 : m;
                        k = t2 ? T(2) : k;
                        const bool t3 = v3 > m || (v3 != v3 && m == m);
                        k = t3 ? T(3) : k;
                        const T dv = d[c];
                        out[c] = k == T(0) ? dv : T(0);
                        o1[c] = k == T(1) ? dv : T(0);
                        o2[c] = k == T(2) ? dv : T(0);
                        o3[c] = k == T(3) ? dv : T(0);
                    }
                    continue;
                }
                tile_window_max(base, best, g);
                for (int64_t c = 0; c < C; c++) taken[c] = T(0);
                for (int64_t i = 0; i < g.PH; i++)
                    for (int64_t j = 0; j < g.PW; j++) {
                        const T* __restrict__ s = base + (i * g.W + j) * C;
                        T* __restrict__ o = out + (i * g.W + j) * C;
                        for (int64_t c = 0; c < C; c++) {
                            const T v = s[c], m = best[c];
                            const bool hit = (v == m) | ((v != v) & (m != m));
                            const bool take = hit & (taken[c] == T(0));
                            o[c] = take ? d[c] : T(0);
                            taken[c] = take ? T(1) : taken[c];
                        }
                    }
            }
        }
    }
}
LAMINA_CLONES static void max_pool_tiles_bwd_f32(const float* x, const float* dy, float* dx, const PoolGeom& g,
                                                 int64_t b, int64_t e, float* best, float* taken) {
    max_pool_tiles_bwd_body(x, dy, dx, g, b, e, best, taken);
}
LAMINA_CLONES static void max_pool_tiles_bwd_f64(const double* x, const double* dy, double* dx, const PoolGeom& g,
                                                 int64_t b, int64_t e, double* best, double* taken) {
    max_pool_tiles_bwd_body(x, dy, dx, g, b, e, best, taken);
}

LAMINA_CLONES static void max_pool_bwd_f32(const float* x, const float* dy, float* dx, const PoolGeom& g, int64_t b,
                                           int64_t e, float* best, float* taken) {
    max_pool_bwd_body(x, dy, dx, g, b, e, best, taken);
}
LAMINA_CLONES static void max_pool_bwd_f64(const double* x, const double* dy, double* dx, const PoolGeom& g, int64_t b,
                                           int64_t e, double* best, double* taken) {
    max_pool_bwd_body(x, dy, dx, g, b, e, best, taken);
}

inline int64_t pool_count(const PoolGeom& g, int64_t oh, int64_t ow) {
    const int64_t h0 = std::max<int64_t>(oh * g.SH - g.PT, 0), h1 = std::min<int64_t>(oh * g.SH - g.PT + g.PH, g.H);
    const int64_t w0 = std::max<int64_t>(ow * g.SW - g.PL, 0), w1 = std::min<int64_t>(ow * g.SW - g.PL + g.PW, g.W);
    return std::max<int64_t>(h1 - h0, 0) * std::max<int64_t>(w1 - w0, 0);
}

// Average pooling forward over units [ub, ue); sums in double, divided by the real-element count.
template <class T>
LAMINA_INLINE void avg_pool_fwd_body(const T* x, T* y, const PoolGeom& g, int64_t ub, int64_t ue, double* acc) {
    for (int64_t u = ub; u < ue; u++) {
        const int64_t b = u / g.OH, oh = u % g.OH;
        for (int64_t ow = 0; ow < g.OW; ow++) {
            for (int64_t c = 0; c < g.C; c++) acc[c] = 0.0;
            for (int64_t i = 0; i < g.PH; i++) {
                const int64_t ih = oh * g.SH - g.PT + i;
                if (ih < 0 || ih >= g.H) continue;
                for (int64_t j = 0; j < g.PW; j++) {
                    const int64_t iw = ow * g.SW - g.PL + j;
                    if (iw < 0 || iw >= g.W) continue;
                    const T* s = x + ((b * g.H + ih) * g.W + iw) * g.C;
                    for (int64_t c = 0; c < g.C; c++) acc[c] += (double) s[c];
                }
            }
            const double n = (double) pool_count(g, oh, ow);
            T* d = y + (u * g.OW + ow) * g.C;
            for (int64_t c = 0; c < g.C; c++) d[c] = (T) (acc[c] / n);
        }
    }
}
LAMINA_CLONES static void avg_pool_fwd_f32(const float* x, float* y, const PoolGeom& g, int64_t b, int64_t e,
                                           double* acc) {
    avg_pool_fwd_body(x, y, g, b, e, acc);
}
LAMINA_CLONES static void avg_pool_fwd_f64(const double* x, double* y, const PoolGeom& g, int64_t b, int64_t e,
                                           double* acc) {
    avg_pool_fwd_body(x, y, g, b, e, acc);
}

// Average pooling backward for images [bb, be): gather form, each dx element sums dy/count of the
// windows that contain it in (oh, ow) order, so no thread writes another's elements.
template <class T>
LAMINA_INLINE void avg_pool_bwd_body(const T* dy, T* dx, const PoolGeom& g, int64_t rb, int64_t re, double* acc) {
    for (int64_t r = rb; r < re; r++) {
        const int64_t b = r / g.H, ih = r % g.H;
        // output rows whose window holds row ih: oh*SH - PT <= ih < oh*SH - PT + PH
        int64_t ohLo = ih + g.PT - g.PH + 1;
        ohLo = ohLo <= 0 ? 0 : (ohLo + g.SH - 1) / g.SH;
        const int64_t ohHi = std::min<int64_t>((ih + g.PT) / g.SH, g.OH - 1);
        for (int64_t iw = 0; iw < g.W; iw++) {
            int64_t owLo = iw + g.PL - g.PW + 1;
            owLo = owLo <= 0 ? 0 : (owLo + g.SW - 1) / g.SW;
            const int64_t owHi = std::min<int64_t>((iw + g.PL) / g.SW, g.OW - 1);
            for (int64_t c = 0; c < g.C; c++) acc[c] = 0.0;
            for (int64_t oh = ohLo; oh <= ohHi; oh++) {
                for (int64_t ow = owLo; ow <= owHi; ow++) {
                    const double n = (double) pool_count(g, oh, ow);
                    const T* d = dy + ((b * g.OH + oh) * g.OW + ow) * g.C;
                    for (int64_t c = 0; c < g.C; c++) acc[c] += (double) d[c] / n;
                }
            }
            T* o = dx + ((b * g.H + ih) * g.W + iw) * g.C;
            for (int64_t c = 0; c < g.C; c++) o[c] = (T) acc[c];
        }
    }
}
LAMINA_CLONES static void avg_pool_bwd_f32(const float* dy, float* dx, const PoolGeom& g, int64_t b, int64_t e,
                                           double* acc) {
    avg_pool_bwd_body(dy, dx, g, b, e, acc);
}
LAMINA_CLONES static void avg_pool_bwd_f64(const double* dy, double* dx, const PoolGeom& g, int64_t b, int64_t e,
                                           double* acc) {
    avg_pool_bwd_body(dy, dx, g, b, e, acc);
}

/** kind: 0 max forward (x -> y), 1 max backward (x, dy -> dx), 2 avg forward (x -> y), 3 avg backward (dy -> dx). */
inline int pool2d(int kind, int dtype, const void* x, const void* dy, void* out, const int64_t* ga) {
    PoolGeom g(ga);
    if (!g.valid() || kind < 0 || kind > 3) return E_ARG;
    if (dtype != F32 && dtype != F64) return E_DTYPE;
    if (g.B == 0) return OK;
    const bool f32 = dtype == F32;
    const int64_t units = g.B * g.OH, rows = g.B * g.H;
    const int64_t perUnit = std::max<int64_t>(1, g.OW * g.PH * g.PW * g.C);
    const int64_t minUnits = std::max<int64_t>(1, kParallelElems / perUnit);
    const bool tiles = pool_tiles(g);
    switch (kind) {
        case 0:
            parallel_for(units, minUnits, [&](int64_t b, int64_t e) {
                if (f32) {
                    std::vector<float> best(g.C);
                    if (tiles) max_pool_tiles_fwd_f32((const float*) x, (float*) out, g, b, e, best.data());
                    else max_pool_fwd_f32((const float*) x, (float*) out, g, b, e, best.data());
                } else {
                    std::vector<double> best(g.C);
                    if (tiles) max_pool_tiles_fwd_f64((const double*) x, (double*) out, g, b, e, best.data());
                    else max_pool_fwd_f64((const double*) x, (double*) out, g, b, e, best.data());
                }
            });
            return OK;
        case 1:
            parallel_for(g.B, std::max<int64_t>(1, minUnits / g.OH), [&](int64_t b, int64_t e) {
                if (f32) {
                    std::vector<float> best(g.C), taken(g.C);
                    if (tiles) {
                        max_pool_tiles_bwd_f32((const float*) x, (const float*) dy, (float*) out, g, b, e, best.data(),
                                               taken.data());
                    } else {
                        max_pool_bwd_f32((const float*) x, (const float*) dy, (float*) out, g, b, e, best.data(),
                                         taken.data());
                    }
                } else {
                    std::vector<double> best(g.C), taken(g.C);
                    if (tiles) {
                        max_pool_tiles_bwd_f64((const double*) x, (const double*) dy, (double*) out, g, b, e,
                                               best.data(), taken.data());
                    } else {
                        max_pool_bwd_f64((const double*) x, (const double*) dy, (double*) out, g, b, e, best.data(),
                                         taken.data());
                    }
                }
            });
            return OK;
        case 2:
            parallel_for(units, minUnits, [&](int64_t b, int64_t e) {
                std::vector<double> acc(g.C);
                if (f32) avg_pool_fwd_f32((const float*) x, (float*) out, g, b, e, acc.data());
                else avg_pool_fwd_f64((const double*) x, (double*) out, g, b, e, acc.data());
            });
            return OK;
        default:
            parallel_for(rows, minUnits, [&](int64_t b, int64_t e) {
                std::vector<double> acc(g.C);
                if (f32) avg_pool_bwd_f32((const float*) dy, (float*) out, g, b, e, acc.data());
                else avg_pool_bwd_f64((const double*) dy, (double*) out, g, b, e, acc.data());
            });
            return OK;
    }
}

}  // namespace lamina
