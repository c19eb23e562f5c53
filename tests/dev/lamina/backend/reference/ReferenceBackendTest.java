package dev.lamina.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hand-computed expectations for every kernel of the reference backend. */
class ReferenceBackendTest {
    private static final ReferenceBackend B = ReferenceBackend.INSTANCE;
    private static final double EPS = 1e-6;

    private final List<Storage> live = new ArrayList<>();
    private long baseline;

    @BeforeEach
    void recordBaseline() {
        baseline = B.bytesInUse();
    }

    @AfterEach
    void releaseAll() {
        for (Storage s : live) {
            s.release();
        }
        live.clear();
        assertEquals(baseline, B.bytesInUse(), "bytesInUse returns to baseline");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private Storage alloc(DType t, long n) {
        Storage s = B.allocate(t, n);
        live.add(s);
        return s;
    }

    private static ByteBuffer buf(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Storage f32(float... v) {
        ByteBuffer b = buf(v.length * 4);
        for (float x : v) {
            b.putFloat(x);
        }
        b.flip();
        Storage s = alloc(DType.FLOAT32, v.length);
        B.upload(b, s);
        return s;
    }

    private Storage f64(double... v) {
        ByteBuffer b = buf(v.length * 8);
        for (double x : v) {
            b.putDouble(x);
        }
        b.flip();
        Storage s = alloc(DType.FLOAT64, v.length);
        B.upload(b, s);
        return s;
    }

    private Storage i32(int... v) {
        ByteBuffer b = buf(v.length * 4);
        for (int x : v) {
            b.putInt(x);
        }
        b.flip();
        Storage s = alloc(DType.INT32, v.length);
        B.upload(b, s);
        return s;
    }

    private Storage i64(long... v) {
        ByteBuffer b = buf(v.length * 8);
        for (long x : v) {
            b.putLong(x);
        }
        b.flip();
        Storage s = alloc(DType.INT64, v.length);
        B.upload(b, s);
        return s;
    }

    private Storage bools(boolean... v) {
        ByteBuffer b = buf(v.length);
        for (boolean x : v) {
            b.put((byte) (x ? 1 : 0));
        }
        b.flip();
        Storage s = alloc(DType.BOOL, v.length);
        B.upload(b, s);
        return s;
    }

    private static ByteBuffer down(Storage s) {
        ByteBuffer b = buf((int) s.bytes());
        B.download(s, b);
        return b;
    }

    private static float[] readF32(Storage s) {
        ByteBuffer b = down(s);
        float[] r = new float[(int) s.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.getFloat(i * 4);
        }
        return r;
    }

    private static double[] readF64(Storage s) {
        ByteBuffer b = down(s);
        double[] r = new double[(int) s.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.getDouble(i * 8);
        }
        return r;
    }

    private static int[] readI32(Storage s) {
        ByteBuffer b = down(s);
        int[] r = new int[(int) s.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.getInt(i * 4);
        }
        return r;
    }

    private static long[] readI64(Storage s) {
        ByteBuffer b = down(s);
        long[] r = new long[(int) s.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = b.getLong(i * 8);
        }
        return r;
    }

    private static boolean[] readBool(Storage s) {
        ByteBuffer b = down(s);
        boolean[] r = new boolean[(int) s.numel()];
        for (int i = 0; i < r.length; i++) {
            byte v = b.get(i);
            assertTrue(v == 0 || v == 1, "bool byte is 0 or 1");
            r[i] = v == 1;
        }
        return r;
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], EPS * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @Test
    void nameAndMemoryAccounting() {
        assertEquals("reference", B.name());
        assertTrue(B.isAvailable());
        long before = B.bytesInUse();
        Storage a = B.allocate(DType.FLOAT64, 10);
        Storage c = B.allocate(DType.BOOL, 3);
        assertEquals(before + 83, B.bytesInUse());
        assertArrayEquals(new double[10], readF64(a), "allocate zero-fills");
        a.retain();
        a.release();
        assertEquals(before + 83, B.bytesInUse(), "a retained storage stays");
        a.release();
        c.release();
        assertEquals(before, B.bytesInUse());
        assertTrue(a.isFreed());
        assertThrows(IllegalStateException.class, () -> B.fill(a, 1));
    }

    @Test
    void foreignStorageIsRejected() {
        Storage s = f32(1);
        // a storage that claims another backend
        Storage foreign = new Storage(new dev.lamina.backend.HostBackend() {
            @Override
            public String name() {
                return "other";
            }

            @Override protected void fillKernel(Storage out, double value) { }
            @Override protected void castKernel(Storage x, Storage out) { }
            @Override protected void copyStridedKernel(Storage src, long so, long[] ss, Storage dst, long d0, long[] ds, long[] sh) { }
            @Override protected void unaryKernel(UnaryOp op, Storage x, Storage out) { }
            @Override protected void binaryKernel(BinaryOp op, Storage a, long[] as, Storage b, long[] bs, Storage out, long[] os) { }
            @Override protected void reduceKernel(ReduceOp op, Storage x, long o, long n, long i, Storage out) { }
            @Override protected void matmulKernel(Storage a, Storage b, Storage out, long ba, long m, long n, long k,
                                         boolean ta, boolean tb, long sa, long sb) { }
            @Override protected void softmaxKernel(Storage x, Storage out, long o, long n, long i, boolean log) { }
            @Override protected void gatherKernel(Storage t, long r, Storage ids, Storage out) { }
            @Override protected void scatterAddKernel(Storage src, long r, Storage ids, Storage out) { }
            @Override protected void oneHotKernel(Storage ids, long depth, Storage out) { }
        }, DType.FLOAT32, 1) { };
        assertThrows(IllegalArgumentException.class, () -> B.cast(foreign, s));
    }

    // ---- fill / cast --------------------------------------------------------------------------

    @Test
    void fillEveryDtype() {
        Storage f = alloc(DType.FLOAT32, 3);
        B.fill(f, 0.1);
        assertArrayEquals(new float[] {0.1f, 0.1f, 0.1f}, readF32(f));
        Storage d = alloc(DType.FLOAT64, 2);
        B.fill(d, 0.1);
        assertArrayEquals(new double[] {0.1, 0.1}, readF64(d));
        Storage i = alloc(DType.INT32, 2);
        B.fill(i, -2.7);
        assertArrayEquals(new int[] {-2, -2}, readI32(i));
        Storage l = alloc(DType.INT64, 2);
        B.fill(l, 5);
        assertArrayEquals(new long[] {5, 5}, readI64(l));
        Storage b = alloc(DType.BOOL, 2);
        B.fill(b, 0.5);
        assertArrayEquals(new boolean[] {true, true}, readBool(b));
        B.fill(b, 0);
        assertArrayEquals(new boolean[] {false, false}, readBool(b));
    }

    @Test
    void castTruncatesAndMakesBools() {
        Storage x = f32(1.7f, -1.7f, 0f, 2.5f, -0.2f);
        Storage i = alloc(DType.INT32, 5);
        B.cast(x, i);
        assertArrayEquals(new int[] {1, -1, 0, 2, 0}, readI32(i));
        Storage l = alloc(DType.INT64, 5);
        B.cast(x, l);
        assertArrayEquals(new long[] {1, -1, 0, 2, 0}, readI64(l));
        Storage b = alloc(DType.BOOL, 5);
        B.cast(x, b);
        assertArrayEquals(new boolean[] {true, true, false, true, true}, readBool(b));
        Storage back = alloc(DType.FLOAT64, 5);
        B.cast(b, back);
        assertArrayEquals(new double[] {1, 1, 0, 1, 1}, readF64(back));
        Storage d = alloc(DType.FLOAT64, 5);
        B.cast(x, d);
        assertArrayEquals(new double[] {1.7f, -1.7f, 0f, 2.5f, -0.2f}, readF64(d));
        Storage f = alloc(DType.FLOAT32, 3);
        B.cast(i64(3, -4, 1L << 40), f);
        assertArrayEquals(new float[] {3, -4, (float) (1L << 40)}, readF32(f));
        Storage narrow = alloc(DType.INT32, 1);
        B.cast(i64((1L << 32) + 7), narrow);
        assertArrayEquals(new int[] {7}, readI32(narrow), "int64 to int32 wraps");
        Storage ib = alloc(DType.BOOL, 3);
        B.cast(i32(0, -3, 2), ib);
        assertArrayEquals(new boolean[] {false, true, true}, readBool(ib));
        assertThrows(IllegalArgumentException.class, () -> B.cast(x, alloc(DType.INT32, 4)));
    }

    // ---- copyStrided --------------------------------------------------------------------------

    @Test
    void copyStridedTransposes() {
        // src [2,3] = 0..5, dst = transpose [3,2]
        Storage src = f32(0, 1, 2, 3, 4, 5);
        Storage dst = alloc(DType.FLOAT32, 6);
        B.copyStrided(src, 0, new long[] {1, 3}, dst, 0, new long[] {2, 1}, new long[] {3, 2});
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, readF32(dst));
    }

    @Test
    void copyStridedBroadcastsSlicesAndRank0() {
        Storage src = i64(7, 8, 9);
        Storage dst = alloc(DType.INT64, 6);
        // broadcast a row of 3 over 2 rows: source stride 0
        B.copyStrided(src, 0, new long[] {0, 1}, dst, 0, new long[] {3, 1}, new long[] {2, 3});
        assertArrayEquals(new long[] {7, 8, 9, 7, 8, 9}, readI64(dst));
        // slice [1:3] into positions 4..5 with offsets
        Storage dst2 = alloc(DType.INT64, 6);
        B.copyStrided(src, 1, new long[] {1}, dst2, 4, new long[] {1}, new long[] {2});
        assertArrayEquals(new long[] {0, 0, 0, 0, 8, 9}, readI64(dst2));
        // rank 0 copies one element
        Storage b = bools(false, true);
        Storage bd = alloc(DType.BOOL, 2);
        B.copyStrided(b, 1, new long[0], bd, 0, new long[0], new long[0]);
        assertArrayEquals(new boolean[] {true, false}, readBool(bd));
        // a walk past the end is refused
        assertThrows(IllegalArgumentException.class,
                () -> B.copyStrided(src, 1, new long[] {1}, dst, 0, new long[] {1}, new long[] {3}));
    }

    // ---- unary --------------------------------------------------------------------------------

    @Test
    void unaryFloatOps() {
        Storage x = f64(-2, 0, 0.5, 3);
        Storage o = alloc(DType.FLOAT64, 4);
        B.unary(UnaryOp.NEG, x, o);
        assertArrayEquals(new double[] {2, -0.0, -0.5, -3}, readF64(o));
        B.unary(UnaryOp.ABS, x, o);
        assertArrayEquals(new double[] {2, 0, 0.5, 3}, readF64(o));
        B.unary(UnaryOp.SIGN, x, o);
        assertArrayEquals(new double[] {-1, 0, 1, 1}, readF64(o));
        B.unary(UnaryOp.EXP, x, o);
        assertArrayEquals(new double[] {Math.exp(-2), 1, Math.exp(0.5), Math.exp(3)}, readF64(o));
        B.unary(UnaryOp.SQUARE, x, o);
        assertArrayEquals(new double[] {4, 0, 0.25, 9}, readF64(o));
        B.unary(UnaryOp.RECIPROCAL, x, o);
        assertArrayEquals(new double[] {-0.5, Double.POSITIVE_INFINITY, 2, 1.0 / 3}, readF64(o));
        B.unary(UnaryOp.TANH, x, o);
        assertArrayEquals(new double[] {Math.tanh(-2), 0, Math.tanh(0.5), Math.tanh(3)}, readF64(o));
        B.unary(UnaryOp.RELU, x, o);
        assertArrayEquals(new double[] {0, 0, 0.5, 3}, readF64(o));
        B.unary(UnaryOp.STEP, x, o);
        assertArrayEquals(new double[] {0, 0, 1, 1}, readF64(o));
        B.unary(UnaryOp.SIGMOID, x, o);
        assertArrayEquals(new double[] {1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-3))},
                readF64(o), 1e-15);

