package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BatchNormalizationTest {
    private static final int N = 32;
    private static final int C = 3;

    /** Samples with channel c offset by 2c − 1 and spread 1 + c. */
    private static double[] data() {
        double[] u = LayerChecks.random(21, N * C, -1, 1);
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < C; c++) {
                u[i * C + c] = (2 * c - 1) + (1 + c) * u[i * C + c];
            }
        }
        return u;
    }

    private static double[][] channelStats(double[] v) {
        double[] mean = new double[C];
        double[] var = new double[C];
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < C; c++) {
                mean[c] += v[i * C + c] / N;
            }
        }
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < C; c++) {
                double d = v[i * C + c] - mean[c];
                var[c] += d * d / N;
            }
        }
        return new double[][] {mean, var};
    }

    @Test
    void trainingNormalizesEachChannel() {
        try (Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization();
            double[] x = data();
            double[] y = bn.apply(Tensor.of(x, N, C), true).toDoubleArray();
            assertEquals(List.of(bn.name() + "/gamma", bn.name() + "/beta", bn.name() + "/moving_mean",
                    bn.name() + "/moving_variance"), bn.weights().stream().map(v -> v.name()).collect(Collectors.toList()));
            assertEquals(2, bn.trainableWeights().size());
            double[][] in = channelStats(x);
            double[][] out = channelStats(y);
            for (int c = 0; c < C; c++) {
                assertEquals(0, out[0][c], 1e-6, "mean of channel " + c);
                // γ=1, β=0: variance σ²/(σ²+ε), i.e. 1 up to ε
                assertEquals(in[1][c] / (in[1][c] + 1e-3), out[1][c], 1e-6, "variance of channel " + c);
                assertEquals(1, out[1][c], 1e-3 / in[1][c] + 1e-6);
            }
            bn.close();
        }
    }

    @Test
    void gammaAndBetaScaleAndShift() {
        try (Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization();
            bn.ensureBuilt(new long[] {-1, C});
            bn.gamma().assign(Tensor.of(new double[] {2, 0.5, -1}).cast(DType.FLOAT32));
            bn.beta().assign(Tensor.of(new double[] {1, -1, 0.25}).cast(DType.FLOAT32));
            double[] x = data();
            double[] y = bn.apply(Tensor.of(x, N, C).cast(DType.FLOAT32), true).toDoubleArray();
            double[][] in = channelStats(x);
            double[][] out = channelStats(y);
            double[] g = {2, 0.5, -1};
            double[] b = {1, -1, 0.25};
            for (int c = 0; c < C; c++) {
                assertEquals(b[c], out[0][c], 1e-5);
                assertEquals(g[c] * g[c] * in[1][c] / (in[1][c] + 1e-3), out[1][c], 1e-5);
            }
            bn.close();
        }
    }

    @Test
    void movingStatisticsFollowTheKerasFormula() {
        try (Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization(-1, 0.9, 1e-3, true, true, null);
            double[] x = data();
            Tensor xt = Tensor.of(x, N, C).cast(DType.FLOAT32);
            double[][] st = channelStats(x);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(xt);
                Tensor y = bn.apply(xt, true);
                // the moving statistics are not on the tape: no gradient reaches them
                tape.watch(bn.movingMean(), bn.movingVariance());
                Tensor[] g = tape.gradient(y.square().sum(), bn.movingMean(), bn.movingVariance(), xt);
                assertNull(g[0]);
                assertNull(g[1]);
                assertTrue(g[2] != null);
            }
            float[] mm = bn.movingMean().toFloatArray();
            float[] mv = bn.movingVariance().toFloatArray();
            for (int c = 0; c < C; c++) {
                assertEquals(0 * 0.9 + st[0][c] * 0.1, mm[c], 1e-6);
                assertEquals(1 * 0.9 + st[1][c] * 0.1, mv[c], 1e-6);
            }
            // a second step compounds
            bn.apply(xt, true);
            mm = bn.movingMean().toFloatArray();
            for (int c = 0; c < C; c++) {
                assertEquals((st[0][c] * 0.1) * 0.9 + st[0][c] * 0.1, mm[c], 1e-6);
            }
            bn.close();
        }
    }

    @Test
    void inferenceUsesMovingStatisticsAndLeavesThemAlone() {
        try (Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization();
            bn.ensureBuilt(new long[] {-1, 2});
            bn.movingMean().assign(Tensor.of(new float[] {1, -2}));
            bn.movingVariance().assign(Tensor.of(new float[] {4, 0.25f}));
            bn.gamma().assign(Tensor.of(new float[] {3, 1}));
            bn.beta().assign(Tensor.of(new float[] {0, 0.5f}));
            float[] y = bn.apply(Tensor.of(new float[][] {{3, -1}, {1, -2}}), false).toFloatArray();
            double e = 1e-3;
            double[] expected = {3 * (3 - 1) / Math.sqrt(4 + e), (-1 + 2) / Math.sqrt(0.25 + e) + 0.5,
                3 * 0 / Math.sqrt(4 + e), 0 + 0.5};
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], y[i], 1e-5, "element " + i);
            }
            assertArrayEquals(new float[] {1, -2}, bn.movingMean().toFloatArray(), 0f);
            assertArrayEquals(new float[] {4, 0.25f}, bn.movingVariance().toFloatArray(), 0f);
            // a frozen layer runs in inference mode even in training (Keras 3)
            bn.setTrainable(false);
            float[] y2 = bn.apply(Tensor.of(new float[][] {{3, -1}, {1, -2}}), true).toFloatArray();
            assertArrayEquals(y, y2, 0f);
            assertArrayEquals(new float[] {1, -2}, bn.movingMean().toFloatArray(), 0f);
            bn.close();
        }
    }

    @Test
    void channelAxisOfImagesAndOtherAxes() {
        try (Scope s = Scope.open()) {
            // NHWC: statistics over N, H, W per channel
            BatchNormalization bn = new BatchNormalization();
            Tensor x = Tensor.of(LayerChecks.random(8, 4 * 3 * 3 * 2, -3, 5), 4, 3, 3, 2);
            Tensor y = bn.apply(x, true);
            assertEquals(List.of(2L), List.of(bn.gamma().shape()[0]));
            Tensor m = y.mean(new int[] {0, 1, 2}, false);
            assertArrayEquals(new double[] {0, 0}, m.toDoubleArray(), 1e-6);
            // axis 1 of [B, C, T]
            BatchNormalization b1 = new BatchNormalization(1);
            Tensor x1 = Tensor.of(LayerChecks.random(9, 5 * 3 * 4, -3, 5), 5, 3, 4);
            Tensor y1 = b1.apply(x1, true);
            assertArrayEquals(new long[] {3}, b1.movingMean().shape());
            assertArrayEquals(new double[] {0, 0, 0}, y1.mean(new int[] {0, 2}, false).toDoubleArray(), 1e-6);
            double[] v = y1.variance(new int[] {0, 2}, false).toDoubleArray();
            double[] vin = x1.variance(new int[] {0, 2}, false).toDoubleArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(vin[c] / (vin[c] + 1e-3), v[c], 1e-6);
            }
            bn.close();
            b1.close();
        }
    }

    private static Supplier<Layer> factory(int axis) {
        return () -> new BatchNormalization(axis, 0.99, 1e-3, true, true, null)
                .gammaInitializer(Initializers.randomUniform(0.5, 1.5, 1L))
                .betaInitializer(Initializers.randomUniform(-0.5, 0.5, 2L));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        double[] r = LayerChecks.gradCheck(factory(-1), true, LayerChecks.random(1, 6 * 3, -2, 2), new long[] {6, 3}, 1e-6);
        assertTrue(r[0] < 1e-6, "training, [6,3]: rel err " + r[0]);
        assertEquals(6 * 3 + 3 + 3, (int) r[1]);
        r = LayerChecks.gradCheck(factory(-1), true, LayerChecks.random(2, 2 * 2 * 2 * 3, -2, 2), new long[] {2, 2, 2, 3}, 1e-6);
        assertTrue(r[0] < 1e-6, "training, NHWC: rel err " + r[0]);
        r = LayerChecks.gradCheck(factory(1), true, LayerChecks.random(3, 3 * 2 * 4, -2, 2), new long[] {3, 2, 4}, 1e-6);
        assertTrue(r[0] < 1e-6, "training, axis 1: rel err " + r[0]);
        r = LayerChecks.gradCheck(factory(-1), false, LayerChecks.random(4, 5 * 3, -2, 2), new long[] {5, 3}, 1e-6);
        assertTrue(r[0] < 1e-6, "inference: rel err " + r[0]);
        r = LayerChecks.gradCheck(() -> new BatchNormalization(-1, 0.99, 1e-3, false, false, null), true,
                LayerChecks.random(5, 4 * 2, -2, 2), new long[] {4, 2}, 1e-6);
        assertTrue(r[0] < 1e-6, "no gamma/beta: rel err " + r[0]);
    }

    @Test
    void cpuMatchesReference() {
        LayerChecks.assertCpuMatchesReference(factory(-1), LayerChecks.randomFloats(5, 4 * 5 * 5 * 3, -2, 3),
                new long[] {4, 5, 5, 3}, true, 1e-5);
        LayerChecks.assertCpuMatchesReference(factory(1), LayerChecks.randomFloats(6, 8 * 3 * 2, -2, 3),
                new long[] {8, 3, 2}, true, 1e-5);
        LayerChecks.assertCpuMatchesReference(factory(-1), LayerChecks.randomFloats(7, 8 * 3, -2, 3),
                new long[] {8, 3}, false, 1e-5);
    }

    @Test
    void badAxesAndShapesAreRejected() {
        try (Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization(3, 0.99, 1e-3, true, true, "bn_bad");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bn.apply(Tensor.zeros(DType.FLOAT32, 2, 3), true));
            assertTrue(e.getMessage().contains("bn_bad") && e.getMessage().contains("axis 3")
                    && e.getMessage().contains("(None, 3)"), e.getMessage());
            BatchNormalization ok = new BatchNormalization(-1, 0.99, 1e-3, true, true, "bn_ok");
            ok.apply(Tensor.zeros(DType.FLOAT32, 2, 3), true);
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> ok.apply(Tensor.zeros(DType.FLOAT32, 2, 4), true));
            assertTrue(e2.getMessage().contains("bn_ok") && e2.getMessage().contains("(2, 4)"), e2.getMessage());
            ok.close();
        }
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(0));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(-1, 1.5, 1e-3, true, true, null));
        assertThrows(IllegalArgumentException.class, () -> new BatchNormalization(-1, 0.9, 0, true, true, null));
    }
}
