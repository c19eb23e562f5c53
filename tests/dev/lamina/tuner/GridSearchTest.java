package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lamina.tuner.HyperParameter.Sampling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GridSearchTest {

    @Test
    void gridEnumeratesExactlyTheProductInOdometerOrder() {
        HyperParameters space = new HyperParameters();
        space.Int("units", 32, 96, 32);                          // 3 values
        space.Choice("opt", List.of("adam", "rmsprop"));         // 2
        space.Float("lr", 1e-3, 1e-1, 10.0, Sampling.LOG);       // 3: 1e-3, 1e-2, 1e-1
        space.Boolean("bn");                                     // 2
        space.Fixed("epochs", 5);                                // 1
        GridSearchOracle o = new GridSearchOracle(Objective.of("val_loss"), 1000, 0);
        o.init(space.space());
        List<Trial> trials = new ArrayList<>();
        Set<String> got = new HashSet<>();
        for (int i = 0; ; i++) {
            Map<String, Object> v = o.propose(i, trials);
            if (v == null) {
                break;
            }
            got.add(Oracle.key(v));
            trials.add(new Trial(i, v));
        }
        Set<String> expected = new HashSet<>();
        for (int u : new int[] {32, 64, 96}) {
            for (String opt : List.of("adam", "rmsprop")) {
                for (double lr : new double[] {1e-3, 1e-2, 1e-1}) {
                    for (boolean bn : new boolean[] {false, true}) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("units", u);
                        m.put("opt", opt);
                        m.put("lr", lr);
                        m.put("bn", bn);
                        m.put("epochs", 5);
                        expected.add(Oracle.key(m));
                    }
                }
            }
        }
        assertEquals(36, trials.size(), "3 x 2 x 3 x 2 x 1 points, each once");
        assertEquals(expected.size(), got.size());
        // lr values are products of floats: compare after rounding to 12 significant digits
        assertEquals(round(expected), round(got));
        // the last declared parameter changes fastest
        assertEquals(false, trials.get(0).values().get("bn"));
        assertEquals(true, trials.get(1).values().get("bn"));
        assertEquals(32, trials.get(11).values().get("units"));
        assertEquals(64, trials.get(12).values().get("units"));
    }

    @Test
    void conditionalParametersVaryOnlyWhereActiveAndMaxTrialsCaps() {
        HyperParameters space = new HyperParameters();
        space.Int("layers", 1, 2);
        space.Choice("units_2", List.of(8, 16, 32), "layers", List.of(2));
        GridSearchOracle o = new GridSearchOracle(Objective.of("loss"), 1000, 0);
        o.init(space.space());
        List<Map<String, Object>> points = o.points();
        assertEquals(4, points.size(), "layers=1 once, layers=2 with each of 3 units");
        assertEquals(Map.of("layers", 1), points.get(0));
        assertEquals(Map.of("layers", 2, "units_2", 32), points.get(3));
        GridSearchOracle capped = new GridSearchOracle(Objective.of("loss"), 2, 0);
        capped.init(space.space());
        Tuner t = new Tuner(null, capped).hyperparameters(space).directory(java.nio.file.Path.of(
                System.getProperty("java.io.tmpdir"), "lamina-grid-" + ProcessHandle.current().pid()), "cap").overwrite(true);
        t.search((hp, ctx) -> ctx.report(Map.of("loss", ((Number) hp.get("layers")).doubleValue())));
        assertEquals(2, t.trials().size());
        assertNull(o.propose(4, List.of()));
    }

    private static Set<String> round(Set<String> keys) {
        Set<String> out = new HashSet<>();
        for (String k : keys) {
            StringBuilder sb = new StringBuilder();
            for (String part : k.split(";")) {
                String[] kv = part.split("=");
                try {
                    sb.append(kv[0]).append('=').append(String.format("%.12g", Double.parseDouble(kv[1]))).append(';');
                } catch (NumberFormatException e) {
                    sb.append(part).append(';');
                }
            }
            out.add(sb.toString());
        }
        return out;
    }
}
