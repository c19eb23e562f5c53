package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks every CpuBackend kernel against a straightforward double-precision Java computation
 * written here (independent of the reference backend), for every supported dtype.
 */
class CpuBackendTest {
    private static final CpuBackend B = CpuBackend.instance();
    private static final DType[] ALL = DType.values();
    private static final DType[] NUMERIC = {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64};
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    private static final int[] SIZES = {1, 7, 33, 1023, 100_003};

    private final Random rnd = new Random(20240611L);
    private final List<Storage> live = new ArrayList<>();
    private long baseline;

    @BeforeEach
    void rememberBaseline() {
        baseline = B.bytesInUse();
    }

    @AfterEach
    void releaseAndCheckBaseline() {
        for (Storage s : live) {
            s.release();
        }
        live.clear();
        assertEquals(baseline, B.bytesInUse(), "bytesInUse back to baseline");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private Storage alloc(DType dt, long n) {
        Storage s = B.allocate(dt, n);
        live.add(s);
        return s;
    }

    private Storage of(DType dt, double[] v) {
        Storage s = alloc(dt, v.length);
        ByteBuffer b = ByteBuffer.allocate((int) s.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            switch (dt) {
                case FLOAT32: b.putFloat((float) x); break;
                case FLOAT64: b.putDouble(x); break;
                case INT32: b.putInt((int) x); break;
                case INT64: b.putLong((long) x); break;
                default: b.put((byte) (x != 0 ? 1 : 0));
            }
        }
        b.flip();
        B.upload(b, s);
        return s;
    }

    private static double[] read(Storage s) {
        ByteBuffer b = ByteBuffer.allocate((int) s.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        B.download(s, b);
        double[] v = new double[(int) s.numel()];
        for (int i = 0; i < v.length; i++) {
            switch (s.dtype()) {
                case FLOAT32: v[i] = b.getFloat(); break;
                case FLOAT64: v[i] = b.getDouble(); break;
                case INT32: v[i] = b.getInt(); break;
                case INT64: v[i] = b.getLong(); break;
                default: v[i] = b.get();
            }
        }
        return v;
    }

    /** Random values representable in dt (ints in [-50, 50], bools 0/1, floats in [lo, hi]). */
    private double[] random(DType dt, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            switch (dt) {
                case FLOAT32: v[i] = (float) (lo + (hi - lo) * rnd.nextDouble()); break;
                case FLOAT64: v[i] = lo + (hi - lo) * rnd.nextDouble(); break;
                case BOOL: v[i] = rnd.nextInt(2); break;
                default: v[i] = rnd.nextInt(101) - 50;
            }
        }
        return v;
    }

    private double[] random(DType dt, int n) {
        return random(dt, n, -2, 2);
    }

    /** Rounds a double reference to what dt can hold (float32 rounding for float32 refs is not applied). */
    private static void check(String what, DType dt, double[] ref, double[] out, double tol) {
        assertEquals(ref.length, out.length, what + ": length");
        if (!dt.isFloating()) {
            assertArrayEquals(ref, out, 0.0, what + ": exact for " + dt);
            return;
        }
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Double.isNaN(out[i]) && !Double.isNaN(ref[i])) {
                fail(what + ": NaN at " + i + " (ref " + ref[i] + ")");
            }
            if (Double.isNaN(ref[i])) {
                assertTrue(Double.isNaN(out[i]), what + ": expected NaN at " + i + ", got " + out[i]);
                continue;
            }
            if (Double.isInfinite(ref[i])) {
                assertEquals(ref[i], out[i], what + ": infinity at " + i);
                continue;
            }
            double d = out[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        assertTrue(rel <= tol, what + " " + dt + ": relative error " + rel + " > " + tol);
    }

    private static double elemTol(DType dt) {
        return dt == DType.FLOAT32 ? 1e-6 : 1e-12;
    }

    private static double redTol(DType dt) {
        return dt == DType.FLOAT32 ? 1e-5 : 1e-12;
    }

    /** Java's conversion of a double into dt, as the contract states (truncate, bool = != 0). */
    private static double convert(double v, DType dt) {
        switch (dt) {
            case FLOAT32: return (float) v;
            case FLOAT64: return v;
            case INT32: return (int) v;
            case INT64: return (long) v;
            default: return v != 0 ? 1 : 0;
        }
    }

    private static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Index vector of flat position i in shape. */
    private static long[] unravel(long i, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }

    private static long dot(long[] idx, long[] strides) {
        long o = 0;
        for (int d = 0; d < idx.length; d++) {
            o += idx[d] * strides[d];
        }
        return o;
    }

    // ---- tests -------------------------------------------------------------------------------

    @Test
    void reportsCpuTargetAndThreads() {
        String t = CpuBackend.cpuTarget();
        System.out.println("lamina cpu kernels: target " + t + ", " + CpuBackend.threads() + " threads");
        assertTrue(t.startsWith("x86-64") || t.equals("generic"));
        assertEquals("cpu", B.name());
    }

    @Test
    void fill() {
        for (DType dt : ALL) {
            for (int n : SIZES) {
                Storage s = alloc(dt, n);
                double v = dt == DType.BOOL ? 1 : -3.75;
                B.fill(s, v);
                double[] ref = new double[n];
                Arrays.fill(ref, convert(v, dt));
                check("fill", dt, ref, read(s), 0);
            }
        }
    }

    @Test
    void castAllPairs() {
        for (DType from : ALL) {
            for (DType to : ALL) {
                for (int n : new int[] {1, 33, 100_003}) {
                    double[] x = random(from, n, -300, 300);
                    if (n > 1 && from.isFloating()) {
                        x[0] = convert(-2.7, from);  // truncation toward zero
                        x[1] = 0.0;
                    }
                    Storage xs = of(from, x), out = alloc(to, n);
                    B.cast(xs, out);
                    double[] ref = new double[n];
                    for (int i = 0; i < n; i++) {
                        ref[i] = convert(x[i], to);
                    }
                    check("cast " + from + "->" + to, to, ref, read(out), 0);
                }
            }
        }
    }

    @Test
    void copyStrided() {
        for (DType dt : ALL) {
            // transpose of [5, 7, 33] to [33, 7, 5] (dst contiguous, src permuted)
            long[] shape = {33, 7, 5};
            double[] x = random(dt, 5 * 7 * 33);
            Storage src = of(dt, x), dst = alloc(dt, x.length);
            long[] srcStrides = {1, 33, 7 * 33};
            B.copyStrided(src, 0, srcStrides, dst, 0, contiguousStrides(shape), shape);
            check("transpose", dt, stridedRef(x, 0, srcStrides, shape, null, 0, contiguousStrides(shape)), read(dst), 0);

            // broadcast a row of 1023 over 3 rows, into a slice of a bigger buffer with an offset
            double[] row = random(dt, 1023);
            Storage r = of(dt, row), big = alloc(dt, 3 * 1100 + 5);
            double[] bigInit = read(big);
            long[] bshape = {3, 1023};
            long[] dstStr = {1100, 1};
            B.copyStrided(r, 0, new long[] {0, 1}, big, 5, dstStr, bshape);
            check("broadcast", dt, stridedRef(row, 0, new long[] {0, 1}, bshape, bigInit, 5, dstStr), read(big), 0);

            // rank 0 and a reversed (negative stride) source
            Storage one = alloc(dt, 1);
            B.copyStrided(src, 7, new long[0], one, 0, new long[0], new long[0]);
            check("rank0", dt, new double[] {x[7]}, read(one), 0);
            Storage rev = alloc(dt, 33);
            B.copyStrided(src, 32, new long[] {-1}, rev, 0, new long[] {1}, new long[] {33});
            check("reverse", dt, stridedRef(x, 32, new long[] {-1}, new long[] {33}, null, 0, new long[] {1}), read(rev), 0);
        }
        Storage a = alloc(DType.FLOAT32, 10), b = alloc(DType.FLOAT32, 10);
        assertThrows(IllegalArgumentException.class,
                () -> B.copyStrided(a, 5, new long[] {1}, b, 0, new long[] {1}, new long[] {6}));
    }

    private static double[] stridedRef(double[] src, long so, long[] ss, long[] shape, double[] dstInit, long dof, long[] ds) {
        double[] d = dstInit == null ? new double[(int) numel(shape)] : dstInit.clone();
        for (long i = 0; i < numel(shape); i++) {
            long[] idx = unravel(i, shape);
            d[(int) (dof + dot(idx, ds))] = src[(int) (so + dot(idx, ss))];
        }
        return d;
    }

    @Test
    void unaryFloat() {
        for (DType dt : FLOATS) {
            for (UnaryOp op : UnaryOp.values()) {
                for (int n : SIZES) {
                    boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT;
                    double[] x = op == UnaryOp.LOG1P ? random(dt, n, -0.9, 3)
                            : positive ? random(dt, n, 0.01, 10) : random(dt, n, -5, 5);
                    if (op == UnaryOp.RECIPROCAL) {
                        for (int i = 0; i < n; i++) {
                            if (Math.abs(x[i]) < 1e-3) {
                                x[i] = 0.5;
                            }
                        }
                    }
                    if (n > 1) {
                        x[0] = 0;
                    }
                    double[] ref = new double[n];
                    for (int i = 0; i < n; i++) {
                        ref[i] = unaryRef(op, x[i]);
                    }
                    Storage xs = of(dt, x), out = alloc(dt, n);
                    B.unary(op, xs, out);
                    check("unary " + op, dt, ref, read(out), elemTol(dt));
                    B.unary(op, xs, xs);  // in place
                    check("unary in place " + op, dt, ref, read(xs), elemTol(dt));
                }
            }
        }
    }

    @Test
    void sigmoidAndTanhLargeMagnitude() {
        for (DType dt : FLOATS) {
            double[] x = {-1000, -100, -30, 30, 100, 1000, 0};
            Storage xs = of(dt, x), out = alloc(dt, x.length);
            B.unary(UnaryOp.SIGMOID, xs, out);
            double[] ref = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                ref[i] = unaryRef(UnaryOp.SIGMOID, x[i]);
            }
            check("sigmoid large", dt, ref, read(out), elemTol(dt));
            B.unary(UnaryOp.TANH, xs, out);
            for (int i = 0; i < x.length; i++) {
                ref[i] = Math.tanh(x[i]);
            }
            check("tanh large", dt, ref, read(out), elemTol(dt));
        }
    }

