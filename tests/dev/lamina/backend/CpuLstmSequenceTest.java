package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's native LSTM sequence kernels (cpu-kernels/lamina_recurrent_seq.hpp, one call for
 * all steps) against the per-step composition {@link ComposedLstmSequence} on the same backend:
 * equal outputs (packed, hPrev, gates, cs; dXp, dh0, dc0), float64 bitwise and float32 within
 * {@link SequenceTolerance} (its recurrent products run on the packed microkernel), batch 1 and
 * odd, hidden sizes below and off the vector width, a product the gemm cuts into blocks, sizes where
 * the pool runs the cell and the product on two threads, on 1 and 2 threads; then a whole
 * {@code RecurrentOps.lstm} with its gradients against the per-step loop (the sequence kernels
 * declined), the same tolerances; and the float32 native results bitwise the same on 1 and 2 threads.
 */
class CpuLstmSequenceTest {
    @Test
    void nativeForwardAndBackwardMatchTheComposition() {
        SequenceFixtures.onCpu(new int[] {1, 2}, SequenceFixtures.FLOAT_TYPES, SequenceFixtures.NATIVE_SHAPES,
                (cpu, threads, dt, sh, what) -> compare(cpu, dt, sh[0], sh[1], sh[2], what));
    }

    @Test
    void float32NativeResultsDoNotDependOnTheThreadCount() {
        // {130, 2, 70}: B·H >= 8192, the cell on the pool; {260, 2, 130}: the per-step product's
        // m·n·k = 260·520·130 >= 2^24, so its column panels go to the pool too
        int[][] shapes = {{32, 20, 64}, {33, 3, 100}, {130, 2, 70}, {260, 2, 130}};
        double[][][][] runs = new double[2][shapes.length][][];
        SequenceFixtures.onCpu(new int[] {1, 2}, new DType[] {DType.FLOAT32}, shapes,
                (cpu, threads, dt, sh, what) -> runs[threads - 1][Arrays.asList(shapes).indexOf(sh)] =
                        nativeRun(cpu, sh[0], sh[1], sh[2]));
        for (int k = 0; k < shapes.length; k++) {
            SequenceFixtures.assertAllBitwise(runs[0][k], runs[1][k], Arrays.toString(shapes[k]) + " 1 against 2 threads");
        }
    }

    /** The native float32 forward and backward of one random problem: its 4 outputs and 3 gradients. */
    private static double[][] nativeRun(CpuBackend be, long b, long t, long h) {
        DType dt = DType.FLOAT32;
        long g = 4 * h;
        Rng rng = new Rng(3 + b + t + h);
        Tensor xp = SequenceFixtures.random(rng, dt, 2, b * t * g), rk = SequenceFixtures.random(rng, dt, 0.5, h * g);
        Tensor h0 = SequenceFixtures.random(rng, dt, 1, b * h), c0 = SequenceFixtures.random(rng, dt, 1, b * h);
        Tensor dP = SequenceFixtures.random(rng, dt, 1, b * (t + 1) * h);
        Tensor[] o = SequenceFixtures.zeros(be, dt, b * (t + 1) * h, b * t * h, t * b * g, t * b * h, b * t * g, b * h,
                b * h);
        be.lstmSequenceForward(xp.storage(), rk.storage(), h0.storage(), c0.storage(), o[0].storage(), o[1].storage(),
                o[2].storage(), o[3].storage(), b, t, h);
        be.lstmSequenceBackward(o[2].storage(), o[3].storage(), c0.storage(), rk.storage(), dP.storage(),
                o[4].storage(), o[5].storage(), o[6].storage(), b, t, h);
        return SequenceFixtures.values(o);
    }

