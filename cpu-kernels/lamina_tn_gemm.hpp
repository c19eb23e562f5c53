// Lamina cpu-kernels: C = Aᵀ·B in float32 with both operands read in place, for the weight gradients of
// a training step: the recurrent kernel's gradient hPrevᵀ·dXp of an LSTM/GRU sequence (ONE product over
// all steps: [B·T × H]ᵀ·[B·T × 4H], [640 × 64]ᵀ·[640 × 256] per batch of the seed LSTM) and a Dense
// layer's xᵀ·dy.
//
// A is [K, M] and B is [K, N], both row-major: row k of each is contiguous, so an 8 × 32 tile of C
// broadcasts 8 consecutive floats of A's row k and loads 32 of B's row k, and nothing is copied.
// OpenBLAS transposes A (sgemm_itcopy) and packs B on every call: measured at 6 % and 1 % of the seed
// LSTM fit beside its 13 % kernel time, for a product the size of the whole forward recurrence.
//
// Each element of C is one fused multiply-add chain over k = 0 .. K−1 from zero (the convention of
// lamina_packed_gemm.hpp), so results depend neither on the tiling nor on the thread count; they differ
// from OpenBLAS's in the last bits. AVX-512 only (an 8 × 32 tile, sixteen zmm accumulators, masked
// loads and stores at the ragged edges); elsewhere, for shapes it does not serve, and with the
// environment variable LAMINA_TN_DIRECT=0 (A/B benchmarks) the product goes to OpenBLAS as before.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "lamina_gemm.hpp"
#include "lamina_packed_gemm.hpp"
#include "lamina_threads.hpp"

namespace lamina {

// The products served: a left operand of at most 2^20 elements (4 MB, so that it stays in cache while
// the column panels of B go by) and at most 2^27 multiply-adds; C narrower than 16 columns only with a
// left operand of at most 2^16 elements (a masked tile then wastes most of its lanes). Few rows are
// served: the seed LSTM's input-kernel gradient xᵀ·dXp ([640 × 1]ᵀ·[640 × 256]) cost OpenBLAS about
// 50 µs per call (mostly sgemm_itcopy), 3.5 % of the fit.
constexpr double kTnMaxA = 1 << 20, kTnMaxWork = 1 << 27, kTnMaxANarrow = 1 << 16;
// Rows of C per job: a job is one 32-column panel of B (kept in cache) times up to 8 tiles of 8 rows.
constexpr int64_t kTnRowsPerJob = 64;
// Thread policy: the jobs of a product run on the pool only from this many multiply-adds. Below it,
// the whole product runs on the calling thread (the seed LSTM's gradient, 64 × 256 × 640 = 10.5 M
// multiply-adds, takes about 0.1 ms: a hand-off to a second core saves at most half of that and costs
// more when the other core is busy).
constexpr double kTnParallelRun = 1 << 24;

/** Whether LAMINA_TN_DIRECT=0 turned the direct Aᵀ·B kernel off (read once). */
inline bool tn_direct_disabled() {
    static const bool off = [] {
        const char* v = std::getenv("LAMINA_TN_DIRECT");
        return v != nullptr && v[0] == '0';
    }();
    return off;
}

/** Whether this CPU runs the direct kernel (AVX-512F), read once. */
inline bool tn_direct_cpu() {
#if LAMINA_PACKED_X86
    static const bool ok = __builtin_cpu_supports("avx512f");
    return ok;
#else
    return false;
#endif
}

/** Whether tn_gemm_direct serves C[m, n] = Aᵀ·B with depth k on this CPU. */
inline bool tn_direct_serves(int64_t m, int64_t n, int64_t k) {
    if (!tn_direct_cpu() || tn_direct_disabled()) return false;
    if (m < 1 || n < 1 || k < 1) return false;
    const double a = (double) m * (double) k;
    return a <= (n >= 16 ? kTnMaxA : kTnMaxANarrow) && gemm_work(m, n, k) <= kTnMaxWork;
}

#if LAMINA_PACKED_X86
/**
 * One tile: C[i, j] = Σ_k A[k·lda + i]·B[k·ldb + j] for i < rows (1..8) and the columns of masks
 * m0 (0..15) and m1 (16..31), one FMA chain per element from zero. Rows past `rows` repeat the last
 * row (never stored), so A is never read past its edge; masked loads never touch masked-out columns.
 */
__attribute__((target("avx512f"))) inline void tn_tile_avx512(int64_t K, const float* A, int64_t lda, int rows,
                                                               const float* B, int64_t ldb, __mmask16 m0,
                                                               __mmask16 m1, float* C, int64_t ldc) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
           c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    const int64_t r1 = std::min(1, rows - 1), r2 = std::min(2, rows - 1), r3 = std::min(3, rows - 1),
                  r4 = std::min(4, rows - 1), r5 = std::min(5, rows - 1), r6 = std::min(6, rows - 1),
                  r7 = std::min(7, rows - 1);
    for (int64_t k = 0; k < K; k++) {
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, B), b1 = _mm512_maskz_loadu_ps(m1, B + 16);
        __m512 a;
        a = _mm512_set1_ps(A[0]); c00 = _mm512_fmadd_ps(a, b0, c00); c01 = _mm512_fmadd_ps(a, b1, c01);
        a = _mm512_set1_ps(A[r1]); c10 = _mm512_fmadd_ps(a, b0, c10); c11 = _mm512_fmadd_ps(a, b1, c11);
        a = _mm512_set1_ps(A[r2]); c20 = _mm512_fmadd_ps(a, b0, c20); c21 = _mm512_fmadd_ps(a, b1, c21);
        a = _mm512_set1_ps(A[r3]); c30 = _mm512_fmadd_ps(a, b0, c30); c31 = _mm512_fmadd_ps(a, b1, c31);
        a = _mm512_set1_ps(A[r4]); c40 = _mm512_fmadd_ps(a, b0, c40); c41 = _mm512_fmadd_ps(a, b1, c41);
        a = _mm512_set1_ps(A[r5]); c50 = _mm512_fmadd_ps(a, b0, c50); c51 = _mm512_fmadd_ps(a, b1, c51);
        a = _mm512_set1_ps(A[r6]); c60 = _mm512_fmadd_ps(a, b0, c60); c61 = _mm512_fmadd_ps(a, b1, c61);
        a = _mm512_set1_ps(A[r7]); c70 = _mm512_fmadd_ps(a, b0, c70); c71 = _mm512_fmadd_ps(a, b1, c71);
        A += lda;
        B += ldb;
    }
    _mm512_mask_storeu_ps(C, m0, c00); _mm512_mask_storeu_ps(C + 16, m1, c01);
    if (rows > 1) { C += ldc; _mm512_mask_storeu_ps(C, m0, c10); _mm512_mask_storeu_ps(C + 16, m1, c11); }
    if (rows > 2) { C += ldc; _mm512_mask_storeu_ps(C, m0, c20); _mm512_mask_storeu_ps(C + 16, m1, c21); }
    if (rows > 3) { C += ldc; _mm512_mask_storeu_ps(C, m0, c30); _mm512_mask_storeu_ps(C + 16, m1, c31); }
    if (rows > 4) { C += ldc; _mm512_mask_storeu_ps(C, m0, c40); _mm512_mask_storeu_ps(C + 16, m1, c41); }
    if (rows > 5) { C += ldc; _mm512_mask_storeu_ps(C, m0, c50); _mm512_mask_storeu_ps(C + 16, m1, c51); }
    if (rows > 6) { C += ldc; _mm512_mask_storeu_ps(C, m0, c60); _mm512_mask_storeu_ps(C + 16, m1, c61); }
    if (rows > 7) { C += ldc; _mm512_mask_storeu_ps(C, m0, c70); _mm512_mask_storeu_ps(C + 16, m1, c71); }
}
#endif

