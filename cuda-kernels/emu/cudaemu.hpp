// cudaemu: the emulated CUDA device of Lamina. A .cu file rewritten by Cu2Cpp.java (launches,
// inline PTX, __shared__) and compiled with g++ against this header runs its kernels on the CPU.
//
// Model. One block at a time. Every CUDA thread of the block is a fiber with its own stack that
// runs until it reaches __syncthreads or a warp collective (shuffle, vote, __syncwarp, mma.sync);
// there it yields to the scheduler. A block barrier is released when every thread of the block
// waits at it; a warp collective when every lane of its mask has arrived. Between those points a
// thread runs alone, so plain memory operations (and atomics) are trivially atomic. Threads run in
// forward, reverse or shuffled order between sync points (cudaemu::set_order), so a missing
// barrier shows as results that depend on the order. __shared__ memory is filled with 0xFF bytes
// (NaN for floats, -1 for integers) at the start of every block. A grid cap runs fewer blocks than
// asked (the kernel sees the smaller gridDim), so grid-stride loops go round more than once.
//
// Faults. A barrier reached by only part of a block, lanes of one warp at different collectives
// or with different masks, a lane calling a collective whose mask leaves it out, a shuffle reading
// a lane outside the mask, and a block that cannot progress (deadlock) stop the grid: the launch
// returns cudaErrorLaunchFailure and cudaGetErrorString(cudaErrorLaunchFailure) names the kernel
// and the .cu line (Java shows it in the CudaException). Unlike a real device the fault is not
// sticky: the next call works. Out-of-bounds accesses are caught by the sanitizer build of the
// kernel harness (-fsanitize=address,undefined; see cuda-kernels/emu/README.md).
//
// Global memory is host memory (cudaMalloc is an aligned malloc); launches, copies and memsets
// run synchronously on the calling thread, under one lock.
#pragma once

#include <math.h>  // the global float overloads (expf, fmaxf, ...) that CUDA's math headers provide
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <tuple>
#include <type_traits>
#include <utility>

#ifndef __CUDA_ARCH__
#define __CUDA_ARCH__ 800
#endif
#define LAMINA_CUDAEMU 1

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __constant__ static

