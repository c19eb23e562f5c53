package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#lstmSequenceForward} and {@link Backend#lstmSequenceBackward} (issue 12) through
 * {@code RecurrentOps.lstm}: a backend
 * whose sequence kernel serves (the reference, wrapped without declining: its kernel is the
 * composition {@link ComposedLstmSequence}) gives bitwise the outputs and gradients of the per-step
 * loop (the same backend with only that kernel declined), float32 and float64; bad sizes are refused.
 */
class ComposedLstmSequenceTest {
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
        for (DType dt : SequenceFixtures.FLOAT_TYPES) {
            for (int[] sh : new int[][] {{3, 4, 2, 5}, {1, 1, 1, 1}, {2, 6, 3, 9}}) {
                double[][] want = SequenceFixtures.trainLstm(loop, dt, 42, sh[0], sh[1], sh[2], sh[3]);
                for (Backend be : new Backend[] {serving, forwardOnly}) {
                    double[][] got = SequenceFixtures.trainLstm(be, dt, 42, sh[0], sh[1], sh[2], sh[3]);
                    SequenceFixtures.assertAllBitwise(want, got, be.name() + " " + dt + " " + java.util.Arrays.toString(sh));
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
