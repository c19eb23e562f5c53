package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tuner.HyperParameter.Sampling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HyperParametersTest {

    @Test
    void declaringReturnsDefaultsAndTheTrialsValues() {
        HyperParameters hp = new HyperParameters();
        assertEquals(32, hp.Int("units", 32, 128, 32));
        assertEquals(1e-4, hp.Float("lr", 1e-4, 1e-2, Sampling.LOG));
        assertEquals("adam", hp.Choice("opt", List.of("adam", "rmsprop")));
        assertFalse(hp.Boolean("bn"));
        assertEquals(7, hp.Fixed("seven", 7));
        hp.set("units", 96).set("opt", "rmsprop").set("bn", true);
        assertEquals(96, hp.Int("units", 32, 128, 32));
        assertEquals("rmsprop", hp.Choice("opt", List.of("adam", "rmsprop")));
        assertTrue(hp.Boolean("bn"));
        assertEquals(5, hp.space().size());
    }

    @Test
    void conditionalParametersAreActiveOnlyUnderTheirParentsValues() {
        HyperParameters hp = new HyperParameters();
        hp.Int("layers", 1, 3);
        int second = hp.Int("units_2", 8, 64, 8, "layers", List.of(2, 3));
        assertEquals(8, second);
        HyperParameter child = hp.space().get(1);
        assertFalse(hp.isActive(child));
        hp.set("layers", 3);
        assertTrue(hp.isActive(child));
        hp.set("units_2", 40);
        assertEquals(40, hp.Int("units_2", 8, 64, 8, "layers", List.of(2, 3)));
        hp.set("layers", 1);
        assertEquals(8, hp.Int("units_2", 8, 64, 8, "layers", List.of(2, 3)), "inactive: the default");
    }

    @Test
    void badDeclarationsAreOneClearError() {
        HyperParameters hp = new HyperParameters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hp.Int("units", 128, 32, 32));
        assertTrue(e.getMessage().contains("hp.Int('units'): min_value 128 > max_value 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hp.Float("lr", 0.1, 0.01));
        assertTrue(e.getMessage().contains("min_value 0.1 > max_value 0.01"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hp.Float("lr", 0.0, 0.01, Sampling.LOG));
        assertTrue(e.getMessage().contains("log sampling needs min_value > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hp.Choice("opt", List.of()));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hp.Int("u", 1, 4, 0));
        assertTrue(e.getMessage().contains("step must be positive"), e.getMessage());
        hp.Int("units", 32, 128, 32);
        e = assertThrows(IllegalArgumentException.class, () -> hp.Int("units", 32, 256, 32));
        assertTrue(e.getMessage().contains("declared twice differently"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> hp.Int("w", 1, 4, 1, "nope", List.of(1)));
        assertTrue(e.getMessage().contains("parent 'nope' must be declared before it"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Objective.of("weirdness"));
        assertTrue(e.getMessage().contains("cannot infer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new RandomSearchOracle(Objective.of("val_loss"), 3, 0).init(List.of()));
        assertTrue(e.getMessage().contains("the search space is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GridSearchOracle(Objective.of("val_loss"), 3, 0)
                .init(List.of(new HyperParameter.FloatParam("lr", 0.1, 1.0, null, Sampling.LINEAR, null, null))));
        assertTrue(e.getMessage().contains("has no step"), e.getMessage());
    }

    @Test
    void objectiveDirectionsAreInferredAsKerasTuner() {
        assertEquals("min", Objective.of("val_loss").direction());
        assertEquals("max", Objective.of("val_accuracy").direction());
        assertEquals("min", Objective.of("val_mae").direction());
        assertEquals("max", Objective.of("auc").direction());
        assertTrue(Objective.of("val_accuracy").better(0.9, 0.8));
        assertTrue(Objective.of("val_loss").better(0.1, Double.NaN));
        assertFalse(Objective.of("val_loss").better(Double.NaN, 0.1));
    }

    @Test
    void randomSearchRespectsRangesStepsAndLogSampling() {
        HyperParameters space = new HyperParameters();
        space.Int("units", 16, 112, 32);                     // 16, 48, 80, 112
        space.Float("lr", 1e-4, 1e-2, Sampling.LOG);
        space.Float("dropout", 0.0, 0.5);
        space.Choice("opt", List.of("adam", "sgd", "rmsprop"));
        RandomSearchOracle o = new RandomSearchOracle(Objective.of("val_loss"), 4000, 7);
        o.init(space.space());
        List<Trial> earlier = new ArrayList<>();
        int n = 3000;
        int lrBelowGeometricMid = 0;
        int dropoutBelowMid = 0;
        Set<Object> units = new HashSet<>();
        Set<Object> opts = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> v = o.propose(i, List.of());
            int u = (Integer) v.get("units");
            assertTrue(u >= 16 && u <= 112 && (u - 16) % 32 == 0, "units " + u);
            units.add(u);
            double lr = (Double) v.get("lr");
            assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
            lrBelowGeometricMid += lr < 1e-3 ? 1 : 0;
            double d = (Double) v.get("dropout");
            assertTrue(d >= 0 && d <= 0.5, "dropout " + d);
            dropoutBelowMid += d < 0.25 ? 1 : 0;
            opts.add(v.get("opt"));
        }
        assertEquals(Set.of(16, 48, 80, 112), units);
        assertEquals(Set.of("adam", "sgd", "rmsprop"), opts);
        // log-uniform: half the draws below the geometric middle 1e-3 (a linear draw would put 9 %% there)
        assertEquals(0.5, lrBelowGeometricMid / (double) n, 0.04);
        assertEquals(0.5, dropoutBelowMid / (double) n, 0.04);
        assertTrue(earlier.isEmpty());
    }

    @Test
    void randomSearchNeverRepeatsAPointAndStopsWhenTheSpaceIsExhausted() {
        HyperParameters space = new HyperParameters();
        space.Int("a", 1, 3);
        space.Boolean("b");
        RandomSearchOracle o = new RandomSearchOracle(Objective.of("loss"), 50, 3);
        o.init(space.space());
        List<Trial> trials = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Map<String, Object> v = o.propose(i, trials);
            assertTrue(seen.add(Oracle.key(v)), "repeated " + v);
            trials.add(new Trial(i, v));
        }
        assertEquals(null, o.propose(6, trials), "all 6 points tried: the space is exhausted");
    }

    @Test
    void unitCoordinatesRoundTrip() {
        HyperParameter p = new HyperParameter.FloatParam("lr", 1e-4, 1e-2, null, Sampling.LOG, null, null);
        assertEquals(1e-3, (Double) p.fromUnit(0.5), 1e-15);
        assertEquals(0.5, p.toUnit(1e-3), 1e-12);
        HyperParameter q = new HyperParameter.IntParam("u", 10, 40, 10, null, null);
        for (Object v : q.gridValues()) {
            assertEquals(v, q.fromUnit(q.toUnit(v)));
        }
        HyperParameter c = new HyperParameter.ChoiceParam("c", List.of(1, 2.5, 4), null, null);
        assertEquals(2.5, c.fromUnit(c.toUnit(2.5)));
    }
}