    private static double unaryRef(UnaryOp op, double v) {
        switch (op) {
            case NEG: return -v;
            case ABS: return Math.abs(v);
            case SIGN: return Math.signum(v);
            case EXP: return Math.exp(v);
            case LOG: return Math.log(v);
            case LOG1P: return Math.log1p(v);
            case SQRT: return Math.sqrt(v);
            case SQUARE: return v * v;
            case RECIPROCAL: return 1 / v;
            case TANH: return Math.tanh(v);
            case SIGMOID: return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
            case RELU: return Math.max(v, 0);
            case STEP: return v > 0 ? 1 : 0;
            case SOFTPLUS: return Math.log(1 + Math.exp(v));   // the plain formula (inputs here stay in [-5, 5])
            default: throw new AssertionError(op);
        }
    }

    @Test
    void unaryInt() {
        for (DType dt : new DType[] {DType.INT32, DType.INT64}) {
            for (UnaryOp op : UnaryOp.values()) {
                int n = 1023;
                Storage xs = of(dt, random(dt, n)), out = alloc(dt, n);
                if (!op.supportsIntegers()) {
                    assertThrows(IllegalArgumentException.class, () -> B.unary(op, xs, out), op + " on " + dt);
                    continue;
                }
                double[] x = read(xs);
                double[] ref = new double[n];
                for (int i = 0; i < n; i++) {
                    ref[i] = unaryRef(op, x[i]);
                }
                B.unary(op, xs, out);
                check("unary " + op, dt, ref, read(out), 0);
            }
        }
        Storage bs = alloc(DType.BOOL, 4);
        assertThrows(IllegalArgumentException.class, () -> B.unary(UnaryOp.NEG, bs, bs));
    }

