package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import dev.lamina.forecast.WarmStart;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forecaster's trials stop early as {@code lamina forecast} does, on their own training windows;
 * a promoted Hyperband trial continues its parent's saved forecaster, locally and on a remote executor.
 */
class ForecastTuningTest {

    /** One trial of a small forecaster (window 12, 16 units, one member) with the given epochs and patience. */
    static Trial trial(Path dir, int epochs, int patience) {
        ForecastSettings base = new ForecastSettings();
        base.ensemble = 1;
        base.epochs = epochs;
        base.patience = patience;
        base.verbose = 0;
        SeriesData data = SeriesData.load(base, Path.of("data"));
        HyperParameters hp = new HyperParameters();
        hp.Choice("window", List.of(12));
        hp.Choice("units", List.of(16));
        hp.Int("layers", 1, 1);
        hp.Choice("dropout", List.of(0.0));
        hp.Choice("learning_rate", List.of(0.01));
        hp.Choice("batch_size", List.of(64));
        hp.Choice("transform", List.of("log1p"));
        Tuner t = new Tuner(null, new RandomSearchOracle(ForecastTuning.OBJECTIVE, 1, 7)).hyperparameters(hp)
                .directory(dir, "f").overwrite(true);
        t.search(ForecastTuning.body(base, ForecastTuning.trainingWeeks(base, data), 0.2));
        Trial tr = t.trials().get(0);
        assertEquals(Trial.Status.COMPLETED, tr.status(), String.valueOf(tr.message()));
        return tr;
    }

    /** A small forecaster space of six points (so that three fresh trials differ), one member, patience above every round. */
    static HyperParameters smallSpace() {
        HyperParameters hp = new HyperParameters();
        hp.Choice("window", List.of(12));
        hp.Choice("units", List.of(8, 16));
        hp.Int("layers", 1, 1);
        hp.Choice("dropout", List.of(0.0));
        hp.Choice("learning_rate", List.of(0.003, 0.01, 0.03));
        hp.Choice("batch_size", List.of(64));
        hp.Choice("transform", List.of("log1p"));
        return hp;
    }

    static ForecastSettings smallBase() {
        ForecastSettings base = new ForecastSettings();
        base.ensemble = 1;
        base.patience = 20;
        base.verbose = 0;
        return base;
    }

    /** Hyperband with R = 3, η = 3, cut at 4 trials: three 1-epoch trials, then the best continued to 3 epochs. */
    static Tuner hyperband(Path dir, TrialExecutor executor) {
        ForecastSettings base = smallBase();
        SeriesData weeks = ForecastTuning.trainingWeeks(base, SeriesData.load(base, Path.of("data")));
        Tuner t = new Tuner(null, new HyperbandOracle(ForecastTuning.OBJECTIVE, 4, 3, 3, 3, 1)).hyperparameters(smallSpace())
                .directory(dir, "hb").overwrite(true).parallel(2).executor(executor);
        t.search(ForecastTuning.body(base, weeks, 0.2));
        for (Trial tr : t.trials()) {
            assertEquals(Trial.Status.COMPLETED, tr.status(), String.valueOf(tr.message()));
        }
        return t;
    }

    private static List<float[]> weights(Path savedForecaster) {
        try (Scope scope = Scope.open(); Forecaster f = Forecaster.load(savedForecaster)) {
            return f.members().stream().flatMap(m -> m.getWeights().stream()).map(Tensor::toFloatArray).toList();
        }
    }

    private static Path saved(Tuner t, Trial tr) {
        return t.trialDir(tr).resolve("execution_0").resolve(ForecastTuning.SAVED);
    }

