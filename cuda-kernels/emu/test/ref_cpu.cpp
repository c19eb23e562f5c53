// The project's cpu kernels (cpu-kernels/ through native/lamina_cpu.h), the reference of the kernel
// harness, in a translation unit of their own: their lamina:: names must not meet the emulated
// .cu files' (which the harness build renames to lamina_cuemu::).
#include "lamina_cpu.h"

extern "C" {
int ref_unary(int op, int dt, const void* x, void* out, int64_t n) { return lamina_cpu_unary(op, dt, x, out, n); }
int ref_binary(int op, int dt, const void* a, const int64_t* as, const void* b, const int64_t* bs, void* out,
               const int64_t* shape, int rank) {
    return lamina_cpu_binary(op, dt, a, as, b, bs, out, shape, rank);
}
int ref_fill(int dt, void* out, int64_t n, double v) { return lamina_cpu_fill(out, dt, n, v); }
int ref_cast(int from, const void* x, int to, void* out, int64_t n) { return lamina_cpu_cast(x, from, out, to, n); }
int ref_copy_strided(const void* src, int64_t so, const int64_t* ss, void* dst, int64_t doff, const int64_t* ds,
                     const int64_t* shape, int rank, int elem) {
    return lamina_cpu_copy_strided(src, so, ss, dst, doff, ds, shape, rank, elem);
}
int ref_reduce(int op, int dt, const void* x, int64_t outer, int64_t n, int64_t inner, void* out) {
    return lamina_cpu_reduce(op, dt, x, outer, n, inner, out);
}
int ref_softmax(int dt, const void* x, void* out, int64_t outer, int64_t n, int64_t inner, int log) {
    return lamina_cpu_softmax(dt, x, out, outer, n, inner, log);
}
int ref_gather(int es, const void* t, int64_t rows, int64_t rs, const void* ids, int idt, int64_t nids, void* out) {
    return lamina_cpu_gather(es, t, rows, rs, ids, idt, nids, out);
}
int ref_scatter_add(int dt, const void* src, int64_t rs, const void* ids, int idt, int64_t nids, void* out,
                    int64_t rows) {
    return lamina_cpu_scatter_add(dt, src, rs, ids, idt, nids, out, rows);
}
int ref_one_hot(const void* ids, int idt, int64_t nids, int64_t depth, void* out, int odt) {
    return lamina_cpu_one_hot(ids, idt, nids, depth, out, odt);
}
}
