package dev.lamina.forecast;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.models.History;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code lamina forecast} prints and writes: the report, metrics.json, forecasts.csv, validation.json. */
final class ForecastOutputs {
    private ForecastOutputs() {
    }

    /** Prints the test scores by horizon beside the baselines, the seasonal targets and the timing. */
    static void printReport(PrintStream out, ForecastSettings s, Forecaster.Evaluation e, List<SeasonalTargets.Season> seasons,
            double seconds) {
        Forecaster.Training t = e.training();
        out.println();
        out.printf(Locale.ROOT, "test weeks: %d (%s), ensemble of %d, forecasts 1-%d week(s) ahead%n",
                e.horizons().get(0).actual().length, s.sourceName(), s.ensemble, s.horizon);
        out.printf(Locale.ROOT, "%-3s %-16s %10s %10s %8s %9s %9s %7s %7s%n", "h", "model", "MAE", "RMSE", "R2", "MAPE %", "WIS",
                "cov50", "cov95");
        for (Forecaster.HorizonForecasts h : e.horizons()) {
            for (Map.Entry<String, Map<String, Double>> m : h.scores().entrySet()) {
                Map<String, Double> v = m.getValue();
                out.printf(Locale.ROOT, "%-3d %-16s %10.2f %10.2f %8.3f %9.1f %9s %7s %7s%n", h.horizon(), m.getKey(), v.get("mae"),
                        v.get("rmse"), v.get("r2"), v.get("mape"), fmt(v.get("wis"), "%.2f"), fmt(v.get("coverage_50"), "%.3f"),
                        fmt(v.get("coverage_95"), "%.3f"));
            }
        }
        printRatios(out, e);
        if (!seasons.isEmpty()) {
            out.println("seasonal targets (forecast from the h-week-ahead trajectory; actual / lstm / persistence):");
            out.printf(Locale.ROOT, "  %-10s %-3s %-20s %-28s %-32s%n", "season", "h", "peak week", "peak incidence", "season total");
            for (SeasonalTargets.Season z : seasons) {
                if (z.horizon() != 1 && z.horizon() != s.horizon) {
                    continue;
                }
                out.printf(Locale.ROOT, "  %-10s %-3d %-20s %-28s %-32s%n", z.name(), z.horizon(),
                        String.format(Locale.ROOT, "%d / %d / %d", z.actual().peakWeek(), z.forecast().peakWeek(),
                                z.persistence().peakWeek()),
                        String.format(Locale.ROOT, "%.0f / %.0f / %.0f", z.actual().peak(), z.forecast().peak(),
                                z.persistence().peak()),
                        String.format(Locale.ROOT, "%.0f / %.0f / %.0f", z.actual().total(), z.forecast().total(),
                                z.persistence().total()));
            }
        }
        out.printf(Locale.ROOT, "fit: %.1f s for %d member(s) (%s epochs, %d steps, %.0f steps/s) on the %s backend%s; total %.1f s%n",
                t.fitSeconds(), s.ensemble, epochs(t), t.trainSteps(), t.trainSteps() / t.fitSeconds(), Backends.current().name(),
                Backends.current() == Backends.cpu() ? " (" + CpuBackend.threads() + " thread(s))" : "", seconds);
    }

    /** One line per horizon: MAE and WIS of the forecaster relative to persistence. */
    private static void printRatios(PrintStream out, Forecaster.Evaluation e) {
        StringBuilder b = new StringBuilder("relative to persistence (lower is better):");
        for (Forecaster.HorizonForecasts h : e.horizons()) {
            Map<String, Map<String, Double>> sc = h.scores();
            double mae = sc.get("lstm").get("mae") / sc.get("persistence").get("mae");
            b.append(String.format(Locale.ROOT, "  h%d MAE %.2f", h.horizon(), mae));
            if (sc.get("lstm").containsKey("wis")) {
                b.append(String.format(Locale.ROOT, " WIS %.2f", sc.get("lstm").get("wis") / sc.get("persistence").get("wis")));
            }
        }
        out.println(b);
    }

    private static String epochs(Forecaster.Training t) {
        StringBuilder b = new StringBuilder();
        for (History h : t.histories()) {
            b.append(b.length() == 0 ? "" : "/").append(h.get("loss").size());
        }
        return b.toString();
    }

    private static String fmt(Double v, String f) {
        return v == null ? "-" : String.format(Locale.ROOT, f, v);
    }

