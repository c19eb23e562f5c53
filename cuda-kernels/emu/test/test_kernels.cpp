// The kernel harness of the emulated CUDA device: runs every kernel of cuda-kernels/*.cu (through
// cudaemu) against the project's cpu kernels (ref_cpu.cpp) or plain C++ loops, on sizes 1, 7, 33 and
// 1023 (plus larger ones with `big`), in four modes: forward, reverse and shuffled thread order, and
// a capped grid (grid-stride loops go round several times). Device buffers are cudaMalloc'd with
// exactly the bytes asked for, so the sanitizer build (SAN=1 in harness.sh) catches every access
// past their ends. It also checks that the emulator itself reports the faults of selftest.cu with
// the kernel's name and the .cu line. Prints "N passed, N failed"; exit status 1 on any failure.
//
// Usage: test_kernels [quick|big|ci]   (ci: only the forward and grid-capped modes)
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cudaemu.hpp"
#include "lamina_cuda.h"

extern "C" {
int ref_unary(int op, int dt, const void* x, void* out, int64_t n);
int ref_binary(int op, int dt, const void* a, const int64_t* as, const void* b, const int64_t* bs, void* out,
               const int64_t* shape, int rank);
int ref_fill(int dt, void* out, int64_t n, double v);
int ref_cast(int from, const void* x, int to, void* out, int64_t n);
int ref_copy_strided(const void* src, int64_t so, const int64_t* ss, void* dst, int64_t doff, const int64_t* ds,
                     const int64_t* shape, int rank, int elem);
int ref_reduce(int op, int dt, const void* x, int64_t outer, int64_t n, int64_t inner, void* out);
int ref_softmax(int dt, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, int log);
int ref_gather(int es, const void* t, int64_t rows, int64_t rs, const void* ids, int idt, int64_t nids, void* out);
int ref_scatter_add(int dt, const void* src, int64_t rs, const void* ids, int idt, int64_t nids, void* out, int64_t rows);
int ref_one_hot(const void* ids, int idt, int64_t nids, int64_t depth, void* out, int odt);
int selftest_early_exit(float* out);
int selftest_two_sites(float* out);
int selftest_masks(float* out);
int selftest_deadlock(float* out);
int selftest_block_sum(const float* in, float* out, int n);
int selftest_bad_config(float* out);
}

namespace {

enum DT { F32, F64, I32, I64, BOOL };
const char* kDt[] = {"f32", "f64", "i32", "i64", "bool"};
int dsize(int dt) { return dt == F32 || dt == I32 ? 4 : dt == BOOL ? 1 : 8; }

long g_pass = 0, g_fail = 0;
std::string g_mode;
bool g_fail_fast = false;  // LAMINA_HARNESS_FAIL_FAST=1: stop at the first failure (mutations.sh)

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char s[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(s, sizeof s, f, ap);
    va_end(ap);
    return s;
}

void check(bool ok, const std::string& what) {
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        if (g_fail <= 40) std::printf("FAIL [%s] %s\n", g_mode.c_str(), what.c_str());
        if (g_fail_fast) {
            std::printf("%ld passed, %ld failed (stopped at the first failure)\n", g_pass, g_fail);
            std::exit(1);
        }
    }
}

// Device memory: cudaMalloc of exactly the bytes asked for (ASan guards the end), freed on scope exit.
struct Buf {
    void* p = nullptr;
    size_t bytes = 0;
    explicit Buf(size_t b) : bytes(b) {
        if (cudaMalloc(&p, b) != cudaSuccess) {
            std::printf("cudaMalloc of %zu bytes failed\n", b);
            std::exit(2);
        }
    }
    ~Buf() { cudaFree(p); }
    Buf(const Buf&) = delete;
    Buf& operator=(const Buf&) = delete;
    template <class T> T* as() const { return static_cast<T*>(p); }
};

double get(const void* p, int dt, size_t i) {
    switch (dt) {
        case F32: return static_cast<const float*>(p)[i];
        case F64: return static_cast<const double*>(p)[i];
        case I32: return static_cast<const int32_t*>(p)[i];
        case I64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
        default: return static_cast<const uint8_t*>(p)[i];
    }
}

