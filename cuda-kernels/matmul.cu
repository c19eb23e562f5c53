// Batched float32 matrix product out[p] (m×n) = op(a[p]) · op(b[p]), row-major, as
// Backend.matmul: a[p] starts at p·strideA and is [m,k] ([k,m] when transA), b[p] starts at
// p·strideB and is [k,n] ([n,k] when transB); stride 0 broadcasts; out is contiguous.
//
// Two kernels share one tiling: a block of 256 threads computes a 128×128 tile of out, walking
// k in slabs of 8 that are staged in shared memory k-major (As[k][m], Bs[k][n], rows padded to
// 136 floats so the tensor-core fragment reads below are conflict-free and float4 reads stay
// 16-byte aligned). Global loads are float4 where the contiguous dimension is 4-aligned (the
// host checks the leading dimension and batch stride) and the four elements are in range;
// scalar with bounds checks elsewhere, so any m, n, k is handled.
//   - sgemm_simt (Precision.HIGHEST): each thread holds an 8×8 register block (rows ty·4+{0..3}
//     and 64+ty·4+{0..3}, columns likewise), plain fp32 FMAs in a fixed k order.
//   - sgemm_tf32 (Precision.HIGH): 8 warps in a 2×4 layout, each warp a 64×32 sub-tile of 4×4
//     mma.sync.m16n8k8 tf32 instructions (inputs rounded to tf32 with cvt.rna, fp32
//     accumulation), about 1e-3 relative error like JAX's "high"/TF32 default on Ampere+.
// Both are deterministic: every output is summed in one fixed order. Compiled, not yet run on a GPU.
#include <cuda_runtime.h>
#include <stdint.h>

#include "lamina_cuda.h"
#include "lamina_cuda_common.cuh"

using namespace lamina;