    /** Output shape, a's shape, b's shape (right-aligned broadcasting as in NumPy). */
    private static final long[][][] BROADCASTS = {
        {{1023}, {1023}, {1023}},
        {{100_003}, {100_003}, {100_003}},
        {{7, 33}, {7, 33}, {}},           // scalar b
        {{7, 33}, {}, {7, 33}},           // scalar a
        {{7, 33}, {7, 33}, {33}},         // row broadcast
        {{7, 33}, {7, 1}, {7, 33}},       // column broadcast
        {{2, 3, 5}, {2, 1, 5}, {1, 3, 5}},
        {{4, 1, 7, 1}, {4, 1, 7, 1}, {1}},
        {{3, 65, 257}, {3, 1, 257}, {65, 1}},
        {{1}, {1}, {1}},
    };

    private static long[] broadcastStrides(long[] shape, long[] outShape) {
        long[] cs = contiguousStrides(shape);
        long[] s = new long[outShape.length];
        int off = outShape.length - shape.length;
        for (int d = 0; d < shape.length; d++) {
            s[d + off] = shape[d] == 1 ? 0 : cs[d];
        }
        return s;
    }

    @Test
    void binaryAllOpsAndBroadcasts() {
        for (DType dt : ALL) {
            for (BinaryOp op : BinaryOp.values()) {
                boolean boolOk = op.isComparison() || op == BinaryOp.ADD || op == BinaryOp.MUL
                        || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM;
                for (long[][] bc : BROADCASTS) {
                    long[] outShape = bc[0];
                    int na = (int) numel(bc[1]), nb = (int) numel(bc[2]), n = (int) numel(outShape);
                    double[] a = op == BinaryOp.POW && dt.isFloating() ? random(dt, na, 0.1, 3) : random(dt, na);
                    double[] b = op == BinaryOp.POW ? (dt.isFloating() ? random(dt, nb, -2, 2) : intsIn(nb, 0, 4))
                            : random(dt, nb);
                    if (op == BinaryOp.DIV && !dt.isFloating()) {
                        for (int i = 0; i < nb; i++) {
                            if (b[i] == 0) {
                                b[i] = 3;
                            }
                        }
                    }
                    if (op.isComparison() && na > 3 && nb > 3) {
                        a[1] = b[1];  // some equal pairs
                    }
                    Storage as = of(dt, a), bs = of(dt, b);
                    DType odt = op.isComparison() ? DType.BOOL : dt;
                    Storage out = alloc(odt, n);
                    long[] aStr = broadcastStrides(bc[1], outShape), bStr = broadcastStrides(bc[2], outShape);
                    if (dt == DType.BOOL && !boolOk) {
                        assertThrows(IllegalArgumentException.class, () -> B.binary(op, as, aStr, bs, bStr, out, outShape));
                        continue;
                    }
                    B.binary(op, as, aStr, bs, bStr, out, outShape);
                    double[] ref = new double[n];
                    for (int i = 0; i < n; i++) {
                        long[] idx = unravel(i, outShape);
                        ref[i] = binaryRef(op, dt, a[(int) dot(idx, aStr)], b[(int) dot(idx, bStr)]);
                    }
                    check("binary " + op + " " + Arrays.deepToString(bc), odt, ref, read(out), elemTol(dt) * 2);
                }
            }
        }
    }