void set(void* p, int dt, size_t i, double v) {
    switch (dt) {
        case F32: static_cast<float*>(p)[i] = static_cast<float>(v); break;
        case F64: static_cast<double*>(p)[i] = v; break;
        case I32: static_cast<int32_t*>(p)[i] = static_cast<int32_t>(v); break;
        case I64: static_cast<int64_t*>(p)[i] = static_cast<int64_t>(v); break;
        default: static_cast<uint8_t*>(p)[i] = v != 0; break;
    }
}

// NaN for floats, a sentinel for integers, 0x5A (neither 0 nor 1) for bool: an unwritten element fails
void poison(Buf& b, int dt, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (dt == F32 || dt == F64) set(b.p, dt, i, NAN);
        else if (dt == BOOL) b.as<uint8_t>()[i] = 0x5A;
        else set(b.p, dt, i, -123456789);
    }
}

void fill_random(Buf& b, int dt, size_t n, double lo, double hi, uint64_t seed) {
    std::mt19937_64 r(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    for (size_t i = 0; i < n; i++) {
        double v = u(r);
        if (dt == I32 || dt == I64) v = std::floor(v);
        if (dt == BOOL) v = v > (lo + hi) / 2;
        set(b.p, dt, i, v);
    }
}

// the same bits, except that any NaN equals any NaN
bool exact(const void* want, const void* got, int dt, size_t n, std::string* why) {
    for (size_t i = 0; i < n; i++) {
        const double w = get(want, dt, i), g = get(got, dt, i);
        bool same = (std::isnan(w) && std::isnan(g)) || (w == g && std::signbit(w) == std::signbit(g));
        if (dt == I64) same = static_cast<const int64_t*>(want)[i] == static_cast<const int64_t*>(got)[i];
        if (dt == BOOL) same = static_cast<const uint8_t*>(want)[i] == static_cast<const uint8_t*>(got)[i];
        if (!same) {
            *why = fmt("element %zu: want %.9g, got %.9g", i, w, g);
            return false;
        }
    }
    return true;
}

// ‖got − want‖ / ‖want‖ <= tol; a NaN or infinity of want must be matched, a NaN of got never passes
bool close(const void* want, const void* got, int dt, size_t n, double tol, std::string* why) {
    double d2 = 0, r2 = 0;
    for (size_t i = 0; i < n; i++) {
        const double w = get(want, dt, i), g = get(got, dt, i);
        if (std::isnan(w) || std::isinf(w)) {
            if (!(std::isnan(w) ? std::isnan(g) : w == g)) {
                *why = fmt("element %zu: want %g, got %g", i, w, g);
                return false;
            }
            continue;
        }
        if (std::isnan(g)) {
            *why = fmt("element %zu is NaN (unwritten?), want %g", i, w);
            return false;
        }
        d2 += (g - w) * (g - w);
        r2 += w * w;
    }
    const double rel = r2 == 0 ? std::sqrt(d2) : std::sqrt(d2 / r2);
    *why = fmt("relative error %.3g > %.3g", rel, tol);
    return rel <= tol;
}

void emu_ok(int rc, const std::string& what) {
    check(rc == 0, what + fmt(": rc %d %s", rc, rc ? cudaGetErrorString(static_cast<cudaError_t>(rc & 0xffff)) : ""));
}

std::vector<int> g_sizes = {1, 7, 33, 1023};

// ---- element-wise ---------------------------------------------------------------------------------

void test_unary() {
    for (int dt : {F32, F64, I32, I64}) {
        for (int op = 0; op <= 12; op++) {
            const bool int_ok = op == 0 || op == 1 || op == 2 || op == 7;  // NEG ABS SIGN SQUARE
            if ((dt == I32 || dt == I64) && !int_ok) continue;
            for (int n : g_sizes) {
                Buf x(n * dsize(dt)), out(n * dsize(dt)), ref(n * dsize(dt));
                const bool pos = op == 4 || op == 6;  // LOG, SQRT
                if (dt == I32 || dt == I64) fill_random(x, dt, n, -1000, 1000, n + op);
                else fill_random(x, dt, n, pos ? 0.01 : -3, 3, n + op);
                if (n > 3 && dt == I32) set(x.p, dt, 0, -2147483648.0);  // wraps: NEG, ABS, SQUARE
                if (n > 3 && (dt == F32 || dt == F64)) {
                    set(x.p, dt, 1, NAN);
                    set(x.p, dt, 2, -0.0);
                }
                poison(out, dt, n);
                emu_ok(lamina_cuda_unary(op, dt, x.p, out.p, n, nullptr), fmt("unary %d %s n=%d", op, kDt[dt], n));
                ref_unary(op, dt, x.p, ref.p, n);
                std::string why;
                const bool ok = (dt == I32 || dt == I64) ? exact(ref.p, out.p, dt, n, &why)
                                                         : close(ref.p, out.p, dt, n, dt == F32 ? 1e-5 : 1e-12, &why);
                check(ok, fmt("unary op %d %s n=%d: ", op, kDt[dt], n) + why);
            }
        }
    }
    Buf x(1023 * 4), ref(1023 * 4);  // in place
    fill_random(x, F32, 1023, -50, 50, 5);
    ref_unary(7, F32, x.p, ref.p, 1023);
    emu_ok(lamina_cuda_unary(7, F32, x.p, x.p, 1023, nullptr), "unary in place");
    std::string why;
    const bool ok = exact(ref.p, x.p, F32, 1023, &why);
    check(ok, "unary SQUARE in place: " + why);
}

void test_binary() {
    for (int n : g_sizes) {
        // out [2, n, 3]; a contiguous; b [n] broadcast over the first and last axes
        const int64_t shape[3] = {2, n, 3}, as[3] = {3LL * n, 3, 1}, bs[3] = {0, 1, 0};
        const int64_t cshape[1] = {6LL * n}, cs[1] = {1};
        for (int dt : {F32, F64, I32, I64, BOOL}) {
            for (int op = 0; op <= 12; op++) {
                if (dt == BOOL && !(op >= 7 || op == 0 || op == 2 || op == 5 || op == 6)) continue;
                const int odt = op >= 7 ? BOOL : dt;
                Buf a(6 * n * dsize(dt)), b(6 * n * dsize(dt)), out(6 * n * dsize(odt)), ref(6 * n * dsize(odt));
                if (dt == I32 || dt == I64) {
                    fill_random(a, dt, 6 * n, -20, 20, n);
                    fill_random(b, dt, 6 * n, 1, 4, n + 1);
                } else {
                    fill_random(a, dt, 6 * n, -2, 2, n);
                    fill_random(b, dt, 6 * n, 0.5, 2, n + 1);
                }
                for (int contig = 0; contig < 2; contig++) {
                    poison(out, odt, 6 * n);
                    if (contig) {
                        emu_ok(lamina_cuda_binary(op, dt, a.p, cs, b.p, cs, out.p, cshape, 1, nullptr), "binary");
                        ref_binary(op, dt, a.p, cs, b.p, cs, ref.p, cshape, 1);
                    } else {
                        emu_ok(lamina_cuda_binary(op, dt, a.p, as, b.p, bs, out.p, shape, 3, nullptr), "binary");
                        ref_binary(op, dt, a.p, as, b.p, bs, ref.p, shape, 3);
                    }
                    std::string why;
                    const bool ok = (odt == F32 || odt == F64)
                                            ? close(ref.p, out.p, odt, 6 * n, odt == F32 ? 1e-6 : 1e-14, &why)
                                            : exact(ref.p, out.p, odt, 6 * n, &why);
                    check(ok, fmt("binary op %d %s n=%d %s: ", op, kDt[dt], n, contig ? "contiguous" : "broadcast") + why);
                }
            }
        }
    }
    Buf a(4), b(4), out(4);  // rank 0
    set(a.p, F32, 0, 1.5);
    set(b.p, F32, 0, 2.25);
    emu_ok(lamina_cuda_binary(2, F32, a.p, nullptr, b.p, nullptr, out.p, nullptr, 0, nullptr), "binary rank 0");
    check(get(out.p, F32, 0) == 1.5 * 2.25, "binary rank 0");
}

void test_fill_cast() {
    const double specials[] = {0.0, -0.7, 3e10, -3e10, NAN, 2147483647.0, 2147483648.0, -2147483649.0, 9.3e18};
    for (int n : g_sizes) {
        for (int from : {F32, F64, I32, I64, BOOL}) {
            Buf x(n * dsize(from));
            if (from == BOOL) fill_random(x, from, n, 0, 1, n);
            else if (from == I32 || from == I64) fill_random(x, from, n, -300, 300, n);
            else {
                fill_random(x, from, n, -300, 300, n);
                for (int i = 0; i < n && i < 9; i++) set(x.p, from, i, specials[i]);
            }
            for (int to : {F32, F64, I32, I64, BOOL}) {
                Buf out(n * dsize(to)), ref(n * dsize(to));
                poison(out, to, n);
                emu_ok(lamina_cuda_cast(from, x.p, to, out.p, n, nullptr), "cast");
                ref_cast(from, x.p, to, ref.p, n);
                std::string why;
                const bool ok = exact(ref.p, out.p, to, n, &why);
                check(ok, fmt("cast %s -> %s n=%d: ", kDt[from], kDt[to], n) + why);
            }
        }
        for (int dt : {F32, F64, I32, I64, BOOL}) {
            for (double v : {0.0, -2.5, 7.0, static_cast<double>(NAN), 3e10, -3e10}) {
                Buf out(n * dsize(dt)), ref(n * dsize(dt));
                poison(out, dt, n);
                emu_ok(lamina_cuda_fill(dt, out.p, n, v, nullptr), "fill");
                ref_fill(dt, ref.p, n, v);
                std::string why;
                const bool ok = exact(ref.p, out.p, dt, n, &why);
                check(ok, fmt("fill %s %g n=%d: ", kDt[dt], v, n) + why);
            }
        }
    }
}

void test_copy_strided() {
    for (int n : g_sizes) {
        for (int dt : {F32, F64, BOOL}) {
            Buf x(3 * n * dsize(dt));
            fill_random(x, dt, 3 * n, -1, 1, n);
            // transpose [3, n] -> [n, 3], written at offset 2
            const int64_t shape[2] = {n, 3}, ss[2] = {1, n}, ds[2] = {3, 1};
            Buf out((3 * n + 2) * dsize(dt)), ref((3 * n + 2) * dsize(dt));
            std::memset(out.p, 0, out.bytes);
            std::memset(ref.p, 0, ref.bytes);
            emu_ok(lamina_cuda_copy_strided(x.p, 0, ss, out.p, 2, ds, shape, 2, dsize(dt), nullptr), "copy");
            ref_copy_strided(x.p, 0, ss, ref.p, 2, ds, shape, 2, dsize(dt));
            std::string why;
            bool ok = exact(ref.p, out.p, dt, 3 * n + 2, &why);
            check(ok, fmt("copyStrided transpose %s n=%d: ", kDt[dt], n) + why);
            // row 1 broadcast four times
            const int64_t bshape[2] = {4, n}, bss[2] = {0, 1}, bds[2] = {n, 1};
            Buf o2(4 * n * dsize(dt)), r2(4 * n * dsize(dt));
            poison(o2, dt, 4 * n);
            emu_ok(lamina_cuda_copy_strided(x.p, n, bss, o2.p, 0, bds, bshape, 2, dsize(dt), nullptr), "copy");
            ref_copy_strided(x.p, n, bss, r2.p, 0, bds, bshape, 2, dsize(dt));
            ok = exact(r2.p, o2.p, dt, 4 * n, &why);
            check(ok, fmt("copyStrided broadcast %s n=%d: ", kDt[dt], n) + why);
        }
    }
}

// ---- reductions, softmax, indexing ---------------------------------------------------------------

void test_reduce_softmax() {
    for (int n : g_sizes) {
        // {7, n, 1}: more rows than the capped grid's 3 blocks, so a block reduces several rows
        const int64_t views[4][3] = {{3, n, 1}, {2, n, 5}, {1, n, 1}, {7, n, 1}};
        for (auto& v : views) {
            const int64_t outer = v[0], inner = v[2], total = outer * n * inner;
            for (int dt : {F32, F64, I32, I64}) {
                Buf x(total * dsize(dt));
                fill_random(x, dt, total, -4, 4, n * 7 + inner);
                if (n > 2) set(x.p, dt, 1, get(x.p, dt, 0));  // a tie: ARGMAX/ARGMIN keep the first
                if (n > 40 && (dt == F32 || dt == F64)) set(x.p, dt, total / 2, NAN);  // NaN wins, the first one
                for (int op = 0; op <= 4; op++) {
                    const int odt = op >= 3 ? I64 : dt;
                    Buf out(outer * inner * dsize(odt)), ref(outer * inner * dsize(odt));
                    poison(out, odt, outer * inner);
                    emu_ok(lamina_cuda_reduce(op, dt, x.p, outer, n, inner, out.p, nullptr), "reduce");
                    ref_reduce(op, dt, x.p, outer, n, inner, ref.p);
                    std::string why;
                    const double tol = dt == F32 ? 1e-5 * std::max(1.0, std::sqrt(n) / 10) : 1e-12;
                    const bool ok = op == 0 && (dt == F32 || dt == F64) ? close(ref.p, out.p, dt, outer * inner, tol, &why)
                                                                        : exact(ref.p, out.p, odt, outer * inner, &why);
                    check(ok, fmt("reduce op %d %s [%" PRId64 ", %d, %" PRId64 "]: ", op, kDt[dt], outer, n, inner) + why);
                }
                if (dt != F32 && dt != F64) continue;
                for (int log = 0; log < 2; log++) {
                    Buf out(total * dsize(dt)), ref(total * dsize(dt));
                    poison(out, dt, total);
                    emu_ok(lamina_cuda_softmax(dt, x.p, out.p, outer, n, inner, log, nullptr), "softmax");
                    ref_softmax(dt, x.p, ref.p, outer, n, inner, log);
                    std::string why;
                    const bool ok = close(ref.p, out.p, dt, total, dt == F32 ? 1e-5 : 1e-12, &why);
                    check(ok, fmt("%s %s [%" PRId64 ", %d, %" PRId64 "]: ", log ? "logSoftmax" : "softmax", kDt[dt],
                                  outer, n, inner) + why);
                }
            }
        }
    }
    // rows of -inf, +inf and one -inf among finite values; inner 1 (a block per row) and 2 (a thread per column)
    for (int inner : {1, 2}) {
        const int64_t outer = 3, n = 5, total = outer * n * inner;
        for (int dt : {F32, F64}) {
            Buf x(total * dsize(dt));
            for (int64_t i = 0; i < total; i++) set(x.p, dt, i, 0.25 * (i % 7));
            for (int64_t j = 0; j < n * inner; j++) set(x.p, dt, j, -INFINITY);
            set(x.p, dt, n * inner + 2 * inner, INFINITY);
            set(x.p, dt, 2 * n * inner + 3 * inner, -INFINITY);
            for (int log = 0; log < 2; log++) {
                Buf out(total * dsize(dt)), ref(total * dsize(dt));
                poison(out, dt, total);
                emu_ok(lamina_cuda_softmax(dt, x.p, out.p, outer, n, inner, log, nullptr), "softmax edges");
                ref_softmax(dt, x.p, ref.p, outer, n, inner, log);
                std::string why;
                const bool ok = close(ref.p, out.p, dt, total, 1e-6, &why);
                check(ok, fmt("%s %s with infinities, inner %d: ", log ? "logSoftmax" : "softmax", kDt[dt], inner) + why);
            }
        }
    }
}

void test_indexing() {
    const int64_t rows = 50, rs = 33;
    for (int nids : g_sizes) {
        for (int idt : {I32, I64}) {
            Buf table(rows * rs * 4), ids(nids * dsize(idt));
            fill_random(table, F32, rows * rs, -1, 1, nids);
            fill_random(ids, idt, nids, 0, rows, nids + 3);
            Buf out(nids * rs * 4), ref(nids * rs * 4);
            poison(out, F32, nids * rs);
            emu_ok(lamina_cuda_gather(4, table.p, rows, rs, ids.p, idt, nids, out.p, nullptr), "gather");
            ref_gather(4, table.p, rows, rs, ids.p, idt, nids, ref.p);
            std::string why;
            bool ok = exact(ref.p, out.p, F32, nids * rs, &why);
            check(ok, fmt("gather %s n=%d: ", kDt[idt], nids) + why);

            Buf src(nids * rs * 4), acc(rows * rs * 4), racc(rows * rs * 4);
            fill_random(src, F32, nids * rs, -1, 1, nids + 5);
            fill_random(acc, F32, rows * rs, -1, 1, nids + 6);
            std::memcpy(racc.p, acc.p, acc.bytes);
            emu_ok(lamina_cuda_scatter_add(F32, src.p, rs, ids.p, idt, nids, acc.p, rows, nullptr), "scatterAdd");
            ref_scatter_add(F32, src.p, rs, ids.p, idt, nids, racc.p, rows);
            ok = exact(racc.p, acc.p, F32, rows * rs, &why);  // the same order of additions: the same bits
            check(ok, fmt("scatterAdd %s n=%d: ", kDt[idt], nids) + why);

            for (int odt : {F32, I32, I64, BOOL}) {
                const int64_t depth = rows + 3;
                Buf hot(nids * depth * dsize(odt)), rhot(nids * depth * dsize(odt));
                poison(hot, odt, nids * depth);
                emu_ok(lamina_cuda_one_hot(ids.p, idt, nids, depth, hot.p, odt, nullptr), "oneHot");
                ref_one_hot(ids.p, idt, nids, depth, rhot.p, odt);
                ok = exact(rhot.p, hot.p, odt, nids * depth, &why);
                check(ok, fmt("oneHot %s -> %s n=%d: ", kDt[idt], kDt[odt], nids) + why);
            }
        }
    }
}

// ---- matmul --------------------------------------------------------------------------------------

// out[p] = op(a[p]) · op(b[p]) in double
void ref_matmul(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool ta,
                bool tb, int64_t sa, int64_t sb) {
    for (int64_t p = 0; p < batch; p++)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double s = 0;
                for (int64_t q = 0; q < k; q++) {
                    const double x = ta ? a[p * sa + q * m + i] : a[p * sa + i * k + q];
                    const double y = tb ? b[p * sb + j * k + q] : b[p * sb + q * n + j];
                    s += x * y;
                }
                c[(p * m + i) * n + j] = static_cast<float>(s);
            }
}