        Storage p = f32(1, 4, 0, (float) Math.E);
        Storage q = alloc(DType.FLOAT32, 4);
        B.unary(UnaryOp.LOG, p, q);
        assertClose(new double[] {0, Math.log(4), Double.NEGATIVE_INFINITY, 1}, readF32(q));
        B.unary(UnaryOp.SQRT, p, q);
        assertClose(new double[] {1, 2, 0, Math.sqrt(Math.E)}, readF32(q));
        Storage tiny = f64(1e-20);
        Storage t1 = alloc(DType.FLOAT64, 1);
        B.unary(UnaryOp.LOG1P, tiny, t1);
        assertEquals(1e-20, readF64(t1)[0], 1e-35);
    }

    @Test
    void sigmoidSaturatesWithoutNaN() {
        Storage x = f32(-1000, 1000, -88, 88);
        Storage o = alloc(DType.FLOAT32, 4);
        B.unary(UnaryOp.SIGMOID, x, o);
        float[] r = readF32(o);
        assertEquals(0f, r[0]);
        assertEquals(1f, r[1]);
        for (float v : r) {
            assertFalse(Float.isNaN(v));
        }
        assertEquals((float) (Math.exp(-88) / (1 + Math.exp(-88))), r[2]);
    }

    @Test
    void signAndReluOfNaN() {
        Storage x = f32(Float.NaN, -0f);
        Storage o = alloc(DType.FLOAT32, 2);
        B.unary(UnaryOp.SIGN, x, o);
        assertTrue(Float.isNaN(readF32(o)[0]));
        assertEquals(0f, Math.abs(readF32(o)[1]));
        B.unary(UnaryOp.RELU, x, o);
        assertTrue(Float.isNaN(readF32(o)[0]));
        B.unary(UnaryOp.STEP, x, o);
        assertArrayEquals(new float[] {0, 0}, readF32(o));
    }

    @Test
    void unaryIntegersAndInPlace() {
        Storage x = i32(-3, 0, 5, Integer.MIN_VALUE);
        Storage o = alloc(DType.INT32, 4);
        B.unary(UnaryOp.NEG, x, o);
        assertArrayEquals(new int[] {3, 0, -5, Integer.MIN_VALUE}, readI32(o), "negation wraps");
        B.unary(UnaryOp.ABS, x, o);
        assertArrayEquals(new int[] {3, 0, 5, Integer.MIN_VALUE}, readI32(o));
        B.unary(UnaryOp.SIGN, x, o);
        assertArrayEquals(new int[] {-1, 0, 1, -1}, readI32(o));
        Storage l = i64(-3, 4);
        B.unary(UnaryOp.SQUARE, l, l);
        assertArrayEquals(new long[] {9, 16}, readI64(l), "in place");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> B.unary(UnaryOp.EXP, x, o));
        assertTrue(e.getMessage().contains("EXP") && e.getMessage().contains("int32"), e.getMessage());
        Storage b = bools(true);
        assertThrows(IllegalArgumentException.class, () -> B.unary(UnaryOp.NEG, b, alloc(DType.BOOL, 1)));
    }

    // ---- binary -------------------------------------------------------------------------------

    @Test
    void binaryBroadcastWithStrideZero() {
        // a [2,3], b [3] broadcast over rows
        Storage a = f32(1, 2, 3, 4, 5, 6);
        Storage b = f32(10, 20, 30);
        Storage o = alloc(DType.FLOAT32, 6);
        long[] shape = {2, 3};
        B.binary(BinaryOp.ADD, a, new long[] {3, 1}, b, new long[] {0, 1}, o, shape);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, readF32(o));
        B.binary(BinaryOp.SUB, a, new long[] {3, 1}, b, new long[] {0, 1}, o, shape);
        assertArrayEquals(new float[] {-9, -18, -27, -6, -15, -24}, readF32(o));
        // column vector [2,1] times a row [1,3] -> outer product
        Storage col = f32(2, 3);
        B.binary(BinaryOp.MUL, col, new long[] {1, 0}, b, new long[] {0, 1}, o, shape);
        assertArrayEquals(new float[] {20, 40, 60, 30, 60, 90}, readF32(o));
        B.binary(BinaryOp.DIV, a, new long[] {3, 1}, col, new long[] {1, 0}, o, shape);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 4f / 3, 5f / 3, 2}, readF32(o));
        B.binary(BinaryOp.POW, a, new long[] {3, 1}, col, new long[] {1, 0}, o, shape);
        assertArrayEquals(new float[] {1, 4, 9, 64, 125, 216}, readF32(o));
        // scalar (rank-0 view) against a: strides all 0
        Storage s = f32(3.5f);
        B.binary(BinaryOp.MAXIMUM, a, new long[] {3, 1}, s, new long[] {0, 0}, o, shape);
        assertArrayEquals(new float[] {3.5f, 3.5f, 3.5f, 4, 5, 6}, readF32(o));
        B.binary(BinaryOp.MINIMUM, a, new long[] {3, 1}, s, new long[] {0, 0}, o, shape);
        assertArrayEquals(new float[] {1, 2, 3, 3.5f, 3.5f, 3.5f}, readF32(o));
    }

    @Test
    void binaryTransposedOperandAndRank0() {
        // a stored [3,2], read as its transpose [2,3] through strides {1,2}
        Storage a = f64(1, 4, 2, 5, 3, 6);
        Storage b = f64(1, 1, 1, 1, 1, 1);
        Storage o = alloc(DType.FLOAT64, 6);
        B.binary(BinaryOp.ADD, a, new long[] {1, 2}, b, new long[] {3, 1}, o, new long[] {2, 3});
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 7}, readF64(o));
        Storage x = f64(2);
        Storage y = f64(5);
        Storage z = alloc(DType.FLOAT64, 1);
        B.binary(BinaryOp.SUB, x, new long[0], y, new long[0], z, new long[0]);
        assertArrayEquals(new double[] {-3}, readF64(z));
    }

    @Test
    void comparisonsWriteBool() {
        Storage a = f32(1, 2, 3, Float.NaN);
        Storage b = f32(2, 2, 2, Float.NaN);
        Storage o = alloc(DType.BOOL, 4);
        long[] s = {1};
        long[] shape = {4};
        B.binary(BinaryOp.EQ, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, true, false, false}, readBool(o));
        B.binary(BinaryOp.NE, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {true, false, true, true}, readBool(o));
        B.binary(BinaryOp.LT, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {true, false, false, false}, readBool(o));
        B.binary(BinaryOp.LE, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {true, true, false, false}, readBool(o));
        B.binary(BinaryOp.GT, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, false, true, false}, readBool(o));
        B.binary(BinaryOp.GE, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, true, true, false}, readBool(o));
        // int64 with a broadcast scalar
        Storage l = i64(-1, 5, 7);
        Storage five = i64(5);
        Storage ol = alloc(DType.BOOL, 3);
        B.binary(BinaryOp.GE, l, new long[] {1}, five, new long[] {0}, ol, new long[] {3});
        assertArrayEquals(new boolean[] {false, true, true}, readBool(ol));
        // a comparison must write bool
        assertThrows(IllegalArgumentException.class,
                () -> B.binary(BinaryOp.LT, a, s, b, s, alloc(DType.FLOAT32, 4), shape));
    }

    @Test
    void binaryNaNPropagatesThroughMaximum() {
        Storage a = f64(Double.NaN, 1);
        Storage b = f64(0, Double.NaN);
        Storage o = alloc(DType.FLOAT64, 2);
        B.binary(BinaryOp.MAXIMUM, a, new long[] {1}, b, new long[] {1}, o, new long[] {2});
        assertTrue(Double.isNaN(readF64(o)[0]) && Double.isNaN(readF64(o)[1]));
        B.binary(BinaryOp.MINIMUM, a, new long[] {1}, b, new long[] {1}, o, new long[] {2});
        assertTrue(Double.isNaN(readF64(o)[0]) && Double.isNaN(readF64(o)[1]));
    }

    @Test
    void binaryIntegers() {
        Storage a = i32(7, -7, Integer.MAX_VALUE, 2);
        Storage b = i32(2, 2, 1, 10);
        Storage o = alloc(DType.INT32, 4);
        long[] s = {1};
        long[] shape = {4};
        B.binary(BinaryOp.DIV, a, s, b, s, o, shape);
        assertArrayEquals(new int[] {3, -3, Integer.MAX_VALUE, 0}, readI32(o), "truncating division");
        B.binary(BinaryOp.ADD, a, s, b, s, o, shape);
        assertArrayEquals(new int[] {9, -5, Integer.MIN_VALUE, 12}, readI32(o), "int32 wraps");
        B.binary(BinaryOp.POW, a, s, b, s, o, shape);
        assertArrayEquals(new int[] {49, 49, Integer.MAX_VALUE, 1024}, readI32(o));
        B.binary(BinaryOp.MINIMUM, a, s, b, s, o, shape);
        assertArrayEquals(new int[] {2, -7, 1, 2}, readI32(o));
        Storage l = i64(Long.MAX_VALUE, 3);
        Storage lo = alloc(DType.INT64, 2);
        B.binary(BinaryOp.MUL, l, s, i64(2, -3), s, lo, new long[] {2});
        assertArrayEquals(new long[] {-2, -9}, readI64(lo), "int64 wraps");
        // integer division by zero gives 0, as on the cpu and cuda backends (HardeningTest checks both)
        B.binary(BinaryOp.DIV, a, s, i32(1, 0, 1, 1), s, o, shape);
        assertEquals(0, readI32(o)[1], "x / 0 is 0");
    }

    @Test
    void binaryBoolLogic() {
        Storage a = bools(false, false, true, true);
        Storage b = bools(false, true, false, true);
        Storage o = alloc(DType.BOOL, 4);
        long[] s = {1};
        long[] shape = {4};
        B.binary(BinaryOp.ADD, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, true, true, true}, readBool(o));
        B.binary(BinaryOp.MAXIMUM, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, true, true, true}, readBool(o));
        B.binary(BinaryOp.MUL, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, false, false, true}, readBool(o));
        B.binary(BinaryOp.MINIMUM, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, false, false, true}, readBool(o));
        B.binary(BinaryOp.EQ, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {true, false, false, true}, readBool(o));
        B.binary(BinaryOp.NE, a, s, b, s, o, shape);
        assertArrayEquals(new boolean[] {false, true, true, false}, readBool(o));
        assertThrows(IllegalArgumentException.class, () -> B.binary(BinaryOp.SUB, a, s, b, s, o, shape));
    }

    @Test
    void binaryChecksSizes() {
        Storage a = f32(1, 2, 3);
        Storage o = alloc(DType.FLOAT32, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> B.binary(BinaryOp.ADD, a, new long[] {1}, a, new long[] {1}, o, new long[] {4}));
        assertTrue(e.getMessage().contains("ADD"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> B.binary(BinaryOp.ADD, a, new long[] {1}, f64(1, 2, 3), new long[] {1}, alloc(DType.FLOAT32, 3),
                        new long[] {3}));
    }

    // ---- reduce -------------------------------------------------------------------------------

    @Test
    void reduceMiddleAxis() {
        // x [2,3,2]: x[o][j][i] = o*6 + j*2 + i
        Storage x = f32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Storage o = alloc(DType.FLOAT32, 4);
        B.reduce(ReduceOp.SUM, x, 2, 3, 2, o);
        assertArrayEquals(new float[] {6, 9, 24, 27}, readF32(o));
        B.reduce(ReduceOp.MAX, x, 2, 3, 2, o);
        assertArrayEquals(new float[] {4, 5, 10, 11}, readF32(o));
        B.reduce(ReduceOp.MIN, x, 2, 3, 2, o);
        assertArrayEquals(new float[] {0, 1, 6, 7}, readF32(o));
        Storage idx = alloc(DType.INT64, 4);
        B.reduce(ReduceOp.ARGMAX, x, 2, 3, 2, idx);
        assertArrayEquals(new long[] {2, 2, 2, 2}, readI64(idx));
        B.reduce(ReduceOp.ARGMIN, x, 2, 3, 2, idx);
        assertArrayEquals(new long[] {0, 0, 0, 0}, readI64(idx));
        assertThrows(IllegalArgumentException.class, () -> B.reduce(ReduceOp.ARGMAX, x, 2, 3, 2, o));
        assertThrows(IllegalArgumentException.class, () -> B.reduce(ReduceOp.SUM, x, 2, 2, 2, o));
    }

    @Test
    void reduceSumAccumulatesInDouble() {
        // 2^24 + 1 + 1: float32 steps would stay at 2^24, a float64 sum rounds once to 2^24 + 2
        Storage x = f32(16777216f, 1f, 1f);
        Storage o = alloc(DType.FLOAT32, 1);
        B.reduce(ReduceOp.SUM, x, 1, 3, 1, o);
        assertEquals(16777218f, readF32(o)[0]);
    }

    @Test
    void argFirstOccurrenceAndNaN() {
        Storage x = f64(1, 3, 3, 0, 0, Double.NaN, 5, Double.NaN);
        Storage idx = alloc(DType.INT64, 2);
        // rows [1,3,3,0] and [0,NaN,5,NaN]
        B.reduce(ReduceOp.ARGMAX, x, 2, 4, 1, idx);
        assertArrayEquals(new long[] {1, 1}, readI64(idx));
        B.reduce(ReduceOp.ARGMIN, x, 2, 4, 1, idx);
        assertArrayEquals(new long[] {3, 1}, readI64(idx));
        Storage m = alloc(DType.FLOAT64, 2);
        B.reduce(ReduceOp.MAX, x, 2, 4, 1, m);
        assertEquals(3, readF64(m)[0]);
        assertTrue(Double.isNaN(readF64(m)[1]));
        B.reduce(ReduceOp.MIN, x, 2, 4, 1, m);
        assertEquals(0, readF64(m)[0]);
        assertTrue(Double.isNaN(readF64(m)[1]));
        Storage ints = i32(4, 9, 9, 1);
        Storage one = alloc(DType.INT64, 1);
        B.reduce(ReduceOp.ARGMAX, ints, 1, 4, 1, one);
        assertArrayEquals(new long[] {1}, readI64(one));
    }

    @Test
    void reduceIntegers() {
        Storage x = i64(1, 2, 3, 4, 5, 6);
        Storage o = alloc(DType.INT64, 2);
        // view [outer=1, n=2, inner=3] -> 3 column sums
        Storage o3 = alloc(DType.INT64, 3);
        B.reduce(ReduceOp.SUM, x, 1, 2, 3, o3);
        assertArrayEquals(new long[] {5, 7, 9}, readI64(o3));
        B.reduce(ReduceOp.MAX, x, 2, 3, 1, o);
        assertArrayEquals(new long[] {3, 6}, readI64(o));
        Storage w = i32(Integer.MAX_VALUE, 1);
        Storage wo = alloc(DType.INT32, 1);
        B.reduce(ReduceOp.SUM, w, 1, 2, 1, wo);
        assertArrayEquals(new int[] {Integer.MIN_VALUE}, readI32(wo), "int32 sum wraps");
    }

    // ---- matmul -------------------------------------------------------------------------------

    @Test
    void matmulPlainAndTransposed() {
        // A [2,3], B [3,2]
        float[] av = {1, 2, 3, 4, 5, 6};
        float[] bv = {7, 8, 9, 10, 11, 12};
        float[] expected = {58, 64, 139, 154};
        Storage o = alloc(DType.FLOAT32, 4);
        B.matmul(f32(av), f32(bv), o, 1, 2, 2, 3, false, false, 0, 0);
        assertArrayEquals(expected, readF32(o));
        // A stored transposed [3,2]
        Storage at = f32(1, 4, 2, 5, 3, 6);
        B.matmul(at, f32(bv), o, 1, 2, 2, 3, true, false, 0, 0);
        assertArrayEquals(expected, readF32(o));
        // B stored transposed [2,3]
        Storage bt = f32(7, 9, 11, 8, 10, 12);
        B.matmul(f32(av), bt, o, 1, 2, 2, 3, false, true, 0, 0);
        assertArrayEquals(expected, readF32(o));
        B.matmul(at, bt, o, 1, 2, 2, 3, true, true, 0, 0);
        assertArrayEquals(expected, readF32(o));
    }

    @Test
    void matmulBatchWithBroadcastStride() {
        // two A matrices [2,2], one B [2,2] broadcast with stride 0
        Storage a = f64(1, 0, 0, 1, 1, 2, 3, 4);
        Storage b = f64(5, 6, 7, 8);
        Storage o = alloc(DType.FLOAT64, 8);
        B.matmul(a, b, o, 2, 2, 2, 2, false, false, 4, 0);
        assertArrayEquals(new double[] {5, 6, 7, 8, 19, 22, 43, 50}, readF64(o));
        // k == 0 gives zeros even when out held something
        Storage z = alloc(DType.FLOAT64, 6);
        B.fill(z, 9);
        B.matmul(alloc(DType.FLOAT64, 0), alloc(DType.FLOAT64, 0), z, 2, 1, 3, 0, false, false, 0, 0);
        assertArrayEquals(new double[6], readF64(z));
        // sizes are checked
        assertThrows(IllegalArgumentException.class, () -> B.matmul(a, b, o, 2, 2, 2, 2, false, false, 4, 4));
        assertThrows(IllegalArgumentException.class,
                () -> B.matmul(i32(1), i32(1), alloc(DType.INT32, 1), 1, 1, 1, 1, false, false, 0, 0));
    }

    // ---- softmax ------------------------------------------------------------------------------

    @Test
    void softmaxOfOneTwoThree() {
        Storage x = f32(1, 2, 3);
        Storage o = alloc(DType.FLOAT32, 3);
        B.softmax(x, o, 1, 3, 1, false);
        double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertClose(new double[] {Math.exp(1) / s, Math.exp(2) / s, Math.exp(3) / s}, readF32(o));
        B.softmax(x, o, 1, 3, 1, true);
        assertClose(new double[] {1 - Math.log(s), 2 - Math.log(s), 3 - Math.log(s)}, readF32(o));
    }

    @Test
    void softmaxLargeValuesAndMiddleAxis() {
        Storage x = f64(1000, 1001);
        Storage o = alloc(DType.FLOAT64, 2);
        B.softmax(x, o, 1, 2, 1, true);
        double l = Math.log(1 + Math.exp(-1));
        assertArrayEquals(new double[] {-1 - l, -l}, readF64(o), 1e-12);
        B.softmax(x, o, 1, 2, 1, false);
        assertArrayEquals(new double[] {1 / (1 + Math.E), Math.E / (1 + Math.E)}, readF64(o), 1e-12);
        // [1, 2, 2] softmax over the middle axis: columns (0, 1000) and (0, 0)
        Storage y = f32(0, 0, 1000, 0);
        Storage yo = alloc(DType.FLOAT32, 4);
        B.softmax(y, yo, 1, 2, 2, false);
        assertArrayEquals(new float[] {0, 0.5f, 1, 0.5f}, readF32(yo));
    }

    // ---- gather / scatterAdd / oneHot ---------------------------------------------------------

    @Test
    void gatherRowsWithRepeatedIds() {
        Storage table = f32(0, 1, 10, 11, 20, 21);
        Storage o = alloc(DType.FLOAT32, 8);
        B.gather(table, 2, i64(2, 0, 2, 1), o);
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21, 10, 11}, readF32(o));
        Storage o2 = alloc(DType.FLOAT32, 2);
        B.gather(table, 2, i32(1), o2);
        assertArrayEquals(new float[] {10, 11}, readF32(o2));
        assertThrows(IllegalArgumentException.class, () -> B.gather(table, 2, i32(3), o2));
        assertThrows(IllegalArgumentException.class, () -> B.gather(table, 2, f32(1), o2));
    }

    @Test
    void scatterAddAccumulatesRepeatedIds() {
        Storage out = f32(1, 1, 1, 1, 1, 1); // 3 rows of 2, not cleared
        Storage src = f32(1, 2, 3, 4, 5, 6, 7, 8);
        B.scatterAdd(src, 2, i32(2, 0, 2, 2), out);
        assertArrayEquals(new float[] {4, 5, 1, 1, 14, 17}, readF32(out));
        Storage li = alloc(DType.INT64, 2);
        B.scatterAdd(i64(5, 6), 1, i64(1, 1), li);
        assertArrayEquals(new long[] {0, 11}, readI64(li));
        assertThrows(IllegalArgumentException.class, () -> B.scatterAdd(src, 2, i32(0, 0, 0, 3), out));
    }

    @Test
    void oneHotAnyDtype() {
        Storage o = alloc(DType.FLOAT32, 9);
        B.fill(o, 7);
        B.oneHot(i64(2, 0, 2), 3, o);
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 0, 1}, readF32(o));
        Storage oi = alloc(DType.INT32, 4);
        B.oneHot(i32(1, 0), 2, oi);
        assertArrayEquals(new int[] {0, 1, 1, 0}, readI32(oi));
        Storage ob = alloc(DType.BOOL, 2);
        B.oneHot(i32(1), 2, ob);
        assertArrayEquals(new boolean[] {false, true}, readBool(ob));
    }
}
