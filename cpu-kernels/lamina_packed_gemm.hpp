// Lamina cpu-kernels: a float32 product on a right-hand operand packed once and reused many times
// (the recurrent kernels of an LSTM sequence: the same [I + H, 4H] weights for every step).
//
// OpenBLAS re-packs its B operand on every call; for a per-step h·U of an LSTM(512) that is 4 MB
// copied 100 times per sequence, and at M = 64 rows the packing is a large share of the product.
// Here B [K, N] is packed once into panels of NR columns (k-major inside a panel, zero-padded past
// N), A [M, K] into panels of MR rows (cheap: A is the small operand), and a register-blocked
// microkernel computes one MR × NR tile over the whole of K.
//
// Kernels (chosen once from the CPU, or forced for tests):
//  - AVX-512 (avx512f): MR 8, NR 32, sixteen zmm accumulators;
//  - AVX2 + FMA: MR 6, NR 16, twelve ymm accumulators;
//  - scalar: MR 4, NR 16, std::fma (a libm call where the CPU has no FMA: slow, for tests and as
//    the definition of the result; callers choose another path on such CPUs).
// Every kernel sums each element of a tile in the same order, k = 0 .. K−1 in one fused
// multiply-add chain starting from zero, so all three give bitwise the same results, whatever the
// tiling and whatever the thread count.
//
// The kernels carry target attributes rather than LAMINA_CLONES: the intrinsics need their ISA, and
// the baseline build (-march=x86-64) must still load on any x86-64, so they are only called after
// __builtin_cpu_supports says the CPU has it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define LAMINA_PACKED_X86 1
#else
#define LAMINA_PACKED_X86 0
#endif