    /** Prints the validation figures by horizon (for choosing settings). */
    static void printValidation(PrintStream out, Forecaster.Training t) {
        if (t.selection().containsKey("folds")) {
            Double w = t.selection().get("window");
            out.printf(Locale.ROOT, "validation (%d out-of-fold windows of %.0f rolling-origin folds; chosen %s%.0f epochs, blend"
                    + " weights in the rows):%n", t.validationWindows(), t.selection().get("folds"),
                    w == null ? "" : String.format(Locale.ROOT, "window %.0f, ", w), t.selection().get("epochs"));
        } else {
            out.printf(Locale.ROOT, "validation (%d windows at the end of the training weeks; best epochs %s):%n",
                    t.validationWindows(), java.util.Arrays.toString(t.bestEpochs()));
        }
        out.printf(Locale.ROOT, "%-3s %10s %16s %10s %16s %7s %7s %6s%n", "h", "MAE", "persistence MAE", "WIS*", "persistence WIS",
                "cov50*", "cov95*", "blend");
        for (Map.Entry<String, Map<String, Double>> m : t.validation().entrySet()) {
            Map<String, Double> v = m.getValue();
            out.printf(Locale.ROOT, "%-3s %10.2f %16.2f %10s %16.2f %7s %7s %6s%n", m.getKey().substring(1), v.get("mae"),
                    v.get("persistence_mae"), fmt(v.get("wis"), "%.2f"), v.get("persistence_wis"), fmt(v.get("coverage_50"), "%.3f"),
                    fmt(v.get("coverage_95"), "%.3f"), fmt(v.get("blend"), "%.2f"));
        }
        out.println("(* in-sample: the quantiles are calibrated on these weeks)");
        for (Map.Entry<String, Map<String, Double>> m : t.validation().entrySet()) {
            Map<String, Double> v = m.getValue();
            if (!v.containsKey("holdout_wis_constant")) {
                continue;
            }
            StringBuilder b = new StringBuilder("held-out calibration (fit on one half, scored on the other) h" + m.getKey().substring(1) + ":");
            for (String method : ResidualCalibration.METHODS) {
                b.append(String.format(Locale.ROOT, "  %s WIS %.2f cov95 %.3f", method, v.get("holdout_wis_" + method),
                        v.get("holdout_coverage_95_" + method)));
            }
            out.println(b);
        }
    }

