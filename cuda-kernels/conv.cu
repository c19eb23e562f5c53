// conv.cu: 2-D convolution over NHWC images as implicit GEMM (no im2col buffer), float32 and float64, with
// the geometry of dev.lamina.backend.ConvGeometry (strides, dilation, top/left padding, groups;
// kernel [KH, KW, C/G, K]) and the semantics of the cpu backend's conv2d passes:
//   forward   y[b,oh,ow,k] = act(Σ_{i,j,c} x[b, oh·SH−PT+i·DH, ow·SW−PL+j·DW, g·Cg+c]·w[i,j,c,k] + bias[k])
//             act: identity, or ReLU as the cpu backend's epilogue (v <= 0 ? 0 : v: a NaN stays NaN, as Tensor.relu)
//   backward  dz = dy ⊙ [y > 0] when act is ReLU (the product: a NaN dy stays visible), else dy;
//             dbias[k] = Σ dz[·,k];  dw = x^T·dz per group;  dx = dz·w^T per group (a gather)
// Input positions outside the image read as zero; every position is bounds-checked.
//
// Each pass is one GEMM per group g (blockIdx.z) whose operands are gathered on the fly:
//   forward    C[m = (b,oh,ow), n = k]   = Σ_{q = (i,j,c)}   X̂[m,q] · W[q,n]
//   dx         C[m = (b,h,w),   n = c]   = Σ_{q = (i,j,k)}   DẐ[m,q] · W[(i,j,n),k]
//              (DẐ[m,q] = dz[b, oh, ow, k] where h = oh·SH−PT+i·DH, w likewise, else 0)
//   dw         C[m = (i,j,c),   n = k]   = Σ_{q = (b,oh,ow)} X̂[q,m] · dz[q,n]
// The dw reduction (B·OH·OW terms) is split into S slices by the geometry alone; each slice writes
// its partial tile to a workspace and a second kernel adds the S partials in slice order, so the
// result is deterministic (no atomics) and independent of the device. dbias likewise: partial column
// sums over fixed row chunks, then the chunks in order.
//
// Launch configuration: the GEMMs run on the tiled kernels below (64×64 tiles of 256 threads;
// blockIdx.z over (group, slice)): version 1, 4×4 outputs a thread, fp32 FMAs (Precision.HIGHEST);
// version 2 for float32 under Precision.HIGH, the same tiles on TF32 tensor cores (mma.sync
// m16n8k8, ~1e-3 relative error). The plain loop (version 0, one thread per output) stays as the
// check, selected by lamina_cuda_conv2d_set_version. The gathers load along the channel axis, so a
// warp's loads are coalesced segments. The dbias and slice-sum kernels are grid-stride loops, one
// thread per output element. Not yet: cp.async pipelining, ldmatrix, larger tiles.
//
// The same GEMM also serves the float64 matmul (lamina_cuda_matmul_f64, at the end of the file): a
// problem whose gathers are plain strided reads, blockIdx.z over the batch. (One file because the
// GEMM is a template over the problem and the emulated device's translator reads .cu files only.)
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_ops.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

// ---- the tiled GEMM over gathered operands (implicit GEMM) ----------------------------------------
// A problem P supplies the sizes M, N, Q of one GEMM C[m, n] = Σ_q A[m, q]·B[q, n], the number of
// independent GEMMs zcount() (groups, batch entries) and
//   T a(m, q, z), T b(q, n, z)            operand values (the gathers: zeros outside an image)
//   void store(m, n, z, slice, T acc)     the epilogue (bias, activation, partial sums)
//   static bool A_Q_FAST, B_Q_FAST        whether consecutive q are contiguous in memory
// The reduction over q may be split into `slices` fixed ranges (one partial result each).
//
// Launch configuration of igemm_kernel (version 1, SIMT): 256 threads as 16×16, a 64×64 output
// tile per block, each thread a 4×4 register tile (rows ty+16i, columns tx+16j), q in steps of 8
// staged through shared memory (A tile 8×64, B tile 8×64, rows padded by one element). Tiles of
// M, N and the (z, slice) pairs are covered by grid-stride loops over blockIdx.x, y and z, so any
// size fits the grid limits. Each tile load runs along the operand's contiguous axis, so a warp's
// loads are coalesced. Every output is summed in one fixed q order: deterministic.
// igemm_reference_kernel (version 0) is the plain loop, one thread per output, kept as the check.

