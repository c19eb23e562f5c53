// Lamina cpu-kernels: a whole LSTM sequence at inference (no tape), in one native call.
//
// z_t = x_t·W + h_{t−1}·U + bias (Keras gates i, f, c, o), then c_t = f·c_{t−1} + i·g, h_t = o·tanh(c_t),
// with the gate non-linearities of lamina_recurrent.hpp. Nothing is kept for a backward pass: h and c
// are updated in place in the caller's hT and cT, y gets h_t per step (return_sequences) or h_T.
//
// Paths, chosen from the shape, the dtype and the CPU (so results never depend on the thread count):
//  - small (B·4H·(I + H) ≤ kLstmInferSmall multiply-adds per step, e.g. the batch-1 predict of an
//    LSTM(64)): plain loops, row by row, z = bias + Σ_i x_i·W_i + Σ_k h_k·U_k (axpy form, which the
//    compiler vectorises under LAMINA_CLONES). A single-row sgemm costs OpenBLAS about 7 µs of fixed
//    overhead on the development VM, twenty times the arithmetic of a 1×64·64×256 product.
//  - large: the input projection of a chunk of steps as one product (gemm_parallel, rows time-major),
//    into a workspace that stays allocated between calls (thread_local: no fresh pages per call; a
//    fresh 52 MB output cost ~180 ms of page faults per LSTM(512) call), then per step one product
//    h·U accumulated onto that step's rows (beta = 1) and the cell with the bias added in its read.
//    float64 layers, float32 ones of fewer than 4 rows, and CPUs without AVX2/FMA take it.
//  - large float32 (the default where the CPU has AVX2 or AVX-512): per step one fused product
//    [x_t, h_{t−1}]·[W; U] on weights packed once per call, the cell fused into each hidden block's
//    job (below; issue 13: LSTM(512) 64×100 on one core, in a C++ harness at load 7-8, went from
//    315-355 ms on the BLAS path to 155-170 ms).
//
// Rounding: all paths sum in a different order from the per-step Java composition (x·W + bias, then
// + h·U, OpenBLAS over the whole projection), so results agree with it to rounding, not bitwise.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "lamina_gemm.hpp"
#include "lamina_kernels.hpp"
#include "lamina_packed_gemm.hpp"
#include "lamina_recurrent.hpp"

namespace lamina {

// Multiply-adds per step below which the plain loops run (no BLAS call, no pool).
constexpr double kLstmInferSmall = 1 << 18;
// Bytes of the projection workspace per chunk of steps (at least one step is always taken).
constexpr int64_t kLstmInferChunkBytes = 8 << 20;

/** One row of the cell from pre-activations z (bias added here when not null); h and c in place. */
template <class T>
LAMINA_INLINE void lstm_infer_cell_row(const T* __restrict z, const T* __restrict bias, T* __restrict h,
                                       T* __restrict c, int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        T zi = z[j], zf = z[H + j], zg = z[2 * H + j], zo = z[3 * H + j];
        if (bias != nullptr) {
            zi += bias[j];
            zf += bias[H + j];
            zg += bias[2 * H + j];
            zo += bias[3 * H + j];
        }
        T i = rsig(zi);
        T f = rsig(zf);
        T g = rtanh(zg);
        T o = rsig(zo);
        T cv = f * c[j] + i * g;
        c[j] = cv;
        h[j] = o * rtanh(cv);
    }
}

/**
 * Columns [j0, j0 + JB) of z = bias + x·W + h·U, summed in register-sized accumulators (JB is 256
 * bytes: four AVX-512 or eight AVX2 registers), each element in the order bias, x_0..x_{I−1},
 * h_0..h_{H−1}.
 */
template <class T, int JB>
LAMINA_INLINE void lstm_infer_block(const T* __restrict xr, const T* __restrict W, const T* __restrict U,
                                    const T* __restrict bias, const T* __restrict h, T* __restrict z, int64_t I,
                                    int64_t H, int64_t G, int64_t j0) {
    T acc[JB];
    for (int jj = 0; jj < JB; jj++) acc[jj] = bias[j0 + jj];
    for (int64_t i = 0; i < I; i++) {
        const T xv = xr[i];
        const T* wr = W + i * G + j0;
        for (int jj = 0; jj < JB; jj++) acc[jj] += xv * wr[jj];
    }
    for (int64_t k = 0; k < H; k++) {
        const T hv = h[k];
        const T* ur = U + k * G + j0;
        for (int jj = 0; jj < JB; jj++) acc[jj] += hv * ur[jj];
    }
    for (int jj = 0; jj < JB; jj++) z[j0 + jj] = acc[jj];
}