void check_matmul(int prec, int64_t batch, int64_t m, int64_t n, int64_t k, bool ta, bool tb, int64_t sa, int64_t sb,
                  double tol, int misalign, bool grid_values, const char* what) {
    const int64_t size_a = (batch - 1) * sa + m * k, size_b = (batch - 1) * sb + k * n;
    Buf A((size_a + misalign) * 4), B((size_b + misalign) * 4), C(batch * m * n * 4);
    std::vector<float> R(batch * m * n);
    float* a = A.as<float>() + misalign;  // misalign 1: not 16-byte aligned, the float4 path must not be taken
    float* b = B.as<float>() + misalign;
    std::mt19937_64 r(m * 31 + n * 7 + k);
    std::uniform_real_distribution<float> u(-1, 1);
    std::uniform_int_distribution<int> iu(-8, 8);
    for (int64_t i = 0; i < size_a; i++) a[i] = grid_values ? iu(r) / 4.0f : u(r);
    for (int64_t i = 0; i < size_b; i++) b[i] = grid_values ? iu(r) / 4.0f : u(r);
    poison(C, F32, batch * m * n);
    emu_ok(lamina_cuda_matmul_f32(a, b, C.as<float>(), batch, m, n, k, ta, tb, sa, sb, prec, nullptr), "matmul");
    ref_matmul(a, b, R.data(), batch, m, n, k, ta, tb, sa, sb);
    std::string why;
    const bool ok = grid_values || k == 0 ? exact(R.data(), C.p, F32, batch * m * n, &why)
                                          : close(R.data(), C.p, F32, batch * m * n, tol, &why);
    check(ok, fmt("matmul %s %s [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "] ta=%d tb=%d misalign=%d: ",
                  prec ? "tf32" : "simt", what, batch, m, n, k, ta, tb, misalign) + why);
}

