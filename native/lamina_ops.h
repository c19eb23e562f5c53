/*
 * lamina_ops.h: everything that crosses the Java / C++ / CUDA border by number, defined once.
 *
 * Included by the cpu kernels (cpu-kernels/lamina_kernels.hpp, lamina_conv.hpp) and the cuda kernels
 * (the .cu files of cuda-kernels/). Plain C preprocessor lists ("X macros"), so C, C++ and CUDA read the same
 * text. The Java side is checked against this file by NativeHeaderTest, which parses it:
 *   - dtype codes:  dev.lamina.types.DType, by ordinal (DType is shared by every package);
 *   - op codes:     dev.lamina.backend.UnaryOp / BinaryOp / ReduceOp, each constant's code();
 *   - geometries:   the index of each record component of dev.lamina.backend.ConvGeometry and
 *                   PoolGeometry in their toArray() (the int64 arrays the kernels read).
 * Every entry is NAME(code): a reorder on either side changes nothing or fails that test, never
 * silently the kernels. Adding an element-wise op: add it here and in UnaryOp/BinaryOp with the
 * same code (docs/ADDING_AN_OP.md).
 */
#ifndef LAMINA_OPS_H
#define LAMINA_OPS_H

/* X(NAME, code): the dtype codes. */
#define LAMINA_DTYPES(X) \
    X(FLOAT32, 0) X(FLOAT64, 1) X(INT32, 2) X(INT64, 3) X(BOOL, 4)

/* X(NAME, code): element-wise unary ops (UnaryOp). Codes run 0, 1, 2, ... in list order (tested). */
#define LAMINA_UNARY_OPS(X) \
    X(NEG, 0) X(ABS, 1) X(SIGN, 2) X(EXP, 3) X(LOG, 4) X(LOG1P, 5) X(SQRT, 6) X(SQUARE, 7) \
    X(RECIPROCAL, 8) X(TANH, 9) X(SIGMOID, 10) X(RELU, 11) X(STEP, 12) X(SOFTPLUS, 13)

/* X(NAME, code): element-wise binary ops (BinaryOp); EQ and after are comparisons (bool results). */
#define LAMINA_BINARY_OPS(X) \
    X(ADD, 0) X(SUB, 1) X(MUL, 2) X(DIV, 3) X(POW, 4) X(MAXIMUM, 5) X(MINIMUM, 6) \
    X(EQ, 7) X(NE, 8) X(LT, 9) X(LE, 10) X(GT, 11) X(GE, 12)

/* X(NAME, code): reductions over the middle axis of an [outer, n, inner] view (ReduceOp). */
#define LAMINA_REDUCE_OPS(X) \
    X(SUM, 0) X(MAX, 1) X(MIN, 2) X(ARGMAX, 3) X(ARGMIN, 4)

/* X(javaField, SHORT, index): ConvGeometry.toArray(), 16 int64 values. */
#define LAMINA_CONV_GEOMETRY(X) \
    X(batch, B, 0) X(inH, H, 1) X(inW, W, 2) X(inC, C, 3) X(outH, OH, 4) X(outW, OW, 5) X(outC, K, 6) \
    X(kh, KH, 7) X(kw, KW, 8) X(sh, SH, 9) X(sw, SW, 10) X(dh, DH, 11) X(dw, DW, 12) \
    X(padTop, PT, 13) X(padLeft, PL, 14) X(groups, G, 15)
#define LAMINA_CONV_GEOMETRY_SIZE 16

/* X(javaField, SHORT, index): PoolGeometry.toArray(), 12 int64 values. */
#define LAMINA_POOL_GEOMETRY(X) \
    X(batch, B, 0) X(inH, H, 1) X(inW, W, 2) X(channels, C, 3) X(outH, OH, 4) X(outW, OW, 5) \
    X(ph, PH, 6) X(pw, PW, 7) X(sh, SH, 8) X(sw, SW, 9) X(padTop, PT, 10) X(padLeft, PL, 11)
#define LAMINA_POOL_GEOMETRY_SIZE 12

/* Helpers to expand the lists: an enum entry, and a geometry field's array index. */
#define LAMINA_ENUM_ENTRY(name, code) name = code,
#define LAMINA_DTYPE_ENTRY(name, code) LAMINA_##name = code,
#define LAMINA_GEOM_INDEX_CONV(field, name, index) LAMINA_CONV_##name = index,
#define LAMINA_GEOM_INDEX_POOL(field, name, index) LAMINA_POOL_##name = index,

/* LAMINA_FLOAT32, LAMINA_FLOAT64, LAMINA_INT32, LAMINA_INT64, LAMINA_BOOL: the dtype codes. */
enum lamina_dtype { LAMINA_DTYPES(LAMINA_DTYPE_ENTRY) };
/* LAMINA_CONV_B, LAMINA_CONV_H, ...: the index of each ConvGeometry field in the geometry array. */
enum lamina_conv_geometry_index { LAMINA_CONV_GEOMETRY(LAMINA_GEOM_INDEX_CONV) };
/* LAMINA_POOL_B, LAMINA_POOL_H, ...: the index of each PoolGeometry field in the geometry array. */
enum lamina_pool_geometry_index { LAMINA_POOL_GEOMETRY(LAMINA_GEOM_INDEX_POOL) };

#endif /* LAMINA_OPS_H */
