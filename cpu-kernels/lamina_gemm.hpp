// Lamina cpu-kernels: matrix products through the OpenBLAS that the Java side loaded.
//
// Threading: OpenBLAS runs single-threaded (CpuBackend sets openblas_set_num_threads(1) once) and
// Lamina's own pool splits the work. That lets the convolution driver (lamina_conv_driver.hpp)
// call sgemm from several pool threads at once on independent images, next to its im2col, col2im
// and epilogues, instead of alternating between a threaded sgemm and single-threaded data moves.
//
// The BLAS entry points are not linked at build time: CpuBackend looks up cblas_sgemm and
// cblas_dgemm in the loaded OpenBLAS (JavaCPP's Loader.addressof) and binds them once.
//
// Determinism: gemm() splits only the rows or the columns of C, never the inner dimension, into
// blocks chosen from the shape alone, so each element of C comes from the same single-threaded
// sgemm call whatever the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "lamina_kernels.hpp"

namespace lamina {

using sgemm_fn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                          int);
using dgemm_fn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double,
                          double*, int);

struct BlasFns {
    sgemm_fn s = nullptr;
    dgemm_fn d = nullptr;
};
inline BlasFns& blas_fns() {
    static BlasFns b;
    return b;
}
inline bool blas_bound() { return blas_fns().s != nullptr && blas_fns().d != nullptr; }

// CBLAS enum values
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111, kCblasTrans = 112;

// Products of at least this many multiply-adds (m·n·k) are cut into blocks (gemm_blocks): the cut
// depends on the shape only, so that results never depend on the thread count.
constexpr double kParallelGemmWork = 1 << 19;

// Thread policy (issue 13): the blocks of a cut product run on the pool only from this many
// multiply-adds, about 0.3 ms of one core; smaller products run their blocks one after the other on
// the calling thread (the same blocks, so the same results). At 2^21 (before), the stacked LSTM's
// second-layer products (640×64·64×256 and its dx, 2^23.3 each) went to the pool: the worker took
// half of each and then spun idle for its whole spin window before the next one (7 % of the
// samples), and the 2-thread fit was 3–20 % slower than 1 thread (bench/RESULTS.md, 2026-12-03,
// threads2). The same threshold as the direct Aᵀ·B kernel (lamina_tn_gemm.hpp). A product of 2^19
// (the seed LSTM's per-step 32×64·64×256) takes about 6 µs and never was worth a hand-off.
constexpr double kParallelGemmRun = 1 << 24;

// kParallelGemmRun, or LAMINA_GEMM_MIN_PARALLEL=n multiply-adds (A/B benchmarks of the thread policy).
// Only where the blocks run depends on it, never how a product is cut, so results do not change.
inline double gemm_parallel_run() {
    static const double n = [] {
        const char* v = std::getenv("LAMINA_GEMM_MIN_PARALLEL");
        const double x = v != nullptr ? std::atof(v) : 0;
        return x > 0 ? x : kParallelGemmRun;
    }();
    return n;
}

/** Multiply-adds of an m×k · k×n product (k = 0 counted as 1: the product still writes C). */
inline double gemm_work(int64_t m, int64_t n, int64_t k) {
    return (double) m * (double) n * (double) std::max<int64_t>(k, 1);
}

/** Row-major C = op(A)·op(B) + beta·C on the calling thread (one single-threaded BLAS call). */
template <class T>
inline void gemm_serial(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                        int64_t ldb, T beta, T* c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    const int tA = ta ? kCblasTrans : kCblasNoTrans, tB = tb ? kCblasTrans : kCblasNoTrans;
    if constexpr (std::is_same_v<T, float>) {
        blas_fns().s(kCblasRowMajor, tA, tB, (int) m, (int) n, (int) k, 1.0f, a, (int) lda, b, (int) ldb, beta, c,
                     (int) ldc);
    } else {
        blas_fns().d(kCblasRowMajor, tA, tB, (int) m, (int) n, (int) k, 1.0, a, (int) lda, b, (int) ldb, beta, c,
                     (int) ldc);
    }
}

// A product of at least kParallelGemmWork multiply-adds is cut along the larger of m and n into
// min(kGemmMaxBlocks, dim / kGemmMinBlock) blocks (each a multiple of 16 wide, the last one ragged).
// Each block re-packs the other operand, so blocks stay at least 128 wide and at most four: on two
// threads that costs about 4 % against OpenBLAS's own threading at n = 1024 (bench/RESULTS.md). The cut depends on the shape only: OpenBLAS picks different kernels for different
// block shapes (its small-matrix path, its tails), so a thread-dependent cut would change results.
constexpr int64_t kGemmMinBlock = 128, kGemmMaxBlocks = 4;

