package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Residual quantiles: the scale fit by hand, constant quantiles by hand, monotone offsets, config round trip. */
class ResidualCalibrationTest {
    @Test
    void scaleFitRecoversAnExactModel() {
        // r^2 = 0.2 / (1 + mu) + 0.01 at mu = 0, 1, 3
        double[] mu = {0, 1, 3};
        double[] r = {Math.sqrt(0.21), -Math.sqrt(0.11), Math.sqrt(0.06)};
        double[] ab = ResidualCalibration.fitScale(r, mu);
        assertEquals(0.2, ab[0], 1e-12);
        assertEquals(0.01, ab[1], 1e-12);
        // residuals that grow with the level: no negative a, the constant takes the mean square
        double[] ab2 = ResidualCalibration.fitScale(new double[] {0.1, 0.2, 0.3}, mu);
        assertEquals(0, ab2[0], 0);
        assertEquals((0.01 + 0.04 + 0.09) / 3, ab2[1], 1e-12);
    }

    @Test
    void constantCalibrationIsTheResidualQuantiles() {
        double[] levels = {0.25, 0.5, 0.75};
        ResidualCalibration c = ResidualCalibration.fit("constant", new double[][] {{-1, 2, 3}}, new double[][] {{5, 50, 500}},
                levels);
        // type-7 quantiles of {-1, 2, 3}, whatever the level of the forecast
        assertArrayEquals(new double[] {0.5, 2, 2.5}, c.offsets(1, 0), 1e-12);
        assertArrayEquals(new double[] {0.5, 2, 2.5}, c.offsets(1, 1000), 1e-12);
    }

