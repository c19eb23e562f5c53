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
 * Aᵀ read in place from A [K, M] (row stride lda): A(m, k) = p[k·lda + min(m, last)] for the 8 columns
 * of A from p, last = rows − 1; those past it repeat the last one (never stored), so A is never read
 * past its edge.
 */
struct TileACols {
    const float* p;
    int64_t lda;
    int64_t last;
    // column 0 always exists: a constant offset, as the min of the others is hoisted out of the loop
    float operator()(int m) const { return p[m == 0 ? 0 : std::min<int64_t>(m, last)]; }
    void next() { p += lda; }
};

/**
 * One tile: C[i, j] = Σ_k A[k·lda + i]·B[k·ldb + j] for i < rows (1..8) and the columns of masks
 * m0 (0..15) and m1 (16..31), one FMA chain per element from zero (tile_8x32_avx512 with edges).
 */
__attribute__((target("avx512f"))) inline void tn_tile_avx512(int64_t K, const float* A, int64_t lda, int rows,
                                                               const float* B, int64_t ldb, __mmask16 m0,
                                                               __mmask16 m1, float* C, int64_t ldc) {
    tile_8x32_avx512<true>(K, TileACols{A, lda, rows - 1}, B, ldb, C, ldc, false, rows, m0, m1);
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