void test_matmul(bool big) {
    for (int prec = 0; prec < 2; prec++) {
        for (int s : {1, 7, 33, 129}) {
            if (!big && s > 33) continue;
            const int64_t m = s, n = s == 1 ? 1 : s + 2, k = s == 1 ? 1 : s - 1 + s % 3;
            const double tol = prec ? 1e-3 : 1e-5 * std::max(1.0, std::sqrt(static_cast<double>(k)) / 8);
            for (int t = 0; t < 4; t++) check_matmul(prec, 2, m, n, k, t & 1, t & 2, m * k, k * n, tol, 0, false, "random");
        }
        const double tol = prec ? 1e-3 : 4e-5;
        check_matmul(prec, 5, 33, 17, 65, false, false, 33 * 65, 0, tol, 0, false, "b broadcast");
        check_matmul(prec, 5, 33, 17, 65, true, true, 0, 65 * 17, tol, 0, false, "a broadcast");
        check_matmul(prec, 3, 4, 5, 0, false, false, 0, 0, 0, 0, false, "k = 0");
        check_matmul(prec, 1, 36, 20, 44, false, false, 0, 0, tol, 0, false, "float4 path");
        check_matmul(prec, 1, 36, 20, 44, true, true, 0, 0, tol, 0, false, "float4 path");
        check_matmul(prec, 1, 36, 20, 44, false, false, 0, 0, tol, 1, false, "unaligned base");
        check_matmul(prec, 1, 36, 20, 44, true, true, 0, 0, tol, 1, false, "unaligned base");
        if (big) check_matmul(prec, 1, 257, 131, 200, false, true, 0, 0, tol, 0, false, "two tiles");
        // values with few significant bits: the tf32 inputs and the fp32 sums are exact
        for (int t = 0; t < 4; t++) check_matmul(prec, 2, 40, 24, 45, t & 1, t & 2, 40 * 45, 45 * 24, 0, 0, true, "exact");
    }
}

