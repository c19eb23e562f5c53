package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
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
}