    private static void assertSameWeights(List<float[]> a, List<float[]> b, String what) {
        assertEquals(a.size(), b.size(), what);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), what + ", weight " + i);
        }
    }

    private static boolean sameWeights(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return a.size() == b.size();
    }

    @Test
    void promotedHyperbandTrialsContinueTheirParentsForecaster(@TempDir Path dir) {
        Tuner local = hyperband(dir.resolve("local"), null);
        List<Trial> ts = local.trials();
        assertEquals(4, ts.size());
        Trial promoted = ts.get(3);
        Trial best = local.bestTrials(3).stream().filter(x -> x.index() < 3).findFirst().orElseThrow();
        assertEquals(best.id(), promoted.values().get("tuner/trial_id"), "the best first-round trial is promoted");
        assertEquals(1, ((Number) promoted.values().get("tuner/initial_epoch")).intValue());
        assertEquals(3, ((Number) promoted.values().get("tuner/epochs")).intValue());
        assertEquals(1, best.metrics().get("loss").size(), "the parent trained its round's epoch");
        assertEquals(2, promoted.metrics().get("loss").size(), "the promoted trial trains only the 2 epochs it adds");
        assertEquals(3, best.metrics().get("loss").size() + promoted.metrics().get("loss").size(),
                "parent and promoted trial together train the bracket's 3 epochs");

        // the promoted trial is exactly: its settings and seed, members starting from the parent's saved weights, 2 epochs
        ForecastSettings base = smallBase();
        SeriesData weeks = ForecastTuning.trainingWeeks(base, SeriesData.load(base, Path.of("data")));
        ForecastSettings s = ForecastTuning.settings(base, HyperParameters.of(smallSpace().space(), promoted.values()));
        s.trainFraction = 0.8;
        s.folds = 0;
        s.verbose = 0;
        s.seed = local.executionSeed(3, 0);
        s.epochs = 2;
        Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        List<float[]> continued;
        List<float[]> fresh;
        try (Forecaster f = Forecaster.trainAndEvaluate(s, weeks, quiet, ev, WarmStart.from(saved(local, best)))) {
            continued = f.members().stream().flatMap(m -> m.getWeights().stream()).map(Tensor::toFloatArray).toList();
        }
        assertSameWeights(continued, weights(saved(local, promoted)), "the promoted trial's saved forecaster");
        assertEquals(ev[0].metrics().get("lstm").get("mae"), promoted.score(), "its val_mae, bitwise");
        s.epochs = 3;
        try (Forecaster f = Forecaster.trainAndEvaluate(s, weeks, quiet, ev)) {
            fresh = f.members().stream().flatMap(m -> m.getWeights().stream()).map(Tensor::toFloatArray).toList();
        }
        assertFalse(sameWeights(fresh, continued), "training 3 epochs afresh is another forecaster");

        // a remote executor (serialised tasks and results) ships the parent's forecaster and gives the same search
        TrialExecutorTest.RoundTrip rt = new TrialExecutorTest.RoundTrip();
        Tuner remote = hyperband(dir.resolve("remote"), rt);
        assertEquals(4, rt.runs.get());
        for (int i = 0; i < 4; i++) {
            Trial a = ts.get(i);
            Trial b = remote.trials().get(i);
            assertEquals(a.values(), b.values());
            assertEquals(a.metrics(), b.metrics(), "per-epoch metrics of trial " + i);
            assertEquals(a.score(), b.score());
            assertSameWeights(weights(saved(local, a)), weights(saved(remote, b)), "trial " + i + "'s forecaster");
        }
    }

    @Test
    void trialsStopEarlyWithThePatienceOfTheSettings(@TempDir Path dir) {
        Trial stopped = trial(dir.resolve("p2"), 60, 2);
        Map<String, List<Double>> m = stopped.metrics();
        List<Double> stopLoss = m.get("early_stopping_loss");
        assertNotNull(stopLoss, "the early-stopping loss is reported per epoch: " + m.keySet());
        int epochs = stopLoss.size();
        assertTrue(epochs < 60, "stopped before 60 epochs, ran " + epochs);
        int best = 0;
        for (int e = 1; e < epochs; e++) {
            if (stopLoss.get(e) < stopLoss.get(best)) {
                best = e;
            }
        }
        assertEquals(epochs - 1 - 2, best, "patience 2: the last improvement was two epochs before the end " + stopLoss);
        assertEquals(epochs, m.get("loss").size());
        assertTrue(m.get("val_mae").get(epochs - 1) > 0, "scored on the validation weeks: " + m.get("val_mae"));

        Trial all = trial(dir.resolve("p0"), 3, 0);
        assertEquals(3, all.metrics().get("loss").size(), "patience 0 trains every epoch");
    }
}
