// Lamina cpu-kernels: the per-step recurrent products of the training sequence kernels
// (lamina_recurrent_seq.hpp) on the recurrent kernel packed once per call (lamina_packed_gemm.hpp).
//
// The recurrent kernel rk [H, G] is the same for every step, so it is packed once per forward (as B of
// h·rk) and once per backward (as B of dz·rkᵀ, read transposed), and each step packs only its small
// left operand. OpenBLAS re-packs rk on every call and its fixed cost dominates the small products of
// the seed LSTM ([32 × 64]·[64 × 256] per step, measured in bench/RESULTS.md).
//
// float32 only, on a CPU with AVX2+FMA or AVX-512 (packed_kernel_best); otherwise, or with the
// environment variable LAMINA_SEQ_PACKED=0 (A/B benchmarks), the callers use gemm_parallel as before.
// Each element is one fused multiply-add chain over k = 0 .. K−1 from zero, whatever the tiling or
// the thread count (see lamina_packed_gemm.hpp), so results do not depend on the pool; they differ
// in the last bits from OpenBLAS's products (the composed path), within the tolerance its tests state.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "lamina_gemm.hpp"
#include "lamina_packed_gemm.hpp"
#include "lamina_threads.hpp"

namespace lamina {

/** Whether LAMINA_SEQ_PACKED=0 turned the packed recurrent products off (read once). */
inline bool seq_packed_disabled() {
    static const bool off = [] {
        const char* v = std::getenv("LAMINA_SEQ_PACKED");
        return v != nullptr && v[0] == '0';
    }();
    return off;
}

/** The packed kernel of the training sequence products for element type T, or kind PACKED_NONE. */
template <class T>
inline PackedKernel seq_packed_kernel() {
    if (!std::is_same_v<T, float> || seq_packed_disabled()) return {PACKED_NONE, 0, 0, nullptr};
    static const PackedKernel best = packed_kernel_best();
    return best;
}

/**
 * Packs columns [n0, n0 + nr) of Bᵀ where B is row-major [N, K] (row stride ldb): out[k·nr + n] =
 * B[n0 + n, k]; columns at or past n1 are zero. (The backward's rkᵀ without forming it.)
 */
inline void pack_bt_panel(const float* B, int64_t ldb, int64_t K, int64_t n0, int64_t n1, int nr, float* out) {
    for (int64_t k = 0; k < K; k++) {
        float* dst = out + k * nr;
        for (int n = 0; n < nr; n++) dst[n] = n0 + n < n1 ? B[(n0 + n) * ldb + k] : 0.0f;
    }
}

#if LAMINA_PACKED_X86
/** A row-major, read in place: A(m, k) = p[m·lda + k] (p advances along k; m·lda is hoisted out of the loop). */
struct TileARows {
    const float* p;
    int64_t lda;
    float operator()(int m) const { return p[m * lda]; }
    void next() { p++; }
};

/**
 * packed_tile_avx512 on an unpacked A: row m of the 8-row block at A + m·lda. The same tile
 * (tile_8x32_avx512), so bitwise the packed tile; it saves the per-step transposing copy of A,
 * measured at a third of the packed tile's own time on the seed LSTM.
 */
__attribute__((target("avx512f"))) inline void seq_tile_avx512_rows(int64_t K, const float* A, int64_t lda,
                                                                     const float* B, float* C, int64_t ldc) {
    tile_8x32_avx512<false>(K, TileARows{A, lda}, B, 32, C, ldc, false, 8, 0xFFFF, 0xFFFF);
}
#endif

/**
 * A product C = A·B with B [K, N] packed once: panels of pk.nr columns (panel j at j·K·nr); C is
 * written padded, [ceil(M/mr)·mr, ceil(N/nr)·nr] with row stride ldc() (the padding rows and columns
 * are products of zero padding, never read by callers).
 */
struct SeqPackedProduct {
    PackedKernel pk;
    int64_t M, N, K, nmb, nnb;
    std::vector<float> bp;  // packed B
    std::vector<float> ap;  // packed A of the current step
    std::vector<float> c;   // padded result

    SeqPackedProduct(const PackedKernel& k, int64_t m, int64_t n, int64_t kk)
        : pk(k), M(m), N(n), K(kk), nmb((m + k.mr - 1) / k.mr), nnb((n + k.nr - 1) / k.nr),
          bp((size_t) (nnb * kk * k.nr)), ap((size_t) (nmb * kk * k.mr)), c((size_t) (nmb * k.mr * nnb * k.nr)) {}

    int64_t ldc() const { return nnb * pk.nr; }

    /** Packs B [K, N] row-major (row stride ldb). */
    void pack_b(const float* B, int64_t ldb) {
        for (int64_t j = 0; j < nnb; j++) pack_b_panel(B, ldb, K, j * pk.nr, N, pk.nr, bp.data() + j * K * pk.nr);
    }

    /** Packs B = Rᵀ for R row-major [N, K] (row stride ldr). */
    void pack_bt(const float* R, int64_t ldr) {
        for (int64_t j = 0; j < nnb; j++) pack_bt_panel(R, ldr, K, j * pk.nr, N, pk.nr, bp.data() + j * K * pk.nr);
    }

    /** c = A·B for A row-major [M, K] (row stride lda); returns c (row stride ldc()). */
    const float* run(const float* A, int64_t lda) {
        const int64_t MR = pk.mr, NR = pk.nr;
        // AVX-512: full 8-row blocks read A in place (seq_tile_avx512_rows); only a partial last block is packed
        const bool direct = pk.kind == PACKED_AVX512;
        const int64_t nfull = direct ? M / MR : 0;
        const float* rows[64];
        for (int64_t mb = nfull; mb < nmb; mb++) {
            const int64_t r = std::min(MR, M - mb * MR);
            for (int64_t m = 0; m < r; m++) rows[m] = A + (mb * MR + m) * lda;
            pack_a_panel(rows, r, (int) MR, K, 0, ap.data() + mb * K * MR);
        }
        const int64_t ld = ldc();
        // same hand-off threshold as the products (lamina_gemm.hpp): the seed LSTM's steps stay on one thread
        const int64_t minPar = (double) M * N * K >= gemm_parallel_run() ? 2 : nnb + 1;
        float* C = c.data();
        const float* Ap = ap.data();
        const float* Bp = bp.data();
        const PackedKernel k = pk;
        const int64_t nmbl = nmb, KK = K;
        parallel_for(nnb, minPar, [=](int64_t j0, int64_t j1) {
            for (int64_t j = j0; j < j1; j++) {
                for (int64_t mb = 0; mb < nmbl; mb++) {
#if LAMINA_PACKED_X86
                    if (mb < nfull) {
                        seq_tile_avx512_rows(KK, A + mb * MR * lda, lda, Bp + j * KK * NR, C + mb * MR * ld + j * NR, ld);
                        continue;
                    }
#endif
                    k.tile(KK, Ap + mb * KK * MR, Bp + j * KK * NR, C + mb * MR * ld + j * NR, ld, false);
                }
            }
        });
        return C;
    }
};

}  // namespace lamina