namespace igemm {

constexpr int BM = 64, BN = 64, BK = 8, TM = 4, TN = 4, kGemmThreads = 256;

// Stages A[m0.., q0..] into As[q][m] and B[q0.., n0..] into Bs[q][n], zeros outside the problem (or
// past qEnd); each thread loads 2 elements of each tile (512 = 2·256), along the contiguous axis.
template <class T, class P>
__device__ __forceinline__ void load_tiles(const P& p, T (*As)[BM + 1], T (*Bs)[BN + 1], int64_t m0, int64_t n0,
                                           int64_t q0, int64_t qEnd, int64_t grp) {
    const int tid = threadIdx.x;
    for (int e = tid; e < BK * BM; e += kGemmThreads) {
        const int kk = P::A_Q_FAST ? e % BK : e / BM, mm = P::A_Q_FAST ? e / BK : e % BM;
        const int64_t m = m0 + mm, q = q0 + kk;
        As[kk][mm] = (m < p.M && q < qEnd) ? p.a(m, q, grp) : T(0);
    }
    for (int e = tid; e < BK * BN; e += kGemmThreads) {
        const int kk = P::B_Q_FAST ? e % BK : e / BN, nn = P::B_Q_FAST ? e / BK : e % BN;
        const int64_t n = n0 + nn, q = q0 + kk;
        Bs[kk][nn] = (n < p.N && q < qEnd) ? p.b(q, n, grp) : T(0);
    }
}

template <class T, class P>
__global__ void __launch_bounds__(kGemmThreads) igemm_kernel(P p, int64_t slices) {
    __shared__ T As[BK][BM + 1];
    __shared__ T Bs[BK][BN + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int64_t tilesM = (p.M + BM - 1) / BM, tilesN = (p.N + BN - 1) / BN;
    const int64_t qPerSlice = ((p.Q + slices - 1) / slices + BK - 1) / BK * BK;
    for (int64_t z = blockIdx.z; z < p.zcount() * slices; z += gridDim.z) {
        const int64_t grp = z % p.zcount(), slice = z / p.zcount();
        const int64_t qBegin = slice * qPerSlice;
        const int64_t qEnd = qBegin + qPerSlice < p.Q ? qBegin + qPerSlice : p.Q;
        for (int64_t tn = blockIdx.y; tn < tilesN; tn += gridDim.y) {
            for (int64_t tm = blockIdx.x; tm < tilesM; tm += gridDim.x) {
                const int64_t m0 = tm * BM, n0 = tn * BN;
                T acc[TM][TN];
                for (int i = 0; i < TM; i++)
                    for (int j = 0; j < TN; j++) acc[i][j] = T(0);
                for (int64_t q0 = qBegin; q0 < qEnd; q0 += BK) {
                    load_tiles<T>(p, As, Bs, m0, n0, q0, qEnd, grp);
                    __syncthreads();
                    for (int kk = 0; kk < BK; kk++) {
                        T av[TM], bv[TN];
                        for (int i = 0; i < TM; i++) av[i] = As[kk][ty + 16 * i];
                        for (int j = 0; j < TN; j++) bv[j] = Bs[kk][tx + 16 * j];
                        for (int i = 0; i < TM; i++)
                            for (int j = 0; j < TN; j++) acc[i][j] += av[i] * bv[j];
                    }
                    __syncthreads();
                }
                for (int i = 0; i < TM; i++) {
                    const int64_t m = m0 + ty + 16 * i;
                    if (m >= p.M) continue;
                    for (int j = 0; j < TN; j++) {
                        const int64_t n = n0 + tx + 16 * j;
                        if (n < p.N) p.store(m, n, grp, slice, acc[i][j]);
                    }
                }
            }
        }
    }
}

// version 2, float32 only (Precision.HIGH): the tiles and loads of version 1, the products on tensor
// cores. 8 warps as 2 (rows) × 4 (columns), each warp a 32×16 sub-tile: 2 × 2 mma.sync.m16n8k8
// (tf32 inputs rounded with cvt.rna, fp32 accumulation) per step of 8, fragments read from the
// k-major tiles with the PTX ISA's layouts (as sgemm_tf32 in matmul.cu). About 1e-3 relative error.
__device__ __forceinline__ uint32_t tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

template <class P>
__global__ void __launch_bounds__(kGemmThreads) igemm_tf32_kernel(P p, int64_t slices) {
    __shared__ float As[BK][BM + 1];
    __shared__ float Bs[BK][BN + 1];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int wm = (warp >> 2) * 32, wn = (warp & 3) * 16;
    const int gid = lane >> 2, tig = lane & 3;
    const int64_t tilesM = (p.M + BM - 1) / BM, tilesN = (p.N + BN - 1) / BN;
    const int64_t qPerSlice = ((p.Q + slices - 1) / slices + BK - 1) / BK * BK;
    for (int64_t z = blockIdx.z; z < p.zcount() * slices; z += gridDim.z) {
        const int64_t grp = z % p.zcount(), slice = z / p.zcount();
        const int64_t qBegin = slice * qPerSlice;
        const int64_t qEnd = qBegin + qPerSlice < p.Q ? qBegin + qPerSlice : p.Q;
        for (int64_t tn = blockIdx.y; tn < tilesN; tn += gridDim.y) {
            for (int64_t tm = blockIdx.x; tm < tilesM; tm += gridDim.x) {
                const int64_t m0 = tm * BM, n0 = tn * BN;
                float acc[2][2][4];  // [m16 tile][n8 tile][c0..c3]
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++)
                        for (int q = 0; q < 4; q++) acc[i][j][q] = 0.f;
                for (int64_t q0 = qBegin; q0 < qEnd; q0 += BK) {
                    load_tiles<float>(p, As, Bs, m0, n0, q0, qEnd, grp);
                    __syncthreads();
                    uint32_t af[2][4], bf[2][2];
                    for (int i = 0; i < 2; i++) {
                        const int r = wm + i * 16 + gid;
                        af[i][0] = tf32(As[tig][r]);
                        af[i][1] = tf32(As[tig][r + 8]);
                        af[i][2] = tf32(As[tig + 4][r]);
                        af[i][3] = tf32(As[tig + 4][r + 8]);
                    }
                    for (int j = 0; j < 2; j++) {
                        const int c = wn + j * 8 + gid;
                        bf[j][0] = tf32(Bs[tig][c]);
                        bf[j][1] = tf32(Bs[tig + 4][c]);
                    }
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++) {
                            asm volatile(
                                    "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                                    "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                                    : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                                    : "r"(af[i][0]), "r"(af[i][1]), "r"(af[i][2]), "r"(af[i][3]), "r"(bf[j][0]),
                                      "r"(bf[j][1]));
                        }
                    __syncthreads();
                }
                // c0, c1: (row gid, columns 2·tig, 2·tig+1); c2, c3: row gid+8
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++)
                        for (int q = 0; q < 4; q++) {
                            const int64_t m = m0 + wm + i * 16 + gid + (q >= 2 ? 8 : 0);
                            const int64_t n = n0 + wn + j * 8 + 2 * tig + (q & 1);
                            if (m < p.M && n < p.N) p.store(m, n, grp, slice, acc[i][j][q]);
                        }
            }
        }
    }
}