/**
 * C[m, n] = Aᵀ·B (C row stride ldc, overwritten) for A [k, m] (row stride lda) and B [k, n] (row
 * stride ldb), when tn_direct_serves(m, n, k); returns false (and writes nothing) otherwise.
 */
inline bool tn_gemm_direct(int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B, int64_t ldb,
                           float* C, int64_t ldc) {
    if (!tn_direct_serves(m, n, k)) return false;
#if LAMINA_PACKED_X86
    const int64_t panels = (n + 31) / 32, groups = (m + kTnRowsPerJob - 1) / kTnRowsPerJob;
    const int64_t jobs = panels * groups;
    const int64_t minPar = gemm_work(m, n, k) >= kTnParallelRun ? 2 : jobs + 1;
    parallel_for(jobs, minPar, [=](int64_t j0, int64_t j1) {
        for (int64_t job = j0; job < j1; job++) {
            const int64_t p = job / groups, g = job % groups;
            const int64_t c0 = p * 32, cols = std::min<int64_t>(32, n - c0);
            const __mmask16 m0 = (__mmask16) (cols >= 16 ? 0xFFFF : (1u << cols) - 1);
            const __mmask16 m1 = (__mmask16) (cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
            const int64_t rEnd = std::min(m, (g + 1) * kTnRowsPerJob);
            for (int64_t r0 = g * kTnRowsPerJob; r0 < rEnd; r0 += 8) {
                const int rows = (int) std::min<int64_t>(8, rEnd - r0);
                tn_tile_avx512(k, A + r0, lda, rows, B + c0, ldb, m0, m1, C + r0 * ldc + c0, ldc);
            }
        }
    });
    return true;
#else
    (void) A; (void) lda; (void) B; (void) ldb; (void) C; (void) ldc;
    return false;
#endif
}

}  // namespace lamina
