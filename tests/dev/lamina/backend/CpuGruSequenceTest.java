package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's native GRU sequence kernels (cpu-kernels/lamina_recurrent_seq.hpp) against the
 * per-step composition {@link ComposedGruSequence} on the same backend: equal outputs (packed,
 * hPrev, gates, hz; dXp, dHz, dh0), float64 bitwise and float32 within {@link SequenceTolerance}, batch 1 and odd, hidden sizes off
 * the vector width, a cut product, pooled cell and product, on 1 and 2 threads; then a whole
 * {@code RecurrentOps.gru} with its gradients against the per-step loop, the same tolerances.
 */
class CpuGruSequenceTest {
    @Test
    void nativeForwardAndBackwardMatchTheComposition() {
        SequenceFixtures.onCpu(new int[] {1, 2}, SequenceFixtures.FLOAT_TYPES, SequenceFixtures.NATIVE_SHAPES,
                (cpu, threads, dt, sh, what) -> compare(cpu, dt, sh[0], sh[1], sh[2], what));
    }

    private static void compare(CpuBackend be, DType dt, long b, long t, long h, String what) {
        long g = 3 * h;
        Rng rng = new Rng(13 + b * 31 + t * 7 + h);
        Tensor xp = SequenceFixtures.random(rng, dt, 2, b * t * g), rk = SequenceFixtures.random(rng, dt, 0.5, h * g);
        Tensor rb = SequenceFixtures.random(rng, dt, 0.5, g);
        Tensor h0 = SequenceFixtures.random(rng, dt, 1, b * h);
        Tensor dP = SequenceFixtures.random(rng, dt, 1, b * t * h);
        long[] outSizes = {b * t * h, b * t * h, t * b * g, t * b * g};
        Tensor[] nat = SequenceFixtures.zeros(be, dt, outSizes), comp = SequenceFixtures.zeros(be, dt, outSizes);
        long[] gradSizes = {b * t * g, b * t * g, b * h};
        Tensor[] natG = SequenceFixtures.zeros(be, dt, gradSizes), compG = SequenceFixtures.zeros(be, dt, gradSizes);
        be.gruSequenceForward(xp.storage(), rk.storage(), rb.storage(), h0.storage(), nat[0].storage(),
                nat[1].storage(), nat[2].storage(), nat[3].storage(), b, t, h);
        ComposedGruSequence.forward(be, xp.storage(), rk.storage(), rb.storage(), h0.storage(), comp[0].storage(),
                comp[1].storage(), comp[2].storage(), comp[3].storage(), b, t, h);
        SequenceFixtures.assertAllClose(dt, SequenceFixtures.values(comp), SequenceFixtures.values(nat),
                new String[] {"packed", "hPrev", "gates", "hz"}, what + " forward");
        be.gruSequenceBackward(nat[2].storage(), nat[3].storage(), nat[1].storage(), rk.storage(), dP.storage(),
                natG[0].storage(), natG[1].storage(), natG[2].storage(), b, t, h);
        ComposedGruSequence.backward(be, comp[2].storage(), comp[3].storage(), comp[1].storage(), rk.storage(),
                dP.storage(), compG[0].storage(), compG[1].storage(), compG[2].storage(), b, t, h);
        SequenceFixtures.assertAllClose(dt, SequenceFixtures.values(compG), SequenceFixtures.values(natG),
                new String[] {"dXp", "dHz", "dh0"}, what + " backward");
    }

    @Test
    void recordedGruThroughTheNativeKernelsMatchesThePerStepLoop() {
        CpuBackend cpu = CpuBackend.instance();
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(cpu.kernel(Kernel.GRU_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertTrue(cpu.kernel(Kernel.GRU_SEQUENCE_BACKWARD, DType.FLOAT64, geom).available());
        Backend loop = new DecliningBackend(cpu, "looping-cpu",
                (k, dt, g) -> k == Kernel.GRU_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
        for (DType dt : SequenceFixtures.FLOAT_TYPES) {
            for (int[] sh : SequenceFixtures.RECORDED_SHAPES) {
                double[][] want = SequenceFixtures.trainGru(loop, dt, 6, sh[0], sh[1], sh[2], sh[3]);
                double[][] got = SequenceFixtures.trainGru(cpu, dt, 6, sh[0], sh[1], sh[2], sh[3]);
                SequenceFixtures.assertAllClose(dt, want, got, SequenceFixtures.indexNames(want.length),
                        dt + " " + Arrays.toString(sh));
            }
        }
    }

    @Test
    void badSizesAreRefusedBeforeNativeCode() {
        CpuBackend cpu = CpuBackend.instance();
        Storage s = cpu.allocate(DType.FLOAT32, 8);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.gruSequenceForward(s, s, s, s, s, s, s, s, 1, 1, 2));
            assertTrue(e.getMessage().startsWith("gruSequenceForward"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cpu.gruSequenceBackward(s, s, s, s, s, s, s, s, 1, 1, 2));
        } finally {
            s.release();
        }
    }
}