// version 0: one thread per output, the plain loop (the check of versions 1 and 2)
template <class T, class P>
__global__ void igemm_reference_kernel(P p) {
    const int64_t total = p.zcount() * p.M * p.N;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < total; o += stride) {
        const int64_t n = o % p.N, t = o / p.N, m = t % p.M, grp = t / p.M;
        T acc = T(0);
        for (int64_t q = 0; q < p.Q; q++) acc += p.a(m, q, grp) * p.b(q, n, grp);
        p.store(m, n, grp, 0, acc);
    }
}


inline unsigned grid_dim(int64_t tiles, int64_t cap) {
    return static_cast<unsigned>(tiles < 1 ? 1 : tiles > cap ? cap : tiles);
}

// Launches version 0, 1 or (float only) 2 of P's GEMM on stream s; returns the launch error.
template <class T, class P>
int run(const P& p, int64_t slices, int version, cudaStream_t s) {
    const dim3 grid(grid_dim((p.M + BM - 1) / BM, 0x7fffffff), grid_dim((p.N + BN - 1) / BN, 65535),
                    grid_dim(p.zcount() * slices, 65535));
    if (version == 0) {
        igemm_reference_kernel<T, P><<<blocks_for(p.zcount() * p.M * p.N), kThreads, 0, s>>>(p);
    } else if constexpr (std::is_same_v<T, float>) {
        if (version == 2) igemm_tf32_kernel<P><<<grid, kGemmThreads, 0, s>>>(p, slices);
        else igemm_kernel<T, P><<<grid, kGemmThreads, 0, s>>>(p, slices);
    } else {
        igemm_kernel<T, P><<<grid, kGemmThreads, 0, s>>>(p, slices);
    }
    return launch_result();
}

}  // namespace igemm

