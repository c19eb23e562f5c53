package dev.lamina.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LstmInference} (RecurrentOps.lstm with no tape) against the recorded path (the same call
 * inside an open tape): on the reference backend (the default composition of {@code
 * Backend.lstmInference}) bitwise equal y, h_T and c_T; on the cpu backend (one native call, another
 * summation order) equal within {@link #F32_TOL} (float32) or {@link #F64_TOL} (float64) per element,
 * |fast − recorded| ≤ tol·(1 + |recorded|). Float32 and float64, with and without bias and initial
 * states, return_sequences on and off, the native kernel's small (plain loops) and large (chunked
 * projection, products split over the pool, several chunks) paths; plus the memory it leaves behind.
 */
class LstmInferenceTest {
    /** Float32 tolerance of the cpu kernel against the recorded path (measured: at most about 1e-6). */
    static final double F32_TOL = 1e-5;
    /** Float64 tolerance of the cpu kernel against the recorded path. */
    static final double F64_TOL = 1e-12;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (Backend be : new Backend[] {Backends.reference(), Backends.cpu()}) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                s.add(Arguments.of(be, dt, 3, 7, 5, 4, true, true, true));
                s.add(Arguments.of(be, dt, 1, 1, 1, 1, false, false, false));
                s.add(Arguments.of(be, dt, 2, 5, 3, 6, false, true, false));
            }
        }
        // cpu, float32: products split over the pool (both the projection and the per-step product),
        // and the seed LSTM's shape
        s.add(Arguments.of(Backends.cpu(), DType.FLOAT32, 16, 150, 64, 256, true, true, true));
        s.add(Arguments.of(Backends.cpu(), DType.FLOAT32, 16, 150, 64, 256, true, false, false));
        s.add(Arguments.of(Backends.cpu(), DType.FLOAT32, 32, 20, 1, 64, true, false, false));
        // the batch-1 predict of the seed model (the native small path), and a large path of several
        // projection chunks (8 MB of [B, 4H] rows each) in float64
        s.add(Arguments.of(Backends.cpu(), DType.FLOAT32, 1, 20, 1, 64, true, false, false));
        s.add(Arguments.of(Backends.cpu(), DType.FLOAT64, 64, 40, 16, 128, true, true, true));
        return s.build();
    }

    @ParameterizedTest(name = "{0} {1} B={2} T={3} I={4} H={5} bias={6} states={7} seq={8}")
    @MethodSource("cases")
    void equalToTheRecordedPath(Backend be, DType dt, int b, int t, int in, int hid, boolean withBias,
                                       boolean states, boolean seq) {
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open()) {
            Rng rng = new Rng(1000L * b + 31L * t + hid);
            double a = 1 / Math.sqrt(hid);
            Tensor x = rng.uniform(dt, -1, 1, b, t, in);
            Tensor k = rng.uniform(dt, -a, a, in, 4L * hid);
            Tensor rk = rng.uniform(dt, -a, a, hid, 4L * hid);
            Tensor bias = withBias ? rng.uniform(dt, -a, a, 4L * hid) : null;
            Tensor h0 = states ? rng.uniform(dt, -1, 1, b, hid) : null;
            Tensor c0 = states ? rng.uniform(dt, -1, 1, b, hid) : null;
            Tensor[] recorded;
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x);
                assertTrue(GradientTape.isRecording());
                recorded = RecurrentOps.lstm(x, k, rk, bias, h0, c0, seq);
            }
            assertTrue(!GradientTape.isRecording());
            long before = be.bytesInUse();
            Tensor[] fast = RecurrentOps.lstm(x, k, rk, bias, h0, c0, seq);
            assertEquals(3, fast.length);
            assertNotSame(fast[0], fast[1]);
            String[] names = {"y", "h_T", "c_T"};
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(recorded[i].shape(), fast[i].shape(), names[i] + " shape");
                double tol = be == Backends.reference() ? 0 : dt == DType.FLOAT32 ? F32_TOL : F64_TOL;
                assertClose(recorded[i].toDoubleArray(), fast[i].toDoubleArray(), tol, names[i] + " on " + be.name());
            }
            long outputs = 0;
            for (Tensor o : fast) {
                outputs += o.storage().bytes();
                o.close();
            }
            assertTrue(outputs > 0);
            assertEquals(before, be.bytesInUse(), "only the outputs were left, and they are closed");
        }
    }

    /** |actual − expected| ≤ tol·(1 + |expected|) per element; NaN never passes; tol 0 is bitwise. */
    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int j = 0; j < expected.length; j++) {
            boolean ok = tol == 0 ? Double.doubleToLongBits(expected[j]) == Double.doubleToLongBits(actual[j])
                    : Math.abs(actual[j] - expected[j]) <= tol * (1 + Math.abs(expected[j]));
            if (!ok) {
                throw new AssertionError(what + "[" + j + "]: expected " + expected[j] + ", got " + actual[j]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** The cpu kernel against the reference backend (plain Java, double accumulation): the check. */
    @ParameterizedTest(name = "B={0} T={1} I={2} H={3}")
    @MethodSource("shapes")
    void cpuKernelMatchesTheReference(int b, int t, int in, int hid) {
        Backend ref = Backends.reference();
        Backend cpu = Backends.cpu();
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(77L * b + t);
            double a = 1 / Math.sqrt(hid);
            float[][] data = {
                rng.uniform(DType.FLOAT32, -1, 1, b, t, in).toFloatArray(),
                rng.uniform(DType.FLOAT32, -a, a, in, 4L * hid).toFloatArray(),
                rng.uniform(DType.FLOAT32, -a, a, hid, 4L * hid).toFloatArray(),
                rng.uniform(DType.FLOAT32, -a, a, 4L * hid).toFloatArray(),
                rng.uniform(DType.FLOAT32, -1, 1, b, hid).toFloatArray(),
                rng.uniform(DType.FLOAT32, -1, 1, b, hid).toFloatArray()};
            long[][] shapes = {{b, t, in}, {in, 4L * hid}, {hid, 4L * hid}, {4L * hid}, {b, hid}, {b, hid}};
            Tensor[][] out = new Tensor[2][];
            Backend[] bes = {ref, cpu};
            for (int k = 0; k < 2; k++) {
                try (Backends.Use u = Backends.use(bes[k])) {
                    Tensor[] in6 = new Tensor[6];
                    for (int q = 0; q < 6; q++) {
                        in6[q] = Tensor.of(data[q], shapes[q]);
                    }
                    out[k] = RecurrentOps.lstm(in6[0], in6[1], in6[2], in6[3], in6[4], in6[5], true);
                }
            }
            String[] names = {"y", "h_T", "c_T"};
            for (int i = 0; i < 3; i++) {
                assertClose(out[0][i].toDoubleArray(), out[1][i].toDoubleArray(), F32_TOL, names[i] + " cpu vs reference");
            }
        }
    }

    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(1, 20, 1, 64), Arguments.of(3, 9, 5, 7), Arguments.of(8, 30, 12, 96));
    }

    @org.junit.jupiter.api.Test
    void badSizesStopBeforeTheNativeCall() {
        Backend cpu = Backends.cpu();
        try (Backends.Use u = Backends.use(cpu); Scope scope = Scope.open()) {
            Tensor x = Tensor.zeros(DType.FLOAT32, 2, 3, 4);
            Tensor k = Tensor.zeros(DType.FLOAT32, 4, 20);
            Tensor rk = Tensor.zeros(DType.FLOAT32, 5, 20);
            Tensor bias = Tensor.zeros(DType.FLOAT32, 20);
            Tensor h = Tensor.zeros(DType.FLOAT32, 2, 5);
            Tensor y = Tensor.zeros(DType.FLOAT32, 2, 5);
            Tensor hT = Tensor.zeros(DType.FLOAT32, 2, 5);
            Tensor cT = Tensor.zeros(DType.FLOAT32, 2, 5);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> cpu.lstmInference(x.storage(), k.storage(), rk.storage(), bias.storage(), h.storage(),
                            h.storage(), y.storage(), hT.storage(), cT.storage(), 2, 3, 4, 5, true));
            assertTrue(e.getMessage().contains("lstmInference: y has 10 elements"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> cpu.lstmInference(x.storage(), k.storage(), rk.storage(), bias.storage(), h.storage(),
                            h.storage(), y.storage(), y.storage(), cT.storage(), 2, 3, 4, 5, false));
            assertTrue(e.getMessage().contains("shares its storage"), e.getMessage());
        }
    }
}
