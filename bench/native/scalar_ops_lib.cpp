// One build of the cpu element-wise kernels under the namespace LAMINA_NS, for scalar_ops_bench.cpp:
// compiled once against the old headers and once against the new, so both run in one process.
#define lamina LAMINA_NS
#include "lamina_fused.hpp"
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)

extern "C" int CAT(LAMINA_NS, unary)(int op, int dt, const void* x, void* o, int64_t n) {
    return lamina::unary(op, dt, x, o, n);
}
extern "C" int CAT(LAMINA_NS, binary)(int op, int dt, const void* a, const void* b, void* o, int64_t n) {
    const int64_t s[1] = {1}, shape[1] = {n};
    return lamina::binary(op, dt, a, s, b, s, o, shape, 1);
}
extern "C" int CAT(LAMINA_NS, fused)(int dt, int n_in, const int64_t* in, const int* scalar, const int* code, int n_instr,
                                       void* o, int64_t n) {
    return lamina::fused_elementwise(dt, n_in, in, scalar, code, n_instr, o, n);
}
extern "C" void CAT(LAMINA_NS, threads)(int t) { lamina::ThreadPool::get().set_threads(t, nullptr); }