// ConvGeometry's 16 fields (read by read_geom with the indices of native/lamina_ops.h)
struct ConvG {
    int64_t B, H, W, C, OH, OW, K, KH, KW, SH, SW, DH, DW, PT, PL, G;
    __host__ __device__ int64_t cg() const { return C / G; }
    __host__ __device__ int64_t kg() const { return K / G; }
};

// ---- the three problems: gathers of the A and B operands and the stores --------------------------
// a(m, q, g), b(q, n, g): operand values (0 outside the image); M, N, Q: the GEMM's sizes per group;
// A_Q_FAST / B_Q_FAST: whether consecutive q are contiguous in memory (the tile load order).

template <class T>
struct Forward {
    const T* x;
    const T* w;
    const T* bias;
    T* y;
    ConvG g;
    bool relu;
    int64_t M, N, Q;
    static constexpr bool A_Q_FAST = true, B_Q_FAST = false;
    __host__ __device__ int64_t zcount() const { return g.G; }
    __device__ T a(int64_t m, int64_t q, int64_t grp) const {
        const int64_t ow = m % g.OW, t = m / g.OW, oh = t % g.OH, b = t / g.OH;
        const int64_t c = q % g.cg(), t2 = q / g.cg(), j = t2 % g.KW, i = t2 / g.KW;
        const int64_t ih = oh * g.SH - g.PT + i * g.DH, iw = ow * g.SW - g.PL + j * g.DW;
        if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return T(0);
        return x[((b * g.H + ih) * g.W + iw) * g.C + grp * g.cg() + c];
    }
    __device__ T b(int64_t q, int64_t n, int64_t grp) const { return w[q * g.K + grp * g.kg() + n]; }
    __device__ void store(int64_t m, int64_t n, int64_t grp, int64_t /*slice*/, T acc) const {
        const int64_t k = grp * g.kg() + n;
        T v = bias != nullptr ? acc + bias[k] : acc;
        if (relu) v = v <= T(0) ? T(0) : v;  // NaN stays NaN, as Tensor.relu
        y[m * g.K + k] = v;
    }
};

// dz = dy ⊙ [y > 0] (ReLU) or dy
template <class T>
__device__ __forceinline__ T dz_at(const T* dy, const T* y, bool relu, int64_t p) {
    return relu ? dy[p] * (y[p] > T(0) ? T(1) : T(0)) : dy[p];
}

template <class T>
struct BackwardInput {
    const T* dy;
    const T* y;
    const T* w;
    T* dx;
    ConvG g;
    bool relu;
    int64_t M, N, Q;
    static constexpr bool A_Q_FAST = true, B_Q_FAST = true;
    __host__ __device__ int64_t zcount() const { return g.G; }
    __device__ T a(int64_t m, int64_t q, int64_t grp) const {
        const int64_t wc = m % g.W, t = m / g.W, h = t % g.H, b = t / g.H;
        const int64_t k = q % g.kg(), t2 = q / g.kg(), j = t2 % g.KW, i = t2 / g.KW;
        const int64_t nh = h + g.PT - i * g.DH, nw = wc + g.PL - j * g.DW;
        if (nh < 0 || nw < 0 || nh % g.SH != 0 || nw % g.SW != 0) return T(0);
        const int64_t oh = nh / g.SH, ow = nw / g.SW;
        if (oh >= g.OH || ow >= g.OW) return T(0);
        return dz_at(dy, y, relu, ((b * g.OH + oh) * g.OW + ow) * g.K + grp * g.kg() + k);
    }
    __device__ T b(int64_t q, int64_t n, int64_t grp) const {
        const int64_t k = q % g.kg(), ij = q / g.kg();
        return w[(ij * g.cg() + n) * g.K + grp * g.kg() + k];
    }
    __device__ void store(int64_t m, int64_t n, int64_t grp, int64_t /*slice*/, T acc) const {
        dx[m * g.C + grp * g.cg() + n] = acc;
    }
};

