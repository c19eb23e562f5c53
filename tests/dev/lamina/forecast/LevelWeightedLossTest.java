package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.Losses;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The level-weighted training loss and the windows' level weights, against hand-computed values. */
class LevelWeightedLossTest {
    // two windows, two horizons; the targets' last column holds the weights 0.5 and 1.5
    private static final float[] Y_TRUE = {1, 2, 0.5f, 3, 5, 1.5f};
    private static final float[] Y_PRED = {0, 2, 3, 3};

    @Test
    void weightedMeanSquaredErrorAndItsGradient() {
        try (Scope s = Scope.open()) {
            Tensor yTrue = Tensor.of(Y_TRUE, 2, 3);
            Tensor yPred = Tensor.of(Y_PRED, 2, 2);
            LevelWeightedLoss l = new LevelWeightedLoss(Losses.get("mean_squared_error"), 2);
            Tensor value;
            Tensor grad;
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(yPred);
                value = l.compute(yTrue, yPred);
                grad = tape.gradient(value, yPred);
            }
            // per window: ((0-1)^2 + 0) / 2 = 0.5 and (0 + (3-5)^2) / 2 = 2; weighted mean (0.5·0.5 + 1.5·2) / 2
            assertEquals(1.625, value.item(), 1e-6);
            // d/dp = w_i · 2 (p − t) / (h · n): window 0 h1 0.5·2·(−1)/4, window 1 h2 1.5·2·(−2)/4
            assertArrayEquals(new double[] {-0.25, 0, 0, -1.5}, grad.toDoubleArray(), 1e-6);
        }
    }

    @Test
    void weightedMeanAbsoluteErrorAndUnitWeights() {
        try (Scope s = Scope.open()) {
            Tensor yPred = Tensor.of(Y_PRED, 2, 2);
            LevelWeightedLoss mae = new LevelWeightedLoss(Losses.get("mean_absolute_error"), 2);
            // per window 0.5 and 1; (0.5·0.5 + 1.5·1) / 2
            assertEquals(0.875, mae.compute(Tensor.of(Y_TRUE, 2, 3), yPred).item(), 1e-6);
            // every weight 1: the plain loss
            float[] ones = {1, 2, 1, 3, 5, 1};
            LevelWeightedLoss mse = new LevelWeightedLoss(Losses.get("mean_squared_error"), 2);
            assertEquals(Losses.get("mean_squared_error").compute(Tensor.of(new float[] {1, 2, 3, 5}, 2, 2), yPred).item(),
                    mse.compute(Tensor.of(ones, 2, 3), yPred).item(), 1e-6);
            // targets without the weight column are refused with both shapes named
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mse.compute(Tensor.of(new float[] {1, 2, 3, 5}, 2, 2), yPred));
            assertEquals(true, e.getMessage().contains("got (2, 2) and (2, 2)"), e.getMessage());
        }
    }

    @Test
    void levelWeightsAverageOne() {
        double[] y = {0, 3, 8, 100};
        int[] origins = {0, 1, 2};
        // (1 + y)^1 = 1, 4, 9 with mean 14/3
        assertArrayEquals(new float[] {3f / 14, 12f / 14, 27f / 14}, ForecastWindows.levelWeights(y, origins, 1), 1e-6f);
        // (1 + y)^0.5 = 1, 2, 3 with mean 2
        assertArrayEquals(new float[] {0.5f, 1, 1.5f}, ForecastWindows.levelWeights(y, origins, 0.5), 1e-6f);
        assertArrayEquals(new float[] {1, 1, 1}, ForecastWindows.levelWeights(y, origins, 0), 0f);
        assertThrows(IllegalArgumentException.class, () -> ForecastWindows.levelWeights(y, origins, -1));
        assertArrayEquals(new float[] {1, 2, 0.5f, 3, 5, 1.5f},
                ForecastWindows.withWeights(new float[] {1, 2, 3, 5}, new float[] {0.5f, 1.5f}, 2), 0f);
    }
}
