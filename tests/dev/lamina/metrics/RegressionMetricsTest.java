package dev.lamina.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Regression metrics against hand-computed values; streaming over batches equals one-shot. */
class RegressionMetricsTest {
    static final double[] T = {3, -0.5, 2, 7};
    static final double[] P = {2.5, 0.0, 2, 8};
    // errors 0.5, -0.5, 0, -1: squares .25 .25 0 1 -> MSE 0.375; |e| -> MAE 0.5

    static long[] s(long... d) {
        return d;
    }

    static void feed(Metric m, double[] t, double[] p, int... sizes) {
        int off = 0;
        for (int n : sizes) {
            m.update(Arrays.copyOfRange(t, off, off + n), s(n), Arrays.copyOfRange(p, off, off + n), s(n, 1));
            off += n;
        }
    }

    @Test
    void handValues() {
        Metric mse = new MeanSquaredError();
        Metric rmse = new RootMeanSquaredError();
        Metric mae = new MeanAbsoluteError();
        Metric r2 = new R2Score();
        MeanAbsolutePercentageError mape = new MeanAbsolutePercentageError();
        for (Metric m : new Metric[] {mse, rmse, mae, r2, mape}) {
            assertTrue(Double.isNaN(m.result()), m.name() + " NaN before update");
            feed(m, T, P, 1, 2, 1);
        }
        assertEquals(0.375, mse.result(), 1e-15);
        assertEquals(Math.sqrt(0.375), rmse.result(), 1e-15);
        assertEquals(0.5, mae.result(), 1e-15);
        // mean 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; SS_res = 1.5
        assertEquals(1 - 1.5 / 29.1875, r2.result(), 1e-14); // 0.948608137...
        // |e|/|y| = 1/6, 1, 0, 1/7 -> 100 * (1/6 + 1 + 1/7) / 4
        assertEquals(100 * (1.0 / 6 + 1 + 1.0 / 7) / 4, mape.result(), 1e-12);
        assertEquals(0.375, RegressionMetrics.mse(T, P), 1e-15);
        assertEquals(Math.sqrt(0.375), RegressionMetrics.rmse(T, P), 1e-15);
        assertEquals(0.5, RegressionMetrics.mae(T, P), 1e-15);
        assertEquals(1 - 1.5 / 29.1875, RegressionMetrics.r2(T, P), 1e-14);
        assertEquals(100 * (1.0 / 6 + 1 + 1.0 / 7) / 4, RegressionMetrics.mape(T, P), 1e-12);
        assertEquals("mean_squared_error", mse.name());
        assertEquals("root_mean_squared_error", rmse.name());
        assertEquals("r2_score", r2.name());
        for (Metric m : new Metric[] {mse, rmse, mae, r2, mape}) {
            m.reset();
            assertTrue(Double.isNaN(m.result()), m.name() + " NaN after reset");
            m.update(new double[] {1, 2}, s(2), new double[] {1, 2}, s(2));
        }
        assertEquals(0.0, mse.result(), 0.0);
        assertEquals(0.0, mae.result(), 0.0);
        assertEquals(1.0, r2.result(), 0.0);
        assertEquals(0.0, mape.result(), 0.0);
    }