template <class T>
struct BackwardFilter {
    const T* x;
    const T* dy;
    const T* y;
    T* dw;    // the result when slices == 1
    T* part;  // [slices][G][M][N] partial sums when slices > 1
    ConvG g;
    bool relu;
    int64_t M, N, Q, slices;
    static constexpr bool A_Q_FAST = false, B_Q_FAST = false;
    __host__ __device__ int64_t zcount() const { return g.G; }
    __device__ T a(int64_t m, int64_t q, int64_t grp) const {  // A[m = (i,j,c), q = (b,oh,ow)]
        const int64_t c = m % g.cg(), t = m / g.cg(), j = t % g.KW, i = t / g.KW;
        const int64_t ow = q % g.OW, t2 = q / g.OW, oh = t2 % g.OH, b = t2 / g.OH;
        const int64_t ih = oh * g.SH - g.PT + i * g.DH, iw = ow * g.SW - g.PL + j * g.DW;
        if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return T(0);
        return x[((b * g.H + ih) * g.W + iw) * g.C + grp * g.cg() + c];
    }
    __device__ T b(int64_t q, int64_t n, int64_t grp) const { return dz_at(dy, y, relu, q * g.K + grp * g.kg() + n); }
    __device__ void store(int64_t m, int64_t n, int64_t grp, int64_t slice, T acc) const {
        if (slices == 1) dw[m * g.K + grp * g.kg() + n] = acc;
        else part[((slice * g.G + grp) * M + m) * N + n] = acc;
    }
};

// dw[m, g·Kg + n] = Σ_s part[s][g][m][n], s in order
template <class T>
__global__ void sum_slices_kernel(const T* __restrict__ part, T* __restrict__ dw, ConvG g, int64_t M, int64_t N,
                                  int64_t slices) {
    const int64_t total = g.G * M * N;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < total; o += stride) {
        const int64_t n = o % N, t = o / N, m = t % M, grp = t / M;
        T s = part[o];
        for (int64_t sl = 1; sl < slices; sl++) s += part[sl * total + o];
        dw[m * g.K + grp * N + n] = s;
    }
}

// dbias in two fixed-order stages: part[chunk, k] = Σ rows of the chunk; db[k] = Σ chunks in order
template <class T>
__global__ void bias_partial_kernel(const T* __restrict__ dy, const T* __restrict__ y, bool relu,
                                    T* __restrict__ part, int64_t rows, int64_t K, int64_t chunkRows, int64_t chunks) {
    const int64_t total = chunks * K;
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < total; o += stride) {
        const int64_t k = o % K, ch = o / K;
        const int64_t r1 = (ch + 1) * chunkRows < rows ? (ch + 1) * chunkRows : rows;
        T s = T(0);
        for (int64_t r = ch * chunkRows; r < r1; r++) s += dz_at(dy, y, relu, r * K + k);
        part[o] = s;
    }
}

template <class T>
__global__ void bias_sum_kernel(const T* __restrict__ part, T* __restrict__ db, int64_t K, int64_t chunks) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < K; k += stride) {
        T s = T(0);
        for (int64_t ch = 0; ch < chunks; ch++) s += part[ch * K + k];
        db[k] = s;
    }
}

// ---- sizes fixed by the geometry (never by the device), so results are reproducible -----------

constexpr int64_t kSliceTerms = 4096;   // dw: about this many reduction terms per slice
constexpr int64_t kMaxSlices = 32;
constexpr int64_t kBiasChunkRows = 512;  // dbias: rows per partial sum

int64_t dw_slices(const ConvG& g) {
    const int64_t q = g.B * g.OH * g.OW;
    int64_t s = q / kSliceTerms;
    return s < 1 ? 1 : s > kMaxSlices ? kMaxSlices : s;
}

int64_t bias_chunks(const ConvG& g) {
    const int64_t rows = g.B * g.OH * g.OW;
    return (rows + kBiasChunkRows - 1) / kBiasChunkRows;
}

bool read_geom(const int64_t* a, ConvG& g) {
    g = ConvG{a[LAMINA_CONV_B],  a[LAMINA_CONV_H],  a[LAMINA_CONV_W],  a[LAMINA_CONV_C],  a[LAMINA_CONV_OH], a[LAMINA_CONV_OW],
              a[LAMINA_CONV_K],  a[LAMINA_CONV_KH], a[LAMINA_CONV_KW], a[LAMINA_CONV_SH], a[LAMINA_CONV_SW], a[LAMINA_CONV_DH],
              a[LAMINA_CONV_DW], a[LAMINA_CONV_PT], a[LAMINA_CONV_PL], a[LAMINA_CONV_G]};
    return g.B >= 0 && g.H > 0 && g.W > 0 && g.C > 0 && g.OH > 0 && g.OW > 0 && g.K > 0 && g.KH > 0 && g.KW > 0 &&
           g.SH > 0 && g.SW > 0 && g.DH > 0 && g.DW > 0 && g.PT >= 0 && g.PL >= 0 && g.G > 0 && g.C % g.G == 0 &&
           g.K % g.G == 0;
}

