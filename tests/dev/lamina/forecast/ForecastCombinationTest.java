package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link ForecastCombination}: the per-horizon choice of (penalty, α, mix) and its nested score, on hand-made forecasts. */
class ForecastCombinationTest {
    private static final DoubleUnaryOperator TEN = z -> 10 * z;

    @Test
    void withoutTheAutoregressionItIsTheDefaultBlend() {
        double[] zLast = {0.1, 0.5, 0.2, 0.9, 0.4, 0.3};
        double[][] net = {{0.1}, {-0.2}, {0.05}, {-0.3}, {0.2}, {0.0}};
        double[][] actual = {{1.5, 2.0, 2.6, 5.0, 6.3, 3.1}};
        double[][][] ar = {{{9}, {9}, {9}, {9}, {9}, {9}}};
        ForecastCombination.Judged j = ForecastCombination.judge(zLast, net, ar, actual, new double[] {2}, TEN,
                new int[] {0, 0, 1, 1, 2, 2}, 3, RollingOrigin.BLEND_GRID, ForecastCombination.NONE);
        double[] change = {0.1, -0.2, 0.05, -0.3, 0.2, 0.0};
        double[] best = RollingOrigin.bestBlend(zLast, change, actual[0], TEN, RollingOrigin.BLEND_GRID);
        assertEquals(best[0], j.inSample()[0].alpha());
        assertEquals(best[1], j.inSample()[0].mae(), 0);
        assertEquals(best[1] / 2, j.score(), 0);
        assertEquals(0.0, j.inSample()[0].b());
    }

    @Test
    void choosesTheMixAndPenaltyAndJudgesThemLeavingOneBlockOut() {
        // every origin at z = 0, every actual 10 (a change of 1): the net says 1, 1, 0, 0; penalty 0's
        // autoregression 0, 0, 1, 1 and penalty 1's 0.5 everywhere; blocks {0, 1} and {2, 3}
        double[] zLast = {0, 0, 0, 0};
        double[][] net = {{1}, {1}, {0}, {0}};
        double[][][] ar = {{{0}, {0}, {1}, {1}}, {{0.5}, {0.5}, {0.5}, {0.5}}};
        double[][] actual = {{10, 10, 10, 10}};
        double[] alpha = {0, 1, 2};
        double[] mix = {0, 0.5, 1};
        ForecastCombination.Judged j = ForecastCombination.judge(zLast, net, ar, actual, new double[] {5}, TEN,
                new int[] {0, 0, 1, 1}, 2, alpha, mix);
        // in sample: α 2, m 0.5 with penalty 0 forecasts exactly (2·(0.5·1 + 0.5·0) = 1 on the first
        // two, 2·(0 + 0.5) = 1 on the last two); so does penalty 1 with α 2, m 1 (2·0.5), but the
        // first penalty wins the tie
        ForecastCombination.Pick p = j.inSample()[0];
        assertEquals(0, p.penalty());
        assertEquals(2.0, p.alpha());
        assertEquals(0.5, p.mix());
        assertEquals(1.0, p.a());
        assertEquals(1.0, p.b());
        assertEquals(0.0, p.mae());
        assertEquals(0.0, j.score());
        // leaving block 1 out, block 0 alone: α 1, m 0 (the net alone) is the first exact pick, and
        // forecasts block 1 with 0 change: error 10 on each. Leaving block 0 out: α 1, m 1, penalty 0
        // forecasts block 0 with 0: error 10. Nested MAE 10, over persistence 5: 2.
        assertEquals(1.0, j.nestedPicks()[0][1].alpha());
        assertEquals(0.0, j.nestedPicks()[0][1].mix());
        assertEquals(1.0, j.nestedPicks()[0][0].mix());
        assertEquals(0, j.nestedPicks()[0][0].penalty());
        assertEquals(10.0, j.nestedMae()[0], 1e-12);
        assertEquals(2.0, j.nestedScore(), 1e-12);
    }

    @Test
    void judgesInTimeOrderWithChoicesMadeOnEarlierBlocksOnly() {
        // every origin at z = 0, the net's change always 1; the actual change (in units of 10) is
        // 0.5 on block 0, 1 on block 1 and 1.5 on block 2. In time order block 1 is forecast with the
        // α chosen on block 0 (0.5): error 5; block 2 with α chosen on blocks 0-1 (0.5 and 1 tie at
        // MAE 2.5, the smaller wins: 0.5): error 10. Persistence errs 10 and 15 there, so the score
        // is (5 + 10) / (10 + 15) = 0.6. With α fixed at 1: (0 + 5) / 25 = 0.2. Leaving one block
        // out would also forecast block 0 with a choice made on the later blocks.
        double[] zLast = {0, 0, 0, 0, 0, 0};
        double[][] net = {{1}, {1}, {1}, {1}, {1}, {1}};
        double[][][] ar = {{{0}, {0}, {0}, {0}, {0}, {0}}};
        double[][] actual = {{5, 5, 10, 10, 15, 15}};
        int[] block = {0, 0, 1, 1, 2, 2};
        double[] alpha = {0, 0.5, 1, 1.5};
        assertEquals(0.6, ForecastCombination.forwardScore(zLast, net, ar, actual, TEN, block, 3, alpha,
                ForecastCombination.NONE), 1e-12);
        assertEquals(0.2, ForecastCombination.forwardScore(zLast, net, ar, actual, TEN, block, 3, new double[] {1},
                ForecastCombination.NONE), 1e-12);
        // two horizons add their ratios; one block cannot be judged in time order
        double[][] net2 = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
        double[][][] ar2 = {new double[6][2]};
        double[][] actual2 = {actual[0], actual[0]};
        assertEquals(1.2, ForecastCombination.forwardScore(zLast, net2, ar2, actual2, TEN, block, 3, alpha,
                ForecastCombination.NONE), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ForecastCombination.forwardScore(zLast, net, ar, actual, TEN,
                new int[6], 1, alpha, ForecastCombination.NONE));
    }
}
