package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.SeriesData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forecaster's trials stop early as {@code lamina forecast} does, on their own training windows. */
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
