package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ensemble forecaster on the bundled San Juan data with a tiny configuration: the test weeks
 * never influence training or any choice, quantiles never cross, and a saved forecaster forecasts
 * the same as the one in memory.
 */
class ForecasterTest {
    @TempDir
    Path tmp;

    private static ForecastSettings tiny() {
        ForecastSettings s = new ForecastSettings();
        s.window = 8;
        s.horizon = 3;
        s.ensemble = 2;
        s.epochs = 4;
        s.patience = 1;
        s.units = 4;
        s.batchSize = 64;
        s.seasonal = true;
        s.weather = true;
        s.dropout = 0.1;
        s.seed = 11;
        s.verbose = 0;
        return s;
    }

    private static SeriesData sanJuan(ForecastSettings s) {
        return SeriesData.load(s, Path.of("data"));
    }

    /** The same series with every value from row {@code from} on changed (dates kept). */
    private static SeriesData perturbed(SeriesData d, int from) {
        double[][] rows = new double[d.length()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = d.rows()[i].clone();
            if (i >= from) {
                for (int c = 0; c < rows[i].length; c++) {
                    rows[i][c] = rows[i][c] * 3 + 7 + (i % 5);
                }
            }
        }
        return new SeriesData(rows, d.columns(), d.dates(), d.source());
    }

    private static List<float[]> weights(Forecaster f) {
        return f.members().stream().flatMap(m -> m.getWeights().stream()).map(Tensor::toFloatArray).toList();
    }