    @Test
    void binaryTransposedOperandAndIntDivByZero() {
        // a is a transposed view [33, 7] of a [7, 33] storage
        double[] a = random(DType.FLOAT32, 7 * 33), b = random(DType.FLOAT32, 33 * 7);
        Storage as = of(DType.FLOAT32, a), bs = of(DType.FLOAT32, b), out = alloc(DType.FLOAT32, 33 * 7);
        long[] shape = {33, 7};
        B.binary(BinaryOp.SUB, as, new long[] {1, 33}, bs, new long[] {7, 1}, out, shape);
        double[] ref = new double[33 * 7];
        for (int i = 0; i < 33; i++) {
            for (int j = 0; j < 7; j++) {
                ref[i * 7 + j] = a[j * 33 + i] - b[i * 7 + j];
            }
        }
        check("transposed sub", DType.FLOAT32, ref, read(out), 1e-6);

        Storage x = of(DType.INT32, new double[] {7, -7, Integer.MIN_VALUE}), z = of(DType.INT32, new double[] {0, 2, -1});
        Storage q = alloc(DType.INT32, 3);
        B.binary(BinaryOp.DIV, x, new long[] {1}, z, new long[] {1}, q, new long[] {3});
        assertArrayEquals(new double[] {0, -3, Integer.MIN_VALUE}, read(q), 0.0);
    }