namespace lamina {

/**
 * Tile function: C[m, n] = C0[m, n] + Σ_k A[k·MR + m]·B[k·NR + n] for m < MR, n < NR (C row stride
 * ldc), C0 zero when acc is false, else C's values (a product cut along K then continues the same
 * fused chain: a float stored and loaded again is exact, so cutting K never changes the result).
 */
using packed_tile_fn = void (*)(int64_t K, const float* A, const float* B, float* C, int64_t ldc, bool acc);

/** One microkernel: its tile shape and its tile function. */
struct PackedKernel {
    int kind;  // PackedKind
    int mr;
    int nr;
    packed_tile_fn tile;
};

enum PackedKind : int { PACKED_NONE = 0, PACKED_SCALAR = 1, PACKED_AVX2 = 2, PACKED_AVX512 = 3 };

inline void packed_tile_scalar(int64_t K, const float* A, const float* B, float* C, int64_t ldc, bool a0) {
    constexpr int MR = 4, NR = 16;
    float acc[MR][NR] = {};
    if (a0) {
        for (int m = 0; m < MR; m++) std::memcpy(acc[m], C + m * ldc, sizeof(float) * NR);
    }
    for (int64_t k = 0; k < K; k++) {
        const float* a = A + k * MR;
        const float* b = B + k * NR;
        for (int m = 0; m < MR; m++) {
            for (int n = 0; n < NR; n++) acc[m][n] = std::fma(a[m], b[n], acc[m][n]);
        }
    }
    for (int m = 0; m < MR; m++) std::memcpy(C + m * ldc, acc[m], sizeof(float) * NR);
}

#if LAMINA_PACKED_X86
__attribute__((target("avx2,fma"))) inline void packed_tile_avx2(int64_t K, const float* A, const float* B, float* C,
                                                                  int64_t ldc, bool acc) {
    constexpr int MR = 6;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
           c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    if (acc) {
        c00 = _mm256_loadu_ps(C); c01 = _mm256_loadu_ps(C + 8);
        c10 = _mm256_loadu_ps(C + ldc); c11 = _mm256_loadu_ps(C + ldc + 8);
        c20 = _mm256_loadu_ps(C + 2 * ldc); c21 = _mm256_loadu_ps(C + 2 * ldc + 8);
        c30 = _mm256_loadu_ps(C + 3 * ldc); c31 = _mm256_loadu_ps(C + 3 * ldc + 8);
        c40 = _mm256_loadu_ps(C + 4 * ldc); c41 = _mm256_loadu_ps(C + 4 * ldc + 8);
        c50 = _mm256_loadu_ps(C + 5 * ldc); c51 = _mm256_loadu_ps(C + 5 * ldc + 8);
    }
    for (int64_t k = 0; k < K; k++) {
        const __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
        __m256 a;
        a = _mm256_broadcast_ss(A + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(A + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(A + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(A + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(A + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(A + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        A += MR;
        B += 16;
    }
    _mm256_storeu_ps(C, c00); _mm256_storeu_ps(C + 8, c01); C += ldc;
    _mm256_storeu_ps(C, c10); _mm256_storeu_ps(C + 8, c11); C += ldc;
    _mm256_storeu_ps(C, c20); _mm256_storeu_ps(C + 8, c21); C += ldc;
    _mm256_storeu_ps(C, c30); _mm256_storeu_ps(C + 8, c31); C += ldc;
    _mm256_storeu_ps(C, c40); _mm256_storeu_ps(C + 8, c41); C += ldc;
    _mm256_storeu_ps(C, c50); _mm256_storeu_ps(C + 8, c51);
}

/**
 * The AVX-512 8 × 32 tile of the packed product (below), the sequence products (lamina_seq_packed.hpp)
 * and the direct Aᵀ·B (lamina_tn_gemm.hpp), which differ only in how they read A:
 * C[m, n] = C0[m, n] + Σ_k A(m, k)·B[k·ldb + n] for m < 8 and n < 32 (C row stride ldc), C0 zero when
 * acc is false, else C's values; sixteen zmm accumulators, one fused multiply-add chain per element
 * over k = 0 .. K−1.
 *
 * The accessor `a` (a small struct passed by value) gives A(m, k) of the current k as a(m), m a
 * constant once the row loop is unrolled, and moves to k + 1 with a.next(). With Edge, only the
 * first `rows` rows (1..8) and the columns of masks m0 (0..15) and m1 (16..31) are loaded from C and
 * stored, and B is read with masked loads that never touch masked-out columns (whose lanes are zero);
 * without it rows, m0 and m1 are ignored.
 *
 * always_inline: each caller below (same target) gets its own copy with its constants folded (B's
 * stride 32, no masks, no accumulation), as the hand-written tiles it replaces; their inner loops are
 * the same instructions (bench/native/tile_8x32_bench.sh checks both trees bitwise and times them).
 */
template <bool Edge, class AccessA>
__attribute__((target("avx512f"), always_inline)) inline void tile_8x32_avx512(int64_t K, AccessA a, const float* B,
                                                                                int64_t ldb, float* C, int64_t ldc,
                                                                                bool acc, int rows, __mmask16 m0,
                                                                                __mmask16 m1) {
    __m512 c[8][2];
    const float* cl = C;  // row m of C, advanced by ldc (as the stores below)
#pragma GCC unroll 8
    for (int m = 0; m < 8; m++, cl += ldc) {
        if (acc && (!Edge || m < rows)) {
            c[m][0] = Edge ? _mm512_maskz_loadu_ps(m0, cl) : _mm512_loadu_ps(cl);
            c[m][1] = Edge ? _mm512_maskz_loadu_ps(m1, cl + 16) : _mm512_loadu_ps(cl + 16);
        } else {
            c[m][0] = c[m][1] = _mm512_setzero_ps();
        }
    }
    for (int64_t k = 0; k < K; k++) {
        const __m512 b0 = Edge ? _mm512_maskz_loadu_ps(m0, B) : _mm512_loadu_ps(B);
        const __m512 b1 = Edge ? _mm512_maskz_loadu_ps(m1, B + 16) : _mm512_loadu_ps(B + 16);
#pragma GCC unroll 8
        for (int m = 0; m < 8; m++) {
            const __m512 am = _mm512_set1_ps(a(m));
            c[m][0] = _mm512_fmadd_ps(am, b0, c[m][0]);
            c[m][1] = _mm512_fmadd_ps(am, b1, c[m][1]);
        }
        a.next();
        B += ldb;
    }
#pragma GCC unroll 8
    for (int m = 0; m < 8; m++, C += ldc) {
        if (Edge && m >= rows) break;
        if (Edge) {
            _mm512_mask_storeu_ps(C, m0, c[m][0]);
            _mm512_mask_storeu_ps(C + 16, m1, c[m][1]);
        } else {
            _mm512_storeu_ps(C, c[m][0]);
            _mm512_storeu_ps(C + 16, c[m][1]);
        }
    }
}

/** A packed in an 8-row panel (pack_a_panel): A(m, k) = p[k·8 + m]. */
struct TileAPanel8 {
    const float* p;
    float operator()(int m) const { return p[m]; }
    void next() { p += 8; }
};

__attribute__((target("avx512f"))) inline void packed_tile_avx512(int64_t K, const float* A, const float* B, float* C,
                                                                   int64_t ldc, bool acc) {
    tile_8x32_avx512<false>(K, TileAPanel8{A}, B, 32, C, ldc, acc, 8, 0xFFFF, 0xFFFF);
}
#endif

/** The kernel of the given kind, or kind PACKED_NONE when this CPU (or build) cannot run it. */
inline PackedKernel packed_kernel(int kind) {
    switch (kind) {
        case PACKED_SCALAR:
            return {PACKED_SCALAR, 4, 16, packed_tile_scalar};
#if LAMINA_PACKED_X86
        case PACKED_AVX2:
            if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
                return {PACKED_AVX2, 6, 16, packed_tile_avx2};
            }
            break;
        case PACKED_AVX512:
            if (__builtin_cpu_supports("avx512f")) return {PACKED_AVX512, 8, 32, packed_tile_avx512};
            break;
#endif
        default:
            break;
    }
    return {PACKED_NONE, 0, 0, nullptr};
}

/** The fastest SIMD kernel this CPU runs (AVX-512, else AVX2), or kind PACKED_NONE (scalar is never chosen). */
inline PackedKernel packed_kernel_best() {
    PackedKernel k = packed_kernel(PACKED_AVX512);
    return k.kind != PACKED_NONE ? k : packed_kernel(PACKED_AVX2);
}

/**
 * Packs columns [n0, n0 + NR) of B (row-major, row stride ldb, K rows, columns past n1 read as
 * zero) into one panel: out[k·NR + n] = B[k, n0 + n].
 */
inline void pack_b_panel(const float* B, int64_t ldb, int64_t K, int64_t n0, int64_t n1, int nr, float* out) {
    const int64_t w = std::min<int64_t>(nr, n1 - n0);
    for (int64_t k = 0; k < K; k++) {
        const float* src = B + k * ldb + n0;
        float* dst = out + k * nr;
        std::memcpy(dst, src, sizeof(float) * (size_t) std::max<int64_t>(w, 0));
        for (int64_t n = std::max<int64_t>(w, 0); n < nr; n++) dst[n] = 0.0f;
    }
}

/**
 * Packs MR rows of A into one panel, out[k·MR + m] = A[m, k] for k in [k0, k0 + K) written at
 * out + (k − k0 + koff)·MR; rows at or past `rows` are zero. A row m starts at a[m] (any strides).
 */
inline void pack_a_panel(const float* const* a, int64_t rows, int mr, int64_t K, int64_t koff, float* out) {
    for (int m = 0; m < mr; m++) {
        float* dst = out + koff * mr + m;
        if (m < rows) {
            const float* src = a[m];
            for (int64_t k = 0; k < K; k++) dst[k * mr] = src[k];
        } else {
            for (int64_t k = 0; k < K; k++) dst[k * mr] = 0.0f;
        }
    }
}

}  // namespace lamina