    /** Also with the level-weighted loss and the growth calibration (their weights and covariates read training weeks only). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void testWeeksNeverInfluenceTrainingOrChoices(boolean weightedAndGrowth) {
        ForecastSettings s = tiny();
        if (weightedAndGrowth) {
            s.levelWeight = 1;
            s.calibration = "growth";
            s.blend = true; // the blend weights chosen on the folds must not see the test weeks either
        }
        // the folds choose the window too: its choice must not see the test weeks either
        s.windowCandidates = new java.util.ArrayList<>(List.of(6, 8));
        SeriesData data = sanJuan(s);
        int trainEnd = Forecaster.trainEnd(s, data.length());
        assertEquals(956, trainEnd);
        SeriesData other = perturbed(data, trainEnd);
        Forecaster.Evaluation[] a = new Forecaster.Evaluation[1];
        Forecaster.Evaluation[] b = new Forecaster.Evaluation[1];
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (Forecaster fa = Forecaster.trainAndEvaluate(s, data, quiet, a);
             Forecaster fb = Forecaster.trainAndEvaluate(s, other, quiet, b)) {
            Forecaster.Training ta = a[0].training();
            Forecaster.Training tb = b[0].training();
            // identical choices: early-stopping epochs, feature scaling, quantile calibration, validation figures
            assertArrayEquals(ta.bestEpochs(), tb.bestEpochs());
            assertEquals(ta.selection(), tb.selection());
            assertEquals(4.0, ta.selection().get("epochs"), "the only epoch count compared (checkpoints(4))");
            // the window chosen is the candidate with the lowest out-of-fold score, and the forecaster uses it
            double s6 = ta.selection().get("cv_score_window_6");
            double s8 = ta.selection().get("cv_score_window_8");
            assertEquals(s6 <= s8 ? 6.0 : 8.0, ta.selection().get("window"));
            assertEquals(ta.selection().get("window").intValue(), fa.settings().window);
            assertEquals(fa.settings().window, fb.settings().window);
            assertEquals(List.of(6, 8), fa.settings().windowCandidates);
            for (int j = 1; j <= s.horizon; j++) {
                assertEquals(ta.selection().get("blend_h" + j), fa.blend(j));
                assertEquals(fa.blend(j), fb.blend(j));
                if (!s.blend) {
                    assertEquals(1.0, fa.blend(j), "without the blend the networks' change is used as it is");
                }
            }
            double inSample = ta.selection().get("cv_score_epochs_" + ta.selection().get("epochs").intValue());
            if (!s.blend) {
                // nothing is chosen per block: the nested score is the in-sample one
                assertEquals(inSample, ta.selection().get("cv_score_blend_nested"), 1e-12);
            } else {
                assertTrue(ta.selection().get("cv_score_blend_nested") >= inSample - 1e-12);
            }
            assertEquals(fa.features().toConfig(), fb.features().toConfig());
            assertEquals(fa.calibration().toConfig(), fb.calibration().toConfig());
            assertEquals(s.calibration, fa.calibration().method());
            assertEquals(ta.validation(), tb.validation());
            assertEquals(ta.trainWindows(), tb.trainWindows());
            for (int k = 0; k < s.ensemble; k++) {
                assertEquals(ta.histories().get(k).history(), tb.histories().get(k).history(), "member " + k);
            }
            // identical weights, bit for bit
            List<float[]> wa = weights(fa);
            List<float[]> wb = weights(fb);
            assertEquals(wa.size(), wb.size());
            for (int i = 0; i < wa.size(); i++) {
                assertArrayEquals(wa.get(i), wb.get(i), "weight " + i);
            }
            // ... while the test forecasts did see the changed weeks (the test is not vacuous)
            assertNotEquals(a[0].horizons().get(0).actual()[5], b[0].horizons().get(0).actual()[5]);
            assertNotEquals(a[0].horizons().get(0).point()[5], b[0].horizons().get(0).point()[5]);
        }
    }

    /**
     * The per-horizon choice between the cases-only and the weather ensembles (folds only) reads the
     * training weeks only: perturbing the test weeks (weather included) leaves every choice, score
     * and validation figure identical; each horizon takes the ensemble with the lower out-of-fold MAE.
     */
    @Test
    void testWeeksNeverInfluenceThePerHorizonWeatherChoice() {
        ForecastSettings s = tiny();
        s.weather = false;
        s.weatherPerHorizon = true;
        s.windowCandidates = new java.util.ArrayList<>(List.of(6, 8));
        ForecastSettings load = tiny();
        SeriesData data = sanJuan(load);
        assertEquals(3, data.columns().size(), "loaded with the weather");
        int trainEnd = Forecaster.trainEnd(s, data.length());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Forecaster.Training[] a = new Forecaster.Training[1];
        Forecaster.Training[] b = new Forecaster.Training[1];
        try (Forecaster fa = CrossValidatedTraining.train(s, data, trainEnd, quiet, a, true);
             Forecaster fb = CrossValidatedTraining.train(s, perturbed(data, trainEnd), trainEnd, quiet, b, true)) {
            assertEquals(a[0].selection(), b[0].selection());
            assertEquals(a[0].validation(), b[0].validation());
            assertEquals(fa.calibration().toConfig(), fb.calibration().toConfig());
            assertEquals(List.of("target", "week_of_year_sin", "week_of_year_cos"), fa.features().names(),
                    "the forecaster's inputs are the cases-only ensemble's");
            java.util.Map<String, Double> sel = a[0].selection();
            double inSample = 0;
            for (int j = 1; j <= s.horizon; j++) {
                double c = sel.get("cv_mae_cases_h" + j);
                double w = sel.get("cv_mae_weather_h" + j);
                assertEquals(w < c ? 1.0 : 0.0, sel.get("weather_h" + j), "h" + j);
                // the forecaster's out-of-fold MAE at h is the chosen ensemble's
                assertEquals(Math.min(c, w), a[0].validation().get("h" + j).get("mae"), 1e-9, "h" + j);
                inSample += Math.min(c, w) / a[0].validation().get("h" + j).get("persistence_mae");
            }
            assertEquals(inSample, sel.get("cv_score_per_horizon"), 1e-9);
            assertTrue(sel.get("cv_score_per_horizon") <= Math.min(sel.get("cv_score_cases"), sel.get("cv_score_weather")) + 1e-9);
            assertTrue(sel.containsKey("weather_cv_score_window_6") && sel.containsKey("cv_score_per_horizon_nested"));
        }
        // without --validation-only there is no forecaster that uses both ensembles: refused, not silently ignored
        Forecaster.Training[] t = new Forecaster.Training[1];
        assertThrows(IllegalArgumentException.class, () -> CrossValidatedTraining.train(s, data, trainEnd, quiet, t, false));
    }

