// Lamina cpu-kernels: a whole LSTM (and GRU, below) sequence for training (forward with everything the backward
// needs, and the backward through time), one native call each instead of the per-step primitives.
//
// Bitwise the composition (dev.lamina.backend.ComposedLstmSequence, itself bitwise RecurrentOps'
// per-step loop): every step calls the same entry points the composed path reaches through JNI,
// with the same shapes, so OpenBLAS picks the same kernels and cuts, and the cell is the same
// compiled function:
//   forward  z = xp_s + h·rk   (gemm_parallel with beta 0, then one add per element, as BinaryOp.ADD)
//            lstm_cell_forward(z, c) -> gates_s, c_{s+1}, h_{s+1}
//   backward dh = dP_s + dh_next (an add per element), lstm_cell_backward -> dz_s, dc_prev,
//            dh_next = dz_s·rkᵀ (gemm_parallel with beta 0)
// What changes is only the traffic around them: no JNI call, Java object or strided copy per step;
// xp and dP are read in place, the outputs are written in place.
//
// Except the recurrent products of float32 sequences on an AVX2/AVX-512 CPU: those run on rk packed
// once per call (lamina_seq_packed.hpp), one FMA chain per element instead of OpenBLAS's order, so
// float32 results differ from the composition in the last bits (float64 is still bitwise it).
//
// Thread policy: that of the primitives (gemm_parallel and the cell decide from the shape alone),
// so results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "lamina_gemm.hpp"
#include "lamina_kernels.hpp"
#include "lamina_recurrent.hpp"
#include "lamina_seq_packed.hpp"

namespace lamina {

/** Which product of a sequence seq_packed_product serves with the recurrent kernel rk [H, G]. */
enum class SeqRk {
    FORWARD,   // h·rk, [B, G] from h [B, H]: rk packed as B
    BACKWARD,  // dz·rkᵀ, [B, H] from dz [B, G]: rkᵀ packed as B, without forming it
};

/**
 * That product of a float32 sequence with rk packed once, or null: float64, no SIMD kernel, or
 * LAMINA_SEQ_PACKED=0 (the callers then use gemm_parallel). Throws std::bad_alloc.
 */
template <class T>
inline std::unique_ptr<SeqPackedProduct> seq_packed_product(SeqRk use, const T* rk, int64_t B, int64_t H, int64_t G) {
    if constexpr (std::is_same_v<T, float>) {
        const PackedKernel pk = seq_packed_kernel<T>();
        if (pk.kind != PACKED_NONE) {
            const bool fwd = use == SeqRk::FORWARD;
            auto pp = std::make_unique<SeqPackedProduct>(pk, B, fwd ? G : H, fwd ? H : G);
            if (fwd) {
                pp->pack_b(rk, G);
            } else {
                pp->pack_bt(rk, G);
            }
            return pp;
        }
    }
    return nullptr;
}

/**
 * One forward step's h·rk, [B, G] from h [B, H]: on rk packed once (pp, float32 only) or by
 * gemm_parallel into rec. Returns the rows of the product and sets ld to their stride.
 */
template <class T>
inline const T* seq_step_product(SeqPackedProduct* pp, const T* h, const T* rk, T* rec, int64_t B, int64_t G, int64_t H,
                                 int64_t& ld) {
    if constexpr (std::is_same_v<T, float>) {
        if (pp) {
            ld = pp->ldc();
            return pp->run(h, H);
        }
    }
    ld = G;
    gemm_parallel<T>(false, false, B, G, H, h, H, rk, G, T(0), rec, G);
    return rec;
}

/** out[j] = a[j] + b[j] for j < n (the binary kernels' contiguous ADD: one IEEE add per element). */
template <class T>
LAMINA_INLINE void seq_add(const T* __restrict a, const T* __restrict b, T* __restrict out, int64_t n) {
    for (int64_t j = 0; j < n; j++) out[j] = a[j] + b[j];
}

template <class T>
int lstm_seq_forward_t(int dt, const T* xp, const T* rk, const T* h0, const T* c0, T* packed, T* h_prev, T* gates,
                       T* cs, int64_t B, int64_t S, int64_t H) {
    const int64_t G = 4 * H;
    std::vector<T> work;
    std::unique_ptr<SeqPackedProduct> pp;  // h·rk on rk packed once (float32), else gemm_parallel
    try {
        work.resize((size_t) (2 * B * G + 2 * B * H));
        pp = seq_packed_product<T>(SeqRk::FORWARD, rk, B, H, G);
    } catch (const std::bad_alloc&) {
        return E_NOMEM;
    }
    T* rec = work.data();      // h·rk of this step, [B, G]
    T* z = rec + B * G;        // pre-activations, [B, G]
    T* h = z + B * G;          // h_s, [B, H]
    T* hn = h + B * H;         // h_{s+1}, [B, H]
    std::memcpy(h, h0, sizeof(T) * (size_t) (B * H));
    for (int64_t s = 0; s < S; s++) {
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(h_prev + (b * S + s) * H, h + b * H, sizeof(T) * (size_t) H);
        }
        int64_t ldr;
        const T* r = seq_step_product<T>(pp.get(), h, rk, rec, B, G, H, ldr);
        for (int64_t b = 0; b < B; b++) {
            seq_add<T>(xp + (b * S + s) * G, r + b * ldr, z + b * G, G);
        }
        const T* c_prev = s == 0 ? c0 : cs + (s - 1) * B * H;
        int rc = lstm_cell_forward(dt, z, c_prev, hn, cs + s * B * H, gates + s * B * G, B, H);
        if (rc != OK) return rc;
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(packed + (b * (S + 1) + s) * H, hn + b * H, sizeof(T) * (size_t) H);
        }
        std::swap(h, hn);
    }
    const T* c_last = S == 0 ? c0 : cs + (S - 1) * B * H;
    for (int64_t b = 0; b < B; b++) {
        std::memcpy(packed + (b * (S + 1) + S) * H, c_last + b * H, sizeof(T) * (size_t) H);
    }
    return OK;
}