    private double[] intsIn(int n, int lo, int hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + rnd.nextInt(hi - lo + 1);
        }
        return v;
    }

    private static double binaryRef(BinaryOp op, DType dt, double x, double y) {
        if (dt == DType.BOOL) {
            switch (op) {
                case ADD: case MAXIMUM: return (x != 0 || y != 0) ? 1 : 0;
                case MUL: case MINIMUM: return (x != 0 && y != 0) ? 1 : 0;
                default: break;
            }
        }
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return dt.isFloating() ? x / y : (double) ((long) x / (long) y);
            case POW: return dt.isFloating() ? Math.pow(x, y) : (double) Math.round(Math.pow(x, y));
            case MAXIMUM: return Math.max(x, y);
            case MINIMUM: return Math.min(x, y);
            case EQ: return x == y ? 1 : 0;
            case NE: return x != y ? 1 : 0;
            case LT: return x < y ? 1 : 0;
            case LE: return x <= y ? 1 : 0;
            case GT: return x > y ? 1 : 0;
            case GE: return x >= y ? 1 : 0;
            default: throw new AssertionError(op);
        }
    }

    private static final long[][] VIEWS = {
        {1, 1, 1}, {1, 7, 1}, {1, 1023, 1}, {33, 7, 1}, {3, 7, 33}, {2, 1, 5}, {1, 33, 1023}, {5, 1023, 3},
        {1, 300_001, 1}, {2, 140_000, 1},
    };

    @Test
    void reduceAllOps() {
        for (DType dt : ALL) {
            for (ReduceOp op : ReduceOp.values()) {
                for (long[] v : VIEWS) {
                    int outer = (int) v[0], n = (int) v[1], inner = (int) v[2];
                    double[] x = random(dt, outer * n * inner);
                    if (dt.isFloating() && !op.isArg() && op != ReduceOp.SUM) {
                        // ties are irrelevant for MAX/MIN; for ARG ops ties come from ints/bools
                    }
                    Storage xs = of(dt, x);
                    Storage out = alloc(op.isArg() ? DType.INT64 : dt, (long) outer * inner);
                    B.reduce(op, xs, outer, n, inner, out);
                    double[] ref = reduceRef(op, dt, x, outer, n, inner);
                    DType odt = op.isArg() ? DType.INT64 : dt;
                    check("reduce " + op + " " + Arrays.toString(v), odt, ref, read(out), redTol(dt));
                }
            }
        }
    }

    private static double[] reduceRef(ReduceOp op, DType dt, double[] x, int outer, int n, int inner) {
        double[] r = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double acc = op == ReduceOp.SUM ? 0 : x[o * n * inner + j];
                int arg = 0;
                for (int i = 0; i < n; i++) {
                    double v = x[(o * n + i) * inner + j];
                    switch (op) {
                        case SUM: acc += v; break;
                        case MAX: acc = Math.max(acc, v); break;
                        case MIN: acc = Math.min(acc, v); break;
                        case ARGMAX: if (v > acc) { acc = v; arg = i; } break;
                        default: if (v < acc) { acc = v; arg = i; } break;
                    }
                }
                if (op == ReduceOp.SUM && dt == DType.BOOL) {
                    acc = acc != 0 ? 1 : 0;
                }
                r[o * inner + j] = op.isArg() ? arg : acc;
            }
        }
        return r;
    }

    @Test
    void reduceNaNPropagationAndFirstOccurrence() {
        double nan = Double.NaN;
        for (DType dt : FLOATS) {
            Storage x = of(dt, new double[] {1, nan, 3, 3, nan, 0});
            Storage mx = alloc(dt, 1), arg = alloc(DType.INT64, 1);
            B.reduce(ReduceOp.MAX, x, 1, 6, 1, mx);
            assertTrue(Double.isNaN(read(mx)[0]));
            B.reduce(ReduceOp.MIN, x, 1, 6, 1, mx);
            assertTrue(Double.isNaN(read(mx)[0]));
            B.reduce(ReduceOp.ARGMAX, x, 1, 6, 1, arg);
            assertEquals(1.0, read(arg)[0]);
            Storage y = of(dt, new double[] {1, 3, 3, 0, 0});
            B.reduce(ReduceOp.ARGMAX, y, 1, 5, 1, arg);
            assertEquals(1.0, read(arg)[0]);
            B.reduce(ReduceOp.ARGMIN, y, 1, 5, 1, arg);
            assertEquals(3.0, read(arg)[0]);
        }
    }

    @Test
    void reduceIsDeterministicAcrossThreadCounts() {
        int before = CpuBackend.threads();
        try {
            for (long[] v : new long[][] {{1, 1_000_003, 1}, {3, 200_001, 1}, {64, 4099, 1}, {4, 3001, 257}}) {
                int total = (int) (v[0] * v[1] * v[2]);
                double[] x = random(DType.FLOAT32, total, -1, 1);
                Storage xs = of(DType.FLOAT32, x);
                double[] first = null;
                for (int t : new int[] {1, 2, 3, 8}) {
                    CpuBackend.setThreads(t);
                    Storage out = alloc(DType.FLOAT32, v[0] * v[2]);
                    B.reduce(ReduceOp.SUM, xs, v[0], v[1], v[2], out);
                    double[] r = read(out);
                    if (first == null) {
                        first = r;
                        check("sum " + Arrays.toString(v), DType.FLOAT32, reduceRef(ReduceOp.SUM, DType.FLOAT32, x,
                                (int) v[0], (int) v[1], (int) v[2]), r, 1e-5);
                    } else {
                        for (int i = 0; i < r.length; i++) {
                            assertEquals(Double.doubleToRawLongBits(first[i]), Double.doubleToRawLongBits(r[i]),
                                    "sum " + Arrays.toString(v) + " with " + t + " threads differs at " + i);
                        }
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    @Test
    void matmul() {
        int[][] mnk = {{1, 1, 1}, {7, 33, 5}, {33, 7, 1023}, {64, 65, 66}, {3, 1, 7}};
        for (DType dt : FLOATS) {
            for (int[] s : mnk) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (int[] batchSpec : new int[][] {{1, 1, 1}, {3, 1, 1}, {3, 0, 1}, {3, 1, 0}}) {
                            matmulCase(dt, batchSpec[0], s[0], s[1], s[2], ta, tb, batchSpec[1] == 1, batchSpec[2] == 1);
                        }
                    }
                }
            }
        }
    }

    @Test
    void matmulSplitOverThePool() {
        // above the pool's threshold (m·n·k ≥ 2^19): rows split (m ≥ n), columns split (n > m), a
        // 16-row tail, and many small products spread over the pool whole
        int before = CpuBackend.threads();
        try {
            CpuBackend.setThreads(3);
            for (DType dt : FLOATS) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        matmulCase(dt, 1, 203, 150, 41, ta, tb, true, true);
                        matmulCase(dt, 1, 37, 301, 61, ta, tb, true, true);
                        matmulCase(dt, 70, 32, 33, 31, ta, tb, true, false);
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    @Test
    void matmulIsBitwiseTheSameForAnyThreadCount() {
        int before = CpuBackend.threads();
        try {
            // 517·300·129 and 512 small products of 48·40·36 together are above the pool's 2^24 multiply-adds
            int[][] shapes = {{1, 517, 300, 129}, {1, 45, 999, 77}, {64, 48, 40, 36}, {512, 48, 40, 36}};
            for (int[] sh : shapes) {
                int batch = sh[0], m = sh[1], n = sh[2], k = sh[3];
                Storage a = of(DType.FLOAT32, random(DType.FLOAT32, batch * m * k, -1, 1));
                Storage b = of(DType.FLOAT32, random(DType.FLOAT32, batch * k * n, -1, 1));
                double[] first = null;
                for (int t : new int[] {1, 2, 3, 8}) {
                    CpuBackend.setThreads(t);
                    Storage out = alloc(DType.FLOAT32, (long) batch * m * n);
                    B.matmul(a, b, out, batch, m, n, k, false, false, (long) m * k, (long) k * n);
                    double[] r = read(out);
                    if (first == null) {
                        first = r;
                    } else {
                        assertArrayEquals(first, r, 0.0, java.util.Arrays.toString(sh) + " with " + t + " threads");
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    private void matmulCase(DType dt, int batch, int m, int n, int k, boolean ta, boolean tb, boolean aBatched,
                            boolean bBatched) {
        long strideA = aBatched ? (long) m * k : 0, strideB = bBatched ? (long) k * n : 0;
        double[] a = random(dt, (int) ((aBatched ? batch : 1) * (long) m * k), -1, 1);
        double[] b = random(dt, (int) ((bBatched ? batch : 1) * (long) k * n), -1, 1);
        Storage as = of(dt, a), bs = of(dt, b), out = alloc(dt, (long) batch * m * n);
        B.matmul(as, bs, out, batch, m, n, k, ta, tb, strideA, strideB);
        double[] ref = new double[batch * m * n];
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int l = 0; l < k; l++) {
                        double av = a[(int) (p * strideA + (ta ? (long) l * m + i : (long) i * k + l))];
                        double bv = b[(int) (p * strideB + (tb ? (long) j * k + l : (long) l * n + j))];
                        acc += av * bv;
                    }
                    ref[(p * m + i) * n + j] = acc;
                }
            }
        }
        check("matmul b" + batch + " " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " sA=" + strideA + " sB="
                + strideB, dt, ref, read(out), redTol(dt));
    }

    @Test
    void matmulEdgeCases() {
        for (DType dt : FLOATS) {
            Storage a = alloc(dt, 1), b = alloc(dt, 1);
            Storage out = alloc(dt, 2 * 3 * 4);
            B.fill(out, 7);
            B.matmul(a, b, out, 2, 3, 4, 0, false, false, 0, 0);  // k = 0: zeros
            check("matmul k=0", dt, new double[24], read(out), 0);
            Storage empty = alloc(dt, 0);
            B.matmul(a, b, empty, 2, 0, 4, 3, false, false, 0, 0);  // m = 0: nothing
        }
        for (DType dt : new DType[] {DType.INT32, DType.INT64, DType.BOOL}) {
            Storage a = alloc(dt, 4), b = alloc(dt, 4), out = alloc(dt, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> B.matmul(a, b, out, 1, 2, 2, 2, false, false, 0, 0));
            assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains(dt.toString()), e.getMessage());
        }
    }

    @Test
    void softmaxAndLogSoftmax() {
        for (DType dt : FLOATS) {
            for (long[] v : new long[][] {{1, 1, 1}, {1, 7, 1}, {33, 1023, 1}, {3, 7, 33}, {2, 33, 65}}) {
                for (double scale : new double[] {3, 1000}) {
                    int outer = (int) v[0], n = (int) v[1], inner = (int) v[2];
                    double[] x = random(dt, outer * n * inner, -scale, scale);
                    Storage xs = of(dt, x), out = alloc(dt, x.length);
                    for (boolean log : new boolean[] {false, true}) {
                        B.softmax(xs, out, outer, n, inner, log);
                        check((log ? "logSoftmax " : "softmax ") + Arrays.toString(v) + " scale " + scale, dt,
                                softmaxRef(x, outer, n, inner, log), read(out), log ? elemTol(dt) : 1e-5);
                    }
                }
            }
        }
        Storage i = alloc(DType.INT32, 3);
        assertThrows(IllegalArgumentException.class, () -> B.softmax(i, i, 1, 3, 1, false));
    }

    private static double[] softmaxRef(double[] x, int outer, int n, int inner, boolean log) {
        double[] r = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    mx = Math.max(mx, x[(o * n + i) * inner + j]);
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += Math.exp(x[(o * n + i) * inner + j] - mx);
                }
                for (int i = 0; i < n; i++) {
                    int at = (o * n + i) * inner + j;
                    r[at] = log ? x[at] - mx - Math.log(s) : Math.exp(x[at] - mx) / s;
                }
            }
        }
        return r;
    }

    @Test
    void gatherScatterAddOneHot() {
        for (DType dt : ALL) {
            for (DType idt : new DType[] {DType.INT32, DType.INT64}) {
                for (int rowSize : new int[] {1, 7, 1023}) {
                    int rows = 33, nIds = 101;
                    double[] table = random(dt, rows * rowSize);
                    double[] ids = intsIn(nIds, 0, rows - 1);
                    Storage ts = of(dt, table), is = of(idt, ids), out = alloc(dt, (long) nIds * rowSize);
                    B.gather(ts, rowSize, is, out);
                    double[] ref = new double[nIds * rowSize];
                    for (int i = 0; i < nIds; i++) {
                        System.arraycopy(table, (int) ids[i] * rowSize, ref, i * rowSize, rowSize);
                    }
                    check("gather", dt, ref, read(out), 0);

                    double[] src = random(dt, nIds * rowSize);
                    double[] init = random(dt, rows * rowSize);
                    Storage ss = of(dt, src), acc = of(dt, init);
                    B.scatterAdd(ss, rowSize, is, acc);
                    double[] sref = init.clone();
                    for (int i = 0; i < nIds; i++) {
                        for (int c = 0; c < rowSize; c++) {
                            int at = (int) ids[i] * rowSize + c;
                            sref[at] = dt == DType.BOOL ? ((sref[at] != 0 || src[i * rowSize + c] != 0) ? 1 : 0)
                                    : convert(sref[at] + src[i * rowSize + c], dt);
                        }
                    }
                    check("scatterAdd", dt, sref, read(acc), dt == DType.FLOAT32 ? 1e-6 : 1e-12);
                }
                int depth = 7, nIds = 33;
                double[] ids = intsIn(nIds, 0, depth - 1);
                Storage is = of(idt, ids), oh = alloc(dt, (long) nIds * depth);
                B.fill(oh, 1);
                B.oneHot(is, depth, oh);
                double[] ref = new double[nIds * depth];
                for (int i = 0; i < nIds; i++) {
                    ref[i * depth + (int) ids[i]] = 1;
                }
                check("oneHot", dt, ref, read(oh), 0);
            }
        }
        Storage table = alloc(DType.FLOAT32, 12), bad = of(DType.INT64, new double[] {0, 4}), out = alloc(DType.FLOAT32, 6);
        assertThrows(IndexOutOfBoundsException.class, () -> B.gather(table, 3, bad, out));
        Storage neg = of(DType.INT32, new double[] {-1, 0});
        assertThrows(IndexOutOfBoundsException.class, () -> B.scatterAdd(out, 3, neg, table));
    }

    @Test
    void scatterAddLargeRowsDeterministicAcrossThreads() {
        int before = CpuBackend.threads();
        try {
            int rows = 5, rowSize = 4096, nIds = 64;
            double[] src = random(DType.FLOAT32, nIds * rowSize);
            double[] ids = intsIn(nIds, 0, rows - 1);
            Storage ss = of(DType.FLOAT32, src), is = of(DType.INT32, ids);
            double[] first = null;
            for (int t : new int[] {1, 2, 5}) {
                CpuBackend.setThreads(t);
                Storage acc = alloc(DType.FLOAT32, (long) rows * rowSize);
                B.scatterAdd(ss, rowSize, is, acc);
                double[] r = read(acc);
                if (first == null) {
                    first = r;
                } else {
                    assertArrayEquals(first, r, 0.0);
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    @Test
    void rejectsForeignAndFreedStorage() {
        Storage s = B.allocate(DType.FLOAT32, 4);
        s.release();
        assertThrows(IllegalStateException.class, () -> B.fill(s, 1));
        Storage a = alloc(DType.FLOAT32, 4), b = alloc(DType.FLOAT32, 5);
        assertThrows(IllegalArgumentException.class, () -> B.cast(a, b));
    }
}
