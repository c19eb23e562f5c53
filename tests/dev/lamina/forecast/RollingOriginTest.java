package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Rolling-origin folds and the blend choice, against hand-computed values. */
class RollingOriginTest {
    @Test
    void boundariesCutTheLastSpanIntoEqualBlocksEndingAtTrainEnd() {
        // block = floor(100 * 0.6 / 3) = 20
        assertArrayEquals(new int[] {40, 60, 80, 100}, RollingOrigin.boundaries(100, 3, 0.6));
        // San Juan: floor(956 * 0.6 / 3) = floor(191.2) = 191
        assertArrayEquals(new int[] {383, 574, 765, 956}, RollingOrigin.boundaries(956, 3, 0.6));
        assertArrayEquals(new int[] {50, 100}, RollingOrigin.boundaries(100, 1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> RollingOrigin.boundaries(100, 0, 0.6));
        assertThrows(IllegalArgumentException.class, () -> RollingOrigin.boundaries(100, 3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> RollingOrigin.boundaries(2, 3, 0.6));
    }

    @Test
    void trainingWindowsEndBeforeTheBlockAndBlockWindowsStayInside() {
        // window 20, horizon 4, block [40, 60): training origins 19..35 (targets up to 39),
        // block origins 39..55 (targets 40..43 up to 56..59)
        int[] tr = RollingOrigin.trainingOrigins(20, 4, 40);
        assertEquals(17, tr.length);
        assertEquals(19, tr[0]);
        assertEquals(35, tr[16]);
        int[] va = RollingOrigin.blockOrigins(20, 4, 40, 60);
        assertEquals(17, va.length);
        assertEquals(39, va[0]);
        assertEquals(55, va[16]);
        // a block starting before a whole window fits: origins from w - 1 = 19 to 30 - 4 - 1 = 25
        assertArrayEquals(new int[] {19, 20, 21, 22, 23, 24, 25}, RollingOrigin.blockOrigins(20, 4, 10, 30));
        assertEquals(0, RollingOrigin.trainingOrigins(20, 4, 23).length);
    }

    @Test
    void blendedMaeAndTheBestBlend() {
        double[] zLast = {1, 2};
        double[] change = {2, -2};
        double[] actual = {2, 1};
        // α 0: forecasts 1, 2 -> errors 1, 1; α 0.5: 2, 1 -> 0, 0; α 1: 3, 0 -> 1, 1
        assertEquals(1.0, RollingOrigin.blendedMae(zLast, change, actual, z -> z, 0.0), 1e-12);
        assertEquals(0.0, RollingOrigin.blendedMae(zLast, change, actual, z -> z, 0.5), 1e-12);
        assertEquals(1.0, RollingOrigin.blendedMae(zLast, change, actual, z -> z, 1.0), 1e-12);
        assertArrayEquals(new double[] {0.5, 0.0}, RollingOrigin.bestBlend(zLast, change, actual, z -> z,
                RollingOrigin.BLEND_GRID), 1e-12);
        // through the back-transform: 10 (1 + α) = 13 at α 0.3
        double[] b = RollingOrigin.bestBlend(new double[] {1}, new double[] {1}, new double[] {13}, z -> 10 * z,
                RollingOrigin.BLEND_GRID);
        assertEquals(0.3, b[0], 1e-12);
        assertEquals(0.0, b[1], 1e-9);
        // ties: no change predicted, every α is as good; the smallest wins
        assertEquals(0.0, RollingOrigin.bestBlend(new double[] {0}, new double[] {0}, new double[] {5}, z -> z,
                RollingOrigin.BLEND_GRID)[0]);
        assertEquals(31, RollingOrigin.BLEND_GRID.length);
        assertEquals(1.5, RollingOrigin.BLEND_GRID[30]);
        assertThrows(IllegalArgumentException.class,
                () -> RollingOrigin.blendedMae(new double[] {1}, new double[] {1, 2}, new double[] {1}, z -> z, 1));
    }

    @Test
    void checkpointsEveryTenEpochsAndTheLast() {
        assertArrayEquals(new int[] {10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, CrossValidatedTraining.checkpoints(100));
        assertArrayEquals(new int[] {10, 20, 25}, CrossValidatedTraining.checkpoints(25));
        assertArrayEquals(new int[] {4}, CrossValidatedTraining.checkpoints(4));
    }
}