template <class T>
int lstm_seq_backward_t(int dt, const T* gates, const T* cs, const T* c0, const T* rk, const T* dP, T* dxp, T* dh0,
                        T* dc0, int64_t B, int64_t S, int64_t H) {
    const int64_t G = 4 * H;
    std::vector<T> work;
    std::unique_ptr<SeqPackedProduct> pp;  // dz·rkᵀ on rkᵀ packed once (float32), else gemm_parallel
    try {
        work.resize((size_t) (B * G + 4 * B * H));
        pp = seq_packed_product<T>(SeqRk::BACKWARD, rk, B, H, G);
    } catch (const std::bad_alloc&) {
        return E_NOMEM;
    }
    T* dz = work.data();       // [B, G]
    T* dh = dz + B * G;        // dP_s + dh_next, [B, H]
    T* dh_next = dh + B * H;   // [B, H], zero before the last step (as the composed path's allocate)
    T* dc_next = dh_next + B * H;
    T* dc_prev = dc_next + B * H;
    std::memset(dh_next, 0, sizeof(T) * (size_t) (B * H));
    for (int64_t b = 0; b < B; b++) {
        std::memcpy(dc_next + b * H, dP + (b * (S + 1) + S) * H, sizeof(T) * (size_t) H);
    }
    for (int64_t s = S - 1; s >= 0; s--) {
        for (int64_t b = 0; b < B; b++) {
            seq_add<T>(dP + (b * (S + 1) + s) * H, dh_next + b * H, dh + b * H, H);
        }
        const T* c_prev = s == 0 ? c0 : cs + (s - 1) * B * H;
        int rc = lstm_cell_backward(dt, gates + s * B * G, c_prev, cs + s * B * H, dh, dc_next, dz, dc_prev, B, H);
        if (rc != OK) return rc;
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(dxp + (b * S + s) * G, dz + b * G, sizeof(T) * (size_t) G);
        }
        bool done = false;
        if constexpr (std::is_same_v<T, float>) {
            if (pp) {
                const float* r = pp->run(dz, G);
                for (int64_t b = 0; b < B; b++) std::memcpy(dh_next + b * H, r + b * pp->ldc(), sizeof(T) * (size_t) H);
                done = true;
            }
        }
        if (!done) gemm_parallel<T>(false, true, B, H, G, dz, G, rk, G, T(0), dh_next, H);
        std::swap(dc_next, dc_prev);
    }
    std::memcpy(dh0, dh_next, sizeof(T) * (size_t) (B * H));
    std::memcpy(dc0, dc_next, sizeof(T) * (size_t) (B * H));
    return OK;
}

/**
 * The LSTM sequence forward of Backend.lstmSequenceForward: xp [B·S, 4H] (rows b·S + s), rk [H, 4H],
 * h0 and c0 [B, H]; writes packed [B, S+1, H], h_prev [B, S, H], gates [S, B, 4H], cs [S, B, H].
 */
