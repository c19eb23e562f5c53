package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
