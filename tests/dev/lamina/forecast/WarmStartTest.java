package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forecaster that starts from a saved one's weights (Hyperband's promoted trials): each member
 * starts from exactly the saved member's weights, training from them differs from training afresh,
 * and a saved forecaster of another shape, or cross-validated training, is refused by name.
 */
class WarmStartTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static ForecastSettings tiny() {
        ForecastSettings s = new ForecastSettings();
        s.window = 8;
        s.horizon = 2;
        s.ensemble = 2;
        s.epochs = 2;
        s.folds = 0;
        s.patience = 5;
        s.units = 4;
        s.batchSize = 64;
        s.seed = 5;
        s.verbose = 0;
        return s;
    }

    private static List<float[]> weights(Sequential m) {
        try (Scope scope = Scope.open()) {
            return m.getWeights().stream().map(Tensor::toFloatArray).toList();
        }
    }

    private static List<float[]> weights(Forecaster f) {
        return f.members().stream().flatMap(m -> weights(m).stream()).toList();
    }

    private static boolean sameWeights(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void membersStartFromTheSavedWeightsBitwise(@TempDir Path tmp) {
        ForecastSettings s = tiny();
        SeriesData data = SeriesData.load(s, Path.of("data"));
        int trainEnd = Forecaster.trainEnd(s, data.length());
        Forecaster.Training[] t = new Forecaster.Training[1];
        List<float[]> parentWeights;
        int width;
        try (Forecaster parent = Forecaster.train(s, data, trainEnd, QUIET, t)) {
            parent.save(tmp.resolve("parent"));
            parentWeights = weights(parent);
            width = parent.features().width();
        }
        WarmStart start = WarmStart.from(tmp.resolve("parent"));
        assertEquals(2, start.members());
        int offset = 0;
        for (int k = 0; k < 2; k++) {
            try (Sequential m = start.member(s, width, Members.memberSeed(99, k), k)) {
                List<float[]> w = weights(m);
                for (float[] a : w) {
                    assertArrayEquals(parentWeights.get(offset++), a, "member " + k + " starts from the saved member " + k);
                }
            }
        }
        assertEquals(parentWeights.size(), offset);

        // one more epoch from the parent's weights is not one epoch from fresh weights, and it is deterministic
        ForecastSettings more = tiny();
        more.epochs = 1;
        more.seed = 6;
        try (Forecaster cont = Forecaster.train(more, data, trainEnd, QUIET, t, start);
             Forecaster again = Forecaster.train(more, data, trainEnd, QUIET, t, WarmStart.from(tmp.resolve("parent")));
             Forecaster fresh = Forecaster.train(more, data, trainEnd, QUIET, t)) {
            assertEquals(1, t[0].histories().get(0).get("loss").size(), "trains only the epochs asked for");
            assertTrue(sameWeights(weights(cont), weights(again)), "a warm start is deterministic");
            assertFalse(sameWeights(weights(cont), weights(fresh)), "continued training differs from fresh training");
            assertFalse(sameWeights(weights(cont), parentWeights), "the epoch trained");
            start.checkScaling(cont);
        }
    }

    @Test
    void anotherShapeOrFoldsAreRefusedByName(@TempDir Path tmp) {
        ForecastSettings s = tiny();
        s.epochs = 1;
        SeriesData data = SeriesData.load(s, Path.of("data"));
        int trainEnd = Forecaster.trainEnd(s, data.length());
        Forecaster.Training[] t = new Forecaster.Training[1];
        try (Forecaster parent = Forecaster.train(s, data, trainEnd, QUIET, t)) {
            parent.save(tmp.resolve("parent"));
        }
        WarmStart start = WarmStart.from(tmp.resolve("parent"));
        ForecastSettings wider = tiny();
        wider.units = 8;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Forecaster.train(wider, data, trainEnd, QUIET, t, start));
        assertTrue(e.getMessage().contains("does not match") && e.getMessage().contains("units 8"), e.getMessage());
        ForecastSettings folds = tiny();
        folds.folds = 3;
        e = assertThrows(IllegalArgumentException.class, () -> Forecaster.train(folds, data, trainEnd, QUIET, t, start));
        assertTrue(e.getMessage().contains("needs folds 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WarmStart.from(tmp.resolve("nothing")));
        assertTrue(e.getMessage().contains("not a saved forecaster"), e.getMessage());

        // the same settings on other data scale the inputs differently: checkScaling says so
        ForecastSettings other = tiny();
        other.epochs = 1;
        SeriesData shorter = new SeriesData(Arrays.copyOf(data.rows(), 600), data.columns(), data.dates().subList(0, 600),
                data.source());
        try (Forecaster f = Forecaster.train(other, shorter, 500, QUIET, t, start)) {
            IllegalStateException bad = assertThrows(IllegalStateException.class, () -> start.checkScaling(f));
            assertTrue(bad.getMessage().contains("scaled its inputs"), bad.getMessage());
        }
    }
}
