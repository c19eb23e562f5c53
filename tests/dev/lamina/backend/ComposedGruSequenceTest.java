package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#gruSequenceForward} and {@link Backend#gruSequenceBackward} (issue 12) through
 * {@code RecurrentOps.gru}: a backend whose sequence kernels serve (the reference, wrapped without
 * declining: its kernels are the composition {@link ComposedGruSequence}), or only the forward one,
 * gives bitwise the outputs and gradients of the per-step loop (the same backend with the sequence
 * kernels declined), float32 and float64, with and without a bias; bad sizes are refused.
 */
class ComposedGruSequenceTest {
    @Test
    void sequenceKernelPathIsBitwiseThePerStepLoop() {
        Backend serving = new DecliningBackend(Backends.reference(), "serving-reference", (k, dt, g) -> null);
        Backend forwardOnly = new DecliningBackend(Backends.reference(), "forward-only-reference",
                (k, dt, g) -> k == Kernel.GRU_SEQUENCE_BACKWARD ? "no sequence backward (test)" : null);
        Backend loop = new DecliningBackend(Backends.reference(), "looping-reference",
                (k, dt, g) -> k == Kernel.GRU_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(serving.kernel(Kernel.GRU_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertFalse(loop.kernel(Kernel.GRU_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertFalse(forwardOnly.kernel(Kernel.GRU_SEQUENCE_BACKWARD, DType.FLOAT32, geom).available());
        for (DType dt : SequenceFixtures.FLOAT_TYPES) {
            for (int[] sh : new int[][] {{3, 4, 2, 5}, {1, 1, 1, 1}, {2, 6, 3, 9}}) {
                for (boolean withBias : new boolean[] {true, false}) {
                    double[][] want = SequenceFixtures.trainGru(loop, dt, 43, sh[0], sh[1], sh[2], sh[3], withBias);
                    assertEquals(withBias ? 2 * 3 * sh[3] : 0, want[5].length, "the bias gradient, if the layer has one");
                    for (Backend be : new Backend[] {serving, forwardOnly}) {
                        double[][] got = SequenceFixtures.trainGru(be, dt, 43, sh[0], sh[1], sh[2], sh[3], withBias);
                        SequenceFixtures.assertAllBitwise(want, got,
                                be.name() + " " + dt + " " + java.util.Arrays.toString(sh) + " bias " + withBias);
                    }
                }
            }
        }
    }

    @Test
    void badSizesAreRefused() {
        Backend be = Backends.reference();
        Storage s = be.allocate(DType.FLOAT32, 8);
        Storage i = be.allocate(DType.INT32, 6);
        try {
            assertThrows(IllegalArgumentException.class, () -> be.gruSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertThrows(IllegalArgumentException.class, () -> be.gruSequenceBackward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertThrows(IllegalArgumentException.class, () -> be.gruSequenceForward(i, i, i, i, i, i, i, i, 1, 1, 2));
            assertThrows(IllegalArgumentException.class, () -> be.gruSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 0));
        } finally {
            s.release();
            i.release();
        }
    }
}