// ---- random ----------------------------------------------------------------------------------------

void test_philox() {
    for (int n : g_sizes) {
        const int64_t seed = 0x5EED + n;
        Buf bits(n * 4), u(n * 8), z(n * 8), uf(n * 4), zf(n * 4);
        std::vector<int32_t> hbits(n);
        std::vector<double> hu(n), hz(n);
        poison(bits, I32, n);
        emu_ok(lamina_cuda_philox_u32(seed, bits.p, n, nullptr), "philox");
        lamina_philox_host_u32(seed, n, hbits.data());
        std::string why;
        bool ok = exact(hbits.data(), bits.p, I32, n, &why);
        check(ok, fmt("philox u32 n=%d: ", n) + why);
        poison(u, F64, n);
        emu_ok(lamina_cuda_random_uniform(F64, seed, u.p, n, -1, 2, nullptr), "uniform");
        lamina_philox_host_uniform_f64(seed, n, -1, 2, hu.data());
        ok = exact(hu.data(), u.p, F64, n, &why);
        check(ok, fmt("uniform f64 n=%d: ", n) + why);
        poison(uf, F32, n);
        emu_ok(lamina_cuda_random_uniform(F32, seed, uf.p, n, -1, 2, nullptr), "uniform");
        ok = true;
        for (int i = 0; i < n; i++) ok &= uf.as<float>()[i] == static_cast<float>(hu[i]);
        check(ok, fmt("uniform f32 n=%d", n));
        poison(z, F64, n);
        emu_ok(lamina_cuda_random_normal(F64, seed, z.p, n, 0.5, 2, nullptr), "normal");
        lamina_philox_host_normal_f64(seed, n, 0.5, 2, hz.data());
        ok = exact(hz.data(), z.p, F64, n, &why);
        check(ok, fmt("normal f64 n=%d: ", n) + why);
        poison(zf, F32, n);
        emu_ok(lamina_cuda_random_normal(F32, seed, zf.p, n, 0.5, 2, nullptr), "normal");
        ok = true;
        for (int i = 0; i < n; i++) ok &= zf.as<float>()[i] == static_cast<float>(hz[i]);
        check(ok, fmt("normal f32 n=%d", n));
    }
}