    /**
     * The autoregression (its fits, penalties and combination weights) and the members' median read the
     * training weeks only: perturbing the test weeks leaves every choice, the autoregression's
     * coefficients, the calibration and the weights identical; the forecaster's out-of-fold figures are
     * the chosen combination's; saved and loaded, it forecasts the same.
     */
    @Test
    void testWeeksNeverInfluenceTheAutoregressionOrItsCombination() {
        ForecastSettings s = tiny();
        s.autoregression = true;
        s.memberMedian = true;
        s.ensemble = 3;
        s.windowCandidates = new java.util.ArrayList<>(List.of(6, 8));
        SeriesData data = sanJuan(s);
        int trainEnd = Forecaster.trainEnd(s, data.length());
        SeriesData other = perturbed(data, trainEnd);
        Forecaster.Evaluation[] a = new Forecaster.Evaluation[1];
        Forecaster.Evaluation[] b = new Forecaster.Evaluation[1];
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (Forecaster fa = Forecaster.trainAndEvaluate(s, data, quiet, a);
             Forecaster fb = Forecaster.trainAndEvaluate(s, other, quiet, b)) {
            java.util.Map<String, Double> sel = a[0].training().selection();
            assertEquals(sel, b[0].training().selection());
            assertEquals(a[0].training().validation(), b[0].training().validation());
            assertEquals(fa.autoregression().toConfig(), fb.autoregression().toConfig());
            assertEquals(fa.calibration().toConfig(), fb.calibration().toConfig());
            List<float[]> wa = weights(fa);
            List<float[]> wb = weights(fb);
            for (int i = 0; i < wa.size(); i++) {
                assertArrayEquals(wa.get(i), wb.get(i), "weight " + i);
            }
            double score = 0;
            for (int j = 1; j <= s.horizon; j++) {
                assertEquals(sel.get("blend_h" + j), fa.blend(j));
                assertEquals(sel.get("ar_weight_h" + j), fa.autoregression().weight(j - 1));
                java.util.Map<String, Double> v = a[0].training().validation().get("h" + j);
                score += v.get("mae") / v.get("persistence_mae");
            }
            // the out-of-fold figures are the combination's, which the network alone cannot beat in sample
            assertEquals(sel.get("cv_score_combined"), score, 1e-9);
            assertTrue(sel.get("cv_score_combined") <= sel.get("cv_score_network") + 1e-12);
            assertTrue(sel.get("cv_score_combined_nested") >= sel.get("cv_score_combined") - 1e-12);
            assertEquals(sel.get("window").intValue(), fa.autoregression().window());
            // the test forecasts did see the changed weeks
            assertNotEquals(a[0].horizons().get(0).point()[5], b[0].horizons().get(0).point()[5]);
            double[] p = fa.forecastAhead(data, 3);
            double[][] q = fa.quantilesAhead(data, 3);
            fa.save(tmp.resolve("ar"));
            try (Forecaster g = Forecaster.load(tmp.resolve("ar"))) {
                assertEquals(fa.autoregression().toConfig(), g.autoregression().toConfig());
                assertArrayEquals(p, g.forecastAhead(data, 3), 1e-9);
                for (int k = 0; k < 3; k++) {
                    assertArrayEquals(q[k], g.quantilesAhead(data, 3)[k], 1e-9);
                }
                assertArrayEquals(a[0].horizons().get(2).point(), g.evaluate(data, trainEnd).get(2).point(), 1e-9);
            }
        }
    }