/** Small path, one row of one step: z = bias + x·W + h·U (into z), then the cell in place. */
template <class T>
LAMINA_INLINE void lstm_infer_small_row(const T* __restrict xr, const T* __restrict W, const T* __restrict U,
                                        const T* __restrict bias, T* __restrict h, T* __restrict c,
                                        T* __restrict z, int64_t I, int64_t H) {
    constexpr int JB = 256 / (int) sizeof(T);
    const int64_t G = 4 * H;
    const int64_t full = G / JB * JB;
    for (int64_t j0 = 0; j0 < full; j0 += JB) lstm_infer_block<T, JB>(xr, W, U, bias, h, z, I, H, G, j0);
    // the ragged columns, in the same order per element
    for (int64_t j = full; j < G; j++) z[j] = bias[j];
    for (int64_t i = 0; i < I; i++) {
        const T xv = xr[i];
        const T* wr = W + i * G;
        for (int64_t j = full; j < G; j++) z[j] += xv * wr[j];
    }
    for (int64_t k = 0; k < H; k++) {
        const T hv = h[k];
        const T* ur = U + k * G;
        for (int64_t j = full; j < G; j++) z[j] += hv * ur[j];
    }
    lstm_infer_cell_row<T>(z, nullptr, h, c, H);
}

LAMINA_CLONES static void lstm_infer_small_f32(const float* xr, const float* W, const float* U, const float* bias,
                                               float* h, float* c, float* z, int64_t I, int64_t H) {
    lstm_infer_small_row(xr, W, U, bias, h, c, z, I, H);
}
LAMINA_CLONES static void lstm_infer_small_f64(const double* xr, const double* W, const double* U, const double* bias,
                                               double* h, double* c, double* z, int64_t I, int64_t H) {
    lstm_infer_small_row(xr, W, U, bias, h, c, z, I, H);
}
LAMINA_CLONES static void lstm_infer_cells_f32(const float* z, const float* bias, float* h, float* c, int64_t H,
                                               int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) lstm_infer_cell_row(z + b * 4 * H, bias, h + b * H, c + b * H, H);
}
LAMINA_CLONES static void lstm_infer_cells_f64(const double* z, const double* bias, double* h, double* c, int64_t H,
                                               int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) lstm_infer_cell_row(z + b * 4 * H, bias, h + b * H, c + b * H, H);
}

template <class T>
inline std::vector<T>& lstm_infer_workspace() {
    thread_local std::vector<T> ws;
    return ws;
}

template <class T>
inline void lstm_infer_small_call(const T* xr, const T* W, const T* U, const T* bias, T* h, T* c, T* z, int64_t I,
                                  int64_t H) {
    if constexpr (std::is_same_v<T, float>) {
        lstm_infer_small_f32(xr, W, U, bias, h, c, z, I, H);
    } else {
        lstm_infer_small_f64(xr, W, U, bias, h, c, z, I, H);
    }
}

template <class T>
inline void lstm_infer_cells_call(const T* z, const T* bias, T* h, T* c, int64_t H, int64_t b0, int64_t b1) {
    if constexpr (std::is_same_v<T, float>) {
        lstm_infer_cells_f32(z, bias, h, c, H, b0, b1);
    } else {
        lstm_infer_cells_f64(z, bias, h, c, H, b0, b1);
    }
}

// ---- large float32 layers: one fused product per step on weights packed once per call -------------
//
// z_t = [x_t, h_{t−1}]·[W; U] as ONE product of depth K = I + H on [W; U] packed once per call
// (lamina_packed_gemm.hpp), so no projection buffer and no per-step re-packing. The pool splits each
// step by blocks of NR hidden units: a block's job computes the four gate tiles of its units for all
// rows (into a thread_local z block that stays in cache) and runs the cell on them at once. The
// step's left operand [x_t, h_{t−1}] is packed before the jobs start, so the jobs may write h_t in
// place. Each z element is Σ_k in order k = 0 .. K−1 (x then h) plus the bias, whatever the split.

