// Lamina cpu-kernels: the 2-D convolution passes, whole, with the bias and ReLU fused in.
//
// float32 layers with few input taps (an image network's first layer) skip im2col and sgemm for
// the forward and the kernel gradient: lamina_conv_direct.hpp's kernels read x in place.
//
// Each pass splits the batch into P contiguous image ranges ("parts", P = min(B, 8), fewer when a
// part would have under 256 output pixels or eight kernel-gradient partials would not fit in
// 64 MiB); pool threads take the parts one at a
// time (parallel_each), each with its own column buffer.
// A part walks its output rows ("units" u = b·OH + oh) in chunks of `per` units: im2col of the
// chunk (skipped for 1x1 stride-1 unpadded kernels, whose column matrix is x itself), one
// single-threaded BLAS call per group, and the element-wise work on the rows just produced while
// they are still in cache:
//
//   forward   y = act(col · W + bias)                                     act: identity or ReLU
//   backward  dz = dy ⊙ [y > 0] (ReLU) or dy;  db = Σ_rows dz;  dW = Σ colᵀ · dz;
//             dx = col2im(dz · Wᵀ)  (dx skipped when the caller passes null)
//
// Determinism: P and `per` depend on the shapes and the column budget only, never on the thread
// count; dx rows belong to one part (parts are whole images); dW and db are summed within a part in
// chunk order and then over parts in part order. So every result is bitwise the same for any
// number of threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "lamina_conv.hpp"
#include "lamina_conv_direct.hpp"
#include "lamina_gemm.hpp"

