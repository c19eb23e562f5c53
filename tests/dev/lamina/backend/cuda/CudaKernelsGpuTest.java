package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CUDA kernels of issue #6 against the reference backend, on fresh random inputs: relative
 * error ‖out − ref‖/‖ref‖ ≤ 1e-5 for fp32 (≤ 1e-3 for TF32 matmul), exact for integer, bool,
 * copy, gather, oneHot and argmax results; NaN never passes. Every output is poisoned first (NaN
 * for floats, a sentinel for integers) so an element a kernel forgets to write fails the check.
 * Sizes 1, 7, 33, 1023 and one large size; matmul with every transpose pair, odd shapes and
 * batch broadcasting (stride 0).
 *
 * <p>Tagged {@code gpu}: skipped (not failed) where no usable device exists on the real path; run
 * by CI on the emulated device ({@code LAMINA_CUDA=emulated}, forward, reverse and shuffled thread
 * orders) with the trimmed sizes of {@link GpuTestSupport}, {@link #reduceSizes} and {@link
 * #matmulSizes}.
 */
@Tag("gpu")
class CudaKernelsGpuTest {
    private static final double FP32 = 1e-5;
    private static final double TF32 = 1e-3;

    private final CudaBackend cuda = CudaBackend.instance();
    private final Backend ref = Backends.reference();
    private final DeviceStorages storages = new DeviceStorages();

    @BeforeEach
    void needsDevice() {
        storages.start();
    }

    @AfterEach
    void releaseAll() {
        if (cuda.isAvailable()) {
            CudaBackend.setPrecision(Precision.HIGHEST);
        }
        storages.finish();
    }

    // ---- element-wise ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.lamina.backend.cuda.GpuTestSupport#sizes")
    void unaryFloat32MatchesReference(int n) {
        for (UnaryOp op : UnaryOp.values()) {
            double[] x = random(n, op == UnaryOp.LOG || op == UnaryOp.SQRT ? 0.01 : -3, 3, n + op.ordinal());
            if (op == UnaryOp.RECIPROCAL) {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] >= 0 ? x[i] + 0.5 : x[i] - 0.5;
                }
            }
            Storage dx = put(cuda, DType.FLOAT32, x), dout = poisoned(DType.FLOAT32, n);
            cuda.unary(op, dx, dout);
            Storage rx = put(ref, DType.FLOAT32, x), rout = ref.allocate(DType.FLOAT32, n);
            storages.track(rout);
            ref.unary(op, rx, rout);
            assertClose(get(ref, rout), get(cuda, dout), FP32, "unary " + op + " n=" + n);
        }
    }

    @Test
    void unaryInPlaceAndIntegers() {
        double[] x = random(1023, -50, 50, 5);
        Storage d = put(cuda, DType.FLOAT32, x);
        cuda.unary(UnaryOp.SQUARE, d, d);
        double[] got = get(cuda, d);
        for (int i = 0; i < x.length; i++) {
            float f = (float) x[i];
            assertEquals(f * f, (float) got[i], 0f);
        }
        for (DType dt : new DType[] {DType.INT32, DType.INT64}) {
            double[] xi = randomInts(1023, -1000, 1000, 9);
            for (UnaryOp op : new UnaryOp[] {UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SIGN, UnaryOp.SQUARE}) {
                Storage dx = put(cuda, dt, xi), dout = poisoned(dt, xi.length);
                cuda.unary(op, dx, dout);
                Storage rx = put(ref, dt, xi), rout = ref.allocate(dt, xi.length);
                storages.track(rout);
                ref.unary(op, rx, rout);
                assertExact(get(ref, rout), get(cuda, dout), "unary " + op + " " + dt);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.lamina.backend.cuda.GpuTestSupport#sizes")
    void binaryWithBroadcastingMatchesReference(int n) {
        // out [2, n, 3]; a is [2, n, 3] contiguous, b is [n, 1] broadcast over the first and last axes
        long[] shape = {2, n, 3};
        double[] a = random(2 * n * 3, -2, 2, n);
        double[] b = random(n, 0.5, 2, n + 1);
        long[] aStrides = {3L * n, 3, 1};
        long[] bStrides = {0, 1, 0};
        for (BinaryOp op : BinaryOp.values()) {
            DType outType = op.isComparison() ? DType.BOOL : DType.FLOAT32;
            Storage da = put(cuda, DType.FLOAT32, a), db = put(cuda, DType.FLOAT32, b);
            Storage dout = poisoned(outType, 6L * n);
            cuda.binary(op, da, aStrides, db, bStrides, dout, shape);
            Storage ra = put(ref, DType.FLOAT32, a), rb = put(ref, DType.FLOAT32, b);
            Storage rout = ref.allocate(outType, 6L * n);
            storages.track(rout);
            ref.binary(op, ra, aStrides, rb, bStrides, rout, shape);
            if (op.isComparison()) {
                assertExact(get(ref, rout), get(cuda, dout), "binary " + op);
            } else {
                assertClose(get(ref, rout), get(cuda, dout), FP32, "binary " + op + " n=" + n);
            }
        }
    }

    @Test
    void binaryIntegersAndBoolMatchReferenceExactly() {
        long[] shape = {5, 33};
        long[] st = {33, 1};
        // no zeros: the reference rejects integer division by zero and gives Long.MAX_VALUE for 0^-k
        double[] a = nonZero(randomInts(165, -20, 20, 1)), b = nonZero(randomInts(165, -4, 4, 2));
        for (DType dt : new DType[] {DType.INT32, DType.INT64}) {
            for (BinaryOp op : BinaryOp.values()) {
                DType outType = op.isComparison() ? DType.BOOL : dt;
                Storage dout = poisoned(outType, 165);
                cuda.binary(op, put(cuda, dt, a), st, put(cuda, dt, b), st, dout, shape);
                Storage rout = ref.allocate(outType, 165);
                storages.track(rout);
                ref.binary(op, put(ref, dt, a), st, put(ref, dt, b), st, rout, shape);
                assertExact(get(ref, rout), get(cuda, dout), "binary " + op + " " + dt);
            }
        }
        double[] p = randomInts(165, 0, 2, 3), q = randomInts(165, 0, 2, 4);
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.MUL, BinaryOp.MAXIMUM, BinaryOp.MINIMUM,
                BinaryOp.EQ, BinaryOp.NE}) {
            Storage dout = poisoned(DType.BOOL, 165);
            cuda.binary(op, put(cuda, DType.BOOL, p), st, put(cuda, DType.BOOL, q), st, dout, shape);
            Storage rout = ref.allocate(DType.BOOL, 165);
            storages.track(rout);
            ref.binary(op, put(ref, DType.BOOL, p), st, put(ref, DType.BOOL, q), st, rout, shape);
            assertExact(get(ref, rout), get(cuda, dout), "binary " + op + " bool");
        }
    }

    @Test
    void fillAndCastEveryPair() {
        DType[] all = DType.values();
        double[] x = random(1023, -300, 300, 11);
        x[0] = 0;
        x[1] = Double.NaN;
        x[2] = 3e10;
        x[3] = -3e10;
        x[4] = -0.7;
        for (DType from : all) {
            double[] src = from == DType.BOOL ? randomInts(1023, 0, 2, 12)
                    : from.isInteger() ? randomInts(1023, -300, 300, 13) : x;
            for (DType to : all) {
                Storage dout = poisoned(to, 1023);
                cuda.cast(put(cuda, from, src), dout);
                Storage rout = ref.allocate(to, 1023);
                storages.track(rout);
                ref.cast(put(ref, from, src), rout);
                assertExact(get(ref, rout), get(cuda, dout), "cast " + from + " -> " + to);
            }
        }
        for (DType dt : all) {
            for (double v : new double[] {0.0, -2.5, 7.0}) {
                Storage d = poisoned(dt, 1023);
                cuda.fill(d, v);
                Storage r = ref.allocate(dt, 1023);
                storages.track(r);
                ref.fill(r, v);
                assertExact(get(ref, r), get(cuda, d), "fill " + dt + " " + v);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023})
    void copyStridedTransposeSliceAndBroadcast(int n) {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.BOOL}) {
            double[] x = dt == DType.BOOL ? randomInts(3 * n, 0, 2, n) : random(3 * n, -1, 1, n);
            // transpose [3, n] -> [n, 3], writing at an offset of 2 into a bigger buffer
            long[] shape = {n, 3};
            long[] srcStrides = {1, n};
            long[] dstStrides = {3, 1};
            Storage d = poisoned(dt, 3L * n + 2);
            Storage r = ref.allocate(dt, 3L * n + 2);
            storages.track(r);
            cuda.fill(d, 0);
            cuda.copyStrided(put(cuda, dt, x), 0, srcStrides, d, 2, dstStrides, shape);
            ref.copyStrided(put(ref, dt, x), 0, srcStrides, r, 2, dstStrides, shape);
            assertExact(get(ref, r), get(cuda, d), "copyStrided transpose " + dt + " n=" + n);
            // broadcast row 1 (offset n, stride 0 over 4 copies)
            Storage db = poisoned(dt, 4L * n), rb = ref.allocate(dt, 4L * n);
            storages.track(rb);
            cuda.copyStrided(put(cuda, dt, x), n, new long[] {0, 1}, db, 0, new long[] {n, 1}, new long[] {4, n});
            ref.copyStrided(put(ref, dt, x), n, new long[] {0, 1}, rb, 0, new long[] {n, 1}, new long[] {4, n});
            assertExact(get(ref, rb), get(cuda, db), "copyStrided broadcast " + dt);
        }
        assertThrows(IllegalArgumentException.class, () -> cuda.copyStrided(put(cuda, DType.FLOAT32, new double[4]), 0,
                new long[] {2}, poisoned(DType.FLOAT32, 4), 0, new long[] {1}, new long[] {4}), "out-of-range view");
    }

    // ---- reductions, softmax, indexing ---------------------------------------------------------

    @ParameterizedTest
    @MethodSource("reduceSizes")
    void reduceAndSoftmaxAlongTheMiddleAxis(int n) {
        long[][] views = {{3, n, 1}, {2, n, 5}, {1, n, 1}};
        for (long[] v : views) {
            long outer = v[0], inner = v[2];
            double[] x = random((int) (outer * n * inner), -4, 4, n * 7 + inner);
            if (n > 2) {
                x[1] = x[0]; // a tie: ARGMAX/ARGMIN keep the first
            }
            for (ReduceOp op : ReduceOp.values()) {
                DType outType = op.isArg() ? DType.INT64 : DType.FLOAT32;
                Storage dout = poisoned(outType, outer * inner);
                cuda.reduce(op, put(cuda, DType.FLOAT32, x), outer, n, inner, dout);
                Storage rout = ref.allocate(outType, outer * inner);
                storages.track(rout);
                ref.reduce(op, put(ref, DType.FLOAT32, x), outer, n, inner, rout);
                String what = "reduce " + op + " [" + outer + ", " + n + ", " + inner + "]";
                if (op == ReduceOp.SUM) {
                    assertClose(get(ref, rout), get(cuda, dout), FP32 * Math.max(1, Math.sqrt(n) / 10), what);
                } else {
                    assertExact(get(ref, rout), get(cuda, dout), what);
                }
            }
            for (boolean log : new boolean[] {false, true}) {
                Storage dout = poisoned(DType.FLOAT32, x.length);
                cuda.softmax(put(cuda, DType.FLOAT32, x), dout, outer, n, inner, log);
                Storage rout = ref.allocate(DType.FLOAT32, x.length);
                storages.track(rout);
                ref.softmax(put(ref, DType.FLOAT32, x), rout, outer, n, inner, log);
                assertClose(get(ref, rout), get(cuda, dout), FP32, (log ? "logSoftmax" : "softmax") + " n=" + n);
            }
        }
    }

    @Test
    void reduceIsDeterministic() {
        int n = GpuTestSupport.large();
        double[] x = random(n, -1, 1, 77);
        Storage dx = put(cuda, DType.FLOAT32, x);
        Storage o1 = poisoned(DType.FLOAT32, 1), o2 = poisoned(DType.FLOAT32, 1);
        cuda.reduce(ReduceOp.SUM, dx, 1, n, 1, o1);
        cuda.reduce(ReduceOp.SUM, dx, 1, n, 1, o2);
        assertEquals(Double.doubleToRawLongBits(get(cuda, o1)[0]), Double.doubleToRawLongBits(get(cuda, o2)[0]));
    }

    /**
     * float32 sums accumulate in double, as the cpu backend's: 1, n small terms and −1 sum to the
     * small terms (a float32 accumulator drops those folded into the partial that holds 1 or −1),
     * along a row (one block per row) and down a column (one thread per output).
     */
    @Test
    void float32SumsThatCancelKeepTheirDigits() {
        int n = 1002;
        double[] x = new double[n];
        java.util.Arrays.fill(x, 1e-8);
        x[0] = 1;
        x[n - 1] = -1;
        double exact = 0;
        for (int i = 1; i < n - 1; i++) {
            exact += (float) 1e-8;
        }
        Storage row = poisoned(DType.FLOAT32, 1);
        cuda.reduce(ReduceOp.SUM, put(cuda, DType.FLOAT32, x), 1, n, 1, row);
        double[] xc = new double[2 * n];
        for (int i = 0; i < n; i++) {
            xc[2 * i] = x[i];
            xc[2 * i + 1] = -x[i];
        }
        Storage cols = poisoned(DType.FLOAT32, 2);
        cuda.reduce(ReduceOp.SUM, put(cuda, DType.FLOAT32, xc), 1, n, 2, cols);
        double[] got = {get(cuda, row)[0], get(cuda, cols)[0], -get(cuda, cols)[1]};
        for (double g : got) {
            assertEquals(exact, g, exact * 1e-6, "sum of 1, " + (n - 2) + " x 1e-8, -1");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 1023})
    void gatherScatterAddOneHot(int nIds) {
        long rows = 50, rowSize = 33;
        double[] table = random((int) (rows * rowSize), -1, 1, nIds);
        for (DType idType : new DType[] {DType.INT32, DType.INT64}) {
            double[] ids = randomInts(nIds, 0, (int) rows, nIds + 3);
            Storage dOut = poisoned(DType.FLOAT32, nIds * rowSize);
            cuda.gather(put(cuda, DType.FLOAT32, table), rowSize, put(cuda, idType, ids), dOut);
            Storage rOut = ref.allocate(DType.FLOAT32, nIds * rowSize);
            storages.track(rOut);
            ref.gather(put(ref, DType.FLOAT32, table), rowSize, put(ref, idType, ids), rOut);
            assertExact(get(ref, rOut), get(cuda, dOut), "gather " + idType);

            double[] src = random((int) (nIds * rowSize), -1, 1, nIds + 5);
            double[] start = random((int) (rows * rowSize), -1, 1, nIds + 6);
            Storage dAcc = put(cuda, DType.FLOAT32, start), rAcc = put(ref, DType.FLOAT32, start);
            cuda.scatterAdd(put(cuda, DType.FLOAT32, src), rowSize, put(cuda, idType, ids), dAcc);
            ref.scatterAdd(put(ref, DType.FLOAT32, src), rowSize, put(ref, idType, ids), rAcc);
            assertClose(get(ref, rAcc), get(cuda, dAcc), FP32, "scatterAdd " + idType);

            for (DType outType : new DType[] {DType.FLOAT32, DType.INT32, DType.INT64}) {
                long depth = rows + 3;
                Storage dHot = poisoned(outType, nIds * depth);
                cuda.oneHot(put(cuda, idType, ids), depth, dHot);
                Storage rHot = ref.allocate(outType, nIds * depth);
                storages.track(rHot);
                ref.oneHot(put(ref, idType, ids), depth, rHot);
                assertExact(get(ref, rHot), get(cuda, dHot), "oneHot " + idType + " -> " + outType);
            }
        }
    }

    // ---- matmul ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("matmulSizes")
    void matmulEveryTransposeBothPrecisions(int size) {
        int m = size, n = size == 1 ? 1 : size + 2, k = size == 1 ? 1 : size - 1 + size % 3;
        for (Precision p : Precision.values()) {
            CudaBackend.setPrecision(p);
            double tol = p == Precision.HIGH ? TF32 : FP32 * Math.max(1, Math.sqrt(k) / 8);
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                checkMatmul(2, m, n, k, ta, tb, (long) m * k, (long) k * n, tol, p + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    @Test
    void matmulBatchBroadcastAndLarge() {
        for (Precision p : Precision.values()) {
            CudaBackend.setPrecision(p);
            double tol = p == Precision.HIGH ? TF32 : 1e-5 * 4;
            // b shared over the batch (a Dense layer on a [batch, time, features] input), and a shared
            checkMatmul(5, 33, 17, 65, false, false, 33L * 65, 0, tol, p + " b broadcast");
            checkMatmul(5, 33, 17, 65, true, true, 0, 65L * 17, tol, p + " a broadcast");
            if (GpuTestSupport.emulated()) {
                // several tiles each way and a k that is not a multiple of the tile's, at a size the CPU affords
                checkMatmul(1, 200, 136, 77, false, false, 0, 0, tol, p + " large [200, 136, 77]");
            } else {
                checkMatmul(1, 1000, 1024, 513, false, false, 0, 0, tol, p + " large [1000, 1024, 513]");
            }
            checkMatmul(3, 4, 5, 0, false, false, 0, 0, 0, p + " k = 0 gives zeros");
        }
    }

    /** 1, 7, 33, 1023 and 100000 on a GPU; 65537 instead of 100000 on the emulated device. */
    static IntStream reduceSizes() {
        return IntStream.of(1, 7, 33, 1023, GpuTestSupport.emulated() ? 65537 : 100_000);
    }

    /** 1, 7, 33, 129 and, on a GPU, 1023 (on the emulated device a 1023³ product takes minutes). */
    static IntStream matmulSizes() {
        return GpuTestSupport.emulated() ? IntStream.of(1, 7, 33, 129) : IntStream.of(1, 7, 33, 129, 1023);
    }

    private void checkMatmul(int batch, int m, int n, int k, boolean ta, boolean tb, long strideA, long strideB,
                             double tol, String what) {
        long sizeA = (batch - 1) * strideA + (long) m * k, sizeB = (batch - 1) * strideB + (long) k * n;
        double[] a = random((int) sizeA, -1, 1, m * 31 + k), b = random((int) sizeB, -1, 1, n * 17 + k);
        Storage dOut = poisoned(DType.FLOAT32, (long) batch * m * n);
        cuda.matmul(put(cuda, DType.FLOAT32, a), put(cuda, DType.FLOAT32, b), dOut, batch, m, n, k, ta, tb,
                strideA, strideB);
        Storage rOut = ref.allocate(DType.FLOAT32, (long) batch * m * n);
        storages.track(rOut);
        ref.matmul(put(ref, DType.FLOAT32, a), put(ref, DType.FLOAT32, b), rOut, batch, m, n, k, ta, tb, strideA,
                strideB);
        if (k == 0) {
            assertExact(get(ref, rOut), get(cuda, dOut), "matmul " + what);
        } else {
            assertClose(get(ref, rOut), get(cuda, dOut), tol, "matmul " + what + " [" + batch + ", " + m + ", " + n
                    + ", " + k + "]");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static double[] random(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(0xC0DAL * 31 + seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
    }

    private static double[] nonZero(double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (v[i] == 0) {
                v[i] = 1;
            }
        }
        return v;
    }

    private static double[] randomInts(int n, int lo, int hi, long seed) {
        SplittableRandom r = new SplittableRandom(0x1D5L * 31 + seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(lo, hi);
        }
        return v;
    }

    /** A new device storage filled with NaN (floats) or a sentinel (integers, bool 1). */
    private Storage poisoned(DType dt, long n) {
        Storage s = cuda.allocate(dt, n);
        storages.track(s);
        cuda.fill(s, dt.isFloating() ? Double.NaN : dt == DType.BOOL ? 1 : -123_456_789);
        return s;
    }

    private Storage put(Backend b, DType dt, double[] v) {
        return storages.put(b, dt, v);
    }

    private double[] get(Backend b, Storage s) {
        return storages.get(b, s);
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": sizes");
        double d2 = 0, r2 = 0;
        for (int i = 0; i < want.length; i++) {
            boolean wantNan = Double.isNaN(want[i]);
            if (Double.isNaN(got[i]) && !wantNan) {
                throw new AssertionError(what + ": element " + i + " is NaN (unwritten or wrong), want " + want[i]);
            }
            if (wantNan || Double.isInfinite(want[i])) {
                assertEquals(want[i], got[i], what + ": element " + i);
                continue;
            }
            d2 += (got[i] - want[i]) * (got[i] - want[i]);
            r2 += want[i] * want[i];
        }
        double rel = r2 == 0 ? Math.sqrt(d2) : Math.sqrt(d2 / r2);
        assertTrue(rel <= tol, what + ": relative error " + rel + " > " + tol);
    }

    private static void assertExact(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + ": sizes");
        for (int i = 0; i < want.length; i++) {
            if (Double.doubleToLongBits(want[i]) != Double.doubleToLongBits(got[i])) {
                throw new AssertionError(what + ": element " + i + ": want " + want[i] + ", got " + got[i]);
            }
        }
    }
}