namespace {

constexpr int BM = 128, BN = 128, BK = 8, LDS = 136, THREADS = 256;

struct GemmArgs {
    const float* a;
    const float* b;
    float* c;
    int64_t batch, m, n, k, stride_a, stride_b;
    int trans_a, trans_b;
    int vec_a, vec_b;  // float4 loads allowed along the contiguous dimension
};

// Stages a[p] rows m0.., columns k0.. into As[kk][mm] (and b into Bs[kk][nn]), zeros out of range.
__device__ __forceinline__ void load_tiles(const GemmArgs& g, const float* A, const float* B, int64_t m0,
                                           int64_t n0, int64_t k0, float (*As)[LDS], float (*Bs)[LDS]) {
    const int t = threadIdx.x;
    // ---- A
    if (!g.trans_a) {  // A[m][k], k contiguous: thread loads 4 k of one row
        const int mm = t >> 1, kq = (t & 1) * 4;
        const int64_t row = m0 + mm, col = k0 + kq;
        float v[4];
        if (g.vec_a && row < g.m && col + 3 < g.k) {
            const float4 f = *reinterpret_cast<const float4*>(A + row * g.k + col);
            v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
        } else {
#pragma unroll
            for (int q = 0; q < 4; q++) v[q] = (row < g.m && col + q < g.k) ? A[row * g.k + col + q] : 0.f;
        }
#pragma unroll
        for (int q = 0; q < 4; q++) As[kq + q][mm] = v[q];
    } else {  // A stored [k][m], m contiguous: thread loads 4 m of one k
        const int kk = t >> 5, mq = (t & 31) * 4;
        const int64_t krow = k0 + kk, col = m0 + mq;
        float v[4];
        if (g.vec_a && krow < g.k && col + 3 < g.m) {
            const float4 f = *reinterpret_cast<const float4*>(A + krow * g.m + col);
            v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
        } else {
#pragma unroll
            for (int q = 0; q < 4; q++) v[q] = (krow < g.k && col + q < g.m) ? A[krow * g.m + col + q] : 0.f;
        }
#pragma unroll
        for (int q = 0; q < 4; q++) As[kk][mq + q] = v[q];
    }
    // ---- B
    if (!g.trans_b) {  // B[k][n], n contiguous
        const int kk = t >> 5, nq = (t & 31) * 4;
        const int64_t krow = k0 + kk, col = n0 + nq;
        float v[4];
        if (g.vec_b && krow < g.k && col + 3 < g.n) {
            const float4 f = *reinterpret_cast<const float4*>(B + krow * g.n + col);
            v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
        } else {
#pragma unroll
            for (int q = 0; q < 4; q++) v[q] = (krow < g.k && col + q < g.n) ? B[krow * g.n + col + q] : 0.f;
        }
#pragma unroll
        for (int q = 0; q < 4; q++) Bs[kk][nq + q] = v[q];
    } else {  // B stored [n][k], k contiguous
        const int nn = t >> 1, kq = (t & 1) * 4;
        const int64_t row = n0 + nn, col = k0 + kq;
        float v[4];
        if (g.vec_b && row < g.n && col + 3 < g.k) {
            const float4 f = *reinterpret_cast<const float4*>(B + row * g.k + col);
            v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
        } else {
#pragma unroll
            for (int q = 0; q < 4; q++) v[q] = (row < g.n && col + q < g.k) ? B[row * g.k + col + q] : 0.f;
        }
#pragma unroll
        for (int q = 0; q < 4; q++) Bs[kq + q][nn] = v[q];
    }
}

__global__ void __launch_bounds__(THREADS) sgemm_simt(GemmArgs g) {
    __shared__ __align__(16) float As[BK][LDS];
    __shared__ __align__(16) float Bs[BK][LDS];
    const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    const int64_t tiles_m = (g.m + BM - 1) / BM;
    const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BN;
    for (int64_t p = blockIdx.z; p < g.batch; p += gridDim.z) {
        const float* A = g.a + p * g.stride_a;
        const float* B = g.b + p * g.stride_b;
        float* C = g.c + p * g.m * g.n;
        for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
            const int64_t m0 = tm * BM;
            float acc[8][8];
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = 0.f;
            for (int64_t k0 = 0; k0 < g.k; k0 += BK) {
                load_tiles(g, A, B, m0, n0, k0, As, Bs);
                __syncthreads();
#pragma unroll
                for (int kk = 0; kk < BK; kk++) {
                    const float4 a0 = *reinterpret_cast<const float4*>(&As[kk][ty * 4]);
                    const float4 a1 = *reinterpret_cast<const float4*>(&As[kk][64 + ty * 4]);
                    const float4 b0 = *reinterpret_cast<const float4*>(&Bs[kk][tx * 4]);
                    const float4 b1 = *reinterpret_cast<const float4*>(&Bs[kk][64 + tx * 4]);
                    const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
                    const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
                    for (int i = 0; i < 8; i++)
#pragma unroll
                        for (int j = 0; j < 8; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
                }
                __syncthreads();
            }
#pragma unroll
            for (int i = 0; i < 8; i++) {
                const int64_t row = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
                if (row >= g.m) continue;
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    const int64_t col = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + (j - 4));
                    if (col < g.n) C[row * g.n + col] = acc[i][j];
                }
            }
        }
    }
}

__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

