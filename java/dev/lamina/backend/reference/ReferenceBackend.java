package dev.lamina.backend.reference;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Capability;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.HostBackend;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.StorageChecks;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference backend: every kernel of the {@link dev.lamina.backend.Backend} SPI as plain,
 * obvious Java loops over host memory. It is the <em>oracle</em> the fast backends (cpu, cuda)
 * are tested against, so it favours being right and readable over being fast.
 *
 * <p>Numerics:
 * <ul>
 *   <li>Floating-point kernels read float32 values as float64, compute in float64 and round to
 *       the output dtype once, at the store. Sums, matrix products, softmax denominators and
 *       scatter-add accumulate in float64.</li>
 *   <li>Integer kernels compute in {@code long} and wrap to the dtype (two's complement), as
 *       NumPy does. Integer {@code DIV} is Java division (truncates toward zero); x / 0 is 0, as on
 *       the cpu and cuda backends. Integer {@code POW} is exact repeated multiplication that wraps;
 *       a negative exponent gives the truncated quotient 1 / x^|y| (1 for x = 1, ±1 for x = -1,
 *       else 0, also for x = 0). Float {@code POW} follows C's {@code pow}: pow(1, y) is 1 and
 *       pow(-1, ±inf) is 1 even for a NaN or infinite y, where {@code Math.pow} gives NaN.</li>
 *   <li>Float to integer conversion truncates toward zero (Java's saturating cast: NaN gives 0,
 *       out-of-range values clamp). Number to bool is {@code x != 0} (so NaN is true); bool to
 *       number is 0 or 1.</li>
 *   <li>NaN propagates through MAXIMUM/MINIMUM and the MAX/MIN reductions; ARGMAX/ARGMIN return
 *       the first NaN when there is one (as NumPy), else the first occurrence of the extremum.</li>
 *   <li>BOOL operands are allowed in {@code binary} for EQ/NE and for ADD/MAXIMUM (logical or)
 *       and MUL/MINIMUM (logical and); in {@code reduce} for MAX (any), MIN (all), ARGMAX and
 *       ARGMIN.</li>
 * </ul>
 *
 * <p>Every kernel checks cheaply at entry that its storages belong to this backend and that the
 * sizes it was given fit them, so a caller's mistake is an IllegalArgumentException naming the
 * kernel, never a read or write outside a storage.
 */
public final class ReferenceBackend extends HostBackend {

    /** The one instance. */
    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    private ReferenceBackend() {
    }

    @Override
    public String name() {
        return "reference";
    }

    /**
     * Every kernel: the oracle implements each one, the fused convolution and the Adam step as the
     * documented composition of its own kernels (the {@link dev.lamina.backend.Backend} default
     * bodies), which is their definition.
     */
    @Override
    public Capability kernel(Kernel k) {
        return Capability.AVAILABLE;
    }

    // ---- element access ------------------------------------------------------------------------

    /** Element i as a double (ints widen, bool is 0 or 1). */
    private static double getD(ByteBuffer b, DType t, long i) {
        switch (t) {
            case FLOAT32: return b.getFloat(Math.toIntExact(i * 4));
            case FLOAT64: return b.getDouble(Math.toIntExact(i * 8));
            case INT32: return b.getInt(Math.toIntExact(i * 4));
            case INT64: return b.getLong(Math.toIntExact(i * 8));
            case BOOL: return b.get(Math.toIntExact(i)) != 0 ? 1.0 : 0.0;
            default: throw new IllegalStateException("dtype " + t);
        }
    }

    /** Element i of an integer or bool storage as a long (floats truncate toward zero). */
    private static long getL(ByteBuffer b, DType t, long i) {
        switch (t) {
            case FLOAT32: return (long) b.getFloat(Math.toIntExact(i * 4));
            case FLOAT64: return (long) b.getDouble(Math.toIntExact(i * 8));
            case INT32: return b.getInt(Math.toIntExact(i * 4));
            case INT64: return b.getLong(Math.toIntExact(i * 8));
            case BOOL: return b.get(Math.toIntExact(i)) != 0 ? 1L : 0L;
            default: throw new IllegalStateException("dtype " + t);
        }
    }

    /** Stores v as element i, rounding once; floats to ints truncate toward zero, bool is v != 0. */
    private static void putD(ByteBuffer b, DType t, long i, double v) {
        switch (t) {
            case FLOAT32: b.putFloat(Math.toIntExact(i * 4), (float) v); break;
            case FLOAT64: b.putDouble(Math.toIntExact(i * 8), v); break;
            case INT32: b.putInt(Math.toIntExact(i * 4), (int) v); break;
            case INT64: b.putLong(Math.toIntExact(i * 8), (long) v); break;
            case BOOL: b.put(Math.toIntExact(i), (byte) (v != 0 ? 1 : 0)); break;
            default: throw new IllegalStateException("dtype " + t);
        }
    }

    /** Stores v as element i; int32 wraps, floats round once, bool is v != 0. */
    private static void putL(ByteBuffer b, DType t, long i, long v) {
        switch (t) {
            case FLOAT32: b.putFloat(Math.toIntExact(i * 4), (float) v); break;
            case FLOAT64: b.putDouble(Math.toIntExact(i * 8), (double) v); break;
            case INT32: b.putInt(Math.toIntExact(i * 4), (int) v); break;
            case INT64: b.putLong(Math.toIntExact(i * 8), v); break;
            case BOOL: b.put(Math.toIntExact(i), (byte) (v != 0 ? 1 : 0)); break;
            default: throw new IllegalStateException("dtype " + t);
        }
    }

    private static void putBool(ByteBuffer b, long i, boolean v) {
        b.put(Math.toIntExact(i), (byte) (v ? 1 : 0));
    }

    /** Copies element {@code si} of src to element {@code di} of dst, byte for byte. */
    private static void copyElement(ByteBuffer src, long si, ByteBuffer dst, long di, int size) {
        int s = Math.toIntExact(si * size);
        int d = Math.toIntExact(di * size);
        for (int k = 0; k < size; k++) {
            dst.put(d + k, src.get(s + k));
        }
    }

    // ---- checks ----------------------------------------------------------------------------------

    private static IllegalArgumentException bad(String op, String message) {
        return new IllegalArgumentException("reference." + op + ": " + message);
    }

    private static long product(String op, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw bad(op, "negative dimension in shape " + Arrays.toString(shape));
            }
            n = exactMul(n, d);
        }
        return n;
    }

    /** a · b; overflow is an IllegalArgumentException (sizes a caller gave are wrong), never a wrapped size. */
    private static long exactMul(long a, long b) {
        return StorageChecks.exact("reference", "a size", a, b);
    }

    private static long exactAdd(long a, long b) {
        return StorageChecks.add("reference", "a size", a, b);
    }

    private static void checkNumel(String op, String what, Storage s, long expected) {
        if (s.numel() != expected) {
            throw bad(op, what + " has " + s.numel() + " elements, expected " + expected);
        }
    }

    private static void checkAtLeast(String op, String what, Storage s, long needed) {
        if (s.numel() < needed) {
            throw bad(op, what + " has " + s.numel() + " elements, needs at least " + needed);
        }
    }

    private static void checkDType(String op, String what, Storage s, DType expected) {
        if (s.dtype() != expected) {
            throw bad(op, what + " is " + s.dtype() + ", expected " + expected);
        }
    }

    private static void checkIds(String op, Storage ids) {
        if (ids.dtype() != DType.INT32 && ids.dtype() != DType.INT64) {
            throw bad(op, "ids must be int32 or int64, got " + ids.dtype());
        }
    }

    /** Checks that every element a strided walk of {@code shape} touches lies inside s. */
    private static void checkSpan(String op, String what, Storage s, long offset, long[] strides, long[] shape) {
        if (strides.length != shape.length) {
            throw bad(op, what + " strides " + Arrays.toString(strides) + " do not match shape "
                    + Arrays.toString(shape));
        }
        if (product(op, shape) == 0) {
            return;
        }
        long lo = offset;
        long hi = offset;
        for (int d = 0; d < shape.length; d++) {
            long extent = exactMul(shape[d] - 1, strides[d]);
            if (extent < 0) {
                lo = exactAdd(lo, extent);
            } else {
                hi = exactAdd(hi, extent);
            }
        }
        if (lo < 0 || hi >= s.numel()) {
            throw bad(op, what + " walk (offset " + offset + ", strides " + Arrays.toString(strides)
                    + ", shape " + Arrays.toString(shape) + ") reaches elements [" + lo + ", " + hi
                    + "] outside its " + s.numel() + " elements");
        }
    }

    /**
     * Advances the odometer {@code idx} over {@code shape} by one (last dimension fastest) and
     * returns the dimension that was incremented, or -1 after the last index (idx wraps to 0).
     */
    private static int advance(long[] idx, long[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return d;
            }
            idx[d] = 0;
        }
        return -1;
    }

    /** Linear position of idx under strides, from offset. */
    private static long position(long offset, long[] idx, long[] strides) {
        long p = offset;
        for (int d = 0; d < idx.length; d++) {
            p += idx[d] * strides[d];
        }
        return p;
    }

    // ---- kernels ---------------------------------------------------------------------------------

    @Override
    protected void fillKernel(Storage out, double value) {
        ByteBuffer o = host(out).buffer();
        DType t = out.dtype();
        for (long i = 0; i < out.numel(); i++) {
            putD(o, t, i, value);
        }
    }

    @Override
    protected void castKernel(Storage x, Storage out) {
        ByteBuffer xb = host(x).buffer();
        ByteBuffer ob = host(out).buffer();
        checkNumel("cast", "out", out, x.numel());
        DType xt = x.dtype();
        DType ot = out.dtype();
        for (long i = 0; i < x.numel(); i++) {
            if (xt.isFloating()) {
                putD(ob, ot, i, getD(xb, xt, i));
            } else {
                putL(ob, ot, i, getL(xb, xt, i));
            }
        }
    }

    @Override
    protected void copyStridedKernel(Storage src, long srcOffset, long[] srcStrides,
                            Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        ByteBuffer sb = host(src).buffer();
        ByteBuffer db = host(dst).buffer();
        if (src.dtype() != dst.dtype()) {
            throw bad("copyStrided", "src is " + src.dtype() + " but dst is " + dst.dtype());
        }
        checkSpan("copyStrided", "src", src, srcOffset, srcStrides, shape);
        checkSpan("copyStrided", "dst", dst, dstOffset, dstStrides, shape);
        long total = product("copyStrided", shape);
        int size = src.dtype().size();
        long[] idx = new long[shape.length];
        for (long e = 0; e < total; e++) {
            copyElement(sb, position(srcOffset, idx, srcStrides), db, position(dstOffset, idx, dstStrides), size);
            advance(idx, shape);
        }
    }

    @Override
    protected void unaryKernel(UnaryOp op, Storage x, Storage out) {
        ByteBuffer xb = host(x).buffer();
        ByteBuffer ob = host(out).buffer();
        String name = "unary " + op;
        checkDType(name, "out", out, x.dtype());
        checkNumel(name, "out", out, x.numel());
        DType t = x.dtype();
        if (t.isFloating()) {
            for (long i = 0; i < x.numel(); i++) {
                putD(ob, t, i, unaryFloat(op, getD(xb, t, i)));
            }
        } else if (t.isInteger() && op.supportsIntegers()) {
            for (long i = 0; i < x.numel(); i++) {
                putL(ob, t, i, unaryInt(op, getL(xb, t, i)));
            }
        } else {
            throw bad("unary", op + " is not defined for dtype " + t);
        }
    }

    /**
     * The float unary op on one value in float64, as this backend computes it before rounding to
     * the dtype (the graph's fused element-wise kernel reuses it).
     *
     * @param op the op
     * @param x the operand
     * @return op(x) in float64
     */
    public static double unaryFloat(UnaryOp op, double x) {
        switch (op) {
            case NEG: return -x;
            case ABS: return Math.abs(x);
            case SIGN: return Double.isNaN(x) ? Double.NaN : (x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0);
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case LOG1P: return Math.log1p(x);
            case SQRT: return Math.sqrt(x);
            case SQUARE: return x * x;
            case RECIPROCAL: return 1.0 / x;
            case TANH: return Math.tanh(x);
            case SIGMOID:
                if (x >= 0) {
                    return 1.0 / (1.0 + Math.exp(-x));
                } else {
                    double e = Math.exp(x);
                    return e / (1.0 + e);
                }
            case RELU: return Double.isNaN(x) ? x : (x > 0 ? x : 0.0);
            case STEP: return x > 0 ? 1.0 : 0.0;
            case SOFTPLUS: return (x > 0 ? x : 0.0) + Math.log1p(Math.exp(-Math.abs(x))); // NaN stays NaN
            default: throw new IllegalStateException("unary " + op);
        }
    }

    private static long unaryInt(UnaryOp op, long x) {
        switch (op) {
            case NEG: return -x;
            case ABS: return x < 0 ? -x : x;
            case SIGN: return Long.signum(x);
            case SQUARE: return x * x;
            default: throw new IllegalStateException("unary " + op);
        }
    }

    @Override
    protected void binaryKernel(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        ByteBuffer ab = host(a).buffer();
        ByteBuffer bb = host(b).buffer();
        ByteBuffer ob = host(out).buffer();
        String name = "binary " + op;
        if (a.dtype() != b.dtype()) {
            throw bad(name, "operands differ in dtype: " + a.dtype() + " and " + b.dtype());
        }
        DType t = a.dtype();
        checkDType(name, "out", out, op.isComparison() ? DType.BOOL : t);
        long total = product(name, outShape);
        checkNumel(name, "out", out, total);
        checkSpan(name, "a", a, 0, aStrides, outShape);
        checkSpan(name, "b", b, 0, bStrides, outShape);
        if (t == DType.BOOL && !(op == BinaryOp.EQ || op == BinaryOp.NE || op == BinaryOp.ADD
                || op == BinaryOp.MUL || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM)) {
            throw bad("binary", op + " is not defined for dtype bool");
        }
        long[] idx = new long[outShape.length];
        for (long i = 0; i < total; i++) {
            long pa = position(0, idx, aStrides);
            long pb = position(0, idx, bStrides);
            if (t.isFloating()) {
                double x = getD(ab, t, pa);
                double y = getD(bb, t, pb);
                if (op.isComparison()) {
                    putBool(ob, i, compare(op, x, y));
                } else {
                    putD(ob, t, i, binaryFloat(op, x, y));
                }
            } else {
                long x = getL(ab, t, pa);
                long y = getL(bb, t, pb);
                if (op.isComparison()) {
                    putBool(ob, i, compare(op, x, y));
                } else if (t == DType.BOOL) {
                    boolean bx = x != 0;
                    boolean by = y != 0;
                    boolean r = (op == BinaryOp.ADD || op == BinaryOp.MAXIMUM) ? (bx || by) : (bx && by);
                    putBool(ob, i, r);
                } else {
                    putL(ob, t, i, binaryInt(op, x, y));
                }
            }
            advance(idx, outShape);
        }
    }

    /**
     * The float binary (non-comparison) op on two values in float64, as this backend computes it
     * before rounding to the dtype (the graph's fused element-wise kernel reuses it).
     *
     * @param op the op
     * @param x the first operand
     * @param y the second operand
     * @return op(x, y) in float64
     */
    public static double binaryFloat(BinaryOp op, double x, double y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return x / y;
            case POW: return pow(x, y);
            case MAXIMUM: return Math.max(x, y);
            case MINIMUM: return Math.min(x, y);
            default: throw new IllegalStateException("binary " + op);
        }
    }

    /** C's pow (as the cpu and cuda kernels): Math.pow except pow(1, y) = 1 and pow(-1, ±inf) = 1. */
    private static double pow(double x, double y) {
        if (x == 1.0 || (x == -1.0 && Double.isInfinite(y))) {
            return 1.0;
        }
        return Math.pow(x, y);
    }

    /** Integer x^y by repeated squaring, wrapping as the cpu and cuda kernels' int_pow. */
    private static long intPow(long x, long y) {
        if (y < 0) {
            return x == 1 ? 1 : x == -1 ? ((y & 1) != 0 ? -1 : 1) : 0;
        }
        long r = 1;
        long base = x;
        while (y != 0) {
            if ((y & 1) != 0) {
                r *= base;
            }
            base *= base;
            y >>= 1;
        }
        return r;
    }

    private static long binaryInt(BinaryOp op, long x, long y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV:
                return y == 0 ? 0 : x / y;   // as the cpu and cuda kernels: x / 0 is 0 for integers
            case POW: return intPow(x, y);
            case MAXIMUM: return Math.max(x, y);
            case MINIMUM: return Math.min(x, y);
            default: throw new IllegalStateException("binary " + op);
        }
    }

    private static boolean compare(BinaryOp op, double x, double y) {
        switch (op) {
            case EQ: return x == y;
            case NE: return x != y;
            case LT: return x < y;
            case LE: return x <= y;
            case GT: return x > y;
            case GE: return x >= y;
            default: throw new IllegalStateException("compare " + op);
        }
    }

    private static boolean compare(BinaryOp op, long x, long y) {
        switch (op) {
            case EQ: return x == y;
            case NE: return x != y;
            case LT: return x < y;
            case LE: return x <= y;
            case GT: return x > y;
            case GE: return x >= y;
            default: throw new IllegalStateException("compare " + op);
        }
    }

    @Override
    protected void reduceKernel(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        ByteBuffer xb = host(x).buffer();
        ByteBuffer ob = host(out).buffer();
        String name = "reduce " + op;
        if (outer < 0 || n < 1 || inner < 0) {
            throw bad(name, "bad view [" + outer + ", " + n + ", " + inner + "] (n must be >= 1)");
        }
        DType t = x.dtype();
        checkNumel(name, "x", x, exactMul(exactMul(outer, n), inner));
        checkNumel(name, "out", out, exactMul(outer, inner));
        checkDType(name, "out", out, op.isArg() ? DType.INT64 : t);
        if (t == DType.BOOL && op == ReduceOp.SUM) {
            throw bad("reduce", "SUM is not defined for dtype bool (cast first)");
        }
        for (long o = 0; o < outer; o++) {
            for (long in = 0; in < inner; in++) {
                long base = o * n * inner + in;
                long dst = o * inner + in;
                if (t.isFloating()) {
                    reduceFloat(op, xb, t, base, n, inner, ob, dst);
                } else {
                    reduceInt(op, xb, t, base, n, inner, ob, dst);
                }
            }
        }
    }

    private static void reduceFloat(ReduceOp op, ByteBuffer xb, DType t, long base, long n, long inner,
                                    ByteBuffer ob, long dst) {
        switch (op) {
            case SUM: {
                double s = 0;
                for (long j = 0; j < n; j++) {
                    s += getD(xb, t, base + j * inner);
                }
                putD(ob, t, dst, s);
                return;
            }
            case MAX:
            case MIN: {
                double best = getD(xb, t, base);
                for (long j = 1; j < n; j++) {
                    double v = getD(xb, t, base + j * inner);
                    best = op == ReduceOp.MAX ? Math.max(best, v) : Math.min(best, v);
                }
                putD(ob, t, dst, best);
                return;
            }
            case ARGMAX:
            case ARGMIN: {
                long arg = 0;
                double best = getD(xb, t, base);
                if (!Double.isNaN(best)) {
                    for (long j = 1; j < n; j++) {
                        double v = getD(xb, t, base + j * inner);
                        if (Double.isNaN(v)) {
                            arg = j;
                            break;
                        }
                        if (op == ReduceOp.ARGMAX ? v > best : v < best) {
                            best = v;
                            arg = j;
                        }
                    }
                }
                putL(ob, DType.INT64, dst, arg);
                return;
            }
            default:
                throw new IllegalStateException("reduce " + op);
        }
    }

    private static void reduceInt(ReduceOp op, ByteBuffer xb, DType t, long base, long n, long inner,
                                  ByteBuffer ob, long dst) {
        switch (op) {
            case SUM: {
                long s = 0;
                for (long j = 0; j < n; j++) {
                    s += getL(xb, t, base + j * inner);
                }
                putL(ob, t, dst, s);
                return;
            }
            case MAX:
            case MIN: {
                long best = getL(xb, t, base);
                for (long j = 1; j < n; j++) {
                    long v = getL(xb, t, base + j * inner);
                    best = op == ReduceOp.MAX ? Math.max(best, v) : Math.min(best, v);
                }
                putL(ob, t, dst, best);
                return;
            }
            case ARGMAX:
            case ARGMIN: {
                long arg = 0;
                long best = getL(xb, t, base);
                for (long j = 1; j < n; j++) {
                    long v = getL(xb, t, base + j * inner);
                    if (op == ReduceOp.ARGMAX ? v > best : v < best) {
                        best = v;
                        arg = j;
                    }
                }
                putL(ob, DType.INT64, dst, arg);
                return;
            }
            default:
                throw new IllegalStateException("reduce " + op);
        }
    }

    @Override
    protected void matmulKernel(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        ByteBuffer ab = host(a).buffer();
        ByteBuffer bb = host(b).buffer();
        ByteBuffer ob = host(out).buffer();
        DType t = a.dtype();
        if (!t.isFloating()) {
            throw bad("matmul", "needs float32 or float64, got " + t);
        }
        checkDType("matmul", "b", b, t);
        checkDType("matmul", "out", out, t);
        if (batch < 0 || m < 0 || n < 0 || k < 0 || strideA < 0 || strideB < 0) {
            throw bad("matmul", "negative size: batch " + batch + ", m " + m + ", n " + n + ", k " + k
                    + ", strideA " + strideA + ", strideB " + strideB);
        }
        checkNumel("matmul", "out", out, exactMul(batch, exactMul(m, n)));
        if (batch > 0) {
            checkAtLeast("matmul", "a", a, exactAdd(exactMul(batch - 1, strideA), exactMul(m, k)));
            checkAtLeast("matmul", "b", b, exactAdd(exactMul(batch - 1, strideB), exactMul(k, n)));
        }
        for (long p = 0; p < batch; p++) {
            long a0 = p * strideA;
            long b0 = p * strideB;
            long o0 = p * m * n;
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double s = 0;
                    for (long l = 0; l < k; l++) {
                        double x = getD(ab, t, a0 + (transA ? l * m + i : i * k + l));
                        double y = getD(bb, t, b0 + (transB ? j * k + l : l * n + j));
                        s += x * y;
                    }
                    putD(ob, t, o0 + i * n + j, s);
                }
            }
        }
    }

    @Override
    protected void softmaxKernel(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        ByteBuffer xb = host(x).buffer();
        ByteBuffer ob = host(out).buffer();
        String name = log ? "logSoftmax" : "softmax";
        DType t = x.dtype();
        if (!t.isFloating()) {
            throw bad(name, "needs float32 or float64, got " + t);
        }
        checkDType(name, "out", out, t);
        if (outer < 0 || n < 0 || inner < 0) {
            throw bad(name, "bad view [" + outer + ", " + n + ", " + inner + "]");
        }
        long total = exactMul(exactMul(outer, n), inner);
        checkNumel(name, "x", x, total);
        checkNumel(name, "out", out, total);
        for (long o = 0; o < outer; o++) {
            for (long in = 0; in < inner; in++) {
                long base = o * n * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (long j = 0; j < n; j++) {
                    double v = getD(xb, t, base + j * inner);
                    if (Double.isNaN(v) || v > max) {
                        max = v;
                        if (Double.isNaN(v)) {
                            break;
                        }
                    }
                }
                double sum = 0;
                for (long j = 0; j < n; j++) {
                    sum += Math.exp(getD(xb, t, base + j * inner) - max);
                }
                double logSum = Math.log(sum);
                for (long j = 0; j < n; j++) {
                    double v = getD(xb, t, base + j * inner) - max;
                    putD(ob, t, base + j * inner, log ? v - logSum : Math.exp(v) / sum);
                }
            }
        }
    }

    /** ids[i] as a long, checked to lie in [0, rows). */
    private static long id(String op, ByteBuffer ib, DType it, long i, long rows) {
        long r = getL(ib, it, i);
        if (r < 0 || r >= rows) {
            throw bad(op, "ids[" + i + "] = " + r + " outside [0, " + rows + ")");
        }
        return r;
    }

    @Override
    protected void gatherKernel(Storage table, long rowSize, Storage ids, Storage out) {
        ByteBuffer tb = host(table).buffer();
        ByteBuffer ib = host(ids).buffer();
        ByteBuffer ob = host(out).buffer();
        checkIds("gather", ids);
        checkDType("gather", "out", out, table.dtype());
        if (rowSize < 1 || table.numel() % rowSize != 0) {
            throw bad("gather", "row size " + rowSize + " does not divide the table's " + table.numel() + " elements");
        }
        checkNumel("gather", "out", out, exactMul(ids.numel(), rowSize));
        long rows = table.numel() / rowSize;
        int size = table.dtype().size();
        for (long i = 0; i < ids.numel(); i++) {
            long r = id("gather", ib, ids.dtype(), i, rows);
            for (long c = 0; c < rowSize; c++) {
                copyElement(tb, r * rowSize + c, ob, i * rowSize + c, size);
            }
        }
    }

    @Override
    protected void scatterAddKernel(Storage src, long rowSize, Storage ids, Storage out) {
        ByteBuffer sb = host(src).buffer();
        ByteBuffer ib = host(ids).buffer();
        ByteBuffer ob = host(out).buffer();
        checkIds("scatterAdd", ids);
        checkDType("scatterAdd", "out", out, src.dtype());
        DType t = src.dtype();
        if (t == DType.BOOL) {
            throw bad("scatterAdd", "not defined for dtype bool");
        }
        if (rowSize < 1 || out.numel() % rowSize != 0) {
            throw bad("scatterAdd", "row size " + rowSize + " does not divide out's " + out.numel() + " elements");
        }
        checkNumel("scatterAdd", "src", src, exactMul(ids.numel(), rowSize));
        long rows = out.numel() / rowSize;
        if (t.isFloating()) {
            // Accumulate each touched row in float64 (starting from out's value), in increasing i,
            // and round to out's dtype once at the end.
            Map<Long, double[]> acc = new LinkedHashMap<>();
            for (long i = 0; i < ids.numel(); i++) {
                long r = id("scatterAdd", ib, ids.dtype(), i, rows);
                double[] row = acc.get(r);
                if (row == null) {
                    row = new double[Math.toIntExact(rowSize)];
                    for (int c = 0; c < rowSize; c++) {
                        row[c] = getD(ob, t, r * rowSize + c);
                    }
                    acc.put(r, row);
                }
                for (int c = 0; c < rowSize; c++) {
                    row[c] += getD(sb, t, i * rowSize + c);
                }
            }
            for (Map.Entry<Long, double[]> e : acc.entrySet()) {
                long r = e.getKey();
                double[] row = e.getValue();
                for (int c = 0; c < rowSize; c++) {
                    putD(ob, t, r * rowSize + c, row[c]);
                }
            }
        } else {
            for (long i = 0; i < ids.numel(); i++) {
                long r = id("scatterAdd", ib, ids.dtype(), i, rows);
                for (long c = 0; c < rowSize; c++) {
                    long d = r * rowSize + c;
                    putL(ob, t, d, getL(ob, t, d) + getL(sb, t, i * rowSize + c));
                }
            }
        }
    }

    @Override
    protected void oneHotKernel(Storage ids, long depth, Storage out) {
        ByteBuffer ib = host(ids).buffer();
        ByteBuffer ob = host(out).buffer();
        checkIds("oneHot", ids);
        if (depth < 0) {
            throw bad("oneHot", "negative depth " + depth);
        }
        checkNumel("oneHot", "out", out, exactMul(ids.numel(), depth));
        DType t = out.dtype();
        for (long i = 0; i < out.numel(); i++) {
            putL(ob, t, i, 0);
        }
        for (long i = 0; i < ids.numel(); i++) {
            long r = id("oneHot", ib, ids.dtype(), i, depth);
            putL(ob, t, i * depth + r, 1);
        }
    }

    // ---- convolution and pooling (direct loops in float64: ReferenceConv) ----------------------

    @Override
    protected void conv2dForwardKernel(Storage x, Storage kernel, Storage out, ConvGeometry g) {
        g.checkStorages("reference.conv2dForward", x, kernel, out);
        ReferenceConv.write(host(out), ReferenceConv.conv2dForward(ReferenceConv.read(host(x)), ReferenceConv.read(host(kernel)), g));
    }

    @Override
    protected void conv2dBackwardInputKernel(Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        g.checkStorages("reference.conv2dBackwardInput", dx, kernel, dy);
        ReferenceConv.write(host(dx), ReferenceConv.conv2dBackwardInput(ReferenceConv.read(host(dy)), ReferenceConv.read(host(kernel)), g));
    }

    @Override
    protected void conv2dBackwardFilterKernel(Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        g.checkStorages("reference.conv2dBackwardFilter", x, dkernel, dy);
        ReferenceConv.write(host(dkernel), ReferenceConv.conv2dBackwardFilter(ReferenceConv.read(host(x)), ReferenceConv.read(host(dy)), g));
    }

    @Override
    protected void maxPool2dForwardKernel(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("reference.maxPool2dForward", x, out);
        ReferenceConv.write(host(out), ReferenceConv.maxPool2dForward(ReferenceConv.read(host(x)), g));
    }

    @Override
    protected void maxPool2dBackwardKernel(Storage x, Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("reference.maxPool2dBackward", x, dy);
        g.checkStorages("reference.maxPool2dBackward", dx, dy);
        ReferenceConv.write(host(dx), ReferenceConv.maxPool2dBackward(ReferenceConv.read(host(x)), ReferenceConv.read(host(dy)), g));
    }

    @Override
    protected void avgPool2dForwardKernel(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("reference.avgPool2dForward", x, out);
        ReferenceConv.write(host(out), ReferenceConv.avgPool2d(ReferenceConv.read(host(x)), null, g, false));
    }

    @Override
    protected void avgPool2dBackwardKernel(Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("reference.avgPool2dBackward", dx, dy);
        ReferenceConv.write(host(dx), ReferenceConv.avgPool2d(null, ReferenceConv.read(host(dy)), g, true));
    }

    // ---- recurrent cells (math in ReferenceRecurrent) -----------------------------------------

    /** The storage's host buffer, after the ownership check (for ReferenceRecurrent). */
    ByteBuffer hostBuffer(Storage s) {
        return host(s).buffer();
    }

    @Override
    protected void lstmCellForwardKernel(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
        ReferenceRecurrent.lstmCellForward(this, z, cPrev, h, c, gates, batch, hidden);
    }

    @Override
    protected void lstmCellBackwardKernel(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        ReferenceRecurrent.lstmCellBackward(this, gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
    }

    @Override
    protected void gruCellForwardKernel(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
        ReferenceRecurrent.gruCellForward(this, xz, hz, hPrev, h, gates, batch, hidden);
    }

    @Override
    protected void gruCellBackwardKernel(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        ReferenceRecurrent.gruCellBackward(this, gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
    }
}