    /** validation.json: settings and the validation figures (the test weeks untouched). */
    static void writeValidation(Path file, ForecastSettings s, Forecaster.Training t) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", s.sourceName());
        m.put("settings", s.toMap());
        m.put("members", members(s, t));
        m.put("validation_windows", t.validationWindows());
        m.put("validation", t.validation());
        m.put("selection", t.selection());
        writeJson(file, m);
    }

    private static List<Object> members(ForecastSettings s, Forecaster.Training t) {
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < t.histories().size(); k++) {
            History h = t.histories().get(k);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("seed", Members.memberSeed(s.seed, k));
            r.put("epochs", h.get("loss").size());
            r.put("best_epoch", t.bestEpochs()[k]);
            List<Double> val = h.history().get("val_loss");
            if (val != null && t.bestEpochs()[k] >= 1 && t.bestEpochs()[k] <= val.size()) {
                r.put("best_val_loss", val.get(t.bestEpochs()[k] - 1));
            }
            r.put("loss", h.get("loss"));
            r.put("val_loss", val);
            out.add(r);
        }
        return out;
    }

    /** metrics.json: every figure (all horizons, validation, seasons) and the 1-week-ahead forecasts. */
    static void writeMetrics(Path file, ForecastSettings s, Forecaster.Evaluation e, List<SeasonalTargets.Season> seasons,
            double seconds) throws IOException {
        Forecaster.Training t = e.training();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", s.sourceName());
        m.put("settings", s.toMap());
        m.put("backend", Backends.current().name());
        m.put("train_weeks", t.trainEnd());
        m.put("test_weeks", e.horizons().get(0).actual().length);
        m.put("seconds", seconds);
        m.put("fit_seconds", t.fitSeconds());
        m.put("train_steps", t.trainSteps());
        m.put("steps_per_second", t.trainSteps() / t.fitSeconds());
        m.put("members", members(s, t));
        m.put("validation", t.validation());
        m.put("selection", t.selection());
        Map<String, Object> byH = new LinkedHashMap<>();
        for (Forecaster.HorizonForecasts h : e.horizons()) {
            byH.put("h" + h.horizon(), h.scores());
        }
        m.put("metrics", e.horizons().get(0).scores());
        m.put("horizons", byH);
        List<Object> ss = new ArrayList<>();
        for (SeasonalTargets.Season z : seasons) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("season", z.name());
            r.put("horizon", z.horizon());
            r.put("weeks", z.weeks());
            r.put("actual", target(z.actual(), null));
            r.put("lstm", target(z.forecast(), z.errors(z.forecast())));
            r.put("persistence", target(z.persistence(), z.errors(z.persistence())));
            ss.add(r);
        }
        m.put("seasons", ss);
        m.put("quantile_levels", levels());
        Forecaster.HorizonForecasts h1 = e.horizons().get(0);
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < h1.actual().length; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("week", h1.dates() == null ? (Object) h1.rows()[i] : h1.dates().get(i).toString());
            r.put("actual", h1.actual()[i]);
            r.put("forecast", h1.point()[i]);
            r.put("persistence", h1.persistence()[i]);
            r.put("seasonal_naive", h1.seasonal()[i]);
            rows.add(r);
        }
        m.put("forecasts", rows);
        writeJson(file, m);
    }

    private static Map<String, Object> target(SeasonalTargets.Target t, Map<String, Double> errors) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peak_week", t.peakWeek());
        m.put("peak_incidence", t.peak());
        m.put("total", t.total());
        if (errors != null) {
            m.putAll(errors);
        }
        return m;
    }

    private static List<Object> levels() {
        List<Object> l = new ArrayList<>();
        for (double v : QuantileScores.LEVELS) {
            l.add(v);
        }
        return l;
    }

    /**
     * forecasts.csv: one row per test week and horizon: week, horizon, origin week, actual, the
     * forecaster's point forecast, persistence, seasonal naive, then the forecaster's quantiles
     * q0.01 … q0.99 (empty without quantiles).
     */
    static void writeCsv(Path file, Forecaster.Evaluation e) throws IOException {
        StringBuilder b = new StringBuilder("week,horizon,origin_week,actual,forecast,persistence,seasonal_naive");
        for (double l : QuantileScores.LEVELS) {
            b.append(",q").append(level(l));
        }
        b.append('\n');
        for (Forecaster.HorizonForecasts h : e.horizons()) {
            for (int i = 0; i < h.actual().length; i++) {
                LocalDate d = h.dates() == null ? null : h.dates().get(i);
                b.append(d == null ? String.valueOf(h.rows()[i]) : d.toString()).append(',').append(h.horizon()).append(',')
                        .append(d == null ? String.valueOf(h.rows()[i] - h.horizon()) : d.minusWeeks(h.horizon()).toString());
                b.append(',').append(num(h.actual()[i])).append(',').append(num(h.point()[i])).append(',')
                        .append(num(h.persistence()[i])).append(',').append(num(h.seasonal()[i]));
                for (int k = 0; k < QuantileScores.LEVELS.length; k++) {
                    b.append(',').append(h.quantiles() == null ? "" : num(h.quantiles()[i][k]));
                }
                b.append('\n');
            }
        }
        writeText(file, b.toString());
    }

    /** The --predict CSV: week, forecast and the 23 quantiles. */
    static void writeAheadCsv(Path file, LocalDate last, double[] ahead, double[][] q) throws IOException {
        StringBuilder b = new StringBuilder("week,horizon,forecast");
        for (double l : QuantileScores.LEVELS) {
            b.append(",q").append(level(l));
        }
        b.append('\n');
        for (int k = 0; k < ahead.length; k++) {
            b.append(last == null ? "+" + (k + 1) : last.plusWeeks(k + 1).toString()).append(',').append(k + 1).append(',')
                    .append(num(ahead[k]));
            for (int i = 0; i < QuantileScores.LEVELS.length; i++) {
                b.append(',').append(q == null ? "" : num(q[k][i]));
            }
            b.append('\n');
        }
        writeText(file, b.toString());
    }

    private static String level(double l) {
        String s = String.format(Locale.ROOT, "%.3f", l);
        while (s.endsWith("0")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static void writeJson(Path file, Map<String, Object> m) throws IOException {
        writeText(file, Json.writePretty(finite(m)));
    }

    /** Non-finite doubles become null (JSON has no NaN). */
    private static Object finite(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? d : null;
        }
        if (v instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(e.getKey(), finite(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(finite(o));
            }
            return out;
        }
        return v;
    }

    /** Replaced atomically with the umask's permissions (stale temporaries of killed writes cleaned). */
    private static void writeText(Path file, String text) throws IOException {
        dev.lamina.io.AtomicFiles.writeFile(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
