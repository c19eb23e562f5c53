package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
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
    // {B, T, H}, as CpuLstmSequenceTest's: H = 100 cuts the product (3H = 300), 130·70 pools the cell
    private static final int[][] SHAPES = {{1, 5, 3}, {1, 1, 1}, {7, 4, 13}, {3, 6, 37}, {32, 20, 64}, {33, 3, 100},
            {130, 2, 70}, {5, 0, 4}};

    @Test
    void nativeForwardAndBackwardMatchTheComposition() {
        CpuBackend cpu = CpuBackend.instance();
        int before = CpuBackend.threads();
        try (var u = Backends.use(cpu)) {
            for (int threads : new int[] {1, 2}) {
                CpuBackend.setThreads(threads);
                for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    for (int[] sh : SHAPES) {
                        try (Scope s = Scope.open()) {
                            compare(cpu, dt, sh[0], sh[1], sh[2], threads + " threads " + dt + " " + Arrays.toString(sh));
                        }
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    private static Tensor random(Rng rng, DType dt, double scale, long n) {
        return rng.uniform(DType.FLOAT32, -scale, scale, n).cast(dt);
    }

    private static void compare(CpuBackend be, DType dt, long b, long t, long h, String what) {
        long g = 3 * h;
        Rng rng = new Rng(13 + b * 31 + t * 7 + h);
        Tensor xp = random(rng, dt, 2, b * t * g), rk = random(rng, dt, 0.5, h * g), rb = random(rng, dt, 0.5, g);
        Tensor h0 = random(rng, dt, 1, b * h);
        Tensor dP = random(rng, dt, 1, b * t * h);
        long[] outSizes = {b * t * h, b * t * h, t * b * g, t * b * g};
        Tensor[] nat = new Tensor[4], comp = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            nat[i] = Tensor.zeros(be, dt, outSizes[i]);
            comp[i] = Tensor.zeros(be, dt, outSizes[i]);
        }
        long[] gradSizes = {b * t * g, b * t * g, b * h};
        Tensor[] natG = new Tensor[3], compG = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            natG[i] = Tensor.zeros(be, dt, gradSizes[i]);
            compG[i] = Tensor.zeros(be, dt, gradSizes[i]);
        }
        be.gruSequenceForward(xp.storage(), rk.storage(), rb.storage(), h0.storage(), nat[0].storage(),
                nat[1].storage(), nat[2].storage(), nat[3].storage(), b, t, h);
        ComposedGruSequence.forward(be, xp.storage(), rk.storage(), rb.storage(), h0.storage(), comp[0].storage(),
                comp[1].storage(), comp[2].storage(), comp[3].storage(), b, t, h);
        String[] names = {"packed", "hPrev", "gates", "hz"};
        for (int i = 0; i < 4; i++) {
            SequenceTolerance.assertClose(dt, comp[i].toDoubleArray(), nat[i].toDoubleArray(), what + " forward " + names[i]);
        }
        be.gruSequenceBackward(nat[2].storage(), nat[3].storage(), nat[1].storage(), rk.storage(), dP.storage(),
                natG[0].storage(), natG[1].storage(), natG[2].storage(), b, t, h);
        ComposedGruSequence.backward(be, comp[2].storage(), comp[3].storage(), comp[1].storage(), rk.storage(),
                dP.storage(), compG[0].storage(), compG[1].storage(), compG[2].storage(), b, t, h);
        String[] gNames = {"dXp", "dHz", "dh0"};
        for (int i = 0; i < 3; i++) {
            SequenceTolerance.assertClose(dt, compG[i].toDoubleArray(), natG[i].toDoubleArray(),
                    what + " backward " + gNames[i]);
        }
    }

    private static double[][] train(Backend be, DType dt, int b, int t, int in, int hid) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(6);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, b, t, in).cast(dt);
            Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, in, 3 * hid).cast(dt);
            Tensor rk = rng.uniform(DType.FLOAT32, -0.5, 0.5, hid, 3 * hid).cast(dt);
            Tensor bias = rng.uniform(DType.FLOAT32, -0.5, 0.5, 2, 3 * hid).cast(dt);
            Tensor h0 = rng.uniform(DType.FLOAT32, -1, 1, b, hid).cast(dt);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x, k, rk, bias, h0);
                Tensor[] out = RecurrentOps.gru(x, k, rk, bias, h0, true);
                Tensor loss = out[0].square().sum().add(out[1].sum());
                Tensor[] g = tape.gradient(loss, x, k, rk, bias, h0);
                return new double[][] {out[0].toDoubleArray(), out[1].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), g[3].toDoubleArray(), g[4].toDoubleArray()};
            }
        }
    }

    @Test
    void recordedGruThroughTheNativeKernelsMatchesThePerStepLoop() {
        CpuBackend cpu = CpuBackend.instance();
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(cpu.kernel(Kernel.GRU_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertTrue(cpu.kernel(Kernel.GRU_SEQUENCE_BACKWARD, DType.FLOAT64, geom).available());
        Backend loop = new DecliningBackend(cpu, "looping-cpu",
                (k, dt, g) -> k == Kernel.GRU_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] sh : new int[][] {{5, 7, 2, 11}, {1, 20, 1, 64}, {32, 20, 1, 64}}) {
                double[][] want = train(loop, dt, sh[0], sh[1], sh[2], sh[3]);
                double[][] got = train(cpu, dt, sh[0], sh[1], sh[2], sh[3]);
                for (int i = 0; i < want.length; i++) {
                    SequenceTolerance.assertClose(dt, want[i], got[i], dt + " " + Arrays.toString(sh) + " output/gradient " + i);
                }
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
