package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#gruSequenceForward} and {@link Backend#gruSequenceBackward} (issue 12) through
 * {@code RecurrentOps.gru}: a backend whose sequence kernels serve (the reference, wrapped without
 * declining: its kernels are the composition {@link ComposedGruSequence}), or only the forward one,
 * gives bitwise the outputs and gradients of the per-step loop (the same backend with the sequence
 * kernels declined), float32 and float64, with and without a bias; bad sizes are refused.
 */
class ComposedGruSequenceTest {
    private static double[][] run(Backend be, DType dt, int b, int t, int in, int hid, boolean withBias) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(43);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, b, t, in).cast(dt);
            Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, in, 3 * hid).cast(dt);
            Tensor rk = rng.uniform(DType.FLOAT32, -0.5, 0.5, hid, 3 * hid).cast(dt);
            Tensor bias = rng.uniform(DType.FLOAT32, -0.5, 0.5, 2, 3 * hid).cast(dt);
            Tensor h0 = rng.uniform(DType.FLOAT32, -1, 1, b, hid).cast(dt);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x, k, rk, bias, h0);
                Tensor[] out = RecurrentOps.gru(x, k, rk, withBias ? bias : null, h0, true);
                Tensor loss = out[0].square().sum().add(out[1].sum());
                Tensor[] g = tape.gradient(loss, x, k, rk, bias, h0);
                return new double[][] {out[0].toDoubleArray(), out[1].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), g[3] == null ? new double[0] : g[3].toDoubleArray(),
                        g[4].toDoubleArray()};
            }
        }
    }

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
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] sh : new int[][] {{3, 4, 2, 5}, {1, 1, 1, 1}, {2, 6, 3, 9}}) {
                for (boolean withBias : new boolean[] {true, false}) {
                    double[][] want = run(loop, dt, sh[0], sh[1], sh[2], sh[3], withBias);
                    for (Backend be : new Backend[] {serving, forwardOnly}) {
                        double[][] got = run(be, dt, sh[0], sh[1], sh[2], sh[3], withBias);
                        for (int i = 0; i < want.length; i++) {
                            assertArrayEquals(want[i], got[i], 0.0, be.name() + " " + dt + " "
                                    + java.util.Arrays.toString(sh) + " bias " + withBias + " output " + i);
                        }
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
