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
        Run r = run("forecast", "--epochs", "2", "--ensemble", "2", "--units", "8", "--seed", "7", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("member 2/2 (seed 1000010): 2 epochs"), r.out());
        for (int h = 1; h <= 4; h++) {
            for (String model : List.of("lstm", "persistence", "seasonal_naive")) {
                String start = String.format("%-3d %-16s", h, model);
                assertTrue(r.out().lines().anyMatch(l -> l.startsWith(start)), start + " row missing:\n" + r.out());
            }
        }
        for (String png : List.of("forecast.png", "forecast-h4.png", "horizons.png", "loss.png")) {
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
        Map<String, Object> horizons = (Map<String, Object>) m.get("horizons");
        assertEquals(List.of("h1", "h2", "h3", "h4"), List.copyOf(horizons.keySet()));
        assertEquals(horizons.get("h1"), metrics);
        for (Object byModel : horizons.values()) {
            for (String model : List.of("lstm", "persistence", "seasonal_naive")) {
                Map<String, Object> v = (Map<String, Object>) ((Map<String, Object>) byModel).get(model);
                List<String> keys = model.equals("seasonal_naive") ? List.of("mse", "rmse", "mae", "r2", "mape")
                        : List.of("mse", "rmse", "mae", "r2", "mape", "wis", "coverage_50", "coverage_95");
                for (String k : keys) {
                    assertTrue(Double.isFinite(((Number) v.get(k)).doubleValue()), model + " " + k);
                }
            }
        }
        // the default compares windows 10 and 20 on the folds; the settings written hold the one chosen
        Map<String, Object> selection = (Map<String, Object>) m.get("selection");
        Map<String, Object> settings = (Map<String, Object>) m.get("settings");
        double chosen = ((Number) selection.get("window")).doubleValue();
        assertTrue(chosen == 10 || chosen == 20, "window " + chosen);
        assertEquals(chosen, ((Number) settings.get("window")).doubleValue());
        assertEquals(List.of(10L, 20L), settings.get("window_candidates"));
        double s10 = ((Number) selection.get("cv_score_window_10")).doubleValue();
        double s20 = ((Number) selection.get("cv_score_window_20")).doubleValue();
        assertEquals(s10 <= s20 ? 10.0 : 20.0, chosen);
        // San Juan's test weeks hold four complete seasons (2009/2010 to 2012/2013), at each horizon
        List<Object> seasons = (List<Object>) m.get("seasons");
        assertEquals(16, seasons.size());
        assertEquals("2009/2010", ((Map<String, Object>) seasons.get(0)).get("season"));
        // forecasts.csv: a header and 240 weeks x 4 horizons, each with 23 quantiles
        List<String> csv = Files.readAllLines(out.resolve("forecasts.csv"));
        assertEquals(1 + 240 * 4, csv.size());
        assertEquals(7 + 23, csv.get(0).split(",").length);
        assertTrue(csv.get(0).endsWith(",q0.95,q0.975,q0.99"), csv.get(0));
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

        Path ahead = tmp.resolve("ahead.csv");
        Run p = run("forecast", "--model", out.toString(), "--predict", "3", "--csv", ahead.toString());
        assertEquals(0, p.code(), p.err());
        List<String> lines = p.out().lines().filter(l -> l.startsWith("  2013-")).toList();
        assertEquals(3, lines.size(), p.out());
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            assertEquals(7, f.length, "week, forecast and five quantiles: " + l);
            for (int i = 2; i < 7; i++) {
                double v = Double.parseDouble(f[i]);
                assertTrue(v >= 0 && v < 10_000, l);
                assertTrue(i == 2 || v >= Double.parseDouble(f[i - 1]), "quantiles increase: " + l);
            }
        }
        assertEquals(4, Files.readAllLines(ahead).size());
        Run tooFar = run("forecast", "--model", out.toString(), "--predict", "5");
        assertEquals(2, tooFar.code());
        assertTrue(tooFar.err().contains("1 to 4 week(s) ahead"), tooFar.err());
    }

    @Test
    void sameSeedSameForecasts() throws Exception {
        Run a = run("forecast", "--epochs", "1", "--ensemble", "2", "--quiet", "--seed", "3", "--window", "8", "--units", "8",
                "--out", tmp.resolve("a").toString());
        Run b = run("forecast", "--epochs", "1", "--ensemble", "2", "--quiet", "--seed", "3", "--window", "8", "--units", "8",
                "--out", tmp.resolve("b").toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        String fa = Files.readString(tmp.resolve("a/metrics.json")).replaceAll("\"(fit_)?seconds\".*\n", "")
                .replaceAll("\"steps_per_second\".*\n", "");
        String fb = Files.readString(tmp.resolve("b/metrics.json")).replaceAll("\"(fit_)?seconds\".*\n", "")
                .replaceAll("\"steps_per_second\".*\n", "");
        assertEquals(fa, fb);
        assertEquals(Files.readString(tmp.resolve("a/forecasts.csv")), Files.readString(tmp.resolve("b/forecasts.csv")));
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
                "--epochs", "2", "--ensemble", "1", "--units", "8", "--quiet", "--out", tmp.resolve("csv").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test weeks: 24"), r.out());
        // a multivariate model forecasts each horizon directly, so it needs no future feature values
        Run p = run("forecast", "--model", tmp.resolve("csv").toString(), "--predict", "2");
        assertEquals(0, p.code(), p.err());
        assertEquals(2, p.out().lines().filter(l -> l.startsWith("  2002-")).count(), p.out());
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
            {"forecast", "--dropout", "1.5"},
            {"forecast", "--weather", "--no-weather"},
            {"forecast", "--level"},
            {"forecast", "--window", "12", "--windows", "8,12"},
            {"forecast", "--windows", "10,x"},
            {"forecast", "--folds", "0", "--windows", "8,12"},
            {"forecast", "--windows", "8,8"},
            {"forecast", "--fold-members", "0"},
            {"forecast", "--weather-per-horizon"},
            {"forecast", "--validation-only", "--weather-per-horizon", "--weather"},
            {"forecast", "--ar-mix", "0.5"},
            {"forecast", "--autoregression", "--ar-mix", "1.5"},
            {"forecast", "--autoregression", "--ar-penalty", "0"},
            {"forecast", "--autoregression", "--folds", "0"},
            {"forecast", "--blend", "--folds", "0"},
            {"forecast", "--blend", "--no-blend"},
        };
        String[] expect = {"not found", "unknown column 'nope'", "too few", "abc", "atlantis", "not an integer",
            "--window", "--target", "unknown option", "forecaster.json", "--dropout", "not both", "--level",
            "not both", "--windows", "--windows", "twice", "--fold-members",
            "--validation-only", "--weather-per-horizon", "need --autoregression", "--ar-mix must be in [0, 1]",
            "--ar-penalty must be a positive", "--autoregression needs rolling-origin folds", "--blend needs", "contradicts"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + " -> " + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().contains(expect[i]), "'" + expect[i] + "' not in: " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }
}
