package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;
import org.junit.jupiter.api.Test;

/**
 * {@link Autoregression}: the ridge fit against an independent least-squares solve and its own normal
 * equations, its forecasts, and its saved form.
 */
class AutoregressionTest {
    /** A noisy AR(2) series in [0, 1]-like units, column 0 of the rows. */
    private static double[][] series(int n, long seed) {
        Random r = new Random(seed);
        double[][] z = new double[n][1];
        z[0][0] = 0.3;
        z[1][0] = 0.35;
        for (int t = 2; t < n; t++) {
            z[t][0] = 0.1 + 0.9 * z[t - 1][0] - 0.2 * z[t - 2][0] + 0.05 * r.nextGaussian();
        }
        return z;
    }

    @Test
    void aTinyPenaltyGivesTheLeastSquaresFit() {
        double[][] z = series(400, 1);
        int w = 3;
        int j = 1; // horizon 2
        int[] origins = RollingOrigin.trainingOrigins(w, 2, 400);
        double[][] x = new double[origins.length][w];
        double[] y = new double[origins.length];
        for (int i = 0; i < origins.length; i++) {
            int t = origins[i];
            for (int k = 0; k < w; k++) {
                x[i][k] = z[t - w + 1 + k][0];
            }
            y[i] = z[t + j + 1][0] - z[t][0];
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.newSampleData(y, x);
        double[] beta = ols.estimateRegressionParameters(); // intercept first
        double[] c = Autoregression.fitHorizon(z, origins, w, j, 1e-12);
        for (int k = 0; k < w; k++) {
            assertEquals(beta[k + 1], c[k], 1e-7, "coefficient " + k);
        }
        assertEquals(beta[0], c[w], 1e-7, "intercept");
    }

    @Test
    void theRidgeFitSolvesItsNormalEquations() {
        double[][] z = series(300, 2);
        int w = 4;
        double lambda = 0.1;
        int[] origins = RollingOrigin.trainingOrigins(w, 3, 300);
        int n = origins.length;
        double[] c = Autoregression.fitHorizon(z, origins, w, 2, lambda);
        // residuals e of the fit: Σ e = 0 (unpenalised intercept) and Xᵀe = λ·n·β (the ridge's stationarity)
        double sumE = 0;
        double[] xe = new double[w];
        for (int t : origins) {
            double e = z[t + 3][0] - z[t][0] - Autoregression.change(c, z, t);
            sumE += e;
            for (int k = 0; k < w; k++) {
                xe[k] += z[t - w + 1 + k][0] * e;
            }
        }
        assertEquals(0, sumE, 1e-9);
        for (int k = 0; k < w; k++) {
            assertEquals(lambda * n * c[k], xe[k], 1e-9, "coefficient " + k);
        }
        // a larger penalty shrinks the coefficients
        double[] big = Autoregression.fitHorizon(z, origins, w, 2, 10);
        double norm = 0;
        double normBig = 0;
        for (int k = 0; k < w; k++) {
            norm += c[k] * c[k];
            normBig += big[k] * big[k];
        }
        assertTrue(normBig < norm, normBig + " against " + norm);
    }

    @Test
    void forecastsAreTheWeightedChangesAndTheSavedFormRoundTrips() {
        double[][] z = series(200, 3);
        int[] origins = RollingOrigin.trainingOrigins(5, 2, 200);
        Autoregression ar = Autoregression.fit(z, origins, 5, new double[] {0.01, 1}, new double[] {0.5, 1.2});
        double[] c1 = Autoregression.fitHorizon(z, origins, 5, 0, 0.01);
        double[][] out = ar.weightedChanges(z, new int[] {10, 150});
        assertEquals(0.5 * Autoregression.change(c1, z, 150), out[1][0], 1e-15);
        Map<String, Object> cfg = ar.toConfig();
        Autoregression back = Autoregression.fromConfig(cfg, "f", 2, 5);
        assertEquals(cfg, back.toConfig());
        assertArrayEquals(out[0], back.weightedChanges(z, new int[] {10})[0]);
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class, () -> ar.weightedChanges(z, new int[] {3}));
        assertTrue(early.getMessage().contains("fewer than 5 weeks"), early.getMessage());
        IllegalArgumentException window = assertThrows(IllegalArgumentException.class,
                () -> Autoregression.fromConfig(cfg, "f", 2, 6));
        assertTrue(window.getMessage().contains("window"), window.getMessage());
        Map<String, Object> bad = new java.util.LinkedHashMap<>(cfg);
        bad.put("weight", List.of(0.5));
        assertThrows(IllegalArgumentException.class, () -> Autoregression.fromConfig(bad, "f", 2, 5));
        assertThrows(IllegalArgumentException.class, () -> Autoregression.fitHorizon(z, origins, 5, 0, 0));
    }
}