// Depth of a chunk of the fused product. Measured on LSTM(512) (K = 1024, AVX-512, one thread, load
// 7-8): chunks of 128 (a 16 KB panel chunk, half of L1, reused by all row blocks) 185-210 ms, 512 or
// the whole K 160-170 ms: the 128 KB panel streams from L2 well enough, and long runs prefetch better.
constexpr int64_t kLstmPackedKc = 1024;
// Packed weights up to this size stay allocated for the next call (LSTM(512): 8 MB); larger ones are freed.
constexpr int64_t kLstmPackedKeepBytes = 64 << 20;
// Kernel choice of the packed path (lstm_infer_set_kernel): -1 auto (best SIMD kernel, else the
// BLAS path), 0 always the BLAS path, else a PackedKind (tests and benchmarks).
constexpr int kLstmInferBlas = 0, kLstmInferAuto = -1;
inline std::atomic<int>& lstm_infer_kernel_choice() {
    static std::atomic<int> choice{kLstmInferAuto};
    return choice;
}

/** Cell of one row of a hidden block: zr [4·nr] (gates i, f, g, o, nr each), w units; h, c in place. */
LAMINA_INLINE void lstm_infer_block_cell_row(const float* __restrict zr, int64_t nr, const float* __restrict bi,
                                             const float* __restrict bf, const float* __restrict bg,
                                             const float* __restrict bo, float* __restrict hr, float* __restrict cr,
                                             int64_t w) {
    const float* __restrict zi = zr;
    const float* __restrict zf = zr + nr;
    const float* __restrict zg = zr + 2 * nr;
    const float* __restrict zo = zr + 3 * nr;
    for (int64_t n = 0; n < w; n++) {
        float i = rsig(zi[n] + bi[n]);
        float f = rsig(zf[n] + bf[n]);
        float g = rtanh(zg[n] + bg[n]);
        float o = rsig(zo[n] + bo[n]);
        float cv = f * cr[n] + i * g;
        cr[n] = cv;
        hr[n] = o * rtanh(cv);
    }
}

/** Cell of rows [0, B) of one hidden block: z [B, 4·nr], units j0 .. j0 + w; y (when not null) gets h. */
LAMINA_CLONES static void lstm_infer_block_cells_f32(const float* z, int64_t nr, const float* bias, float* h,
                                                     float* c, float* y, int64_t yStride, int64_t B, int64_t H,
                                                     int64_t j0, int64_t w) {
    for (int64_t b = 0; b < B; b++) {
        float* hr = h + b * H + j0;
        lstm_infer_block_cell_row(z + b * 4 * nr, nr, bias + j0, bias + H + j0, bias + 2 * H + j0, bias + 3 * H + j0,
                                  hr, c + b * H + j0, w);
        if (y != nullptr) std::memcpy(y + b * yStride + j0, hr, sizeof(float) * (size_t) w);
    }
}

/** Workspaces of the packed path, kept between calls (no fresh pages per call). */
struct LstmPackedWork {
    std::vector<float> w;  // [W; U] packed: panel (jb, gate) at ((jb·4 + gate)·K)·NR
    std::vector<float> a;  // [x_t, h_{t−1}] packed: panel mb at mb·K·MR
};
inline LstmPackedWork& lstm_packed_work() {
    thread_local LstmPackedWork ws;
    return ws;
}

