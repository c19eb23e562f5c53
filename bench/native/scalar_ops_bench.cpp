// Element-wise cpu kernels of two source trees in one process (scalar_ops_bench.sh): every float32
// unary op, the float32 arithmetic binary ops and a fused program, on one thread, n elements in
// cache; rounds alternate old and new, the best round of each counts. Also checks that both trees give
// bitwise the same outputs.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

extern "C" {
int lamina_old_unary(int, int, const void*, void*, int64_t);
int lamina_new_unary(int, int, const void*, void*, int64_t);
int lamina_old_binary(int, int, const void*, const void*, void*, int64_t);
int lamina_new_binary(int, int, const void*, const void*, void*, int64_t);
int lamina_old_fused(int, int, const int64_t*, const int*, const int*, int, void*, int64_t);
int lamina_new_fused(int, int, const int64_t*, const int*, const int*, int, void*, int64_t);
void lamina_old_threads(int);
void lamina_new_threads(int);
}

static const char* kUnary[] = {"neg", "abs", "sign", "exp", "log", "log1p", "sqrt", "square", "reciprocal",
                               "tanh", "sigmoid", "relu", "step", "softplus"};
static const char* kBinary[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};

/** Best ns per element of each of f and g over rounds that alternate them (load drift hits both). */
template <class F, class G>
static void best_ns(F f, G g, int64_t n, int reps, double* tf, double* tg) {
    *tf = *tg = 1e30;
    for (int r = 0; r < 9; r++) {
        for (int k = 0; k < 2; k++) {
            auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < reps; i++) k == 0 ? f() : g();
            auto t1 = std::chrono::steady_clock::now();
            double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / reps / n;
            double* best = k == 0 ? tf : tg;
            if (ns < *best) *best = ns;
        }
    }
}

int main() {
    const int64_t n = 16384;  // at the serial grain of the transcendental ops: one thread, in L1/L2
    const int reps = 200;
    lamina_old_threads(1);
    lamina_new_threads(1);
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(0.1f, 3.0f);
    std::vector<float> a(n), b(n), o1(n), o2(n);
    // the timed calls of both trees write one 64-byte aligned buffer (two buffers' alignment differs)
    float* o = static_cast<float*>(std::aligned_alloc(64, n * sizeof(float)));
    for (int64_t i = 0; i < n; i++) {
        a[i] = (i % 3 == 0 ? -1 : 1) * u(rng);
        b[i] = u(rng);
    }
    int mismatches = 0;
    std::printf("%-12s %10s %10s %7s\n", "op (f32)", "old ns/el", "new ns/el", "new/old");
    for (int op = 0; op < 14; op++) {
        const float* x = (op == 4 || op == 5 || op == 6) ? b.data() : a.data();  // log, log1p, sqrt: positive
        lamina_old_unary(op, 0, x, o1.data(), n);
        lamina_new_unary(op, 0, x, o2.data(), n);
        mismatches += std::memcmp(o1.data(), o2.data(), n * sizeof(float)) != 0;
        double t_old, t_new;
        best_ns([&] { lamina_old_unary(op, 0, x, o, n); }, [&] { lamina_new_unary(op, 0, x, o, n); }, n, reps, &t_old, &t_new);
        std::printf("%-12s %10.3f %10.3f %7.2f\n", kUnary[op], t_old, t_new, t_new / t_old);
    }
    for (int op = 0; op < 7; op++) {
        const float* x = op == 4 ? b.data() : a.data();  // pow: positive base
        lamina_old_binary(op, 0, x, b.data(), o1.data(), n);
        lamina_new_binary(op, 0, x, b.data(), o2.data(), n);
        mismatches += std::memcmp(o1.data(), o2.data(), n * sizeof(float)) != 0;
        double t_old, t_new;
        best_ns([&] { lamina_old_binary(op, 0, x, b.data(), o, n); }, [&] { lamina_new_binary(op, 0, x, b.data(), o, n); }, n, reps, &t_old, &t_new);
        std::printf("%-12s %10.3f %10.3f %7.2f\n", kBinary[op], t_old, t_new, t_new / t_old);
    }
    // fused: tanh(a * b + a), sigmoid of it, times b: 5 instructions over 2 inputs
    const int64_t in[2] = {(int64_t) (intptr_t) a.data(), (int64_t) (intptr_t) b.data()};
    const int scalar[2] = {0, 0};
    const int code[20] = {1, 2, 0, 1, /* r2 = a*b */ 1, 0, 2, 0, /* r3 = r2+a */ 0, 9, 3, 0, /* r4 = tanh */
                          0, 10, 4, 0, /* r5 = sigmoid */ 1, 2, 5, 1 /* r6 = r5*b */};
    lamina_old_fused(0, 2, in, scalar, code, 5, o1.data(), n);
    lamina_new_fused(0, 2, in, scalar, code, 5, o2.data(), n);
    mismatches += std::memcmp(o1.data(), o2.data(), n * sizeof(float)) != 0;
    double t_old, t_new;
    best_ns([&] { lamina_old_fused(0, 2, in, scalar, code, 5, o, n); }, [&] { lamina_new_fused(0, 2, in, scalar, code, 5, o, n); }, n, reps, &t_old, &t_new);
    std::printf("%-12s %10.3f %10.3f %7.2f\n", "fused(5)", t_old, t_new, t_new / t_old);
    std::printf("outputs bitwise equal old vs new: %s (%d of 22 differ)\n", mismatches == 0 ? "yes" : "NO", mismatches);
    std::free(o);
    return mismatches == 0 ? 0 : 1;
}