    /**
     * Fold k's forecasts read only the weeks before its block for their scaling and training
     * targets: changing the last block leaves the earlier blocks' out-of-fold forecasts bit for bit
     * identical (with one scaling fit on all training weeks they moved, as the changed weeks set
     * the target's maximum and the weather's mean).
     */
    @Test
    void eachFoldFitsItsScalingOnTheWeeksBeforeItsBlock() {
        ForecastSettings s = tiny();
        SeriesData data = sanJuan(s);
        int trainEnd = Forecaster.trainEnd(s, data.length());
        SeriesData train = new SeriesData(java.util.Arrays.copyOf(data.rows(), trainEnd), data.columns(),
                data.dates().subList(0, trainEnd), data.source());
        int[] b = RollingOrigin.boundaries(trainEnd, s.folds, CrossValidatedTraining.SPAN);
        List<int[]> blocks = new java.util.ArrayList<>();
        for (int k = 0; k < s.folds; k++) {
            blocks.add(RollingOrigin.blockOrigins(s.window, s.horizon, b[k], b[k + 1]));
        }
        int[] checkpoints = CrossValidatedTraining.checkpoints(s.epochs);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        CrossValidatedTraining.OutOfFold a = CrossValidatedTraining.outOfFold(s, train, b, blocks, checkpoints, quiet);
        CrossValidatedTraining.OutOfFold c = CrossValidatedTraining.outOfFold(s, perturbed(train, b[s.folds - 1]), b, blocks,
                checkpoints, quiet);
        assertArrayEquals(a.origins(), c.origins());
        int earlier = a.origins().length - blocks.get(s.folds - 1).length;
        boolean lastMoved = false;
        for (int e = 0; e < checkpoints.length; e++) {
            for (int i = 0; i < a.origins().length; i++) {
                if (i < earlier) {
                    assertArrayEquals(a.change()[e][i], c.change()[e][i], "origin " + a.origins()[i]);
                } else {
                    lastMoved |= !java.util.Arrays.equals(a.change()[e][i], c.change()[e][i]);
                }
            }
        }
        assertTrue(lastMoved, "the last block's inputs changed, so its forecasts must (the test is not vacuous)");
    }

    /** --validation-only with folds skips the final ensemble: the same choices and figures, no members. */
    @Test
    void foldsOnlyMakesTheSameChoicesWithoutTheEnsemble() {
        ForecastSettings s = tiny();
        s.epochs = 2;
        SeriesData data = sanJuan(s);
        int trainEnd = Forecaster.trainEnd(s, data.length());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Forecaster.Training[] full = new Forecaster.Training[1];
        Forecaster.Training[] folds = new Forecaster.Training[1];
        try (Forecaster a = CrossValidatedTraining.train(s, data, trainEnd, quiet, full, false);
             Forecaster b = CrossValidatedTraining.train(s, data, trainEnd, quiet, folds, true)) {
            assertEquals(s.ensemble, a.members().size());
            assertEquals(0, b.members().size());
            assertEquals(full[0].selection(), folds[0].selection());
            assertEquals(full[0].validation(), folds[0].validation());
            assertEquals(0, folds[0].histories().size());
        }
    }