namespace lamina {

constexpr int64_t kConvMaxParts = 8;
constexpr int64_t kConvPartialBytes = 64LL << 20;  // cap on the kernel-gradient partials of one call

constexpr int64_t kConvMinPartRows = 256;  // output pixels per part, so that a part's sgemm stays efficient

/** Image ranges of the passes (see the file comment): at most 8, each of at least 256 output pixels. */
inline int64_t conv_parts(const ConvGeom& g, int elem) {
    const int64_t dwBytes = std::max<int64_t>(1, g.kcol() * g.K * elem);
    const int64_t byMemory = std::max<int64_t>(1, kConvPartialBytes / dwBytes);
    const int64_t byRows = std::max<int64_t>(1, g.B * g.OH * g.OW / kConvMinPartRows);
    return std::max<int64_t>(1, std::min({g.B, kConvMaxParts, byMemory, byRows}));
}

inline bool conv_pointwise(const ConvGeom& g) {
    return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT == 0 && g.PL == 0 && g.OH == g.H && g.OW == g.W;
}

// ---- element-wise epilogues (clones for vector width) ---------------------------------------

// The rows of a chunk are processed as one flat run in tiles of kTile rows, so that a narrow K
// (32 channels: two AVX-512 vectors) does not pay a loop start per row.
constexpr int64_t kTile = 8;

// y = act(y + bias) over rows of K (bias may be null); tile[] holds bias repeated kTile times
template <class T>
LAMINA_INLINE void bias_act_body(T* __restrict__ y, const T* __restrict__ tile, int64_t rows, int64_t K, bool relu) {
    const int64_t L = kTile * K, n = rows * K, full = n / L * L;
    for (int64_t o = 0; o < full; o += L) {
        T* __restrict__ seg = y + o;
        if (relu) {
            for (int64_t i = 0; i < L; i++) {
                const T v = seg[i] + tile[i];
                seg[i] = v <= T(0) ? T(0) : v;  // NaN stays NaN, as Tensor.relu
            }
        } else {
            for (int64_t i = 0; i < L; i++) seg[i] += tile[i];
        }
    }
    for (int64_t i = full; i < n; i++) {
        const T v = y[i] + tile[i - full];
        y[i] = relu ? (v <= T(0) ? T(0) : v) : v;
    }
}
LAMINA_CLONES static void bias_act_f32(float* y, const float* tile, int64_t rows, int64_t K, bool relu) {
    bias_act_body(y, tile, rows, K, relu);
}
LAMINA_CLONES static void bias_act_f64(double* y, const double* tile, int64_t rows, int64_t K, bool relu) {
    bias_act_body(y, tile, rows, K, relu);
}
inline void bias_act(float* y, const float* tile, int64_t rows, int64_t K, bool relu) {
    bias_act_f32(y, tile, rows, K, relu);
}
inline void bias_act(double* y, const double* tile, int64_t rows, int64_t K, bool relu) {
    bias_act_f64(y, tile, rows, K, relu);
}

/** bias (or zeros when null) repeated kTile times: the addend of bias_act. */
template <class T>
inline std::vector<T> bias_tile(const T* bias, int64_t K) {
    std::vector<T> t((size_t) (kTile * K), T(0));
    if (bias != nullptr) {
        for (int64_t r = 0; r < kTile; r++) std::memcpy(t.data() + r * K, bias, (size_t) K * sizeof(T));
    }
    return t;
}

// dz = dy · [y > 0] (the product, as Tensor.relu's backward: a NaN or infinite dy stays visible)
template <class T>
LAMINA_INLINE void relu_mask_body(const T* __restrict__ dy, const T* __restrict__ y, T* __restrict__ dz, int64_t n) {
    for (int64_t i = 0; i < n; i++) dz[i] = dy[i] * (y[i] > T(0) ? T(1) : T(0));
}
LAMINA_CLONES static void relu_mask_f32(const float* dy, const float* y, float* dz, int64_t n) {
    relu_mask_body(dy, y, dz, n);
}
LAMINA_CLONES static void relu_mask_f64(const double* dy, const double* y, double* dz, int64_t n) {
    relu_mask_body(dy, y, dz, n);
}
inline void relu_mask(const float* dy, const float* y, float* dz, int64_t n) { relu_mask_f32(dy, y, dz, n); }
inline void relu_mask(const double* dy, const double* y, double* dz, int64_t n) { relu_mask_f64(dy, y, dz, n); }

// acc[i] (+)= Σ over the tiles of z (rows of K, kTile rows per tile) of tile[i], i < kTile·K:
// per-tile-row partial column sums; fold_tile adds the kTile partials of each column in order.
// Rows past the last full tile go to partial row 0. Fixed order: deterministic.
template <class T>
LAMINA_INLINE void col_sums_body(const T* __restrict__ z, T* __restrict__ acc, int64_t rows, int64_t K, bool first) {
    const int64_t L = kTile * K, n = rows * K, full = n / L * L;
    if (first) {
        for (int64_t i = 0; i < L; i++) acc[i] = T(0);
    }
    for (int64_t o = 0; o < full; o += L) {
        const T* __restrict__ seg = z + o;
        for (int64_t i = 0; i < L; i++) acc[i] += seg[i];
    }
    for (int64_t i = full; i < n; i++) acc[(i - full) % K] += z[i];
}
LAMINA_CLONES static void col_sums_f32(const float* z, float* acc, int64_t rows, int64_t K, bool first) {
    col_sums_body(z, acc, rows, K, first);
}
LAMINA_CLONES static void col_sums_f64(const double* z, double* acc, int64_t rows, int64_t K, bool first) {
    col_sums_body(z, acc, rows, K, first);
}
inline void col_sums(const float* z, float* acc, int64_t rows, int64_t K, bool first) {
    col_sums_f32(z, acc, rows, K, first);
}
inline void col_sums(const double* z, double* acc, int64_t rows, int64_t K, bool first) {
    col_sums_f64(z, acc, rows, K, first);
}

/** out[k] = Σ_r acc[r·K + k] over the kTile partial rows, in order. */
template <class T>
inline void fold_tile(const T* acc, T* out, int64_t K) {
    for (int64_t k = 0; k < K; k++) out[k] = acc[k];
    for (int64_t r = 1; r < kTile; r++)
        for (int64_t k = 0; k < K; k++) out[k] += acc[r * K + k];
}

template <class T>
LAMINA_INLINE void add_into_body(T* __restrict__ dst, const T* __restrict__ src, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}
LAMINA_CLONES static void add_into_f32(float* d, const float* s, int64_t n) { add_into_body(d, s, n); }
LAMINA_CLONES static void add_into_f64(double* d, const double* s, int64_t n) { add_into_body(d, s, n); }
inline void add_into(float* d, const float* s, int64_t n) { add_into_f32(d, s, n); }
inline void add_into(double* d, const double* s, int64_t n) { add_into_f64(d, s, n); }

inline void im2col_rows(const float* x, float* col, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1) {
    im2col_f32(x, col, g, grp, u0, u0, u1);
}
inline void im2col_rows(const double* x, double* col, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1) {
    im2col_f64(x, col, g, grp, u0, u0, u1);
}
// dx += the columns of units [u0, u1) (whole-image rows of the images those units touch)
inline void col2im_rows(const float* col, float* dx, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1) {
    const int64_t b0 = u0 / g.OH, b1 = (u1 - 1) / g.OH + 1;
    col2im_f32(col, dx, g, grp, u0, u1, b0, 0, (b1 - b0) * g.H);
}
inline void col2im_rows(const double* col, double* dx, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1) {
    const int64_t b0 = u0 / g.OH, b1 = (u1 - 1) / g.OH + 1;
    col2im_f64(col, dx, g, grp, u0, u1, b0, 0, (b1 - b0) * g.H);
}

/**
 * The column matrix of group grp for units [u0, u1): x itself for a pointwise convolution (leading
 * dimension C), else im2col into col (leading dimension kcol).
 */
template <class T>
inline const T* columns(const T* x, T* col, const ConvGeom& g, int64_t grp, int64_t u0, int64_t u1, bool pointwise,
                        int64_t& ld) {
    if (pointwise) {
        ld = g.C;
        return x + u0 * g.OW * g.C + grp * g.cg();
    }
    im2col_rows(x, col, g, grp, u0, u1);
    ld = g.kcol();
    return col;
}

// The direct kernels (lamina_conv_direct.hpp) serve float32 only; these overloads keep the
// templated passes compiling for double, where conv_direct<double> is always false.
template <class T>
inline bool conv_direct(const ConvGeom& g) {
    return std::is_same_v<T, float> && conv_direct_applies(g);
}
inline void direct_forward(const float* x, const float* w, float* y, const ConvGeom& g, int64_t u0, int64_t u1) {
#ifdef LAMINA_HAVE_DIRECT_CONV
    conv_direct_forward(x, w, y, g, u0, u1);
#else
    (void) x; (void) w; (void) y; (void) g; (void) u0; (void) u1;
#endif
}
inline void direct_forward(const double*, const double*, double*, const ConvGeom&, int64_t, int64_t) {}
inline void direct_dw(const float* x, const float* dz, float* dw, const ConvGeom& g, int64_t u0, int64_t u1,
                      bool first) {
#ifdef LAMINA_HAVE_DIRECT_CONV
    conv_direct_dw(x, dz, dw, g, u0, u1, first);
#else
    (void) x; (void) dz; (void) dw; (void) g; (void) u0; (void) u1; (void) first;
#endif
}
inline void direct_dw(const double*, const double*, double*, const ConvGeom&, int64_t, int64_t, bool) {}

/** Part p of P: images [ib, ie), output rows (units) [U0, U1). */
struct PartRange {
    int64_t ib, ie, U0, U1;
    PartRange(const ConvGeom& g, int64_t P, int64_t p)
        : ib(g.B * p / P), ie(g.B * (p + 1) / P), U0(ib * g.OH), U1(ie * g.OH) {}
};

template <class T>
using Buf = std::unique_ptr<T[]>;
template <class T>
inline Buf<T> scratch(int64_t n) {
    return Buf<T>(new (std::nothrow) T[(size_t) std::max<int64_t>(n, 1)]);  // uninitialised
}

// ---- forward -----------------------------------------------------------------------------------

template <class T>
inline int conv2d_forward_t(const T* x, const T* w, const T* bias, bool relu, T* y, const ConvGeom& g, int64_t per) {
    const int64_t P = conv_parts(g, sizeof(T)), kcol = g.kcol(), kg = g.K / g.G;
    const bool pw = conv_pointwise(g), direct = conv_direct<T>(g);
    const bool needCol = !pw && !direct;
    const std::vector<T> tile = bias_tile(bias, g.K);
    std::atomic<int> failed{0};
    parallel_each(P, [&](int64_t p) {
        const PartRange r(g, P, p);
        Buf<T> col = needCol ? scratch<T>(std::min(per, r.U1 - r.U0) * g.OW * kcol) : nullptr;
        if (needCol && !col) { failed = 1; return; }
        for (int64_t u0 = r.U0; u0 < r.U1; u0 += per) {
            const int64_t u1 = std::min(r.U1, u0 + per), rows = (u1 - u0) * g.OW;
            T* yc = y + u0 * g.OW * g.K;
            if (direct) {
                direct_forward(x, w, y, g, u0, u1);
            } else {
                for (int64_t grp = 0; grp < g.G; grp++) {
                    int64_t ldcol;
                    const T* cp = columns(x, col.get(), g, grp, u0, u1, pw, ldcol);
                    gemm_serial(false, false, rows, kg, kcol, cp, ldcol, w + grp * kg, g.K, T(0), yc + grp * kg, g.K);
                }
            }
            if (bias != nullptr || relu) bias_act(yc, tile.data(), rows, g.K, relu);
        }
    });
    return failed ? E_NOMEM : OK;
}

// ---- backward ----------------------------------------------------------------------------------

template <class T>
inline int conv2d_backward_t(const T* x, const T* w, const T* y, const T* dy, bool relu, T* dx, T* dw, T* db,
                             const ConvGeom& g, int64_t per) {
    const int64_t P = conv_parts(g, sizeof(T)), kcol = g.kcol(), cg = g.cg(), kg = g.K / g.G;
    const int64_t dwSize = kcol * g.K;
    const bool pw = conv_pointwise(g), directDw = conv_direct<T>(g) && conv_direct_dw_applies(g);
    // part p accumulates its dW here (straight into dw when P == 1) and its db in kTile·K partials
    // (see col_sums); both are summed in part order at the end
    const int64_t dbTile = kTile * g.K;
    Buf<T> dwParts, dbParts;
    if (P > 1 && dw != nullptr) dwParts = scratch<T>(P * dwSize);
    if (db != nullptr) dbParts = scratch<T>(P * dbTile);
    if ((P > 1 && dw != nullptr && !dwParts) || (db != nullptr && !dbParts)) return E_NOMEM;
    std::atomic<int> failed{0};
    parallel_each(P, [&](int64_t p) {
        const PartRange r(g, P, p);
        const int64_t ib = r.ib, ie = r.ie, U0 = r.U0, U1 = r.U1;
        const int64_t chunkRows = std::min(per, U1 - U0) * g.OW;
        const bool needCol = !pw && (dx != nullptr || (dw != nullptr && !directDw));
        Buf<T> col = needCol ? scratch<T>(chunkRows * kcol) : nullptr;
        Buf<T> dzBuf = relu ? scratch<T>(chunkRows * g.K) : nullptr;
        if ((needCol && !col) || (relu && !dzBuf)) { failed = 1; return; }
        T* dwp = dw == nullptr ? nullptr : (P > 1 ? dwParts.get() + p * dwSize : dw);
        T* dbp = db == nullptr ? nullptr : dbParts.get() + p * dbTile;
        if (dx != nullptr && !pw) std::memset(dx + ib * g.H * g.W * g.C, 0, (size_t) ((ie - ib) * g.H * g.W * g.C) * sizeof(T));
        for (int64_t u0 = U0; u0 < U1; u0 += per) {
            const int64_t u1 = std::min(U1, u0 + per), rows = (u1 - u0) * g.OW;
            const bool first = u0 == U0;
            const T* dz = dy + u0 * g.OW * g.K;
            if (relu) {
                relu_mask(dz, y + u0 * g.OW * g.K, dzBuf.get(), rows * g.K);
                dz = dzBuf.get();
            }
            if (dbp != nullptr) col_sums(dz, dbp, rows, g.K, first);
            for (int64_t grp = 0; grp < g.G; grp++) {
                if (dwp != nullptr && directDw) {
                    direct_dw(x, dz, dwp, g, u0, u1, first);
                } else if (dwp != nullptr) {
                    int64_t ldcol;
                    const T* cp = columns(x, col.get(), g, grp, u0, u1, pw, ldcol);
                    gemm_serial(true, false, kcol, kg, rows, cp, ldcol, dz + grp * kg, g.K, first ? T(0) : T(1),
                                dwp + grp * kg, g.K);
                }
                if (dx != nullptr) {
                    if (pw) {
                        gemm_serial(false, true, rows, cg, kg, dz + grp * kg, g.K, w + grp * kg, g.K, T(0),
                                    dx + u0 * g.OW * g.C + grp * cg, g.C);
                    } else {
                        gemm_serial(false, true, rows, kcol, kg, dz + grp * kg, g.K, w + grp * kg, g.K, T(0),
                                    col.get(), kcol);
                        col2im_rows(col.get(), dx, g, grp, u0, u1);
                    }
                }
            }
        }
    });
    if (failed) return E_NOMEM;
    // partials summed in part order (a fixed order, whatever the thread count)
    if (P > 1 && dw != nullptr) {
        std::memcpy(dw, dwParts.get(), (size_t) dwSize * sizeof(T));
        for (int64_t p = 1; p < P; p++) add_into(dw, dwParts.get() + p * dwSize, dwSize);
    }
    if (db != nullptr) {
        std::vector<T> folded((size_t) g.K);
        for (int64_t p = 0; p < P; p++) {
            fold_tile(dbParts.get() + p * dbTile, p == 0 ? db : folded.data(), g.K);
            if (p > 0) add_into(db, folded.data(), g.K);
        }
    }
    return OK;
}

// ---- C surface helpers ---------------------------------------------------------------------------

/**
 * Column bytes one call holds at most: a chunk per part running at once (bounded by the pool).
 * pass: 0 forward, 1 backward with dx, 2 backward with the kernel gradient only.
 */
inline int64_t conv_column_bytes(const int64_t* ga, int64_t per, int elem, int pass) {
    ConvGeom g(ga);
    if (!g.valid() || g.B == 0 || conv_pointwise(g)) return 0;
    const bool direct = elem == 4 && conv_direct_applies(g);
    if ((pass == 0 && direct) || (pass == 2 && direct && conv_direct_dw_applies(g))) return 0;
    const int64_t P = conv_parts(g, elem);
    const int64_t live = std::min<int64_t>(P, ThreadPool::get().threads());
    return live * per * g.OW * g.kcol() * elem;
}

inline int conv2d_forward(int dtype, const void* x, const void* w, const void* bias, int act, void* y,
                          const int64_t* ga, int64_t per) {
    ConvGeom g(ga);
    if (!g.valid() || per < 1 || (act != 0 && act != 1) || !blas_bound()) return E_ARG;
    if (g.B == 0) return OK;
    if (dtype == F32) {
        return conv2d_forward_t((const float*) x, (const float*) w, (const float*) bias, act == 1, (float*) y, g, per);
    }
    if (dtype == F64) {
        return conv2d_forward_t((const double*) x, (const double*) w, (const double*) bias, act == 1, (double*) y, g,
                                per);
    }
    return E_DTYPE;
}

inline int conv2d_backward(int dtype, const void* x, const void* w, const void* y, const void* dy, int act, void* dx,
                           void* dw, void* db, const int64_t* ga, int64_t per) {
    ConvGeom g(ga);
    if (!g.valid() || per < 1 || (act != 0 && act != 1) || (act == 1 && y == nullptr) || !blas_bound()) return E_ARG;
    if ((dw != nullptr && x == nullptr) || (dx != nullptr && w == nullptr)) return E_ARG;
    if (g.B == 0) {
        const int elem = dtype == F32 ? 4 : 8;
        if (dw != nullptr) std::memset(dw, 0, (size_t) (g.kcol() * g.K * elem));
        if (db != nullptr) std::memset(db, 0, (size_t) (g.K * elem));
        return dtype == F32 || dtype == F64 ? OK : E_DTYPE;
    }
    if (dtype == F32) {
        return conv2d_backward_t((const float*) x, (const float*) w, (const float*) y, (const float*) dy, act == 1,
                                 (float*) dx, (float*) dw, (float*) db, g, per);
    }
    if (dtype == F64) {
        return conv2d_backward_t((const double*) x, (const double*) w, (const double*) y, (const double*) dy, act == 1,
                                 (double*) dx, (double*) dw, (double*) db, g, per);
    }
    return E_DTYPE;
}

}  // namespace lamina
