// The AVX-512 8 × 32 tiles of two source trees in one process (tile_8x32_bench.sh): checks that the
// packed tile (with and without accumulation), the in-place rows tile, the Aᵀ·B tile (every row
// count 1..8 and ragged column counts), the direct Aᵀ·B product and the sequence products give
// bitwise the same outputs, guard cells included; then times each tile on the seed LSTM's depths,
// rounds alternating old and new, one thread, and prints the best and the median round of each.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#define DECLARE(NS)                                                                                                 \
    extern "C" int NS##_has_avx512();                                                                               \
    extern "C" void NS##_packed_tile(int64_t, const float*, const float*, float*, int64_t, bool);                   \
    extern "C" void NS##_rows_tile(int64_t, const float*, int64_t, const float*, float*, int64_t);                  \
    extern "C" void NS##_tn_tile(int64_t, const float*, int64_t, int, const float*, int64_t, int, float*, int64_t); \
    extern "C" int NS##_tn_gemm(int64_t, int64_t, int64_t, const float*, const float*, float*);                     \
    extern "C" void NS##_seq_product(int64_t, int64_t, int64_t, const float*, const float*, bool, float*);          \
    extern "C" void NS##_threads(int);
DECLARE(lamina_old)
DECLARE(lamina_new)

struct Impl {
    const char* name;
    void (*packed_tile)(int64_t, const float*, const float*, float*, int64_t, bool);
    void (*rows_tile)(int64_t, const float*, int64_t, const float*, float*, int64_t);
    void (*tn_tile)(int64_t, const float*, int64_t, int, const float*, int64_t, int, float*, int64_t);
    int (*tn_gemm)(int64_t, int64_t, int64_t, const float*, const float*, float*);
    void (*seq_product)(int64_t, int64_t, int64_t, const float*, const float*, bool, float*);
};
static const Impl kOld{"old", lamina_old_packed_tile, lamina_old_rows_tile, lamina_old_tn_tile, lamina_old_tn_gemm,
                       lamina_old_seq_product};
static const Impl kNew{"new", lamina_new_packed_tile, lamina_new_rows_tile, lamina_new_tn_tile, lamina_new_tn_gemm,
                       lamina_new_seq_product};