int g_version = 1;  // 0: the reference kernel (the emulator harness's check), 1: the tiled kernels

// precision 0: fp32 SIMT (version 1); 1: TF32 tensor cores for float32 (version 2)
template <class T, class P>
int run_gemm(const P& p, int64_t slices, int precision, cudaStream_t s) {
    return igemm::run<T>(p, slices, g_version == 0 ? 0 : precision == 1 ? 2 : 1, s);
}

template <class T>
int forward_t(const void* x, const void* w, const void* bias, bool relu, void* y, const ConvG& g, int precision,
              cudaStream_t s) {
    Forward<T> p{static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), static_cast<T*>(y),
                 g, relu, g.B * g.OH * g.OW, g.kg(), g.KH * g.KW * g.cg()};
    return run_gemm<T>(p, 1, precision, s);
}

template <class T>
int backward_t(const void* x, const void* w, const void* y, const void* dy, bool relu, void* dx, void* dw, void* db,
               void* workspace, const ConvG& g, int precision, cudaStream_t s) {
    const T* yt = static_cast<const T*>(y);
    const T* dyt = static_cast<const T*>(dy);
    T* ws = static_cast<T*>(workspace);
    int rc = 0;
    if (db != nullptr) {
        const int64_t rows = g.B * g.OH * g.OW, chunks = bias_chunks(g);
        bias_partial_kernel<T><<<blocks_for(chunks * g.K), kThreads, 0, s>>>(dyt, yt, relu, ws, rows, g.K,
                                                                              kBiasChunkRows, chunks);
        if ((rc = launch_result()) != 0) return rc;
        bias_sum_kernel<T><<<blocks_for(g.K), kThreads, 0, s>>>(ws, static_cast<T*>(db), g.K, chunks);
        if ((rc = launch_result()) != 0) return rc;
    }
    if (dx != nullptr) {
        BackwardInput<T> p{dyt, yt, static_cast<const T*>(w), static_cast<T*>(dx), g, relu,
                           g.B * g.H * g.W, g.cg(), g.KH * g.KW * g.kg()};
        if ((rc = run_gemm<T>(p, 1, precision, s)) != 0) return rc;
    }
    if (dw != nullptr) {
        const int64_t slices = g_version == 0 ? 1 : dw_slices(g);
        BackwardFilter<T> p{static_cast<const T*>(x), dyt, yt, static_cast<T*>(dw), ws, g, relu,
                            g.KH * g.KW * g.cg(), g.kg(), g.B * g.OH * g.OW, slices};
        if ((rc = run_gemm<T>(p, slices, precision, s)) != 0) return rc;
        if (slices > 1) {
            sum_slices_kernel<T><<<blocks_for(g.G * p.M * p.N), kThreads, 0, s>>>(ws, static_cast<T*>(dw), g, p.M,
                                                                                  p.N, slices);
            if ((rc = launch_result()) != 0) return rc;
        }
    }
    return rc;
}

// ---- float64 matmul on the same GEMM (Backend.matmul of float64) ----------------------------------

template <bool TA, bool TB>
struct Matmul {
    const double* pa;
    const double* pb;
    double* pc;
    int64_t batch, M, N, Q, sa, sb;
    static constexpr bool A_Q_FAST = !TA, B_Q_FAST = TB;
    __host__ __device__ int64_t zcount() const { return batch; }
    __device__ double a(int64_t m, int64_t q, int64_t p) const {
        return TA ? pa[p * sa + q * M + m] : pa[p * sa + m * Q + q];
    }
    __device__ double b(int64_t q, int64_t n, int64_t p) const {
        return TB ? pb[p * sb + n * Q + q] : pb[p * sb + q * N + n];
    }
    __device__ void store(int64_t m, int64_t n, int64_t p, int64_t /*slice*/, double acc) const {
        pc[(p * M + m) * N + n] = acc;
    }
};