inline int lstm_sequence_forward(int dt, const void* xp, const void* rk, const void* h0, const void* c0, void* packed,
                                 void* h_prev, void* gates, void* cs, int64_t B, int64_t S, int64_t H) {
    if (B < 0 || S < 0 || H < 1) return E_ARG;
    if (B == 0) return OK;
    if (!blas_bound()) return E_ARG;
    switch (dt) {
        case F32:
            return lstm_seq_forward_t<float>(dt, (const float*) xp, (const float*) rk, (const float*) h0,
                                             (const float*) c0, (float*) packed, (float*) h_prev, (float*) gates,
                                             (float*) cs, B, S, H);
        case F64:
            return lstm_seq_forward_t<double>(dt, (const double*) xp, (const double*) rk, (const double*) h0,
                                              (const double*) c0, (double*) packed, (double*) h_prev, (double*) gates,
                                              (double*) cs, B, S, H);
        default: return E_DTYPE;
    }
}

/**
 * The LSTM backward through time of Backend.lstmSequenceBackward: gates [S, B, 4H], cs [S, B, H],
 * c0 [B, H], rk [H, 4H], dP [B, S+1, H]; writes dxp [B·S, 4H], dh0 and dc0 [B, H].
 */
inline int lstm_sequence_backward(int dt, const void* gates, const void* cs, const void* c0, const void* rk,
                                  const void* dP, void* dxp, void* dh0, void* dc0, int64_t B, int64_t S, int64_t H) {
    if (B < 0 || S < 0 || H < 1) return E_ARG;
    if (B == 0) return OK;
    if (!blas_bound()) return E_ARG;
    switch (dt) {
        case F32:
            return lstm_seq_backward_t<float>(dt, (const float*) gates, (const float*) cs, (const float*) c0,
                                              (const float*) rk, (const float*) dP, (float*) dxp, (float*) dh0,
                                              (float*) dc0, B, S, H);
        case F64:
            return lstm_seq_backward_t<double>(dt, (const double*) gates, (const double*) cs, (const double*) c0,
                                               (const double*) rk, (const double*) dP, (double*) dxp, (double*) dh0,
                                               (double*) dc0, B, S, H);
        default: return E_DTYPE;
    }
}

// ---- GRU (reset_after, gates z, r, h) -----------------------------------------------------------
// Bitwise dev.lamina.backend.ComposedGruSequence:
//   forward  hz_s = h·rk + rb (gemm, then an add per element), gru_cell_forward(xp_s, hz_s, h) -> h'
//   backward dh = dP_s + dh_next, gru_cell_backward -> dxz, dhz, dh_prev; dh_next = dhz·rkᵀ + dh_prev

template <class T>
int gru_seq_forward_t(int dt, const T* xp, const T* rk, const T* rb, const T* h0, T* packed, T* h_prev, T* gates,
                      T* hz, int64_t B, int64_t S, int64_t H) {
    const int64_t G = 3 * H;
    std::vector<T> work;
    std::unique_ptr<SeqPackedProduct> pp;  // h·rk on rk packed once (float32), else gemm_parallel
    try {
        work.resize((size_t) (2 * B * G + 2 * B * H));
        pp = seq_packed_product<T>(SeqRk::FORWARD, rk, B, H, G);
    } catch (const std::bad_alloc&) {
        return E_NOMEM;
    }
    T* rec = work.data();      // h·rk, [B, G]
    T* xt = rec + B * G;       // this step's rows of xp, [B, G]
    T* h = xt + B * G;
    T* hn = h + B * H;
    std::memcpy(h, h0, sizeof(T) * (size_t) (B * H));
    for (int64_t s = 0; s < S; s++) {
        T* hzs = hz + s * B * G;
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(xt + b * G, xp + (b * S + s) * G, sizeof(T) * (size_t) G);
            std::memcpy(h_prev + (b * S + s) * H, h + b * H, sizeof(T) * (size_t) H);
        }
        int64_t ldr;
        const T* r = seq_step_product<T>(pp.get(), h, rk, rec, B, G, H, ldr);
        for (int64_t b = 0; b < B; b++) {
            seq_add<T>(r + b * ldr, rb, hzs + b * G, G);
        }
        int rc = gru_cell_forward(dt, xt, hzs, h, hn, gates + s * B * G, B, H);
        if (rc != OK) return rc;
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(packed + (b * S + s) * H, hn + b * H, sizeof(T) * (size_t) H);
        }
        std::swap(h, hn);
    }
    return OK;
}

