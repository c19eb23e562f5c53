package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
    // {B, T, H}: batch 1; odd B with H not a multiple of 8 or 16; H = 100 (gemm cut into blocks);
    // B·H >= 8192 and m·n·k >= 2^21 (cell and product on the pool); T = 0
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

    @Test
    void float32NativeResultsDoNotDependOnTheThreadCount() {
        CpuBackend cpu = CpuBackend.instance();
        int before = CpuBackend.threads();
        try (var u = Backends.use(cpu)) {
            // {130, 2, 70}: the forward product's m·n·k >= 2^21, so its column panels go to the pool
            for (int[] sh : new int[][] {{32, 20, 64}, {33, 3, 100}, {130, 2, 70}}) {
                double[][][] runs = new double[2][][];
                for (int threads = 1; threads <= 2; threads++) {
                    CpuBackend.setThreads(threads);
                    try (Scope s = Scope.open()) {
                        runs[threads - 1] = nativeRun(cpu, sh[0], sh[1], sh[2]);
                    }
                }
                for (int i = 0; i < runs[0].length; i++) {
                    assertArrayEquals(runs[0][i], runs[1][i], 0.0, Arrays.toString(sh) + " output " + i);
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    /** The native float32 forward and backward of one random problem: its 4 outputs and 3 gradients. */
    private static double[][] nativeRun(CpuBackend be, long b, long t, long h) {
        DType dt = DType.FLOAT32;
        long g = 4 * h;
        Rng rng = new Rng(3 + b + t + h);
        Tensor xp = random(rng, dt, 2, b * t * g), rk = random(rng, dt, 0.5, h * g);
        Tensor h0 = random(rng, dt, 1, b * h), c0 = random(rng, dt, 1, b * h);
        Tensor dP = random(rng, dt, 1, b * (t + 1) * h);
        Tensor[] o = {Tensor.zeros(be, dt, b * (t + 1) * h), Tensor.zeros(be, dt, b * t * h),
                Tensor.zeros(be, dt, t * b * g), Tensor.zeros(be, dt, t * b * h), Tensor.zeros(be, dt, b * t * g),
                Tensor.zeros(be, dt, b * h), Tensor.zeros(be, dt, b * h)};
        be.lstmSequenceForward(xp.storage(), rk.storage(), h0.storage(), c0.storage(), o[0].storage(), o[1].storage(),
                o[2].storage(), o[3].storage(), b, t, h);
        be.lstmSequenceBackward(o[2].storage(), o[3].storage(), c0.storage(), rk.storage(), dP.storage(),
                o[4].storage(), o[5].storage(), o[6].storage(), b, t, h);
        double[][] out = new double[o.length][];
        for (int i = 0; i < o.length; i++) out[i] = o[i].toDoubleArray();
        return out;
    }

    /** Uniform in [-scale, scale), drawn in float32 and cast (the same values in both dtypes' tests). */
    private static Tensor random(Rng rng, DType dt, double scale, long n) {
        return rng.uniform(DType.FLOAT32, -scale, scale, n).cast(dt);
    }

    private static void compare(CpuBackend be, DType dt, long b, long t, long h, String what) {
        long g = 4 * h;
        Rng rng = new Rng(11 + b * 31 + t * 7 + h);
        Tensor xp = random(rng, dt, 2, b * t * g), rk = random(rng, dt, 0.5, h * g);
        Tensor h0 = random(rng, dt, 1, b * h), c0 = random(rng, dt, 1, b * h);
        Tensor dP = random(rng, dt, 1, b * (t + 1) * h);
        long[] outSizes = {b * (t + 1) * h, b * t * h, t * b * g, t * b * h};
        Tensor[] nat = new Tensor[4], comp = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            nat[i] = Tensor.zeros(be, dt, outSizes[i]);
            comp[i] = Tensor.zeros(be, dt, outSizes[i]);
        }
        long[] gradSizes = {b * t * g, b * h, b * h};
        Tensor[] natG = new Tensor[3], compG = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            natG[i] = Tensor.zeros(be, dt, gradSizes[i]);
            compG[i] = Tensor.zeros(be, dt, gradSizes[i]);
        }
        be.lstmSequenceForward(xp.storage(), rk.storage(), h0.storage(), c0.storage(), nat[0].storage(),
                nat[1].storage(), nat[2].storage(), nat[3].storage(), b, t, h);
        ComposedLstmSequence.forward(be, xp.storage(), rk.storage(), h0.storage(), c0.storage(), comp[0].storage(),
                comp[1].storage(), comp[2].storage(), comp[3].storage(), b, t, h);
        String[] names = {"packed", "hPrev", "gates", "cs"};
        for (int i = 0; i < 4; i++) {
            SequenceTolerance.assertClose(dt, comp[i].toDoubleArray(), nat[i].toDoubleArray(), what + " forward " + names[i]);
        }
        // the backward from the forward's own saves (gates in (0, 1), cs bounded), as in training
        be.lstmSequenceBackward(nat[2].storage(), nat[3].storage(), c0.storage(), rk.storage(), dP.storage(),
                natG[0].storage(), natG[1].storage(), natG[2].storage(), b, t, h);
        ComposedLstmSequence.backward(be, comp[2].storage(), comp[3].storage(), c0.storage(), rk.storage(),
                dP.storage(), compG[0].storage(), compG[1].storage(), compG[2].storage(), b, t, h);
        String[] gNames = {"dXp", "dh0", "dc0"};
        for (int i = 0; i < 3; i++) {
            SequenceTolerance.assertClose(dt, compG[i].toDoubleArray(), natG[i].toDoubleArray(),
                    what + " backward " + gNames[i]);
        }
    }

    private static double[][] train(Backend be, DType dt, int b, int t, int in, int hid) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(5);
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
    void recordedLstmThroughTheNativeKernelsMatchesThePerStepLoop() {
        CpuBackend cpu = CpuBackend.instance();
        SequenceGeometry geom = new SequenceGeometry(3, 4, 5);
        assertTrue(cpu.kernel(Kernel.LSTM_SEQUENCE_FORWARD, DType.FLOAT32, geom).available());
        assertTrue(cpu.kernel(Kernel.LSTM_SEQUENCE_BACKWARD, DType.FLOAT64, geom).available());
        Backend loop = new DecliningBackend(cpu, "looping-cpu",
                (k, dt, g) -> k == Kernel.LSTM_SEQUENCE_FORWARD ? "no sequence kernel (test)" : null);
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