    @Test
    void scaledOffsetsShrinkWithTheLevelAndNeverCross() {
        Random rnd = new Random(3);
        int n = 300;
        double[][] r = new double[2][n];
        double[][] mu = new double[2][n];
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < n; i++) {
                mu[h][i] = Math.exp(rnd.nextDouble() * 6);
                r[h][i] = rnd.nextGaussian() * Math.sqrt(1 / (1 + mu[h][i]) + 0.01);
            }
        }
        ResidualCalibration c = ResidualCalibration.fit("scaled", r, mu, QuantileScores.LEVELS);
        double[] low = c.offsets(2, 1);
        double[] high = c.offsets(2, 300);
        assertTrue(QuantileScores.nonCrossing(new double[][] {low, high}));
        assertTrue(low[22] - low[0] > 2 * (high[22] - high[0]), "wider at 1 case than at 300");
        ResidualCalibration back = ResidualCalibration.fromConfig(c.toConfig(), 2, 23);
        assertArrayEquals(low, back.offsets(2, 1), 0);
        assertThrows(IllegalArgumentException.class, () -> ResidualCalibration.fromConfig(c.toConfig(), 3, 23));
        assertThrows(IllegalArgumentException.class, () -> ResidualCalibration.fromConfig(Map.of("method", "x"), 2, 23));
        assertThrows(IllegalArgumentException.class,
                () -> ResidualCalibration.fit("median", r, mu, QuantileScores.LEVELS));
    }

    @Test
    void growthScaleFitRecoversAnExactModelAndStaysNonNegative() {
        // r^2 = 2 / (1 + mu) + 0.1 + 3 d^2 at four points
        double[] mu = {0, 1, 3, 9};
        double[] d = {0, 0.2, -0.5, 0.1};
        double[] r = new double[4];
        for (int i = 0; i < 4; i++) {
            r[i] = (i % 2 == 0 ? 1 : -1) * Math.sqrt(2 / (1 + mu[i]) + 0.1 + 3 * d[i] * d[i]);
        }
        assertArrayEquals(new double[] {2, 0.1, 3}, ResidualCalibration.fitGrowthScale(r, mu, d), 1e-9);
        // r^2 = 1, 1, 0.2, 0.2 falls with d^2 and does not move with v = 1, 0.5, 1, 0.5: the unconstrained c
        // would be −0.8; the non-negative fit is the constant 0.6 (SSE 0.64; a alone 0.784, c alone 2)
        double[] abc = ResidualCalibration.fitGrowthScale(new double[] {1, 1, Math.sqrt(0.2), Math.sqrt(0.2)},
                new double[] {0, 1, 0, 1}, new double[] {0, 0, 1, 1});
        assertEquals(0, abc[0], 1e-12);
        assertEquals(0.6, abc[1], 1e-12);
        assertEquals(0, abc[2], 0);
    }

    /**
     * Least squares with a non-zero residual, built by hand: y = X β + e with e orthogonal to the
     * fitted columns, so β is the least squares answer (Xᵀ(y − Xβ) = Xᵀe = 0) and the SSE is ‖e‖².
     * Columns: v = 1/(1 + μ) = 1, 1/2, 1/4, 1, 1/2 (μ = 0, 1, 3, 0, 1), 1, and d² = 0, 0, 1, 1, 4.
     */
    @Test
    void growthScaleFitIsTheHandComputedLeastSquaresAnswer() {
        double[] mu = {0, 1, 3, 0, 1};
        double[] d = {0, 0, -1, 1, 2};
        // none clamped: β = (2, 0.5, 1), e = 0.1 (−1, −2, 2, 2, −1), orthogonal to v, 1 and d²
        double[] y1 = {2.4, 1.3, 2.2, 3.7, 5.4};
        assertArrayEquals(new double[] {2, 0.5, 1}, ResidualCalibration.fitGrowthScale(roots(y1), mu, d), 1e-12);
        // b clamped: y = 2 v + d² + e, e = 0.1 (2, 0, −2, −2, 1) orthogonal to v and d² but Σ e = −0.1 < 0, so
        // the free fit's b is negative (Σe / ‖1 − proj_{v,d²} 1‖², −0.1603) and the non-negative answer keeps
        // (a, c) = (2, 1) with b = 0: raising b from 0 changes the SSE at rate −2 Σ e = 0.2 > 0
        double[] y2 = {2.2, 1, 1.3, 2.8, 5.1};
        double[] abc = ResidualCalibration.fitGrowthScale(roots(y2), mu, d);
        assertArrayEquals(new double[] {2, 0, 1}, abc, 1e-12);
        assertEquals(0, abc[1], 0);
    }

    private static double[] roots(double[] y) {
        double[] r = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            r[i] = (i % 2 == 0 ? -1 : 1) * Math.sqrt(y[i]);
        }
        return r;
    }

    @Test
    void growthOffsetsWidenWithTheRecentChangeAndNeverCross() {
        Random rnd = new Random(5);
        int n = 400;
        double[][] r = new double[1][n];
        double[][] mu = new double[1][n];
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            mu[0][i] = Math.exp(rnd.nextDouble() * 5);
            d[i] = rnd.nextGaussian() * 0.2;
            r[0][i] = rnd.nextGaussian() * Math.sqrt(0.5 / (1 + mu[0][i]) + 0.01 + 2 * d[i] * d[i]);
        }
        ResidualCalibration c = ResidualCalibration.fit("growth", r, mu, d, QuantileScores.LEVELS);
        double[] calm = c.offsets(1, 50, 0);
        double[] moving = c.offsets(1, 50, 0.4);
        assertTrue(QuantileScores.nonCrossing(new double[][] {calm, moving}));
        assertTrue(moving[22] - moving[0] > 2 * (calm[22] - calm[0]), "wider after a fast change");
        // the offsets are σ(μ, d) times the same standardised quantiles: their ratio is the ratio of the scales
        double a = (Double) ((java.util.List<?>) c.toConfig().get("a")).get(0);
        double b = (Double) ((java.util.List<?>) c.toConfig().get("b")).get(0);
        double cc = (Double) ((java.util.List<?>) c.toConfig().get("c")).get(0);
        double ratio = Math.sqrt(a / 51 + b + cc * 0.16) / Math.sqrt(a / 51 + b);
        assertEquals(ratio, moving[22] / calm[22], 1e-9);
        ResidualCalibration back = ResidualCalibration.fromConfig(c.toConfig(), 1, 23);
        assertArrayEquals(moving, back.offsets(1, 50, 0.4), 0);
        // growth needs the recent changes
        assertThrows(IllegalArgumentException.class, () -> ResidualCalibration.fit("growth", r, mu, QuantileScores.LEVELS));
        assertEquals(0.5, ResidualCalibration.recentChange(new double[][] {{1}, {1.5}}, 1), 0);
        assertEquals(0, ResidualCalibration.recentChange(new double[][] {{1}, {1.5}}, 0), 0);
    }

    @Test
    void binnedCalibrationIsEachTercilesResidualQuantiles() {
        double[] levels = {0.25, 0.5, 0.75};
        // levels 1..6: terciles (type 7) at 1/3 and 2/3 are 2.6667 and 4.3333, so the bins hold {1, 2}, {3, 4}, {5, 6}
        double[][] mu = {{1, 2, 3, 4, 5, 6}};
        double[][] r = {{-1, 1, -4, 4, 10, 30}};
        ResidualCalibration c = ResidualCalibration.fit("binned", r, mu, levels);
        // type-7 quantiles of two values x < y at 0.25, 0.5, 0.75: x + (y − x)·(0.25, 0.5, 0.75)
        assertArrayEquals(new double[] {-0.5, 0, 0.5}, c.offsets(1, 0), 1e-12);
        assertArrayEquals(new double[] {-0.5, 0, 0.5}, c.offsets(1, 2.6), 1e-12);
        assertArrayEquals(new double[] {-2, 0, 2}, c.offsets(1, 3), 1e-12);
        assertArrayEquals(new double[] {15, 20, 25}, c.offsets(1, 1000, 0.7), 1e-12);
        ResidualCalibration back = ResidualCalibration.fromConfig(c.toConfig(), 1, 3);
        assertArrayEquals(c.offsets(1, 3.5), back.offsets(1, 3.5), 0);
        Map<String, Object> bad = new java.util.LinkedHashMap<>(c.toConfig());
        bad.remove("edges");
        assertThrows(IllegalArgumentException.class, () -> ResidualCalibration.fromConfig(bad, 1, 3));
    }
}
