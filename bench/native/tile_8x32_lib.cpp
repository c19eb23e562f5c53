// One build of the AVX-512 8 × 32 tiles and their callers under the namespace LAMINA_NS, for
// tile_8x32_bench.cpp: compiled once against the old headers and once against the new, so both run in
// one process. The tiles are called through these wrappers (baseline ISA), so each stays out of line,
// as in the JNI library, and the objects can be disassembled per tile (tile_8x32_bench.sh).
#define lamina LAMINA_NS
#include "lamina_seq_packed.hpp"
#include "lamina_tn_gemm.hpp"
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)

extern "C" int CAT(LAMINA_NS, has_avx512)() { return lamina::packed_kernel(lamina::PACKED_AVX512).kind != 0; }

extern "C" void CAT(LAMINA_NS, packed_tile)(int64_t K, const float* A, const float* B, float* C, int64_t ldc, bool acc) {
    lamina::packed_tile_avx512(K, A, B, C, ldc, acc);
}
extern "C" void CAT(LAMINA_NS, rows_tile)(int64_t K, const float* A, int64_t lda, const float* B, float* C, int64_t ldc) {
    lamina::seq_tile_avx512_rows(K, A, lda, B, C, ldc);
}
extern "C" void CAT(LAMINA_NS, tn_tile)(int64_t K, const float* A, int64_t lda, int rows, const float* B, int64_t ldb,
                                        int cols, float* C, int64_t ldc) {
    const __mmask16 m0 = (__mmask16) (cols >= 16 ? 0xFFFF : (1u << cols) - 1);
    const __mmask16 m1 = (__mmask16) (cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
    lamina::tn_tile_avx512(K, A, lda, rows, B, ldb, m0, m1, C, ldc);
}
extern "C" int CAT(LAMINA_NS, tn_gemm)(int64_t m, int64_t n, int64_t k, const float* A, const float* B, float* C) {
    return lamina::tn_gemm_direct(m, n, k, A, m, B, n, C, n);
}
/** C = A·B (or A·Rᵀ when transposed, R [N, K]) by a SeqPackedProduct on the AVX-512 kernel; C [M, N]. */
extern "C" void CAT(LAMINA_NS, seq_product)(int64_t M, int64_t N, int64_t K, const float* A, const float* B,
                                            bool transposed, float* C) {
    lamina::SeqPackedProduct pp(lamina::packed_kernel(lamina::PACKED_AVX512), M, N, K);
    if (transposed) {
        pp.pack_bt(B, K);
    } else {
        pp.pack_b(B, N);
    }
    const float* r = pp.run(A, K);
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) C[i * N + j] = r[i * pp.ldc() + j];
    }
}
extern "C" void CAT(LAMINA_NS, threads)(int t) { lamina::ThreadPool::get().set_threads(t, nullptr); }
