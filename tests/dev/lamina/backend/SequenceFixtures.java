package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.Arrays;

/**
 * The fixtures the sequence kernel tests share (CpuLstmSequenceTest, CpuGruSequenceTest,
 * ComposedLstmSequenceTest, ComposedGruSequenceTest): the shapes, random inputs, the loop over
 * thread counts, dtypes and shapes on the cpu backend, and a whole recorded {@code RecurrentOps.lstm/gru} with all its
 * gradients, whose results the tests compare between two backends (the kernel path and the per-step
 * loop).
 */
final class SequenceFixtures {
    /**
     * {B, T, H} of the native kernel tests: batch 1; odd B with H not a multiple of 8 or 16; H = 100
     * (gemm cut into blocks); B·H ≥ 8192 (the cell on the pool); B·gates·H·H ≥ 2^24 (the per-step
     * product on the pool too: 260·600·150 for the LSTM, 260·450·150 for the GRU); T = 0.
     */
    static final int[][] NATIVE_SHAPES = {{1, 5, 3}, {1, 1, 1}, {7, 4, 13}, {3, 6, 37}, {32, 20, 64}, {33, 3, 100},
            {130, 2, 70}, {260, 2, 150}, {5, 0, 4}};

    /** {B, T, input, H} of the recorded-layer comparisons on the cpu backend (the seed LSTM's size last). */
    static final int[][] RECORDED_SHAPES = {{5, 7, 2, 11}, {1, 20, 1, 64}, {32, 20, 1, 64}};

    /** Both floating dtypes. */
    static final DType[] FLOAT_TYPES = {DType.FLOAT32, DType.FLOAT64};

    private SequenceFixtures() {}

    /** One case of {@link #onCpu}: threads, dtype, shape and a label naming them. */
    interface Case {
        void run(CpuBackend cpu, int threads, DType dt, int[] shape, String what);
    }

    /**
     * Runs c on the cpu backend for every thread count, dtype and shape (in that nesting), each in its
     * own scope, and restores the thread count.
     */
    static void onCpu(int[] threadCounts, DType[] dtypes, int[][] shapes, Case c) {
        CpuBackend cpu = CpuBackend.instance();
        int before = CpuBackend.threads();
        try (var u = Backends.use(cpu)) {
            for (int threads : threadCounts) {
                CpuBackend.setThreads(threads);
                for (DType dt : dtypes) {
                    for (int[] sh : shapes) {
                        try (Scope s = Scope.open()) {
                            c.run(cpu, threads, dt, sh, threads + " threads " + dt + " " + Arrays.toString(sh));
                        }
                    }
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    /** Uniform in [-scale, scale), drawn in float32 and cast (the same values in both dtypes' tests). */
    static Tensor random(Rng rng, DType dt, double scale, long n) {
        return rng.uniform(DType.FLOAT32, -scale, scale, n).cast(dt);
    }

    /** Zero tensors of the given sizes on be. */
    static Tensor[] zeros(Backend be, DType dt, long... sizes) {
        Tensor[] out = new Tensor[sizes.length];
        for (int i = 0; i < sizes.length; i++) out[i] = Tensor.zeros(be, dt, sizes[i]);
        return out;
    }

    /** The values of each tensor. */
    static double[][] values(Tensor... ts) {
        double[][] out = new double[ts.length][];
        for (int i = 0; i < ts.length; i++) out[i] = ts[i].toDoubleArray();
        return out;
    }

    /**
     * A recorded {@code RecurrentOps.lstm} (return sequences) on be: the outputs {sequence, h, c} and
     * the gradients of {@code Σ seq² + Σ c} with respect to x, kernel, recurrent kernel, bias, h0, c0.
     */
    static double[][] trainLstm(Backend be, DType dt, long seed, int b, int t, int in, int hid) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(seed);
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
                return values(out[0], out[1], out[2], g[0], g[1], g[2], g[3], g[4], g[5]);
            }
        }
    }

    /**
     * A recorded {@code RecurrentOps.gru} (return sequences, reset_after: bias [2, 3H]) on be: the
     * outputs {sequence, h} and the gradients of {@code Σ seq² + Σ h} with respect to x, kernel,
     * recurrent kernel, bias, h0.
     */
    static double[][] trainGru(Backend be, DType dt, long seed, int b, int t, int in, int hid) {
        return trainGru(be, dt, seed, b, t, in, hid, true);
    }

    /**
     * As {@link #trainGru(Backend, DType, long, int, int, int, int)}, the layer without a bias when
     * {@code withBias} is false (the bias is still drawn, so the other inputs are the same, and its
     * gradient is then an empty array).
     */
    static double[][] trainGru(Backend be, DType dt, long seed, int b, int t, int in, int hid, boolean withBias) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng rng = new Rng(seed);
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
                double[] gBias = g[3] == null ? new double[0] : g[3].toDoubleArray();
                return new double[][] {out[0].toDoubleArray(), out[1].toDoubleArray(), g[0].toDoubleArray(),
                        g[1].toDoubleArray(), g[2].toDoubleArray(), gBias, g[4].toDoubleArray()};
            }
        }
    }

    /** Each array of got within {@link SequenceTolerance} of want's (bitwise for float64); names label them. */
    static void assertAllClose(DType dt, double[][] want, double[][] got, String[] names, String what) {
        assertEquals(want.length, got.length, what + ": arrays");
        for (int i = 0; i < want.length; i++) {
            SequenceTolerance.assertClose(dt, want[i], got[i], what + " " + names[i]);
        }
    }

    /** Each array of got bitwise want's, whatever the dtype. */
    static void assertAllBitwise(double[][] want, double[][] got, String what) {
        assertEquals(want.length, got.length, what + ": arrays");
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got[i], 0.0, what + " output " + i);
        }
    }

    /** "output/gradient 0" … for n arrays (the recorded-layer comparisons' labels). */
    static String[] indexNames(int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) out[i] = "output/gradient " + i;
        return out;
    }
}
