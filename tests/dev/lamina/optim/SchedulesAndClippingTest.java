package dev.lamina.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Learning-rate schedules at several steps, optimizers driven by them, and gradient clipping, against hand values. */
class SchedulesAndClippingTest {
    static final double TOL = 1e-12;

    @Test
    void exponentialDecay() {
        ExponentialDecay smooth = new ExponentialDecay(0.1, 10, 0.5, false);
        assertEquals(0.1, smooth.at(0), TOL);
        assertEquals(0.07071067811865475, smooth.at(5), TOL); // 0.1·0.5^0.5
        assertEquals(0.05, smooth.at(10), TOL);
        assertEquals(0.035355339059327376, smooth.at(15), TOL); // 0.1·0.5^1.5
        ExponentialDecay steps = new ExponentialDecay(0.1, 10, 0.5, true); // "step decay"
        assertEquals(0.1, steps.at(0), TOL);
        assertEquals(0.1, steps.at(9), TOL);
        assertEquals(0.05, steps.at(10), TOL);
        assertEquals(0.05, steps.at(19), TOL);
        assertEquals(0.025, steps.at(20), TOL);
        Map<String, Object> c = steps.config();
        assertEquals("ExponentialDecay", c.get("class_name"));
        @SuppressWarnings("unchecked")
        Map<String, Object> inner = (Map<String, Object>) c.get("config");
        assertEquals(0.1, inner.get("initial_learning_rate"));
        assertEquals(10L, inner.get("decay_steps"));
        assertEquals(0.5, inner.get("decay_rate"));
        assertEquals(true, inner.get("staircase"));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialDecay(0.1, 0, 0.5, false));
    }

    @Test
    void piecewiseConstantDecay() {
        PiecewiseConstantDecay p = new PiecewiseConstantDecay(new long[] {10, 20}, new double[] {1.0, 0.5, 0.1});
        assertEquals(1.0, p.at(0));
        assertEquals(1.0, p.at(10)); // step <= boundaries[0]
        assertEquals(0.5, p.at(11));
        assertEquals(0.5, p.at(20));
        assertEquals(0.1, p.at(21));
        assertEquals(0.1, p.at(1_000_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PiecewiseConstantDecay(new long[] {10, 20}, new double[] {1.0, 0.5}));
        assertTrue(e.getMessage().contains("2 boundaries and 2 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PiecewiseConstantDecay(new long[] {20, 10}, new double[] {1, 2, 3}));
    }

    @Test
    void cosineDecay() {
        CosineDecay c = new CosineDecay(1.0, 10);
        assertEquals(1.0, c.at(0), TOL);
        assertEquals(0.5, c.at(5), TOL);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.7)), c.at(7), TOL);
        assertEquals(0.20610737385376343, c.at(7), TOL);
        assertEquals(0.0, c.at(10), TOL);
        assertEquals(0.0, c.at(100), TOL);
        CosineDecay a = new CosineDecay(2.0, 10, 0.1);
        assertEquals(2.0 * (0.9 * 0.5 + 0.1), a.at(5), TOL); // 1.1
        assertEquals(0.2, a.at(10), TOL);
        assertEquals(0.2, a.at(50), TOL);
        // linear warmup 0 → 1 over 4 steps, then cosine from 1 over 10 steps
        CosineDecay w = new CosineDecay(0.0, 10, 0.0, 1.0, 4);
        assertEquals(0.0, w.at(0), TOL);
        assertEquals(0.5, w.at(2), TOL);
        assertEquals(1.0, w.at(4), TOL);
        assertEquals(0.5, w.at(9), TOL);
        assertEquals(0.0, w.at(14), TOL);
        assertEquals(0.0, w.at(1000), TOL);
    }

    @Test
    void cosineDecayAtStepTwo() {
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.2)), new CosineDecay(1.0, 10).at(2), TOL);
        assertEquals(0.9045084971874737, new CosineDecay(1.0, 10).at(2), TOL);
    }

    @Test
    void optimizerUsesTheScheduleOfItsIterationCount() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Variable w = new Variable(Tensor.of(new float[] {1.0f}), "w", true);
            SGD sgd = new SGD(new PiecewiseConstantDecay(new long[] {1}, new double[] {0.5, 0.125}), 0, false);
            Tensor g = Tensor.of(new float[] {1.0f});
            double[] expectedLr = {0.5, 0.5, 0.125, 0.125};
            double[] expectedW = {0.5, 0.0, -0.125, -0.25};
            for (int step = 0; step < 4; step++) {
                assertEquals(step, sgd.iterations());
                assertEquals(expectedLr[step], sgd.learningRate(), "learningRate() before step " + step);
                sgd.apply(List.of(g), List.of(w));
                assertEquals(expectedW[step], w.toDoubleArray()[0], 1e-7, "w after step " + step);
            }
            assertEquals(4, sgd.iterations());
            sgd.setLearningRate(0.25);
            assertEquals(0.25, sgd.learningRate());
            assertEquals(null, sgd.schedule());
            w.close();
            sgd.close();
        }
    }

    // -------------------------------------------------------------------------------------------
    // clipping: g1 = (3, −4) has norm 5, g2 = (6, 8) has norm 10, global norm √125 = 11.1803398875
    // -------------------------------------------------------------------------------------------

    static double[][] clipped(double value, double norm, double global) {
        Backend cpu = Backends.cpu();
        try (Backends.Use u = Backends.use(cpu); Scope s = Scope.open()) {
            Tensor g1 = Tensor.of(new float[] {3, -4});
            Tensor g2 = Tensor.of(new float[] {6, 8});
            long before = cpu.bytesInUse();
            Tensor[] out = Clipping.clip(new Tensor[] {g1, g2, null}, value, norm, global);
            assertEquals(null, out[2]);
            double[][] r = {out[0].toDoubleArray(), out[1].toDoubleArray()};
            for (int i = 0; i < 2; i++) {
                if (out[i] != g1 && out[i] != g2) {
                    out[i].close();
                }
            }
            assertEquals(before, cpu.bytesInUse(), "clipping left temporaries behind");
            return r;
        }
    }

    static void assertVec(double[] expected, double[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, what + " element " + i);
        }
    }

    @Test
    void clipByValue() {
        double[][] r = clipped(2.0, Double.NaN, Double.NaN);
        assertVec(new double[] {2, -2}, r[0], "g1");
        assertVec(new double[] {2, 2}, r[1], "g2");
    }

    @Test
    void clipByNorm() {
        double[][] r = clipped(Double.NaN, 5.0, Double.NaN);
        assertVec(new double[] {3, -4}, r[0], "g1 at the limit is untouched");
        assertVec(new double[] {3, 4}, r[1], "g2 rescaled to norm 5");
        double[][] r2 = clipped(Double.NaN, 2.5, Double.NaN);
        assertVec(new double[] {1.5, -2}, r2[0], "g1 to norm 2.5");
        assertVec(new double[] {1.5, 2}, r2[1], "g2 to norm 2.5");
    }

    @Test
    void clipByGlobalNorm() {
        double[][] r = clipped(Double.NaN, Double.NaN, 5.0);
        // factor 5/√125 = 0.4472135955
        assertVec(new double[] {1.3416407865, -1.7888543820}, r[0], "g1");
        assertVec(new double[] {2.6832815730, 3.5777087640}, r[1], "g2");
        double[][] none = clipped(Double.NaN, Double.NaN, 20.0);
        assertVec(new double[] {3, -4}, none[0], "under the limit");
        assertVec(new double[] {6, 8}, none[1], "under the limit");
    }

    @Test
    void unchangedGradientsAreReturnedAsIs() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor g = Tensor.of(new float[] {0.1f, 0.2f});
            Tensor[] out = Clipping.clip(new Tensor[] {g}, Double.NaN, 10, 10);
            assertSame(g, out[0]);
        }
    }

    @Test
    void optimizerAppliesClipping() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Variable a = new Variable(Tensor.of(new float[] {0, 0}), "a", true);
            Variable b = new Variable(Tensor.of(new float[] {0, 0}), "b", true);
            Tensor g1 = Tensor.of(new float[] {3, -4});
            Tensor g2 = Tensor.of(new float[] {6, 8});
            SGD sgd = new SGD(1.0);
            sgd.globalClipNorm(5.0);
            sgd.apply(List.of(g1, g2), List.of(a, b));
            assertVec(new double[] {-1.3416407865, 1.7888543820}, a.toDoubleArray(), "a");
            assertVec(new double[] {-2.6832815730, -3.5777087640}, b.toDoubleArray(), "b");
            // the caller's gradients are not modified
            assertVec(new double[] {3, -4}, g1.toDoubleArray(), "g1");
            SGD byValue = new SGD(1.0);
            byValue.clipValue(0.5);
            byValue.apply(List.of(g1), List.of(a));
            assertVec(new double[] {-1.8416407865, 2.2888543820}, a.toDoubleArray(), "a after clipvalue 0.5");
            assertEquals(0.5, byValue.config().get("clipvalue"));
            assertEquals(5.0, sgd.config().get("global_clipnorm"));
            assertThrows(IllegalArgumentException.class, () -> new SGD().clipNorm(0));
            a.close();
            b.close();
        }
    }
}
