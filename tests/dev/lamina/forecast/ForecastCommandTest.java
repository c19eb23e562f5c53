package dev.lamina.forecast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.cli.Main;
import dev.lamina.plot.DesktopModule;
import dev.lamina.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lamina forecast} end to end on the bundled data (few epochs), its outputs, and its errors. */
class ForecastCommandTest {
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

    @Test
    @SuppressWarnings("unchecked")
    void trainsEvaluatesWritesAndForecastsAhead() throws Exception {
        Path out = tmp.resolve("sj");
        Run r = run("forecast", "--epochs", "2", "--seed", "7", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Epoch 2/2"), r.out());
        for (String model : List.of("lstm", "persistence", "seasonal_naive")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(model + " ")), model + " row missing:\n" + r.out());
        }
        for (String png : List.of("forecast.png", "loss.png")) {
            if (DesktopModule.available()) {
                byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 8);
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, head, png);
            } else {
                // a runtime without java.desktop (the bundle's) skips the charts and says so
                assertFalse(Files.exists(out.resolve(png)), png);
                assertTrue(r.out().contains("charts skipped: " + DesktopModule.unavailableReason()), r.out());
            }
        }
        Map<String, Object> m = Json.parseObject(Files.readString(out.resolve("metrics.json")));
        Map<String, Object> metrics = (Map<String, Object>) m.get("metrics");
        for (String model : List.of("lstm", "persistence", "seasonal_naive")) {
            Map<String, Object> v = (Map<String, Object>) metrics.get(model);
            for (String k : List.of("mse", "rmse", "mae", "r2", "mape")) {
                assertTrue(Double.isFinite(((Number) v.get(k)).doubleValue()), model + " " + k);
            }
        }
        // 1,196 weeks, 80/20: the test part is the last 240 weeks, each forecast once
        assertEquals(240L, ((Number) m.get("test_weeks")).longValue());
        List<Object> rows = (List<Object>) m.get("forecasts");
        assertEquals(240, rows.size());
        Map<String, Object> first = (Map<String, Object>) rows.get(0);
        // persistence of the first test week is the last training week's count
        double[] cases = dev.lamina.data.DengueData.load(Path.of("data/dengue"), "san_juan").totalCases();
        // (1,196 × 0.8 = 956 training weeks: the first test week is row 956)
        assertEquals(cases[956], ((Number) first.get("actual")).doubleValue());
        assertEquals(cases[955], ((Number) first.get("persistence")).doubleValue());
        assertEquals(cases[956 - 52], ((Number) first.get("seasonal_naive")).doubleValue());

        Run p = run("forecast", "--model", out.toString(), "--predict", "3");
        assertEquals(0, p.code(), p.err());
        List<String> lines = p.out().lines().filter(l -> l.startsWith("  2013-")).toList();
        assertEquals(3, lines.size(), p.out());
        for (String l : lines) {
            double v = Double.parseDouble(l.trim().split("\\s+")[1]);
            assertTrue(v >= 0 && v < 10_000, l);
        }
    }

    @Test
    void sameSeedSameForecasts() throws Exception {
        Run a = run("forecast", "--epochs", "1", "--quiet", "--seed", "3", "--window", "8", "--units", "8",
                "--out", tmp.resolve("a").toString());
        Run b = run("forecast", "--epochs", "1", "--quiet", "--seed", "3", "--window", "8", "--units", "8",
                "--out", tmp.resolve("b").toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        String fa = Files.readString(tmp.resolve("a/metrics.json")).replaceAll("\"fit_seconds\".*\n", "")
                .replaceAll("\"steps_per_second\".*\n", "");
        String fb = Files.readString(tmp.resolve("b/metrics.json")).replaceAll("\"fit_seconds\".*\n", "")
                .replaceAll("\"steps_per_second\".*\n", "");
        assertEquals(fa, fb);
    }

    @Test
    void csvSeriesWithFeatures() throws Exception {
        StringBuilder sb = new StringBuilder("week_start_date,cases,temp\n");
        java.time.LocalDate d = java.time.LocalDate.of(2000, 1, 3);
        for (int i = 0; i < 120; i++) {
            sb.append(d.plusWeeks(i)).append(',').append(50 + 30 * Math.sin(i / 5.0)).append(',')
                    .append(i % 7 == 0 ? "NA" : Double.toString(25 + Math.cos(i / 5.0))).append('\n');
        }
        Path csv = tmp.resolve("series.csv");
        Files.writeString(csv, sb);
        Run r = run("forecast", "--data", csv.toString(), "--target", "cases", "--features", "temp", "--window", "6",
                "--epochs", "2", "--units", "8", "--quiet", "--out", tmp.resolve("csv").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test weeks: 24"), r.out());
        Run p = run("forecast", "--model", tmp.resolve("csv").toString(), "--predict", "2");
        assertEquals(2, p.code(), "a multivariate model cannot forecast ahead by itself");
        assertTrue(p.err().contains("univariate"), p.err());
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() throws Exception {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "week,cases\n1,10\n2,abc\n3,12\n");
        Path few = tmp.resolve("few.csv");
        Files.writeString(few, "week,cases\n1,10\n2,11\n3,12\n");
        String[][] cases = {
            {"forecast", "--data", tmp.resolve("missing.csv").toString(), "--target", "cases"},
            {"forecast", "--data", few.toString(), "--target", "nope"},
            {"forecast", "--data", few.toString(), "--target", "cases"},
            {"forecast", "--data", csv.toString(), "--target", "cases"},
            {"forecast", "--city", "atlantis"},
            {"forecast", "--epochs", "zero"},
            {"forecast", "--window", "0"},
            {"forecast", "--data", few.toString()},
            {"forecast", "--bogus"},
            {"forecast", "--model", tmp.toString(), "--predict", "2"},
        };
        String[] expect = {"not found", "unknown column 'nope'", "too few", "abc", "atlantis", "not an integer",
            "--window", "--target", "unknown option", "forecaster.json"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + " -> " + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(expect[i]), "'" + expect[i] + "' not in: " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }
}