    @Test
    void streamingOverRandomBatchesEqualsOneShot() {
        Random rnd = new Random(7);
        int n = 1000;
        double[] t = new double[n];
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1e4 + rnd.nextGaussian(); // large offset: a naive Σy² − (Σy)²/n would lose digits
            p[i] = t[i] + 0.3 * rnd.nextGaussian();
        }
        Metric[] ms = {new MeanSquaredError(), new RootMeanSquaredError(), new MeanAbsoluteError(), new R2Score(),
            new MeanAbsolutePercentageError()};
        double[] oneShot = {RegressionMetrics.mse(t, p), RegressionMetrics.rmse(t, p), RegressionMetrics.mae(t, p),
            RegressionMetrics.r2(t, p), RegressionMetrics.mape(t, p)};
        for (int k = 0; k < ms.length; k++) {
            int off = 0;
            while (off < n) {
                int b = Math.min(n - off, 1 + rnd.nextInt(97));
                ms[k].update(Arrays.copyOfRange(t, off, off + b), s(b, 1), Arrays.copyOfRange(p, off, off + b), s(b, 1));
                off += b;
            }
            assertEquals(oneShot[k], ms[k].result(), 1e-10 * Math.abs(oneShot[k]), ms[k].name());
        }
        // R² of ~N(0, 0.09) residuals against unit-variance targets is about 0.91
        assertTrue(oneShot[3] > 0.85 && oneShot[3] < 0.95, "r2 " + oneShot[3]);
    }

    @Test
    void r2PerOutputUniformAverage() {
        // two outputs, 3 samples: column 0 t={1,2,3} p={1,2,4}; column 1 t={0,0,6} p={1,1,5}
        double[] t = {1, 0, 2, 0, 3, 6};
        double[] p = {1, 1, 2, 1, 4, 5};
        R2Score m = new R2Score();
        m.update(Arrays.copyOfRange(t, 0, 2), s(1, 2), Arrays.copyOfRange(p, 0, 2), s(1, 2));
        m.update(Arrays.copyOfRange(t, 2, 6), s(2, 2), Arrays.copyOfRange(p, 2, 6), s(2, 2));
        double r0 = 1 - 1.0 / 2.0; // SS_res 1, SS_tot 2
        double r1 = 1 - 3.0 / 24.0; // SS_res 3, SS_tot (4+4+16)
        assertEquals((r0 + r1) / 2, m.result(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> m.update(new double[] {1, 2, 3}, s(1, 3), new double[] {1, 2, 3}, s(1, 3)));
    }

    @Test
    void r2ConstantTargets() {
        assertEquals(1.0, RegressionMetrics.r2(new double[] {2, 2}, new double[] {2, 2}), 0.0);
        assertEquals(0.0, RegressionMetrics.r2(new double[] {2, 2}, new double[] {1, 2}), 0.0);
        R2Score m = new R2Score();
        m.update(new double[] {5}, s(1), new double[] {4}, s(1));
        assertEquals(0.0, m.result(), 0.0); // one sample: SS_tot = 0
        m.update(new double[] {7}, s(1), new double[] {7}, s(1));
        assertEquals(1 - 1.0 / 2.0, m.result(), 1e-15); // mean 6, SS_tot 2, SS_res 1
    }

    @Test
    void mapeSkipsZeroTargetsAndCountsThem() {
        MeanAbsolutePercentageError m = new MeanAbsolutePercentageError("mape");
        m.update(new double[] {0, 2, 0}, s(3), new double[] {1, 1, 0}, s(3));
        m.update(new double[] {-4, -0.0}, s(2), new double[] {-3, 5}, s(2));
        assertEquals(2, m.skippedZeroTargets() - 1); // 0, 0 and -0.0
        assertEquals(3, m.skippedZeroTargets());
        assertEquals(2, m.count());
        assertEquals(100 * (0.5 + 0.25) / 2, m.result(), 1e-12);
        assertTrue(Double.isFinite(m.result()));
        assertNull(m.nanReason());
        assertEquals(37.5, RegressionMetrics.mape(new double[] {0, 2, 0, -4, -0.0}, new double[] {1, 1, 0, -3, 5}), 1e-12);
        m.reset();
        assertEquals(0, m.skippedZeroTargets());
        m.update(new double[] {0, 0}, s(2), new double[] {1, 2}, s(2));
        assertTrue(Double.isNaN(m.result()));
        assertTrue(m.nanReason().contains("all 2 targets seen were zero"), m.nanReason());
        assertTrue(Double.isNaN(RegressionMetrics.mape(new double[] {0}, new double[] {3})));
        m.reset();
        m.update(new double[] {Double.MIN_VALUE}, s(1), new double[] {1}, s(1)); // subnormal: skipped, not Infinity
        assertTrue(Double.isNaN(m.result()));
        assertEquals(1, m.skippedZeroTargets());
    }

    @Test
    void shapeMismatchNamesMetricAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MeanSquaredError("mse").update(new double[] {1, 2}, s(2, 1), new double[] {1, 2}, s(1, 2)));
        assertTrue(e.getMessage().startsWith("mse:") && e.getMessage().contains("(2, 1)") && e.getMessage().contains("(1, 2)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegressionMetrics.mae(new double[] {1}, new double[] {1, 2}));
    }
}