inline int lstm_infer_packed_f32(const PackedKernel& pk, const float* x, const float* W, const float* U,
                                 const float* bias, float* y, float* hT, float* cT, int64_t B, int64_t steps,
                                 int64_t I, int64_t H, bool ret_seq) {
    const int64_t G = 4 * H, K = I + H, NR = pk.nr, MR = pk.mr;
    const int64_t nb = (H + NR - 1) / NR, nmb = (B + MR - 1) / MR;
    LstmPackedWork& ws = lstm_packed_work();
    if ((int64_t) ws.w.size() < nb * 4 * K * NR) ws.w.resize((size_t) (nb * 4 * K * NR));
    if ((int64_t) ws.a.size() < nmb * K * MR) ws.a.resize((size_t) (nmb * K * MR));
    float* Wp = ws.w.data();
    float* Ap = ws.a.data();
    parallel_for(nb * 4, 2, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
            const int64_t jb = p / 4, g = p % 4;
            float* panel = Wp + p * K * NR;
            const int64_t n0 = g * H + jb * NR, n1 = g * H + H;
            pack_b_panel(W, G, I, n0, n1, (int) NR, panel);
            pack_b_panel(U, G, H, n0, n1, (int) NR, panel + I * NR);
        }
    });
    const int64_t zSize = nmb * MR * 4 * NR;
    const float* rows[64];
    for (int64_t s = 0; s < steps; s++) {
        for (int64_t mb = 0; mb < nmb; mb++) {
            const int64_t r = std::min(MR, B - mb * MR);
            for (int64_t m = 0; m < r; m++) rows[m] = x + ((mb * MR + m) * steps + s) * I;
            pack_a_panel(rows, r, (int) MR, I, 0, Ap + mb * K * MR);
            for (int64_t m = 0; m < r; m++) rows[m] = hT + (mb * MR + m) * H;
            pack_a_panel(rows, r, (int) MR, H, I, Ap + mb * K * MR);
        }
        float* ys = ret_seq ? y + s * H : nullptr;
        // a block's job is ~B·4·NR·K multiply-adds: handed off from the products' threshold (gemm_parallel_run)
        const int64_t minPar = (double) B * 4 * NR * K * nb >= gemm_parallel_run() ? 2 : nb + 1;
        parallel_for(nb, minPar, [&](int64_t j0b, int64_t j1b) {
            thread_local std::vector<float> zbuf;
            if ((int64_t) zbuf.size() < zSize) zbuf.resize((size_t) zSize);
            float* z = zbuf.data();
            for (int64_t jb = j0b; jb < j1b; jb++) {
                // K in chunks of kLstmPackedKc (a very deep panel would not stay in L2 for all row blocks)
                for (int64_t g = 0; g < 4; g++) {
                    const float* panel = Wp + (jb * 4 + g) * K * NR;
                    for (int64_t k0 = 0; k0 < K; k0 += kLstmPackedKc) {
                        const int64_t kc = std::min(kLstmPackedKc, K - k0);
                        for (int64_t mb = 0; mb < nmb; mb++) {
                            pk.tile(kc, Ap + (mb * K + k0) * MR, panel + k0 * NR, z + mb * MR * 4 * NR + g * NR, 4 * NR,
                                    k0 > 0);
                        }
                    }
                }
                const int64_t j0 = jb * NR, w = std::min(NR, H - j0);
                lstm_infer_block_cells_f32(z, NR, bias, hT, cT, ys, steps * H, B, H, j0, w);
            }
        });
    }
    if (!ret_seq) std::memcpy(y, hT, sizeof(float) * B * H);
    if (ws.w.size() * sizeof(float) > (size_t) kLstmPackedKeepBytes) ws.w = std::vector<float>();  // don't hoard
    return OK;
}

/** The packed kernel for a float32 layer of this shape under the current choice, or kind PACKED_NONE. */
inline PackedKernel lstm_infer_packed_kernel(int64_t B) {
    const int choice = lstm_infer_kernel_choice().load();
    if (choice == kLstmInferBlas || B < 4) return {PACKED_NONE, 0, 0, nullptr};
    return choice == kLstmInferAuto ? packed_kernel_best() : packed_kernel(choice);
}

/**
 * Sets the kernel of large float32 layers: -1 auto, 0 the BLAS path, or a PackedKind. Returns the
 * choice, or E_ARG when this CPU cannot run that kernel (the choice is then unchanged).
 */
inline int lstm_infer_set_kernel(int choice) {
    if (choice != kLstmInferAuto && choice != kLstmInferBlas && packed_kernel(choice).kind == PACKED_NONE) return E_ARG;
    lstm_infer_kernel_choice().store(choice);
    return choice;
}

/**
 * x [B, T, I] (batch-major), W [I, 4H], U [H, 4H], bias [4H], h0 and c0 [B, H]; writes hT and cT
 * [B, H] and y: [B, T, H] when ret_seq, else [B, H] (h_T). h0 may alias nothing it writes.
 */
