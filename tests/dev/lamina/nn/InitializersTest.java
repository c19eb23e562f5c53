package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitializersTest {
    private static final long[] KERNEL = {200, 300};

    private static double[] draw(Initializer init, long... shape) {
        try (Scope s = Scope.open()) {
            return init.initialize(shape, DType.FLOAT32).toDoubleArray();
        }
    }

    private static double[] meanVar(double[] v) {
        double m = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length;
        return new double[] {m, var};
    }

    private static double maxAbs(double[] v) {
        return Arrays.stream(v).map(Math::abs).max().orElseThrow();
    }

    @Test
    void uniformVarianceScalingBoundsAndVariance() {
        // limit l = √(3·scale/n); a U[−l, l] sample has variance l²/3
        Object[][] cases = {
            {Initializers.glorotUniform(1L), Math.sqrt(6.0 / (200 + 300))},
            {Initializers.heUniform(2L), Math.sqrt(6.0 / 200)},
            {Initializers.lecunUniform(3L), Math.sqrt(3.0 / 200)},
        };
        for (Object[] c : cases) {
            Initializer init = (Initializer) c[0];
            double limit = (Double) c[1];
            double[] w = draw(init, KERNEL);
            String name = (String) init.config().get("class_name");
            assertTrue(maxAbs(w) <= limit * (1 + 1e-7), name + ": |w| ≤ " + limit + ", got " + maxAbs(w));
            assertTrue(maxAbs(w) > 0.99 * limit, name + ": the range is used");
            double[] mv = meanVar(w);
            // 60000 samples: the variance estimate has relative std ≈ √(0.8/60000) ≈ 0.4%
            assertEquals(limit * limit / 3, mv[1], 0.05 * limit * limit / 3, name + " variance");
            assertEquals(0, mv[0], 0.01 * limit, name + " mean");
        }
    }

    @Test
    void normalVarianceScalingStddev() {
        Object[][] cases = {
            {Initializers.glorotNormal(4L), Math.sqrt(2.0 / (200 + 300))},
            {Initializers.heNormal(5L), Math.sqrt(2.0 / 200)},
            {Initializers.lecunNormal(6L), Math.sqrt(1.0 / 200)},
            {Initializers.varianceScaling(3.0, "fan_out", "untruncated_normal", 7L), Math.sqrt(3.0 / 300)},
        };
        for (Object[] c : cases) {
            Initializer init = (Initializer) c[0];
            double std = (Double) c[1];
            double[] w = draw(init, KERNEL);
            String name = (String) init.config().get("class_name");
            double sd = Math.sqrt(meanVar(w)[1]);
            assertEquals(std, sd, 0.05 * std, name + " stddev");
            if (!name.equals("VarianceScaling")) {
                // truncated at two standard deviations of the untruncated normal (std / 0.8796)
                assertTrue(maxAbs(w) <= 2 * std / 0.87962566103423978 * (1 + 1e-6), name + " truncation, max " + maxAbs(w));
            }
        }
    }

    @Test
    void convolutionFansIncludeTheReceptiveField() {
        double[] w = draw(Initializers.glorotUniform(8L), 3, 3, 16, 32);
        double limit = Math.sqrt(6.0 / (9 * 16 + 9 * 32));
        assertTrue(maxAbs(w) <= limit * (1 + 1e-7) && maxAbs(w) > 0.98 * limit, "max " + maxAbs(w) + " limit " + limit);
    }

    /** Gram matrix AᵀA (transpose=false) or AAᵀ (true) of a rows×cols row-major matrix. */
    private static double[][] gram(double[] a, int rows, int cols, boolean rowsGram) {
        int n = rowsGram ? rows : cols;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                int len = rowsGram ? cols : rows;
                for (int k = 0; k < len; k++) {
                    s += rowsGram ? a[i * cols + k] * a[j * cols + k] : a[k * cols + i] * a[k * cols + j];
                }
                g[i][j] = s;
            }
        }
        return g;
    }

    private static void assertScaledIdentity(double[][] g, double diag, double tol, String what) {
        double worst = 0;
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g.length; j++) {
                worst = Math.max(worst, Math.abs(g[i][j] - (i == j ? diag : 0)));
            }
        }
        assertTrue(worst <= tol, what + ": max deviation from identity " + worst);
    }

    @Test
    void orthogonalIsOrthonormal() {
        assertScaledIdentity(gram(draw(Initializers.orthogonal(1.0, 9L), 64, 32), 64, 32, false), 1, 1e-5, "64x32 WᵀW");
        assertScaledIdentity(gram(draw(Initializers.orthogonal(1.0, 10L), 32, 64), 32, 64, true), 1, 1e-5, "32x64 WWᵀ");
        assertScaledIdentity(gram(draw(Initializers.orthogonal(2.0, 11L), 20, 20), 20, 20, false), 4, 1e-5, "gain 2");
        // higher rank: flattened to (Π shape[:-1], shape[-1])
        assertScaledIdentity(gram(draw(Initializers.orthogonal(1.0, 12L), 2, 8, 4), 16, 4, false), 1, 1e-5, "2x8x4");
        assertThrows(IllegalArgumentException.class, () -> draw(Initializers.orthogonal(1.0, 1L), 5));
    }

    @Test
    void seededIsReproducibleAndUnseededDrawsDiffer() {
        for (String name : List.of("random_normal", "random_uniform", "truncated_normal", "glorot_uniform", "glorot_normal",
                "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal")) {
            Initializer unseeded = Initializers.get(name);
            assertFalse(Arrays.equals(draw(unseeded, 6, 5), draw(unseeded, 6, 5)), name + ": unseeded draws differ");
            Initializer seeded = Initializers.fromConfig(withSeed(unseeded, 77L));
            assertArrayEquals(draw(seeded, 6, 5), draw(seeded, 6, 5), 0, name + ": seeded draws repeat");
            // unseeded draws are reproducible from the global seed
            Rng.setGlobalSeed(99);
            double[] a = draw(unseeded, 6, 5);
            Rng.setGlobalSeed(99);
            assertArrayEquals(a, draw(unseeded, 6, 5), 0, name + ": global seed");
        }
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> withSeed(Initializer init, long seed) {
        java.util.Map<String, Object> cfg = Json.parseObject(Json.write(init.config()));
        ((java.util.Map<String, Object>) cfg.get("config")).put("seed", seed);
        return cfg;
    }

    @Test
    void constantsAndConfigRoundTrip() {
        assertArrayEquals(new double[6], draw(Initializers.zeros(), 2, 3), 0);
        assertArrayEquals(new double[] {1, 1}, draw(Initializers.ones(), 2), 0);
        assertArrayEquals(new double[] {0.25, 0.25}, draw(Initializers.constant(0.25), 2), 0);
        Initializer unseeded = Initializers.glorotUniform();
        List<Initializer> all = List.of(Initializers.zeros(), Initializers.ones(), Initializers.constant(-1.5),
                Initializers.randomNormal(0.5, 2, 1L), Initializers.randomUniform(-3, 1, 2L),
                Initializers.truncatedNormal(0, 0.1, 3L), Initializers.varianceScaling(2, "fan_out", "uniform", 4L),
                Initializers.glorotUniform(5L), Initializers.glorotNormal(6L), Initializers.heNormal(7L),
                Initializers.heUniform(8L), Initializers.lecunNormal(9L), Initializers.lecunUniform(10L),
                Initializers.orthogonal(1.5, 11L), unseeded);
        for (Initializer init : all) {
            String json = Json.write(init.config());
            Initializer back = Initializers.fromConfig(Json.parseObject(json));
            assertEquals(json, Json.write(back.config()));
            if (init != unseeded) { // same values when seeded (or constant)
                assertArrayEquals(draw(init, 4, 3), draw(back, 4, 3), 0, json);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Initializers.get("nope"));
        assertThrows(IllegalArgumentException.class, () -> Initializers.varianceScaling(1, "fan_x", "uniform", null));
    }

    @Test
    void randomNormalAndUniformMoments() {
        double[] n = draw(Initializers.randomNormal(0.5, 2, 12L), KERNEL);
        double[] mv = meanVar(n);
        assertEquals(0.5, mv[0], 0.05);
        assertEquals(2, Math.sqrt(mv[1]), 0.05 * 2);
        double[] u = draw(Initializers.randomUniform(-3, 1, 13L), KERNEL);
        assertTrue(Arrays.stream(u).allMatch(v -> v >= -3 && v <= 1));
        assertEquals(-1, meanVar(u)[0], 0.05);
    }
}