    private static void compare(CpuBackend be, DType dt, long b, long t, long h, String what) {
        long g = 4 * h;
        Rng rng = new Rng(11 + b * 31 + t * 7 + h);
        Tensor xp = SequenceFixtures.random(rng, dt, 2, b * t * g), rk = SequenceFixtures.random(rng, dt, 0.5, h * g);
        Tensor h0 = SequenceFixtures.random(rng, dt, 1, b * h), c0 = SequenceFixtures.random(rng, dt, 1, b * h);
        Tensor dP = SequenceFixtures.random(rng, dt, 1, b * (t + 1) * h);
        long[] outSizes = {b * (t + 1) * h, b * t * h, t * b * g, t * b * h};
        Tensor[] nat = SequenceFixtures.zeros(be, dt, outSizes), comp = SequenceFixtures.zeros(be, dt, outSizes);
        long[] gradSizes = {b * t * g, b * h, b * h};
        Tensor[] natG = SequenceFixtures.zeros(be, dt, gradSizes), compG = SequenceFixtures.zeros(be, dt, gradSizes);
        be.lstmSequenceForward(xp.storage(), rk.storage(), h0.storage(), c0.storage(), nat[0].storage(),
                nat[1].storage(), nat[2].storage(), nat[3].storage(), b, t, h);
        ComposedLstmSequence.forward(be, xp.storage(), rk.storage(), h0.storage(), c0.storage(), comp[0].storage(),
                comp[1].storage(), comp[2].storage(), comp[3].storage(), b, t, h);
        SequenceFixtures.assertAllClose(dt, SequenceFixtures.values(comp), SequenceFixtures.values(nat),
                new String[] {"packed", "hPrev", "gates", "cs"}, what + " forward");
        // the backward from the forward's own saves (gates in (0, 1), cs bounded), as in training
        be.lstmSequenceBackward(nat[2].storage(), nat[3].storage(), c0.storage(), rk.storage(), dP.storage(),
                natG[0].storage(), natG[1].storage(), natG[2].storage(), b, t, h);
        ComposedLstmSequence.backward(be, comp[2].storage(), comp[3].storage(), c0.storage(), rk.storage(),
                dP.storage(), compG[0].storage(), compG[1].storage(), compG[2].storage(), b, t, h);
        SequenceFixtures.assertAllClose(dt, SequenceFixtures.values(compG), SequenceFixtures.values(natG),
                new String[] {"dXp", "dh0", "dc0"}, what + " backward");
    }

    @Test
    void recordedLstmThroughTheNativeKernelsMatchesThePerStepLoop() {
        CpuBackend cpu = CpuBackend.instance();
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(cpu.kernel(Kernel.LSTM_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertTrue(cpu.kernel(Kernel.LSTM_SEQUENCE_BACKWARD, DType.FLOAT64, geom).available());
        Backend loop = new DecliningBackend(cpu, "looping-cpu",
                (k, dt, g) -> k == Kernel.LSTM_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
        for (DType dt : SequenceFixtures.FLOAT_TYPES) {
            for (int[] sh : SequenceFixtures.RECORDED_SHAPES) {
                double[][] want = SequenceFixtures.trainLstm(loop, dt, 5, sh[0], sh[1], sh[2], sh[3]);
                double[][] got = SequenceFixtures.trainLstm(cpu, dt, 5, sh[0], sh[1], sh[2], sh[3]);
                SequenceFixtures.assertAllClose(dt, want, got, SequenceFixtures.indexNames(want.length),
                        dt + " " + Arrays.toString(sh));
            }
        }
    }

    @Test
    void badSizesAreRefusedBeforeNativeCode() {
        CpuBackend cpu = CpuBackend.instance();
        Storage s = cpu.allocate(DType.FLOAT32, 8);
        Storage i = cpu.allocate(DType.INT32, 8);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.lstmSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertTrue(e.getMessage().startsWith("lstmSequenceForward"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cpu.lstmSequenceBackward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertThrows(IllegalArgumentException.class, () -> cpu.lstmSequenceForward(i, i, i, i, i, i, i, i, 1, 1, 2));
            assertThrows(IllegalArgumentException.class, () -> cpu.lstmSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 0));
        } finally {
            s.release();
            i.release();
        }
        assertEquals("lamina.cpu.sequenceKernels", CpuBackend.SEQUENCE_KERNELS_PROPERTY);
    }
}