static std::vector<float> rnd(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

/** Every output of one implementation, concatenated (C buffers start random: cells not written stay). */
static std::vector<float> outputs(const Impl& im, size_t& cases) {
    std::vector<float> all;
    unsigned seed = 1;
    auto keep = [&](const std::vector<float>& c) { all.insert(all.end(), c.begin(), c.end()); cases++; };
    for (int64_t K : {0, 1, 7, 64, 257}) {
        for (int acc = 0; acc < 2; acc++) {
            auto A = rnd(K * 8 + 1, seed++), B = rnd(K * 32 + 1, seed++), C = rnd(9 * 40, seed++);
            im.packed_tile(K, A.data(), B.data(), C.data(), 40, acc);
            keep(C);
        }
    }
    for (int64_t K : {1, 5, 64, 256}) {
        const int64_t lda = K + 3;
        auto A = rnd(8 * lda, seed++), B = rnd(K * 32, seed++), C = rnd(9 * 48, seed++);
        im.rows_tile(K, A.data(), lda, B.data(), C.data(), 48);
        keep(C);
    }
    for (int64_t K : {1, 3, 64, 640}) {
        for (int rows = 1; rows <= 8; rows++) {
            for (int cols : {1, 5, 16, 17, 31, 32}) {
                const int64_t lda = 11, ldb = 37, ldc = 35;
                auto A = rnd(K * lda, seed++), B = rnd(K * ldb, seed++), C = rnd(9 * ldc, seed++);
                im.tn_tile(K, A.data() + 1, lda, rows, B.data() + 2, ldb, cols, C.data(), ldc);
                keep(C);
            }
        }
    }
    const int64_t shapes[][3] = {{64, 256, 640}, {1, 256, 640}, {13, 70, 9}, {100, 33, 50}};
    for (auto& s : shapes) {
        auto A = rnd(s[2] * s[0], seed++), B = rnd(s[2] * s[1], seed++), C = rnd(s[0] * s[1], seed++);
        if (!im.tn_gemm(s[0], s[1], s[2], A.data(), B.data(), C.data())) std::printf("tn_gemm: %ld x %ld x %ld not served\n", (long) s[0], (long) s[1], (long) s[2]);
        keep(C);
    }
    // the seed LSTM's per-step products (forward [32 × 64]·[64 × 256], backward [32 × 256]·[64 × 256]ᵀ) and ragged M
    const int64_t seq[][4] = {{32, 256, 64, 0}, {32, 64, 256, 1}, {13, 100, 37, 0}, {21, 40, 19, 1}};
    for (auto& s : seq) {
        auto A = rnd(s[0] * s[2], seed++), B = rnd(s[1] * s[2], seed++), C = rnd(s[0] * s[1], seed++);
        im.seq_product(s[0], s[1], s[2], A.data(), B.data(), s[3] != 0, C.data());
        keep(C);
    }
    return all;
}

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
    if (!lamina_old_has_avx512() || !lamina_new_has_avx512()) {
        std::puts("this CPU has no AVX-512F: nothing to check");
        return 0;
    }
    lamina_old_threads(1);
    lamina_new_threads(1);
    size_t co = 0, cn = 0;
    const auto o = outputs(kOld, co), n = outputs(kNew, cn);
    const bool same = o.size() == n.size() && std::memcmp(o.data(), n.data(), o.size() * sizeof(float)) == 0;
    std::printf("bitwise: %s (%zu cases, %zu floats)\n", same ? "same" : "DIFFERENT", cn, n.size());

    auto A = rnd(640 * 64, 7), B = rnd(640 * 256, 8), C = rnd(64 * 256, 9);
    struct Timed { std::string name; long reps; std::function<void(const Impl&)> f; };
    const std::vector<Timed> timed = {
        {"packed tile K 64", 20000, [&](const Impl& im) { im.packed_tile(64, A.data(), B.data(), C.data(), 256, false); }},
        {"packed tile K 256 acc", 5000, [&](const Impl& im) { im.packed_tile(256, A.data(), B.data(), C.data(), 256, true); }},
        {"rows tile K 64", 20000, [&](const Impl& im) { im.rows_tile(64, A.data(), 64, B.data(), C.data(), 256); }},
        {"rows tile K 256", 5000, [&](const Impl& im) { im.rows_tile(256, A.data(), 256, B.data(), C.data(), 256); }},
        {"tn tile K 640 8x32", 2000, [&](const Impl& im) { im.tn_tile(640, A.data(), 64, 8, B.data(), 256, 32, C.data(), 256); }},
        {"tn tile K 640 5x20", 2000, [&](const Impl& im) { im.tn_tile(640, A.data(), 64, 5, B.data(), 256, 20, C.data(), 256); }},
        {"tn_gemm 64x256x640", 50, [&](const Impl& im) { im.tn_gemm(64, 256, 640, A.data(), B.data(), C.data()); }},
    };
    std::printf("%-24s %10s %10s %10s %10s %7s %7s   (ns per call, %d rounds)\n", "", "old best", "new best", "old med",
                "new med", "best", "med", rounds);
    for (const auto& t : timed) {
        std::vector<double> ns[2];
        for (int r = 0; r < rounds; r++) {
            for (int w = 0; w < 2; w++) {
                const Impl& im = ((r + w) % 2 == 0) ? kOld : kNew;  // alternate which goes first
                t.f(im);
                const auto t0 = std::chrono::steady_clock::now();
                for (long i = 0; i < t.reps; i++) t.f(im);
                ns[&im == &kNew].push_back(
                    std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / t.reps);
            }
        }
        for (auto& v : ns) std::sort(v.begin(), v.end());
        const double ob = ns[0][0], nb = ns[1][0], om = ns[0][rounds / 2], nm = ns[1][rounds / 2];
        std::printf("%-24s %10.1f %10.1f %10.1f %10.1f %7.3f %7.3f\n", t.name.c_str(), ob, nb, om, nm, nb / ob, nm / om);
    }
    std::puts("(best, med: new / old)");
    return same ? 0 : 1;
}
