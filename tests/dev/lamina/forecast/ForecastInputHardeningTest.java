package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.cli.Main;
import dev.lamina.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code lamina forecast} and to a saved forecaster.json (issue 11): each is refused
 * with one line naming what is wrong (field, column, line), before training where it can be.
 */
class ForecastInputHardeningTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        // --backend sets the JVM's default backend (as it should for a command line): restore it, so the
        // tests that run after these in the same JVM are not moved to the reference backend
        Backend before = Backends.defaultBackend();
        int code;
        try {
            code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        } finally {
            Backends.setDefault(before);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** A weekly CSV: date, a numeric column called "updates", the target "cases" (row i from {@code cases}). */
    private Path csv(String name, java.util.function.IntFunction<String> cases) throws Exception {
        StringBuilder sb = new StringBuilder("week,updates,cases\n");
        for (int i = 0; i < 60; i++) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%s%n", java.time.LocalDate.of(2021, 1, 4).plusWeeks(i), 3 * i + 1,
                    cases.apply(i)));
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    private String[] train(Path data, String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("forecast", "--data", data.toString(), "--target", "cases", "--epochs", "1",
                "--units", "3", "--window", "4", "--quiet", "--backend", "reference", "--out", tmp.resolve(out).toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    private static String sine(int i) {
        return Integer.toString(20 + (int) (10 * Math.sin(i / 3.0)));
    }

    @Test
    void anEndlessDataFileIsRefusedBySizeNotByRunningOutOfMemory() {
        Run r = run("forecast", "--data", "/dev/zero", "--target", "cases", "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("/dev/zero") && r.err().contains("more than") && r.err().contains("maxBytes"), r.err());
    }

    @Test
    void aConstantTargetIsRefusedBeforeTraining() throws Exception {
        Run r = run(train(csv("zeros.csv", i -> "0"), "z"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("'cases' is constant"), r.err());
        assertTrue(!Files.exists(tmp.resolve("z").resolve("forecaster")), "nothing trained, nothing saved");
    }

    @Test
    void aHeaderWithoutRowsIsRefusedByName() throws Exception {
        Path p = tmp.resolve("header.csv");
        Files.writeString(p, "week,updates,cases\n");
        Run r = run(train(p, "h"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("header.csv: no data rows"), r.err());
    }

    @Test
    void anAbsurdLearningRateIsAUsageError() throws Exception {
        for (String lr : List.of("1e30", "Infinity", "NaN", "0", "-1")) {
            Run r = run(train(csv("s.csv", ForecastInputHardeningTest::sine), "lr", "--learning-rate", lr));
            assertEquals(2, r.code(), lr + ": " + r.err());
            assertTrue(r.err().contains("--learning-rate"), r.err());
        }
    }

    @Test
    void aNumericColumnNamedUpdatesIsAFeatureNotADate() throws Exception {
        Run r = run(train(csv("u.csv", ForecastInputHardeningTest::sine), "u", "--features", "updates"));
        assertEquals(0, r.code(), r.err());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) Json.parseObject(
                Files.readString(tmp.resolve("u").resolve("metrics.json"))).get("forecasts");
        assertTrue(rows.get(0).get("week").toString().matches("\\d{4}-\\d\\d-\\d\\d"), "dates from the 'week' column: " + rows.get(0));
    }

    @Test
    void anInfiniteValueNamesItsColumnAndLine() throws Exception {
        Run r = run(train(csv("inf.csv", i -> i == 7 ? "1e999" : sine(i)), "inf"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("inf.csv:9") && r.err().contains("'cases'") && r.err().contains("infinite"), r.err());
    }

    @Test
    void metricsWriteNaNAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("r2", Double.NaN);
        m.put("rows", List.of(Map.of("forecast", Double.POSITIVE_INFINITY, "actual", 3.0)));
        String json = Json.write(ForecastCommand.finiteOrNull(m));
        Map<String, Object> back = Json.parseObject(json);
        assertTrue(back.containsKey("r2") && back.get("r2") == null, json);
        assertTrue(json.contains("\"forecast\":null") || json.contains("\"forecast\": null"), json);
    }

    // ---- forecaster.json ----------------------------------------------------------------------

    private Path savedForecaster() throws Exception {
        Run r = run(train(csv("s.csv", ForecastInputHardeningTest::sine), "saved"));
        assertEquals(0, r.code(), r.err());
        return tmp.resolve("saved").resolve("forecaster");
    }

    @SuppressWarnings("unchecked")
    private static String refused(Path dir, Consumer<Map<String, Object>> editSettings) throws Exception {
        Path f = dir.resolve("forecaster.json");
        String original = Files.readString(f);
        Map<String, Object> m = (Map<String, Object>) dev.lamina.io.SafetensorsFuzzTest.mutable(Json.parseObject(original));
        editSettings.accept((Map<String, Object>) m.get("settings"));
        Files.writeString(f, Json.write(m));
        try {
            return assertThrows(IllegalArgumentException.class, () -> Forecaster.load(dir).close()).getMessage();
        } finally {
            Files.writeString(f, original);
        }
    }

    @Test
    void everyForecasterJsonFieldIsChecked() throws Exception {
        Path dir = savedForecaster();
        Forecaster.load(dir).close();
        Object[][] cases = {
                {"residual", "yes", "boolean"}, {"window", 3.7, "integer"}, {"units", "64", "integer"}, {"learning_rate", "fast", "number"},
                {"features", List.of(1L), "features"}, {"transform", "sqrt", "transform"}, {"windoww", 4L, "unknown field 'windoww'"},
                {"horizon", 0L, "at least 1"}, {"target", null, "target"}, {"seed", 1.5, "integer"},
        };
        for (Object[] c : cases) {
            String m = refused(dir, s -> s.put((String) c[0], c[1]));
            assertTrue(m.contains("'" + c[0] + "'") && m.contains((String) c[2]) && m.contains("forecaster.json"), c[0] + ": " + m);
        }
        String missing = refused(dir, s -> s.remove("window"));
        assertTrue(missing.contains("forecaster.json") && missing.contains("'window' is missing"), missing);
        Forecaster.load(dir).close(); // the restored file still loads
    }

    @SuppressWarnings("unchecked")
    private static String refusedFile(Path dir, Consumer<Map<String, Object>> edit) throws Exception {
        Path f = dir.resolve("forecaster.json");
        String original = Files.readString(f);
        Map<String, Object> m = (Map<String, Object>) dev.lamina.io.SafetensorsFuzzTest.mutable(Json.parseObject(original));
        edit.accept(m);
        Files.writeString(f, Json.write(m));
        try {
            return assertThrows(IllegalArgumentException.class, () -> Forecaster.load(dir).close()).getMessage();
        } finally {
            Files.writeString(f, original);
        }
    }

    /** Version 2 (ensemble members, feature scaling, quantile calibration): every part of forecaster.json is checked too. */
    @Test
    @SuppressWarnings("unchecked")
    void everyVersion2PartIsChecked() throws Exception {
        Path dir = savedForecaster();
        try (Forecaster f = Forecaster.load(dir)) {
            assertEquals(5, f.members().size());
            assertTrue(f.hasQuantiles());
        }
        Object[][] cases = {
                {(Consumer<Map<String, Object>>) m -> m.put("extra", 1L), "unknown field 'extra'"},
                {(Consumer<Map<String, Object>>) m -> m.put("version", "1"), "version \"1\" is not supported"},
                {(Consumer<Map<String, Object>>) m -> m.put("version", 2L), "'version' must be a string"},
                {(Consumer<Map<String, Object>>) m -> m.remove("save_id"), "'save_id' is missing"},
                {(Consumer<Map<String, Object>>) m -> m.put("members", 4L), "'members'"},
                {(Consumer<Map<String, Object>>) m -> m.put("members", 5.5), "'members'"},
                {(Consumer<Map<String, Object>>) m -> m.remove("features"), "'features' is missing"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("features")).put("scale", 1L), "unknown field 'scale'"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("features")).put("target_min", "x"), "'target_min'"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("features")).put("smoothing", 9L), "'smoothing'"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("features")).remove("target_max"), "'target_max' is missing"},
                {(Consumer<Map<String, Object>>) m -> m.remove("calibration"), "'calibration' is missing"},
                {(Consumer<Map<String, Object>>) m -> ((List<Object>) m.get("quantile_levels")).remove(0), "'quantile_levels'"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("calibration")).put("method", "median"), "method"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("calibration")).put("b", List.of(1.0)), "'b'"},
                {(Consumer<Map<String, Object>>) m -> java.util.Collections.reverse(
                        (List<Object>) ((List<Object>) ((Map<String, Object>) m.get("calibration")).get("quantiles")).get(0)),
                        "must not decrease"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("settings")).put("quantiles", false),
                        "must be absent"},
                {(Consumer<Map<String, Object>>) m -> ((List<Object>) m.get("blend")).remove(0), "'blend' must hold one weight per horizon"},
                {(Consumer<Map<String, Object>>) m -> ((List<Object>) m.get("blend")).set(1, "x"), "'blend[1]'"},
                {(Consumer<Map<String, Object>>) m -> ((Map<String, Object>) m.get("settings")).put("folds", -1L), "'folds'"},
        };
        for (Object[] c : cases) {
            String m = refusedFile(dir, (Consumer<Map<String, Object>>) c[0]);
            assertTrue(m.contains((String) c[1]) && m.contains("forecaster.json"), c[1] + ": " + m);
        }
        // a member directory missing: the load fails naming it and frees what it loaded
        Path member = dir.resolve("member-4");
        Path aside = dir.resolveSibling("member-4-aside");
        Files.move(member, aside);
        try {
            String m = assertThrows(RuntimeException.class, () -> Forecaster.load(dir).close()).getMessage();
            assertTrue(m.contains("member-4"), m);
        } finally {
            Files.move(aside, member);
        }
        Forecaster.load(dir).close(); // every restored file still loads
        // a save from before cross-validation (no 'folds', no 'blend') loads, forecasting with weight 1
        Path f = dir.resolve("forecaster.json");
        String original = Files.readString(f);
        Map<String, Object> m = (Map<String, Object>) dev.lamina.io.SafetensorsFuzzTest.mutable(Json.parseObject(original));
        ((Map<String, Object>) m.get("settings")).remove("folds");
        m.remove("blend");
        Files.writeString(f, Json.write(m));
        try (Forecaster old = Forecaster.load(dir)) {
            assertEquals(0, old.settings().folds);
            assertEquals(1.0, old.blend(1));
            assertTrue(old.hasQuantiles());
        } finally {
            Files.writeString(f, original);
        }
    }

    /** A save over a forecaster with more members replaces the whole directory: no member of the old one stays. */
    @Test
    void aSmallerEnsembleReplacesTheWholeDirectory() throws Exception {
        Path dir = savedForecaster();   // 5 members
        Run r = run(train(csv("s.csv", ForecastInputHardeningTest::sine), "two", "--ensemble", "2"));
        assertEquals(0, r.code(), r.err());
        try (Forecaster two = Forecaster.load(tmp.resolve("two").resolve("forecaster"))) {
            two.save(dir);
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("forecaster.json", "member-0", "member-1"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Forecaster f = Forecaster.load(dir)) {
            assertEquals(2, f.members().size());
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir.getParent())) {
            assertEquals(List.of("forecaster"), s.map(p -> p.getFileName().toString()).filter(n -> n.contains("forecaster")).toList(),
                    "no temporaries left beside it");
        }
        // a directory holding something a save did not write is refused, and nothing changes
        Files.writeString(dir.resolve("notes.txt"), "mine");
        try (Forecaster f = Forecaster.load(dir)) {
            String m = assertThrows(IllegalArgumentException.class, () -> f.save(dir)).getMessage();
            assertTrue(m.contains("notes.txt"), m);
        }
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
    }
}