// ---- types of driver_types.h / vector_types.h --------------------------------------------------
enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInitializationError = 3,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchOutOfResources = 701,
    cudaErrorMisalignedAddress = 716,
    cudaErrorLaunchFailure = 719,
    cudaErrorNotSupported = 801,
    cudaErrorUnknown = 999
};
typedef enum cudaError cudaError_t;
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int a = 1, unsigned int b = 1, unsigned int c = 1) : x(a), y(b), z(c) {}
};
struct uint3 {
    unsigned int x, y, z;
};
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(8))) float2 { float x, y; };
struct __attribute__((aligned(16))) int4 { int x, y, z, w; };
struct __attribute__((aligned(8))) int2 { int x, y; };
struct __attribute__((aligned(16))) uint4 { unsigned int x, y, z, w; };
struct __attribute__((aligned(16))) double2 { double x, y; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline double2 make_double2(double x, double y) { return {x, y}; }

// Built-in variables, set by the scheduler before it resumes a thread.
extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
constexpr int warpSize = 32;

namespace cudaemu {

// ---- scheduler (cudaemu.cpp) -------------------------------------------------------------------
void syncthreads(const char* file, int line);
// Every lane of mask calls it with the same mask and site; returns once they all have.
void warp_sync(unsigned mask, const char* what, const char* file, int line);
unsigned lane_id();
// 256-byte exchange slot of lane `lane` in the calling thread's warp.
void* warp_slot(unsigned lane);
// A fault of the running kernel: recorded (the first one wins), the grid stops, the launch fails.
[[noreturn]] void fault(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void shared_decl(void* p, size_t bytes, const char* name, const char* file, int line);
void* dynamic_shared();

struct Cfg {
    dim3 grid, block;
    size_t shmem;
    cudaStream_t stream;
};
inline Cfg cfg(dim3 g, dim3 b, size_t shmem = 0, cudaStream_t s = nullptr) { return Cfg{g, b, shmem, s}; }
void run_grid(const Cfg& c, const std::function<void()>& body, const char* name, const char* file, int line);

// Thread order between sync points: 0 forward, 1 reverse, 2 shuffled (seeded per block).
void set_order(int mode, uint64_t seed = 1);
int order();
// Run at most this many blocks per grid dimension (0: no cap there).
void set_grid_cap(dim3 cap);
// Faults so far (each also failed its launch) and the message of the last one ("" if none).
long faults();
const char* last_fault();
struct Stats {
    long launches, blocks, switches;
};
Stats stats();

// kernel<<<cfg>>>(args...): the arguments are converted to the parameter types and copied, as CUDA does.
template <class... P, class... A>
void launch(const Cfg& c, const char* name, const char* file, int line, void (*k)(P...), A&&... a) {
    static_assert(sizeof...(P) == sizeof...(A), "kernel launched with the wrong number of arguments");
    std::tuple<std::decay_t<P>...> params(static_cast<std::decay_t<P>>(std::forward<A>(a))...);
    std::function<void()> body = [&]() { std::apply(k, params); };
    run_grid(c, body, name, file, line);
}

// ---- inline PTX ----------------------------------------------------------------------------------
struct AsmOp {
    unsigned size;  // bytes of the C++ operand
    bool out, rw;
    void* ptr;      // where an output goes
    uint64_t bits;  // the value (inputs, and "+" outputs)
    char cons;      // constraint letter: f d r l h n
};
template <class T>
AsmOp asm_out(const char* cons, T& ref) {
    static_assert(sizeof(T) <= 8, "asm operand wider than 64 bits");
    AsmOp o{sizeof(T), true, cons[0] == '+', &ref, 0, cons[1]};
    std::memcpy(&o.bits, &ref, sizeof(T));
    return o;
}
template <class T>
AsmOp asm_in(const char* cons, const T& v) {
    static_assert(sizeof(T) <= 8, "asm operand wider than 64 bits");
    AsmOp o{sizeof(T), false, false, nullptr, 0, cons[0]};
    std::memcpy(&o.bits, &v, sizeof(T));
    return o;
}
void asm_stmt(const char* tmpl, std::initializer_list<AsmOp> outs, std::initializer_list<AsmOp> ins,
              const char* file, int line);

template <class T>
T shfl(unsigned mask, T v, int src_lane, const char* what, const char* file, int line) {
    static_assert(sizeof(T) <= 256, "shuffle of a type wider than the exchange slot");
    const unsigned me = lane_id();
    std::memcpy(warp_slot(me), &v, sizeof(T));
    warp_sync(mask, what, file, line);
    T r = v;
    if (src_lane >= 0 && src_lane < 32) {
        if (!(mask >> src_lane & 1u)) {
            fault("%s at %s:%d: lane %u reads lane %d, which is not in mask 0x%08x", what, file, line, me, src_lane,
                  mask);
        }
        std::memcpy(&r, warp_slot(static_cast<unsigned>(src_lane)), sizeof(T));
    }
    warp_sync(mask, what, file, line);  // every lane has read the slots before they are reused
    return r;
}
template <class T>
T shfl_idx(const char* file, int line, unsigned mask, T v, int src, int width = 32) {
    const int lane = static_cast<int>(lane_id());
    return shfl(mask, v, (lane & ~(width - 1)) + (src & (width - 1)), "__shfl_sync", file, line);
}
template <class T>
T shfl_xor(const char* file, int line, unsigned mask, T v, int lm, int width = 32) {
    const int lane = static_cast<int>(lane_id());
    int s = lane ^ lm;
    if ((s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
    return shfl(mask, v, s, "__shfl_xor_sync", file, line);
}
template <class T>
T shfl_down(const char* file, int line, unsigned mask, T v, unsigned d, int width = 32) {
    const int lane = static_cast<int>(lane_id());
    int s = lane + static_cast<int>(d);
    if ((s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
    return shfl(mask, v, s, "__shfl_down_sync", file, line);
}
template <class T>
T shfl_up(const char* file, int line, unsigned mask, T v, unsigned d, int width = 32) {
    const int lane = static_cast<int>(lane_id());
    int s = lane - static_cast<int>(d);
    if (s < (lane & ~(width - 1))) s = lane;
    return shfl(mask, v, s, "__shfl_up_sync", file, line);
}
unsigned ballot(const char* file, int line, unsigned mask, int pred, const char* what);

}  // namespace cudaemu

// ---- synchronisation and warp collectives (macros, so that a fault names the .cu line) --------------
#define __syncthreads() ::cudaemu::syncthreads(__FILE__, __LINE__)
#define __syncwarp(...) ::cudaemu::syncwarp_at(__FILE__, __LINE__, ##__VA_ARGS__)
#define __shfl_sync(...) ::cudaemu::shfl_idx(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_xor_sync(...) ::cudaemu::shfl_xor(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_down_sync(...) ::cudaemu::shfl_down(__FILE__, __LINE__, __VA_ARGS__)
#define __shfl_up_sync(...) ::cudaemu::shfl_up(__FILE__, __LINE__, __VA_ARGS__)
#define __ballot_sync(mask, pred) ::cudaemu::ballot(__FILE__, __LINE__, (mask), (pred), "__ballot_sync")
#define __any_sync(mask, pred) (::cudaemu::ballot(__FILE__, __LINE__, (mask), (pred), "__any_sync") != 0u)
#define __all_sync(mask, pred) \
    (::cudaemu::ballot(__FILE__, __LINE__, (mask), (pred), "__all_sync") == static_cast<unsigned>(mask))
namespace cudaemu {
inline void syncwarp_at(const char* file, int line, unsigned mask = 0xffffffffu) {
    warp_sync(mask, "__syncwarp", file, line);
}
}  // namespace cudaemu

// ---- device functions ------------------------------------------------------------------------------
inline double __dmul_rn(double a, double b) { return a * b; }  // compiled with -ffp-contract=off
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanhf(float x) { return tanhf(x); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : x > 1.f ? 1.f : x; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline int __float_as_int(float f) { int u; std::memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline long long __double_as_longlong(double d) { long long u; std::memcpy(&u, &d, 8); return u; }
inline double __longlong_as_double(long long u) { double d; std::memcpy(&d, &u, 8); return d; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(unsigned x) { return x ? __builtin_clz(x) : 32; }
inline int __ffs(unsigned x) { return __builtin_ffs(static_cast<int>(x)); }
inline unsigned __umulhi(unsigned a, unsigned b) { return static_cast<unsigned>((1ull * a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return static_cast<unsigned long long>((static_cast<unsigned __int128>(a) * b) >> 64);
}
inline int __float2int_rz(float x) { return static_cast<int>(x); }
inline int __float2int_rn(float x) { return static_cast<int>(nearbyintf(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
// CUDA's global min/max overloads (mixed argument types take their common type)
template <class A, class B>
inline typename std::common_type<A, B>::type min(A a, B b) { return b < a ? b : a; }
template <class A, class B>
inline typename std::common_type<A, B>::type max(A a, B b) { return a < b ? b : a; }
template <class T> inline T __ldg(const T* p) { return *p; }
inline void __threadfence() {}
inline void __threadfence_block() {}
inline unsigned __activemask() { return 0xffffffffu; }  // no divergence tracking

// Atomics: threads never run at the same time, so a read-modify-write is atomic.
template <class T> T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
template <class T> T atomicSub(T* p, T v) { T o = *p; *p = o - v; return o; }
template <class T> T atomicExch(T* p, T v) { T o = *p; *p = v; return o; }
template <class T> T atomicMax(T* p, T v) { T o = *p; *p = o > v ? o : v; return o; }
template <class T> T atomicMin(T* p, T v) { T o = *p; *p = o < v ? o : v; return o; }
template <class T> T atomicCAS(T* p, T cmp, T v) { T o = *p; if (o == cmp) *p = v; return o; }
template <class T> T atomicAnd(T* p, T v) { T o = *p; *p = o & v; return o; }
template <class T> T atomicOr(T* p, T v) { T o = *p; *p = o | v; return o; }

// ---- runtime API: one emulated device, synchronous streams and events ------------------------------
enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
};
constexpr unsigned cudaStreamNonBlocking = 1, cudaEventDisableTiming = 2;
struct cudaDeviceProp {
    char name[256];
    int major, minor;
    size_t totalGlobalMem;
    int multiProcessorCount;
    size_t sharedMemPerBlock;
    int maxThreadsPerBlock;
    int warpSize;
};
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorName(cudaError_t e);
const char* cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device);
cudaError_t cudaRuntimeGetVersion(int* v);
cudaError_t cudaDriverGetVersion(int* v);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaMallocHost(void** p, size_t bytes);
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s = nullptr);
template <class T>
cudaError_t cudaMalloc(T** p, size_t bytes) { return cudaMalloc(reinterpret_cast<void**>(p), bytes); }