template <bool TA, bool TB>
int run_matmul(const double* a, const double* b, double* c, int64_t batch, int64_t m, int64_t n, int64_t k, int64_t sa,
        int64_t sb, cudaStream_t s) {
    Matmul<TA, TB> p{a, b, c, batch, m, n, k, sa, sb};
    return igemm::run<double>(p, 1, g_version == 0 ? 0 : 1, s);
}

}  // namespace

extern "C" int lamina_cuda_conv2d_forward(int dtype, const void* x, const void* w, const void* bias, int relu, void* y,
                                          const int64_t* geom, int precision, void* stream) {
    ConvG g;
    if (!read_geom(geom, g) || (relu != 0 && relu != 1) || (precision != 0 && precision != 1)) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    if (g.B == 0) return static_cast<int>(cudaSuccess);
    switch (dtype) {
        case F32: return forward_t<float>(x, w, bias, relu == 1, y, g, precision, as_stream(stream));
        case F64: return forward_t<double>(x, w, bias, relu == 1, y, g, 0, as_stream(stream));
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

extern "C" int64_t lamina_cuda_conv2d_backward_workspace(const int64_t* geom, int want_dw, int want_db) {
    ConvG g;
    if (!read_geom(geom, g)) return -1;
    int64_t need = 0;
    if (want_db) need = bias_chunks(g) * g.K;
    if (want_dw) {
        const int64_t slices = dw_slices(g);
        const int64_t part = slices > 1 ? slices * g.G * (g.KH * g.KW * g.cg()) * g.kg() : 0;
        need = need > part ? need : part;  // dbias runs first and is done with it before dw
    }
    return need;
}

extern "C" int lamina_cuda_conv2d_backward(int dtype, const void* x, const void* w, const void* y, const void* dy,
                                           int relu, void* dx, void* dw, void* db, void* workspace,
                                           const int64_t* geom, int precision, void* stream) {
    ConvG g;
    if (!read_geom(geom, g) || (relu != 0 && relu != 1) || (precision != 0 && precision != 1)) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    if (g.B == 0) {
        // no rows: the kernel and bias gradients are sums over nothing
        const size_t es = dtype == F64 ? 8 : 4;
        int rc = 0;
        if (dw != nullptr) rc = static_cast<int>(cudaMemsetAsync(dw, 0, static_cast<size_t>(
                g.KH * g.KW * g.cg() * g.K) * es, as_stream(stream)));
        if (rc == 0 && db != nullptr) rc = static_cast<int>(cudaMemsetAsync(db, 0, static_cast<size_t>(g.K) * es,
                                                                           as_stream(stream)));
        return rc;
    }
    switch (dtype) {
        case F32:
            return backward_t<float>(x, w, y, dy, relu == 1, dx, dw, db, workspace, g, precision, as_stream(stream));
        case F64: return backward_t<double>(x, w, y, dy, relu == 1, dx, dw, db, workspace, g, 0, as_stream(stream));
        default: return static_cast<int>(cudaErrorInvalidValue);
    }
}

// Selects the kernel version (0 reference loop, 1 tiled); for the checks of versions 1 and 2 against 0.
extern "C" int lamina_cuda_conv2d_set_version(int version) {
    if (version != 0 && version != 1) return static_cast<int>(cudaErrorInvalidValue);
    g_version = version;
    return 0;
}

extern "C" int lamina_cuda_matmul_f64(const double* a, const double* b, double* out, int64_t batch, int64_t m,
                                      int64_t n, int64_t k, int trans_a, int trans_b, int64_t stride_a,
                                      int64_t stride_b, void* stream) {
    if (batch < 0 || m < 0 || n < 0 || k < 0 || stride_a < 0 || stride_b < 0) {
        return static_cast<int>(cudaErrorInvalidValue);
    }
    if (batch == 0 || m == 0 || n == 0) return static_cast<int>(cudaSuccess);
    const cudaStream_t s = as_stream(stream);
    if (trans_a) {
        return trans_b ? run_matmul<true, true>(a, b, out, batch, m, n, k, stride_a, stride_b, s)
                       : run_matmul<true, false>(a, b, out, batch, m, n, k, stride_a, stride_b, s);
    }
    return trans_b ? run_matmul<false, true>(a, b, out, batch, m, n, k, stride_a, stride_b, s)
                   : run_matmul<false, false>(a, b, out, batch, m, n, k, stride_a, stride_b, s);
}
