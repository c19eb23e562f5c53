package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CrossValidatedTraining#perHorizon}: the per-horizon choice between the cases-only and the
 * weather ensembles' out-of-fold forecasts, and its leave-one-block-out score, on hand-made forecasts.
 */
class WeatherPerHorizonTest {
    @Test
    void choosesPerHorizonAndJudgesTheChoiceLeavingOneBlockOut() {
        // transform none, target range [0, 10]: a forecast z maps to 10·z cases
        ForecastSettings s = new ForecastSettings();
        s.transform = "none";
        SeriesData series = new SeriesData(new double[][] {{0}, {10}, {5}}, List.of("y"), null, "t");
        ForecastFeatures feat = ForecastFeatures.fit(s, series, 3);
        assertEquals(3.0, feat.toTarget(0.3), 1e-12);
        // three blocks of one origin, horizons 1 and 2; every actual 0, every origin at z = 0
        List<int[]> blocks = List.of(new int[] {100}, new int[] {101}, new int[] {102});
        double[] zLast = {0, 0, 0};
        double[][] actual = {{0, 0, 0}, {0, 0, 0}};
        double[] persistence = {1, 2};
        // h1 errors: cases 1, 1, 5; weather 2, 0.5, 1. h2 errors: cases 1, 1, 1; weather 3, 3, 3
        CrossValidatedTraining.Choice cases = new CrossValidatedTraining.Choice(10, 60,
                new double[][] {{0.1, 0.1}, {0.1, 0.1}, {0.5, 0.1}}, new double[] {1, 1}, 7.0 / 3 + 1.0 / 2, new double[2],
                Map.of());
        CrossValidatedTraining.Choice weather = new CrossValidatedTraining.Choice(20, 30,
                new double[][] {{0.4, 0.6}, {0.1, 0.6}, {0.2, 0.6}}, new double[] {0.5, 0.5}, 3.5 / 3 + 1.5, new double[2],
                Map.of());
        Map<String, Double> sel = new LinkedHashMap<>();
        CrossValidatedTraining.Choice c = CrossValidatedTraining.perHorizon(cases, weather, blocks, zLast, actual, persistence,
                feat, sel, null);
        assertEquals(7.0 / 3, sel.get("cv_mae_cases_h1"), 1e-12);
        assertEquals(3.5 / 3, sel.get("cv_mae_weather_h1"), 1e-12);
        assertEquals(1.0, sel.get("weather_h1"));
        assertEquals(0.0, sel.get("weather_h2"));
        // in sample: h1 from the weather ensemble (3.5/3 over persistence 1), h2 cases only (1 over 2)
        assertEquals(3.5 / 3 + 0.5, sel.get("cv_score_per_horizon"), 1e-12);
        assertEquals(3.5 / 3 + 0.5, c.score(), 1e-12);
        // leaving block 0 out, blocks 1-2 prefer weather (0.75 against 3): block 0 gets weather's 2;
        // block 1: weather (1.5 against 3), 0.5; block 2: blocks 0-1 prefer cases (1 against 1.25), 5.
        // h1 (2 + 0.5 + 5) / 3 = 2.5, worse than cases only (7/3): the in-sample choice was optimistic.
        // h2: cases on every block, 1 over 2.
        assertEquals(2.0, sel.get("weather_h1_blocks"));
        assertEquals(0.0, sel.get("weather_h2_blocks"));
        assertEquals(2.5 + 0.5, sel.get("cv_score_per_horizon_nested"), 1e-12);
        // the chosen forecasts: h1 the weather ensemble's changes and blend weight, h2 the cases-only ones
        assertArrayEquals(new double[] {0.5, 1}, c.alpha());
        assertArrayEquals(new double[] {0.4, 0.1}, c.change()[0]);
        assertArrayEquals(new double[] {0.2, 0.1}, c.change()[2]);
        assertEquals(10, c.window());
        assertEquals(60, c.epochs());
        assertEquals(20.0, sel.get("weather_window"));
        assertEquals(30.0, sel.get("weather_epochs"));
    }
}
