package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DropoutTest {
    @Test
    void inferenceIsTheIdentityAndPassesGradients() {
        try (Scope s = Scope.open()) {
            Dropout d = new Dropout(0.5, 1L);
            Tensor x = Tensor.of(LayerChecks.randomFloats(1, 24, -1, 1), 4, 6);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x);
                Tensor y = d.apply(x, false);
                assertArrayEquals(x.toFloatArray(), y.toFloatArray(), 0f);
                Tensor g = tape.gradient(y.mul(3.0).sum(), x);
                float[] three = new float[24];
                Arrays.fill(three, 3f);
                assertArrayEquals(three, g.toFloatArray(), 0f);
            }
            // rate 0 is the identity in training too
            assertArrayEquals(x.toFloatArray(), new Dropout(0.0, 2L).apply(x, true).toFloatArray(), 0f);
        }
    }

    @Test
    void trainingDropsAboutRateAndScalesTheRest() {
        try (Scope s = Scope.open()) {
            double rate = 0.3;
            Dropout d = new Dropout(rate, 42L);
            Tensor x = Tensor.ones(DType.FLOAT32, 200, 500);
            float[] y = d.apply(x, true).toFloatArray();
            float scale = (float) (1 / (1 - rate));
            int zeros = 0;
            for (float v : y) {
                if (v == 0f) {
                    zeros++;
                } else {
                    assertEquals(scale, v, 0f, "kept values are scaled by 1/(1-rate)");
                }
            }
            // the dropped fraction of n = 1e5 Bernoulli(0.3) draws has std √(0.21/1e5) ≈ 0.00145; allow 0.01 (~7σ)
            double frac = zeros / (double) y.length;
            assertEquals(rate, frac, 0.01, "dropped fraction");
            // and the mean is preserved in expectation: |mean − 1| ≤ 0.01 / 0.7 by the same bound
            double mean = 0;
            for (float v : y) {
                mean += v;
            }
            assertEquals(1.0, mean / y.length, 0.015);
        }
    }

    @Test
    void sameSeedSameMasksAndEachCallDrawsANewMask() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(DType.FLOAT32, 10, 50);
            Dropout a = new Dropout(0.5, 7L);
            Dropout b = new Dropout(0.5, 7L);
            float[] a1 = a.apply(x, true).toFloatArray();
            float[] a2 = a.apply(x, true).toFloatArray();
            assertArrayEquals(a1, b.apply(x, true).toFloatArray(), 0f);
            assertArrayEquals(a2, b.apply(x, true).toFloatArray(), 0f);
            assertFalse(Arrays.equals(a1, a2), "a second call draws a new mask");
            assertFalse(Arrays.equals(a1, new Dropout(0.5, 8L).apply(x, true).toFloatArray()), "another seed, another mask");
            // unseeded layers take their seed from the global generator: reproducible after setGlobalSeed
            Rng.setGlobalSeed(123);
            float[] u1 = new Dropout(0.5).apply(x, true).toFloatArray();
            Rng.setGlobalSeed(123);
            float[] u2 = new Dropout(0.5).apply(x, true).toFloatArray();
            assertArrayEquals(u1, u2, 0f);
        }
    }

    @Test
    void gradientIsTheScaledMask() {
        try (Scope s = Scope.open()) {
            Dropout d = new Dropout(0.25, 9L);
            Tensor x = Tensor.of(LayerChecks.randomFloats(3, 60, -1, 1), 6, 10);
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(x);
                Tensor y = d.apply(x, true);
                float[] g = tape.gradient(y.sum(), x).toFloatArray();
                float[] yv = y.toFloatArray();
                float[] xv = x.toFloatArray();
                for (int i = 0; i < g.length; i++) {
                    // y = x·m/(1−rate) so dy/dx = m/(1−rate) ∈ {0, 4/3}
                    assertEquals(yv[i] == 0f ? 0f : 1 / 0.75f, g[i], 1e-6f);
                    assertEquals(g[i] * xv[i], yv[i], 1e-6f);
                }
            }
        }
        double[] r = LayerChecks.gradCheck(() -> new Dropout(0.4, 17L), true, LayerChecks.random(5, 30, -1, 1),
                new long[] {5, 6}, 1e-6);
        assertTrue(r[0] < 1e-6, "rel err " + r[0]);
    }

    @Test
    void cpuMatchesReference() {
        LayerChecks.assertCpuMatchesReference(() -> new Dropout(0.3, 11L), LayerChecks.randomFloats(6, 8 * 9, -2, 2),
                new long[] {8, 9}, true, 1e-5);
        LayerChecks.assertCpuMatchesReference(() -> new Dropout(0.3, 11L), LayerChecks.randomFloats(6, 8 * 9, -2, 2),
                new long[] {2, 4, 9}, false, 1e-5);
    }

    @Test
    void badRatesAreRejected() {
        for (double rate : new double[] {1.0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(rate));
            assertTrue(e.getMessage().contains("Dropout") && e.getMessage().contains("rate"), e.getMessage());
        }
        try (Scope s = Scope.open()) {
            Dropout d = new Dropout(0.5, 1L);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.apply(Tensor.of(new int[] {1, 2}, 2, 1), true));
            assertTrue(e.getMessage().contains(d.name()) && e.getMessage().contains("int32"), e.getMessage());
        }
    }
}