template <class T>
int gru_seq_backward_t(int dt, const T* gates, const T* hz, const T* h_prev, const T* rk, const T* dP, T* dxp, T* dhz_all,
                       T* dh0, int64_t B, int64_t S, int64_t H) {
    const int64_t G = 3 * H;
    std::vector<T> work;
    std::unique_ptr<SeqPackedProduct> pp;  // dhz·rkᵀ on rkᵀ packed once (float32), else gemm_parallel
    try {
        work.resize((size_t) (2 * B * G + 5 * B * H));
        pp = seq_packed_product<T>(SeqRk::BACKWARD, rk, B, H, G);
    } catch (const std::bad_alloc&) {
        return E_NOMEM;
    }
    T* dxz = work.data();      // [B, G]
    T* dhz = dxz + B * G;      // [B, G]
    T* dh = dhz + B * G;       // dP_s + dh_next, [B, H]
    T* hp = dh + B * H;        // h_s, [B, H]
    T* dh_prev = hp + B * H;
    T* d_rec = dh_prev + B * H;
    T* dh_next = d_rec + B * H;  // zero before the last step
    std::memset(dh_next, 0, sizeof(T) * (size_t) (B * H));
    for (int64_t s = S - 1; s >= 0; s--) {
        for (int64_t b = 0; b < B; b++) {
            seq_add<T>(dP + (b * S + s) * H, dh_next + b * H, dh + b * H, H);
            std::memcpy(hp + b * H, h_prev + (b * S + s) * H, sizeof(T) * (size_t) H);
        }
        int rc = gru_cell_backward(dt, gates + s * B * G, hz + s * B * G, hp, dh, dxz, dhz, dh_prev, B, H);
        if (rc != OK) return rc;
        for (int64_t b = 0; b < B; b++) {
            std::memcpy(dxp + (b * S + s) * G, dxz + b * G, sizeof(T) * (size_t) G);
            std::memcpy(dhz_all + (b * S + s) * G, dhz + b * G, sizeof(T) * (size_t) G);
        }
        bool done = false;
        if constexpr (std::is_same_v<T, float>) {
            if (pp) {
                const float* r = pp->run(dhz, G);
                for (int64_t b = 0; b < B; b++) seq_add<T>(r + b * pp->ldc(), dh_prev + b * H, dh_next + b * H, H);
                done = true;
            }
        }
        if (!done) {
            gemm_parallel<T>(false, true, B, H, G, dhz, G, rk, G, T(0), d_rec, H);
            seq_add<T>(d_rec, dh_prev, dh_next, B * H);
        }
    }
    std::memcpy(dh0, dh_next, sizeof(T) * (size_t) (B * H));
    return OK;
}

/**
 * The GRU sequence forward of Backend.gruSequenceForward: xp [B·S, 3H] (input bias included), rk
 * [H, 3H], rb [3H], h0 [B, H]; writes packed [B, S, H], h_prev [B, S, H], gates and hz [S, B, 3H].
 */
inline int gru_sequence_forward(int dt, const void* xp, const void* rk, const void* rb, const void* h0, void* packed,
                                void* h_prev, void* gates, void* hz, int64_t B, int64_t S, int64_t H) {
    if (B < 0 || S < 0 || H < 1) return E_ARG;
    if (B == 0) return OK;
    if (!blas_bound()) return E_ARG;
    switch (dt) {
        case F32:
            return gru_seq_forward_t<float>(dt, (const float*) xp, (const float*) rk, (const float*) rb,
                                            (const float*) h0, (float*) packed, (float*) h_prev, (float*) gates,
                                            (float*) hz, B, S, H);
        case F64:
            return gru_seq_forward_t<double>(dt, (const double*) xp, (const double*) rk, (const double*) rb,
                                             (const double*) h0, (double*) packed, (double*) h_prev, (double*) gates,
                                             (double*) hz, B, S, H);
        default: return E_DTYPE;
    }
}

/**
 * The GRU backward through time of Backend.gruSequenceBackward: gates and hz [S, B, 3H], h_prev
 * [B, S, H], rk [H, 3H], dP [B, S, H]; writes dxp and dhz [B·S, 3H], dh0 [B, H].
 */
inline int gru_sequence_backward(int dt, const void* gates, const void* hz, const void* h_prev, const void* rk,
                                 const void* dP, void* dxp, void* dhz, void* dh0, int64_t B, int64_t S, int64_t H) {
    if (B < 0 || S < 0 || H < 1) return E_ARG;
    if (B == 0) return OK;
    if (!blas_bound()) return E_ARG;
    switch (dt) {
        case F32:
            return gru_seq_backward_t<float>(dt, (const float*) gates, (const float*) hz, (const float*) h_prev,
                                             (const float*) rk, (const float*) dP, (float*) dxp, (float*) dhz,
                                             (float*) dh0, B, S, H);
        case F64:
            return gru_seq_backward_t<double>(dt, (const double*) gates, (const double*) hz, (const double*) h_prev,
                                              (const double*) rk, (const double*) dP, (double*) dxp, (double*) dhz,
                                              (double*) dh0, B, S, H);
        default: return E_DTYPE;
    }
}

}  // namespace lamina