// ---- the emulator's own fault reports ----------------------------------------------------------------

// the line of selftest.cu that carries "EXPECT_LINE <tag>"
int expected_line(const char* tag) {
    std::ifstream in(LAMINA_SELFTEST_CU);
    std::string line;
    const std::string want = std::string("EXPECT_LINE ") + tag;
    for (int no = 1; std::getline(in, line); no++) {
        const size_t at = line.find(want);
        if (at != std::string::npos && at + want.size() == line.size()) return no;
    }
    std::printf("selftest.cu has no line with '%s'\n", want.c_str());
    std::exit(2);
}

void expect_fault(int rc, const char* kernel, const char* tag, const char* words) {
    const std::string msg = rc == cudaErrorLaunchFailure ? cudaGetErrorString(cudaErrorLaunchFailure) : "";
    const std::string where = fmt("selftest.cu:%d", expected_line(tag));
    const bool ok = rc == cudaErrorLaunchFailure && msg.find(kernel) != std::string::npos &&
                    msg.find(where) != std::string::npos && msg.find(words) != std::string::npos;
    check(ok, fmt("the emulator reports %s: rc %d, message '%s' (want the kernel, %s and '%s')", tag, rc, msg.c_str(),
                  where.c_str(), words));
    cudaGetLastError();
}