inline int64_t gemm_blocks(int64_t m, int64_t n, int64_t k) {
    if (gemm_work(m, n, k) < kParallelGemmWork) return 1;
    return std::max<int64_t>(1, std::min<int64_t>(kGemmMaxBlocks, std::max(m, n) / kGemmMinBlock));
}

/**
 * Row-major C = op(A)·op(B) + beta·C over the pool, one single-threaded BLAS call per block of
 * {@link gemm_blocks} (rows of C when m ≥ n, else columns).
 */
template <class T>
inline void gemm_parallel(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                          int64_t ldb, T beta, T* c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    const int64_t nb = gemm_blocks(m, n, k);
    if (nb == 1) {
        gemm_serial(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    const bool rows = m >= n;
    const int64_t dim = rows ? m : n;
    const int64_t width = (dim / nb + 15) / 16 * 16;  // blocks of `width`, the last one shorter
    const int64_t blocks = (dim + width - 1) / width;
    const int64_t minParallel = gemm_work(m, n, k) >= gemm_parallel_run() ? 2 : blocks + 1;
    parallel_for(blocks, minParallel, [&](int64_t bb, int64_t be) {
        for (int64_t q = bb; q < be; q++) {
            const int64_t lo = q * width, hi = std::min(dim, lo + width);
            if (rows) {
                gemm_serial(ta, tb, hi - lo, n, k, ta ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc);
            } else {
                gemm_serial(ta, tb, m, hi - lo, k, a, lda, tb ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc);
            }
        }
    });
}

/** Binds cblas_sgemm and cblas_dgemm (addresses in the loaded OpenBLAS). */
inline int bind_blas(const void* sgemm, const void* dgemm) {
    if (sgemm == nullptr || dgemm == nullptr) return E_ARG;
    blas_fns().s = (sgemm_fn) sgemm;
    blas_fns().d = (dgemm_fn) dgemm;
    return OK;
}

/**
 * Batched row-major out[p] = op(A[p])·op(B[p]) + beta·out[p] for p < batch, A[p] at p·strideA,
 * B[p] at p·strideB, out[p] at p·strideC (elements). Large products are split over the pool;
 * many small ones are spread over it whole.
 */
template <class T>
inline void gemm_batched(bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                         int64_t strideA, const T* b, int64_t ldb, int64_t strideB, T beta, T* c, int64_t ldc,
                         int64_t strideC) {
    const double work = gemm_work(m, n, k);
    if (batch == 1 || work >= kParallelGemmWork) {
        for (int64_t p = 0; p < batch; p++) {
            gemm_parallel(ta, tb, m, n, k, a + p * strideA, lda, b + p * strideB, ldb, beta, c + p * strideC, ldc);
        }
        return;
    }
    const int64_t minBatch = std::max<int64_t>(2, (int64_t) (gemm_parallel_run() / work));
    parallel_for(batch, minBatch, [&](int64_t pb, int64_t pe) {
        for (int64_t p = pb; p < pe; p++) {
            gemm_serial(ta, tb, m, n, k, a + p * strideA, lda, b + p * strideB, ldb, beta, c + p * strideC, ldc);
        }
    });
}

inline int gemm(int dtype, int ta, int tb, int64_t batch, int64_t m, int64_t n, int64_t k, const void* a, int64_t lda,
                int64_t strideA, const void* b, int64_t ldb, int64_t strideB, double beta, void* c, int64_t ldc,
                int64_t strideC) {
    if (!blas_bound()) return E_ARG;
    if (batch < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return E_ARG;
    if (dtype == F32) {
        gemm_batched(ta != 0, tb != 0, batch, m, n, k, (const float*) a, lda, strideA, (const float*) b, ldb, strideB,
                     (float) beta, (float*) c, ldc, strideC);
    } else if (dtype == F64) {
        gemm_batched(ta != 0, tb != 0, batch, m, n, k, (const double*) a, lda, strideA, (const double*) b, ldb, strideB,
                     beta, (double*) c, ldc, strideC);
    } else {
        return E_DTYPE;
    }
    return OK;
}

}  // namespace lamina
