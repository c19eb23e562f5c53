package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pinball loss, interval score, WIS and coverage against hand-computed values. */
class QuantileScoresTest {
    private static final double[] L3 = {0.1, 0.5, 0.9};

    @Test
    void theTwentyThreeHubLevels() {
        double[] l = QuantileScores.LEVELS;
        assertEquals(23, l.length);
        assertArrayEquals(new double[] {0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
            0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99}, l, 1e-12);
    }

    @Test
    void pinballByHand() {
        // y above q: tau (y - q); y below q: (1 - tau)(q - y)
        assertEquals(0.3, QuantileScores.pinball(0.1, 5, 8), 1e-12);
        assertEquals(2.7, QuantileScores.pinball(0.9, 5, 8), 1e-12);
        assertEquals(0.2, QuantileScores.pinball(0.9, 5, 3), 1e-12);
        assertEquals(1.8, QuantileScores.pinball(0.1, 5, 3), 1e-12);
        assertEquals(0.0, QuantileScores.pinball(0.5, 4, 4), 0);
        // mean over 2 forecasts x 3 levels: forecast (2,4,6) at y = 7 -> 0.5 + 1.5 + 0.9; at y = 4 -> 0.2 + 0 + 0.2
        double m = QuantileScores.meanPinball(L3, new double[][] {{2, 4, 6}, {2, 4, 6}}, new double[] {7, 4});
        assertEquals((2.9 + 0.4) / 6, m, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.pinball(1.0, 1, 1));
    }

    @Test
    void intervalScoreByHand() {
        // width 4, plus 2/alpha = 10 per unit outside
        assertEquals(4, QuantileScores.intervalScore(0.2, 2, 6, 4), 1e-12);
        assertEquals(14, QuantileScores.intervalScore(0.2, 2, 6, 1), 1e-12);
        assertEquals(24, QuantileScores.intervalScore(0.2, 2, 6, 8), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.intervalScore(0.2, 6, 2, 4));
    }

    @Test
    void wisByHand() {
        // K = 1 (alpha 0.2): WIS = (0.5 |y - m| + 0.1 IS) / 1.5
        // y = 7: (0.5 * 3 + 0.1 * 14) / 1.5 = 2.9 / 1.5
        assertEquals(2.9 / 1.5, QuantileScores.wis(L3, new double[] {2, 4, 6}, 7), 1e-12);
        // y = 4: (0 + 0.1 * 4) / 1.5
        assertEquals(0.4 / 1.5, QuantileScores.wis(L3, new double[] {2, 4, 6}, 4), 1e-12);
        // a point forecast (all quantiles equal) has WIS = |y - m| (K + 1/2)^-1 (1/2 + sum alpha_k/2 * 2/alpha_k)... = |y - m|
        double[] point = new double[23];
        Arrays.fill(point, 10);
        assertEquals(3.0, QuantileScores.wis(QuantileScores.LEVELS, point, 13), 1e-12);
        assertEquals(3.0, QuantileScores.wis(QuantileScores.LEVELS, point, 7), 1e-12);
        assertEquals((2.9 / 1.5 + 0.4 / 1.5) / 2,
                QuantileScores.meanWis(L3, new double[][] {{2, 4, 6}, {2, 4, 6}}, new double[] {7, 4}), 1e-12);
    }

    @Test
    void wisIsThePinballSumOverKPlusHalf() {
        Random r = new Random(5);
        for (int t = 0; t < 200; t++) {
            double[] q = new double[23];
            for (int k = 0; k < q.length; k++) {
                q[k] = r.nextGaussian() * 10;
            }
            Arrays.sort(q);
            double y = r.nextGaussian() * 15;
            double pb = 0;
            for (int k = 0; k < q.length; k++) {
                pb += QuantileScores.pinball(QuantileScores.LEVELS[k], q[k], y);
            }
            assertEquals(pb / 11.5, QuantileScores.wis(QuantileScores.LEVELS, q, y), 1e-9);
        }
    }

    @Test
    void wisRejectsLevelsWithoutAMedianOrSymmetry() {
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.wis(new double[] {0.1, 0.9}, new double[] {1, 2}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> QuantileScores.wis(new double[] {0.1, 0.5, 0.8}, new double[] {1, 2, 3}, 1));
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.wis(L3, new double[] {1, 2}, 1));
    }

    @Test
    void coverageByHand() {
        double[] l = {0.025, 0.25, 0.5, 0.75, 0.975};
        double[][] q = {{0, 4, 5, 6, 10}, {0, 4, 5, 6, 10}, {0, 4, 5, 6, 10}, {0, 4, 5, 6, 10}};
        double[] y = {5, 4, 9, 11};
        assertEquals(0.5, QuantileScores.coverage(l, q, y, 0.5), 1e-12); // 5 and 4 (bounds count as inside)
        assertEquals(0.75, QuantileScores.coverage(l, q, y, 0.95), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.coverage(l, q, y, 0.8));
    }

    @Test
    void empiricalQuantilesAreTypeSeven() {
        double[] v = {4, 1, 3, 2};
        assertEquals(1.75, QuantileScores.empiricalQuantile(v, 0.25), 1e-12); // numpy.percentile(v, 25)
        assertEquals(2.5, QuantileScores.empiricalQuantile(v, 0.5), 1e-12);
        assertEquals(3.97, QuantileScores.empiricalQuantile(v, 0.99), 1e-12);
        assertArrayEquals(new double[] {4, 1, 3, 2}, v, "the input is not reordered");
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.empiricalQuantile(new double[0], 0.5));
        assertThrows(IllegalArgumentException.class, () -> QuantileScores.empiricalQuantile(new double[] {1, Double.NaN}, 0.5));
    }

    @Test
    void rearrangementRemovesCrossings() {
        double[][] q = {{1, 3, 2}, {0, 0, 1}};
        assertFalse(QuantileScores.nonCrossing(q));
        QuantileScores.rearrange(q);
        assertTrue(QuantileScores.nonCrossing(q));
        assertArrayEquals(new double[] {1, 2, 3}, q[0]);
        assertFalse(QuantileScores.nonCrossing(new double[][] {{0, Double.NaN}}));
    }
}