void test_emulator() {
    Buf out(64 * 4), in(1000 * 4), sums(8 * 4);
    expect_fault(selftest_early_exit(out.as<float>()), "early_exit_before_barrier", "barrier_exit", "have exited");
    expect_fault(selftest_two_sites(out.as<float>()), "barrier_in_branches", "barrier_two_sites", "different __syncthreads");
    expect_fault(selftest_masks(out.as<float>()), "mismatched_masks", "masks", "mismatched warp masks");
    expect_fault(selftest_deadlock(out.as<float>()), "shuffle_then_barrier", "deadlock", "deadlock");
    // a correct kernel works right after the faults (they are not sticky)
    fill_random(in, F32, 1000, -1, 1, 3);
    emu_ok(selftest_block_sum(in.as<float>(), sums.as<float>(), 1000), "block_sum after faults");
    for (int blk = 0; blk < 8; blk++) {
        double want = 0;
        for (int i = blk * 128; i < std::min(1000, blk * 128 + 128); i++) want += in.as<float>()[i];
        check(std::fabs(want - sums.as<float>()[blk]) <= 1e-4, fmt("block_sum block %d: want %g, got %g", blk, want,
                                                                   sums.as<float>()[blk]));
    }
    const int rc = selftest_bad_config(out.as<float>());
    check(rc == cudaErrorInvalidConfiguration, fmt("a block of 2048 threads: rc %d, want %d", rc, cudaErrorInvalidConfiguration));
    // copies and memsets outside cudaMalloc'd memory fail instead of writing the host
    float host[4];
    check(cudaMemsetAsync(out.as<float>() + 60, 0, 5 * 4) == cudaErrorInvalidValue, "memset past the end of a block fails");
    check(cudaMemcpyAsync(host, out.as<float>() + 63, 8, cudaMemcpyDeviceToHost) == cudaErrorInvalidValue,
          "copy from past the end of a block fails");
    cudaGetLastError();
}

}  // namespace

