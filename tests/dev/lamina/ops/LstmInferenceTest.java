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
 * inside an open tape): bitwise equal y, h_T and c_T on the reference and cpu backends, float32 and
 * float64, with and without bias and initial states, return_sequences on and off, products large
 * enough to be split over the pool; plus the memory it leaves behind.
 */
class LstmInferenceTest {
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
        return s.build();
    }

    @ParameterizedTest(name = "{0} {1} B={2} T={3} I={4} H={5} bias={6} states={7} seq={8}")
    @MethodSource("cases")
    void bitwiseEqualToTheRecordedPath(Backend be, DType dt, int b, int t, int in, int hid, boolean withBias,
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
                if (dt == DType.FLOAT32) {
                    assertArrayEquals(recorded[i].toFloatArray(), fast[i].toFloatArray(), 0f, names[i]);
                } else {
                    assertArrayEquals(recorded[i].toDoubleArray(), fast[i].toDoubleArray(), 0.0, names[i]);
                }
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
}