    @Test
    void quantilesDoNotCrossAndTheForecasterRoundTrips() {
        ForecastSettings s = tiny();
        s.ensemble = 1;
        SeriesData data = sanJuan(s);
        Forecaster.Evaluation[] e = new Forecaster.Evaluation[1];
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, new PrintStream(new ByteArrayOutputStream()), e)) {
            assertEquals(s.horizon, e[0].horizons().size());
            for (Forecaster.HorizonForecasts h : e[0].horizons()) {
                assertEquals(240, h.actual().length, "every test week once per horizon");
                assertEquals(956, h.rows()[0]);
                assertTrue(QuantileScores.nonCrossing(h.quantiles()), "h" + h.horizon());
                assertTrue(QuantileScores.nonCrossing(h.persistenceQuantiles()), "h" + h.horizon());
                for (double[] q : h.quantiles()) {
                    assertTrue(q[0] >= 0, "counts are not forecast below 0");
                }
                double wis = h.scores().get("lstm").get("wis");
                assertTrue(Double.isFinite(wis) && wis > 0, "wis " + wis);
            }
            double[][] q = f.quantilesAhead(data, 3);
            assertTrue(QuantileScores.nonCrossing(q));
            double[] p = f.forecastAhead(data, 3);
            f.save(tmp.resolve("f"));
            try (Forecaster g = Forecaster.load(tmp.resolve("f"))) {
                assertArrayEquals(p, g.forecastAhead(data, 3), 1e-9);
                double[][] gq = g.quantilesAhead(data, 3);
                for (int k = 0; k < 3; k++) {
                    assertArrayEquals(q[k], gq[k], 1e-9);
                }
            }
            IllegalArgumentException tooFar = assertThrows(IllegalArgumentException.class, () -> f.forecastAhead(data, 4));
            assertTrue(tooFar.getMessage().contains("1 to 3 week(s) ahead"), tooFar.getMessage());
        }
    }

    @Test
    void patienceZeroTrainsEveryEpochAndKeepsTheLast() {
        ForecastSettings s = tiny();
        s.folds = 0;
        s.ensemble = 1;
        s.patience = 0;
        s.epochs = 3;
        s.weather = false;
        SeriesData data = sanJuan(s);
        Forecaster.Training[] t = new Forecaster.Training[1];
        try (Forecaster f = Forecaster.train(s, data, Forecaster.trainEnd(s, data.length()),
                new PrintStream(new ByteArrayOutputStream()), t)) {
            assertEquals(3, t[0].histories().get(0).get("loss").size());
            assertArrayEquals(new int[] {3}, t[0].bestEpochs());
        }
    }

    @Test
    void withoutAValidationSplitThereIsNoEarlyStoppingAndNoQuantiles() {
        ForecastSettings s = tiny();
        s.folds = 0;
        s.ensemble = 1;
        s.epochs = 2;
        s.weather = false;
        s.validationSplit = 0;
        SeriesData data = sanJuan(s);
        Forecaster.Evaluation[] e = new Forecaster.Evaluation[1];
        try (Forecaster f = Forecaster.trainAndEvaluate(s, data, new PrintStream(new ByteArrayOutputStream()), e)) {
            assertEquals(2, e[0].history().get("loss").size());
            assertTrue(e[0].training().validation().isEmpty());
            assertTrue(!f.hasQuantiles() && e[0].horizons().get(0).quantiles() == null);
            assertTrue(Double.isFinite(e[0].metrics().get("lstm").get("mae")));
            assertTrue(e[0].metrics().get("persistence").containsKey("wis"), "the baseline keeps its quantiles");
        }
    }

    /**
     * The other city's windows for --pool-city: only those whose rows are all dated on or before the
     * last week a training step may read, scaled on those weeks alone, so that changing the other
     * city's later weeks changes nothing.
     */
    @Test
    void pooledWindowsReadOnlyWeeksUpToTheBound() {
        ForecastSettings s = tiny();
        s.weather = false;
        s.seasonal = false;
        s.levelWeight = 1;
        ForecastSettings o = s.withWindow(s.window);
        o.city = "iquitos";
        SeriesData iquitos = SeriesData.load(o, Path.of("data"));
        java.time.LocalDate last = iquitos.dates().get(300);
        CrossValidatedTraining.Pooled a = CrossValidatedTraining.pooled(s, iquitos, last);
        CrossValidatedTraining.Pooled b = CrossValidatedTraining.pooled(s, perturbed(iquitos, 301), last);
        // rows 0..300: origins t = w − 1 … 300 − h, each with h targets and their level weight
        assertEquals(300 - s.horizon - (s.window - 1) + 1, a.n());
        assertEquals(a.n() * s.window, a.x().length);
        assertEquals(a.n() * (s.horizon + 1), a.y().length);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.y(), b.y());
        // a bound before the series has enough weeks: no windows
        assertEquals(0, CrossValidatedTraining.pooled(s, iquitos, iquitos.dates().get(0).minusDays(7)).n());
    }
}
