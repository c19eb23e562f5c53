package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.HostBackend;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11, tensor half: sizes and indices that overflow, rank limits, weak-typed scalars and
 * integer division, each on the reference and the cpu backend. Every case here crashed the JVM,
 * returned wrong values or threw an unclear exception before.
 */
class HardeningTest {
    static Stream<Backend> backends() {
        return Stream.of(Backends.reference(), Backends.cpu());
    }

    /** Runs body on the backend and checks it threw an IllegalArgumentException whose message names op. */
    private static void rejects(Backend backend, String op, Runnable body) {
        long before = backend.bytesInUse();
        try (Backends.Use use = Backends.use(backend); Scope s = Scope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body::run);
            assertTrue(e.getMessage().contains(op), "message should name " + op + ": " + e.getMessage());
        }
        // nothing left behind by the rejected call (≤: the cleaner may free other tests' leaks meanwhile)
        assertTrue(backend.bytesInUse() <= before, "memory left after a rejected call");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void hugeAllocationsAreRejectedNotWrapped(Backend b) {
        // numel · size overflowed into a 1-byte buffer, then add(1.0) wrote 2^64 bytes (SIGSEGV)
        rejects(b, "allocate", () -> Tensor.zeros(DType.FLOAT32, 1L << 62).add(1.0));
        rejects(b, "allocate", () -> Tensor.zeros(DType.FLOAT32, 1L << 61));
        rejects(b, "allocate", () -> Tensor.zeros(DType.FLOAT64, 1L << 62));
        rejects(b, "allocate", () -> Tensor.zeros(DType.BOOL, Long.MAX_VALUE));
        rejects(b, "zeros", () -> Tensor.zeros(DType.FLOAT32, 1L << 40, 1L << 40));
        rejects(b, "zeros", () -> Tensor.zeros(DType.FLOAT32, -1));
        rejects(b, "full", () -> Tensor.full(DType.FLOAT32, 1, 3, -2));
        rejects(b, "zeros", () -> Tensor.zeros(DType.INT32, Long.MIN_VALUE));
        rejects(b, "oneHot", () -> Tensor.of(new int[] {0, 1, 2, 3}).oneHot(1L << 62, DType.FLOAT32));
        rejects(b, "allocate", () -> Tensor.of(new int[] {0}).oneHot(1L << 62, DType.FLOAT32));
        rejects(b, "fromBuffer", () -> Tensor.fromBuffer(DType.FLOAT64, new long[] {1L << 61, 8},
                java.nio.ByteBuffer.allocate(8)));
        rejects(b, "of(float[])", () -> Tensor.of(new float[4], 1L << 32, 1L << 32));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sliceBoundsNeverOverflow(Backend b) {
        // begin + size overflowed: SIGABRT (free(): invalid pointer), or reads before the buffer
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {2}, new long[] {Long.MAX_VALUE}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {Long.MAX_VALUE}, new long[] {2}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {Long.MAX_VALUE}, new long[] {-1}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {-1}, new long[] {2}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {1}, new long[] {-2}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(new long[] {Long.MIN_VALUE}, new long[] {1}));
        rejects(b, "slice", () -> Tensor.of(new float[] {1, 2, 3, 4}).slice(0, 3, Long.MAX_VALUE));
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4});
            assertArrayEquals(new float[] {3, 4}, x.slice(new long[] {2}, new long[] {-1}).toFloatArray());
            assertEquals(0, x.slice(new long[] {4}, new long[] {0}).numel(), "an empty slice at the end is fine");
            assertEquals(0, x.slice(new long[] {4}, new long[] {-1}).numel());
            Tensor scalar = Tensor.scalar(5);
            assertEquals(5.0, scalar.slice(new long[0], new long[0]).item(), "rank 0: the one element");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void concatAndMatmulSizesAreChecked(Backend b) {
        // empty tensors with huge axes allocate nothing, but their joined or multiplied sizes overflow
        rejects(b, "concat", () -> {
            Tensor e = Tensor.zeros(DType.FLOAT32, 0, 1L << 62);
            Tensor.concat(List.of(e, e, e, e), 1);   // was "negative dimension -9223372036854775808"
        });
        rejects(b, "matmul", () -> Tensor.zeros(DType.FLOAT32, 1L << 40, 0).matmul(Tensor.zeros(DType.FLOAT32, 0, 1L << 40)));
        rejects(b, "reshape", () -> Tensor.zeros(DType.FLOAT32, 0).reshape(1L << 40, 1L << 40, 1L << 40));
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            // an empty shape is valid whatever its other dims (NumPy agrees)
            Tensor e = Tensor.zeros(DType.FLOAT32, 0).reshape(1L << 40, 1L << 40, 0);
            assertEquals(0, e.numel());
            assertEquals(0, e.permute(2, 0, 1).numel());
            assertEquals(0, Tensor.zeros(DType.FLOAT32, 1L << 40, 0, 1L << 40).sum(new int[] {0}, false).numel());
        }
        rejects(b, "reshape", () -> Tensor.zeros(DType.FLOAT32, 4).reshape(1L << 62, 1L << 62, -1));
        rejects(b, "broadcastTo", () -> Tensor.zeros(DType.FLOAT32, 1).broadcastTo(1L << 40, 1L << 40));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void backendViewsWithOverflowingOffsetsAreRejected(Backend b) {
        Storage src = b.allocate(DType.FLOAT32, 4);
        Storage dst = b.allocate(DType.FLOAT32, 4);
        try {
            long[] one = {1};
            assertThrows(IllegalArgumentException.class,
                    () -> b.copyStrided(src, Long.MAX_VALUE, one, dst, 0, one, new long[] {2}));
            assertThrows(IllegalArgumentException.class,
                    () -> b.copyStrided(src, 0, new long[] {Long.MAX_VALUE}, dst, 0, one, new long[] {3}));
            assertThrows(IllegalArgumentException.class,
                    () -> b.copyStrided(src, 3, new long[] {Long.MIN_VALUE / 2}, dst, 0, one, new long[] {3}));
            assertThrows(IllegalArgumentException.class,
                    () -> b.copyStrided(src, 0, one, dst, Long.MIN_VALUE, one, new long[] {2}));
            assertThrows(IllegalArgumentException.class, () -> b.matmul(src, src, dst, 3, 1, 1, 1, false, false,
                    Long.MAX_VALUE / 2, 0));
            assertThrows(IllegalArgumentException.class, () -> b.reduce(ReduceOp.SUM, src, Long.MAX_VALUE, 2, 2, dst));
        } finally {
            src.release();
            dst.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void rankAbove64IsOneClearErrorOnEveryBackend(Backend b) {
        long[] r64 = new long[64];
        long[] r65 = new long[65];
        Arrays.fill(r64, 1);
        Arrays.fill(r65, 1);
        rejects(b, "rank 65", () -> Tensor.zeros(DType.FLOAT32, r65));
        rejects(b, "rank 65", () -> Tensor.ones(DType.FLOAT32, r64).unsqueeze(0));
        rejects(b, "rank 65", () -> Tensor.ones(DType.FLOAT32, 1).reshape(r65));
        rejects(b, "rank 65", () -> Tensor.ones(DType.FLOAT32, r64).sum().reshape(r65));
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.ones(DType.FLOAT32, r64);
            assertEquals(2.0, x.add(x).sum().item(), 0, "rank 64 works");
            assertEquals(64, x.permute(java.util.stream.IntStream.range(0, 64).map(i -> 63 - i).toArray()).rank());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void javaDoublesPromoteIntegerTensorsToFloat32(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor i = Tensor.of(new int[] {1, 2, 3});
            Tensor half = i.mul(0.5);   // was int32 [0, 0, 0]
            assertEquals(DType.FLOAT32, half.dtype());
            assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, half.toFloatArray());
            Tensor d = i.div(2.0);      // was int32 [0, 1, 1]
            assertEquals(DType.FLOAT32, d.dtype());
            assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, d.toFloatArray());
            Tensor p = i.add(2.0);      // any Java double promotes, as any Python float in JAX
            assertEquals(DType.FLOAT32, p.dtype());
            assertArrayEquals(new float[] {3, 4, 5}, p.toFloatArray());
            assertArrayEquals(new float[] {1, 1.5f, 1.5f}, i.minimum(1.5).maximum(1.0).toFloatArray());
            assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f}, Tensor.of(new long[] {1, 2, 3}).sub(0.5).toFloatArray());
            assertEquals(DType.FLOAT32, Tensor.of(new boolean[] {true, false}).mul(0.5).dtype());
            // Java integers keep the integer dtype (integer division truncates)
            Tensor twice = i.mul(2);
            assertEquals(DType.INT32, twice.dtype());
            assertArrayEquals(new int[] {2, 4, 6}, twice.toIntArray());
            assertArrayEquals(new int[] {0, 1, 1}, i.div(2).toIntArray());
            assertArrayEquals(new int[] {1, 4, 9}, i.pow(2).toIntArray());
            assertEquals(DType.INT64, Tensor.of(new long[] {1}).add(1L << 40).dtype());
            assertEquals((1L << 62) + 1, Tensor.of(new long[] {1}).add(1L << 62).toLongArray()[0], "int64 scalars exact");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> i.add(1L << 40));
            assertTrue(e.getMessage().contains("add") && e.getMessage().contains("int32"), e.getMessage());
            // float tensors keep their dtype with either scalar
            assertEquals(DType.FLOAT64, Tensor.of(new double[] {1}).mul(0.5).dtype());
            assertEquals(DType.FLOAT32, Tensor.of(new float[] {1}).mul(3).dtype());
            // comparisons are exact: integral values compare as integers, others as float64
            assertArrayEquals(new boolean[] {true, true, false}, i.lt(2.5).toBooleanArray());
            assertArrayEquals(new boolean[] {false, false, true}, i.gt(2.5).toBooleanArray());
            assertArrayEquals(new boolean[] {false, true, false}, i.eq(2.0).toBooleanArray());
            assertArrayEquals(new boolean[] {false, false, false}, i.eq(2.5).toBooleanArray());
            assertArrayEquals(new boolean[] {true, true, true}, i.lt(1e300).toBooleanArray());
            assertArrayEquals(new boolean[] {false, false, false}, i.lt(Double.NaN).toBooleanArray());
            long big = (1L << 53) + 1;
            assertArrayEquals(new boolean[] {false}, Tensor.of(new long[] {big}).eq((double) (1L << 53)).toBooleanArray());
            // the integer mean still truncates (TensorFlow)
            assertEquals(DType.INT32, i.mean().dtype());
            assertEquals(2, i.mean().toIntArray()[0]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void integerDivisionByZeroIsZeroOnEveryBackend(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new int[] {7, -7, Integer.MIN_VALUE, 0, 9});
            Tensor y = Tensor.of(new int[] {0, 0, -1, 0, -2});
            assertArrayEquals(new int[] {0, 0, Integer.MIN_VALUE, 0, -4}, x.div(y).toIntArray());
            Tensor xl = Tensor.of(new long[] {7, Long.MIN_VALUE, -9});
            Tensor yl = Tensor.of(new long[] {0, -1, 2});
            assertArrayEquals(new long[] {0, Long.MIN_VALUE, -4}, xl.div(yl).toLongArray());
            assertArrayEquals(new int[] {0, 0, 0, 0, 0}, x.div(0).toIntArray());
        }
    }

    @Test
    void anOpThatFailsAfterAllocatingFreesItsOutput() {
        FailingBackend fb = new FailingBackend();
        Tensor a = Tensor.zeros(fb, DType.FLOAT32, 1000);
        long held = fb.bytesInUse();
        try (Scope scope = Scope.open()) {   // closes the reshaped views the ops below make
        for (Supplier<Tensor> op : List.<Supplier<Tensor>>of(() -> a.add(a), () -> a.neg(), () -> a.sum(),
                () -> a.cast(DType.FLOAT64), () -> a.reshape(10, 100).transpose(), () -> a.slice(0, 1, 5),
                () -> a.reshape(10, 100).matmul(a.reshape(100, 10)), () -> a.softmax(0), () -> a.mul(2.0),
                () -> Tensor.concat(List.of(a, a), 0), () -> a.reshape(1, 1000).broadcastTo(3, 1000))) {
            assertThrows(IllegalStateException.class, op::get);
            assertEquals(held, fb.bytesInUse(), "the output of a failed op is freed at once");
        }
        }
        a.close();
        assertEquals(0, fb.bytesInUse());
    }

    /** A host backend whose kernels all fail (as a native error would), except fill and upload. */
    private static final class FailingBackend extends HostBackend {
        @Override
        public String name() {
            return "failing";
        }

        private static IllegalStateException boom() {
            return new IllegalStateException("kernel failed");
        }

        @Override protected void fillKernel(Storage out, double value) { }
        @Override protected void castKernel(Storage x, Storage out) { throw boom(); }
        @Override protected void copyStridedKernel(Storage src, long so, long[] ss, Storage dst, long d0, long[] ds,
                                                   long[] sh) { throw boom(); }
        @Override protected void unaryKernel(UnaryOp op, Storage x, Storage out) { throw boom(); }
        @Override protected void binaryKernel(BinaryOp op, Storage a, long[] as, Storage b, long[] bs, Storage out,
                                              long[] os) { throw boom(); }
        @Override protected void reduceKernel(ReduceOp op, Storage x, long o, long n, long i, Storage out) { throw boom(); }
        @Override protected void matmulKernel(Storage a, Storage b, Storage out, long ba, long m, long n, long k,
                                              boolean ta, boolean tb, long sa, long sb) { throw boom(); }
        @Override protected void softmaxKernel(Storage x, Storage out, long o, long n, long i, boolean log) { throw boom(); }
        @Override protected void gatherKernel(Storage t, long r, Storage ids, Storage out) { throw boom(); }
        @Override protected void scatterAddKernel(Storage src, long r, Storage ids, Storage out) { throw boom(); }
        @Override protected void oneHotKernel(Storage ids, long depth, Storage out) { throw boom(); }
    }
}