__global__ void __launch_bounds__(THREADS) sgemm_tf32(GemmArgs g) {
    __shared__ __align__(16) float As[BK][LDS];
    __shared__ __align__(16) float Bs[BK][LDS];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int wm = (warp >> 2) * 64;  // 2 warp rows of 64
    const int wn = (warp & 3) * 32;   // 4 warp columns of 32
    const int gid = lane >> 2, tig = lane & 3;
    const int64_t tiles_m = (g.m + BM - 1) / BM;
    const int64_t n0 = static_cast<int64_t>(blockIdx.x) * BN;
    for (int64_t p = blockIdx.z; p < g.batch; p += gridDim.z) {
        const float* A = g.a + p * g.stride_a;
        const float* B = g.b + p * g.stride_b;
        float* C = g.c + p * g.m * g.n;
        for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
            const int64_t m0 = tm * BM;
            float acc[4][4][4];  // [m16 tile][n8 tile][c0..c3]
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
#pragma unroll
                    for (int q = 0; q < 4; q++) acc[i][j][q] = 0.f;
            for (int64_t k0 = 0; k0 < g.k; k0 += BK) {
                load_tiles(g, A, B, m0, n0, k0, As, Bs);
                __syncthreads();
                uint32_t af[4][4], bf[4][2];
#pragma unroll
                for (int i = 0; i < 4; i++) {
                    const int r = wm + i * 16 + gid;
                    af[i][0] = to_tf32(As[tig][r]);
                    af[i][1] = to_tf32(As[tig][r + 8]);
                    af[i][2] = to_tf32(As[tig + 4][r]);
                    af[i][3] = to_tf32(As[tig + 4][r + 8]);
                }
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const int c = wn + j * 8 + gid;
                    bf[j][0] = to_tf32(Bs[tig][c]);
                    bf[j][1] = to_tf32(Bs[tig + 4][c]);
                }
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++) {
                        asm volatile(
                                "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                                "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                                : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                                : "r"(af[i][0]), "r"(af[i][1]), "r"(af[i][2]), "r"(af[i][3]), "r"(bf[j][0]),
                                  "r"(bf[j][1]));
                    }
                __syncthreads();
            }
            // c0,c1: (row gid, cols 2·tig, 2·tig+1); c2,c3: row gid+8
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
#pragma unroll
                    for (int q = 0; q < 4; q++) {
                        const int64_t row = m0 + wm + i * 16 + gid + (q >= 2 ? 8 : 0);
                        const int64_t col = n0 + wn + j * 8 + 2 * tig + (q & 1);
                        if (row < g.m && col < g.n) C[row * g.n + col] = acc[i][j][q];
                    }
        }
    }
}

}  // namespace

extern "C" int lamina_cuda_matmul_f32(const float* a, const float* b, float* out, int64_t batch, int64_t m,
                                      int64_t n, int64_t k, int trans_a, int trans_b, int64_t stride_a,
                                      int64_t stride_b, int precision, void* stream) {
    if (batch <= 0 || m <= 0 || n <= 0) return cudaSuccess;
    cudaStream_t s = as_stream(stream);
    if (k <= 0) {
        return call_result(cudaMemsetAsync(out, 0, static_cast<size_t>(batch * m * n) * sizeof(float), s));
    }
    GemmArgs g{a, b, out, batch, m, n, k, stride_a, stride_b, trans_a != 0, trans_b != 0, 0, 0};
    // float4 along the contiguous dimension: its length (the leading dimension) and the batch
    // stride are multiples of 4, and the base address is 16-byte aligned
    const int64_t lda = trans_a ? m : k, ldb = trans_b ? k : n;
    g.vec_a = (lda % 4 == 0) && (stride_a % 4 == 0) && (reinterpret_cast<uintptr_t>(a) % 16 == 0);
    g.vec_b = (ldb % 4 == 0) && (stride_b % 4 == 0) && (reinterpret_cast<uintptr_t>(b) % 16 == 0);
    const int64_t tiles_n = (n + BN - 1) / BN, tiles_m = (m + BM - 1) / BM;
    if (tiles_n > 0x7fffffffLL) return static_cast<int>(cudaErrorInvalidValue);
    dim3 grid(static_cast<unsigned>(tiles_n), static_cast<unsigned>(tiles_m < 65535 ? tiles_m : 65535),
              static_cast<unsigned>(batch < 65535 ? batch : 65535));
    if (precision == 1) {
        sgemm_tf32<<<grid, THREADS, 0, s>>>(g);
    } else {
        sgemm_simt<<<grid, THREADS, 0, s>>>(g);
    }
    return launch_result();
}