template <class T>
inline int lstm_infer_t(const T* x, const T* W, const T* U, const T* bias, const T* h0, const T* c0, T* y, T* hT,
                        T* cT, int64_t B, int64_t steps, int64_t I, int64_t H, bool ret_seq) {
    const int64_t G = 4 * H;
    std::memmove(hT, h0, sizeof(T) * B * H);
    std::memmove(cT, c0, sizeof(T) * B * H);
    std::vector<T>& ws = lstm_infer_workspace<T>();
    const double perStep = (double) B * (double) G * (double) (I + H);
    if (perStep <= kLstmInferSmall) {
        if ((int64_t) ws.size() < G) ws.resize(G);
        T* z = ws.data();
        for (int64_t s = 0; s < steps; s++) {
            for (int64_t b = 0; b < B; b++) {
                lstm_infer_small_call<T>(x + (b * steps + s) * I, W, U, bias, hT + b * H, cT + b * H, z, I, H);
            }
            if (ret_seq) {
                for (int64_t b = 0; b < B; b++) std::memcpy(y + (b * steps + s) * H, hT + b * H, sizeof(T) * H);
            }
        }
    } else if (PackedKernel pk = lstm_infer_packed_kernel(B); std::is_same_v<T, float> && pk.kind != PACKED_NONE) {
        if constexpr (std::is_same_v<T, float>) return lstm_infer_packed_f32(pk, x, W, U, bias, y, hT, cT, B, steps, I, H, ret_seq);
    } else {
        const int64_t stepBytes = std::max<int64_t>(1, B * G * (int64_t) sizeof(T));
        const int64_t tc = std::max<int64_t>(1, std::min<int64_t>(steps, kLstmInferChunkBytes / stepBytes));
        if (tc * B > INT32_MAX) return E_ARG;
        const size_t need = (size_t) (tc * B * G + tc * B * I);
        if (ws.size() < need) ws.resize(need);
        T* P = ws.data();          // [tc, B, 4H], time-major rows
        T* xs = P + tc * B * G;    // [tc, B, I]
        const int64_t mr = recurrent_min_rows(H);
        for (int64_t s0 = 0; s0 < steps; s0 += tc) {
            const int64_t n = std::min(tc, steps - s0);
            for (int64_t q = 0; q < n; q++) {
                for (int64_t b = 0; b < B; b++) {
                    std::memcpy(xs + (q * B + b) * I, x + (b * steps + s0 + q) * I, sizeof(T) * I);
                }
            }
            gemm_parallel<T>(false, false, n * B, G, I, xs, I, W, G, T(0), P, G);
            for (int64_t q = 0; q < n; q++) {
                T* Ps = P + q * B * G;
                gemm_parallel<T>(false, false, B, G, H, hT, H, U, G, T(1), Ps, G);
                parallel_for(B, mr, [&](int64_t b0, int64_t b1) { lstm_infer_cells_call<T>(Ps, bias, hT, cT, H, b0, b1); });
                if (ret_seq) {
                    const int64_t s = s0 + q;
                    for (int64_t b = 0; b < B; b++) std::memcpy(y + (b * steps + s) * H, hT + b * H, sizeof(T) * H);
                }
            }
        }
    }
    if (!ret_seq) std::memcpy(y, hT, sizeof(T) * B * H);
    return OK;
}

inline int lstm_inference(int dt, const void* x, const void* W, const void* U, const void* bias, const void* h0,
                          const void* c0, void* y, void* hT, void* cT, int64_t B, int64_t T, int64_t I, int64_t H,
                          int ret_seq) {
    if (B < 0 || T < 1 || I < 0 || H < 1) return E_ARG;
    if (x == nullptr || W == nullptr || U == nullptr || bias == nullptr || h0 == nullptr || c0 == nullptr
        || y == nullptr || hT == nullptr || cT == nullptr) {
        return E_ARG;
    }
    if (4 * H > INT32_MAX || I > INT32_MAX) return E_ARG;
    if (!blas_bound()) return E_ARG;
    if (B == 0) return OK;
    try {
        switch (dt) {
            case F32:
                return lstm_infer_t<float>((const float*) x, (const float*) W, (const float*) U, (const float*) bias,
                                           (const float*) h0, (const float*) c0, (float*) y, (float*) hT, (float*) cT,
                                           B, T, I, H, ret_seq != 0);
            case F64:
                return lstm_infer_t<double>((const double*) x, (const double*) W, (const double*) U,
                                            (const double*) bias, (const double*) h0, (const double*) c0, (double*) y,
                                            (double*) hT, (double*) cT, B, T, I, H, ret_seq != 0);
            default:
                return E_DTYPE;
        }
    } catch (const std::bad_alloc&) {
        return E_NOMEM;
    }
}

}  // namespace lamina
