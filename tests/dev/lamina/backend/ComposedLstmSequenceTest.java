package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#lstmSequenceForward} and {@link Backend#lstmSequenceBackward} (issue 12) through
 * {@code RecurrentOps.lstm}: a backend
 * whose sequence kernel serves (the reference, wrapped without declining: its kernel is the
 * composition {@link ComposedLstmSequence}) gives bitwise the outputs and gradients of the per-step
 * loop (the same backend with only that kernel declined), float32 and float64; bad sizes are refused.
 */
class ComposedLstmSequenceTest {
    private static double[][] run(Backend be, DType dt, int b, int t, int in, int hid) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(42);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, b, t, in).cast(dt);
            Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, in, 4 * hid).cast(dt);
            Tensor rk = rng.uniform(DType.FLOAT32, -0.5, 0.5, hid, 4 * hid).cast(dt);
            Tensor bias = rng.uniform(DType.FLOAT32, -0.5, 0.5, 4 * hid).cast(dt);
            Tensor h0 = rng.uniform(DType.FLOAT32, -1, 1, b, hid).cast(dt);
            Tensor c0 = rng.uniform(DType.FLOAT32, -1, 1, b, hid).cast(dt);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x, k, rk, bias, h0, c0);
                Tensor[] out = RecurrentOps.lstm(x, k, rk, bias, h0, c0, true);
                Tensor loss = out[0].square().sum().add(out[2].sum());
                Tensor[] g = tape.gradient(loss, x, k, rk, bias, h0, c0);
                return new double[][] {out[0].toDoubleArray(), out[1].toDoubleArray(), out[2].toDoubleArray(),
                        g[0].toDoubleArray(), g[1].toDoubleArray(), g[2].toDoubleArray(), g[3].toDoubleArray(),
                        g[4].toDoubleArray(), g[5].toDoubleArray()};
            }
        }
    }

    @Test
    void sequenceKernelPathIsBitwiseThePerStepLoop() {
        Backend serving = new DecliningBackend(Backends.reference(), "serving-reference", (k, dt, g) -> null);
        Backend loop = new DecliningBackend(Backends.reference(), "looping-reference",
                (k, dt, g) -> k == Kernel.LSTM_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(serving.kernel(Kernel.LSTM_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertFalse(loop.kernel(Kernel.LSTM_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        // the forward kernel serves, the backward one is declined: KernelDispatch runs the composition
        Backend forwardOnly = new DecliningBackend(Backends.reference(), "forward-only-reference",
                (k, dt, g) -> k == Kernel.LSTM_SEQUENCE_BACKWARD ? "no sequence backward (test)" : null);
        assertFalse(forwardOnly.kernel(Kernel.LSTM_SEQUENCE_BACKWARD, DType.FLOAT32, geom).available());
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] sh : new int[][] {{3, 4, 2, 5}, {1, 1, 1, 1}, {2, 6, 3, 9}}) {
                double[][] want = run(loop, dt, sh[0], sh[1], sh[2], sh[3]);
                for (Backend be : new Backend[] {serving, forwardOnly}) {
                    double[][] got = run(be, dt, sh[0], sh[1], sh[2], sh[3]);
                    for (int i = 0; i < want.length; i++) {
                        assertArrayEquals(want[i], got[i], 0.0, be.name() + " " + dt + " "
                                + java.util.Arrays.toString(sh) + " output " + i);
                    }
                }
            }
        }
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SequenceGeometry(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SequenceGeometry(-1, 1, 1));
        Backend be = Backends.reference();
        Storage s = be.allocate(DType.FLOAT32, 8);
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> be.lstmSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> be.lstmSequenceBackward(s, s, s, s, s, s, s, s, 1, 1, 2));
        } finally {
            s.release();
        }
    }
}
