package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The baselines' forecasts and scores on a small hand-made series. */
class BaselinesTest {
    // rows:            0  1  2  3   4  5
    private static final double[] Y = {0, 2, 5, 4, 10, 7};

    @Test
    void persistenceAndSeasonalNaive() {
        int[] rows = {4, 5};
        assertArrayEquals(new double[] {4, 10}, Baselines.persistence(Y, rows, 1));
        assertArrayEquals(new double[] {5, 4}, Baselines.persistence(Y, rows, 2));
        // shorter than a season: seasonal naive falls back on persistence
        assertArrayEquals(new double[] {4, 10}, Baselines.seasonalNaive(Y, rows, 1));
        double[] long_ = new double[60];
        for (int i = 0; i < long_.length; i++) {
            long_[i] = i * i;
        }
        assertArrayEquals(new double[] {9, 16}, Baselines.seasonalNaive(long_, new int[] {55, 56}, 4));
        assertThrows(IllegalArgumentException.class, () -> Baselines.persistence(Y, new int[] {0}, 1));
    }

    @Test
    void probabilisticPersistenceByHand() {
        // training rows 0..3: 1-week changes 2, 3, -1 (sorted -1, 2, 3)
        assertArrayEquals(new double[] {2, 3, -1}, Baselines.changes(Y, 4, 1));
        double[] levels = {0.25, 0.5, 0.75};
        double[][] q = Baselines.persistenceQuantiles(Y, 4, new int[] {4, 5}, 1, levels);
        // type-7 quantiles of {-1, 2, 3}: 0.25 -> -1 + 0.5 * 3 = 0.5; 0.5 -> 2; 0.75 -> 2.5
        assertArrayEquals(new double[] {4.5, 6, 6.5}, q[0], 1e-12);
        assertArrayEquals(new double[] {10.5, 12, 12.5}, q[1], 1e-12);
        // WIS of the first (y = 10) by hand: K = 1, alpha = 0.5: (0.5 * |10 - 6| + 0.25 * (2 + 4 * 3.5)) / 1.5
        assertEquals((2 + 0.25 * 16) / 1.5, QuantileScores.wis(levels, q[0], 10), 1e-12);
        // 2-week changes in training: 5, 2 -> quantiles 2.75, 3.5, 4.25, added to y[5 - 2] = 4
        double[][] q2 = Baselines.persistenceQuantiles(Y, 4, new int[] {5}, 2, levels);
        assertArrayEquals(new double[] {4 + 2.75, 4 + 3.5, 4 + 4.25}, q2[0], 1e-12);
    }

    @Test
    void countsAreNotForecastBelowZero() {
        double[] y = {10, 0, 10, 0, 3};
        double[][] q = Baselines.persistenceQuantiles(y, 4, new int[] {4}, 1, new double[] {0.1, 0.5, 0.9});
        // changes -10, 10, -10: the low quantiles of 0 + change are clipped at 0
        assertEquals(0, q[0][0], 0);
        assertEquals(0, q[0][1], 0);
        assertEquals(6, q[0][2], 1e-12); // 0.9 -> h = 1.8 -> -10 + 0.8 * 20 = 6
        // a series with negative training values is left unclipped
        double[] z = {-1, 0, -1, 0, 3};
        // (changes 1, -1, 1: the 0.1 quantile is -1 + 0.2 * 2 = -0.6)
        assertEquals(-0.6, Baselines.persistenceQuantiles(z, 4, new int[] {4}, 1, new double[] {0.1, 0.5, 0.9})[0][0], 1e-12);
    }

    @Test
    void onlyTrainingWeeksShapeTheChanges() {
        double[] a = {0, 2, 5, 4, 10, 7};
        double[] b = {0, 2, 5, 4, 1000, -50};
        double[] la = Baselines.persistenceQuantiles(a, 4, new int[] {4}, 1, QuantileScores.LEVELS)[0];
        double[] lb = Baselines.persistenceQuantiles(b, 4, new int[] {4}, 1, QuantileScores.LEVELS)[0];
        assertArrayEquals(la, lb, "rows from trainEnd on must not change the baseline's spread");
    }
}