int main(int argc, char** argv) {
    const bool big = argc > 1 && std::strcmp(argv[1], "big") == 0;
    // ci: forward order and the capped grid only (CI runs the Java tests in all three orders)
    const bool ci = argc > 1 && std::strcmp(argv[1], "ci") == 0;
    if (big) g_sizes.push_back(4097);
    struct Mode {
        const char* name;
        int order;
        dim3 cap;
    };
    const Mode modes[] = {
            {"forward", 0, dim3(0, 0, 0)},
            {"reverse", 1, dim3(0, 0, 0)},
            {"shuffled", 2, dim3(0, 0, 0)},
            {"grid-capped", 0, dim3(3, 1, 1)},  // grid-stride loops over x (matmul: over tiles_m and batch)
    };
    g_fail_fast = std::getenv("LAMINA_HARNESS_FAIL_FAST") != nullptr;
    g_mode = "emulator";
    setenv("LAMINA_CUDA_EMU_QUIET", "1", 1);
    test_emulator();
    for (const Mode& md : modes) {
        if (ci && md.order != 0) continue;
        g_mode = md.name;
        cudaemu::set_order(md.order, 12345);
        cudaemu::set_grid_cap(md.cap);
        const long before = g_fail;
        test_unary();
        test_binary();
        test_fill_cast();
        test_copy_strided();
        test_reduce_softmax();
        test_indexing();
        test_philox();
        // sgemm's grid covers the columns with blockIdx.x once (no grid-stride over x): cap y only
        cudaemu::set_grid_cap(md.cap.x ? dim3(0, 1, 1) : dim3(0, 0, 0));
        test_matmul(big && md.order == 0 && md.cap.x == 0);
        const auto st = cudaemu::stats();
        std::printf("mode %-11s: %ld failures so far (+%ld); %ld launches, %ld blocks, %ld fiber switches\n", md.name,
                    g_fail, g_fail - before, st.launches, st.blocks, st.switches);
        std::fflush(stdout);
    }
    std::printf("%ld passed, %ld failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
