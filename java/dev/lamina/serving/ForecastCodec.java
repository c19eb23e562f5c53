package dev.lamina.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code :forecast} request and response of a saved forecaster. Request:
 *
 * <pre>{@code
 * {"counts": [12, 15, 9, ...],          // the recent weekly values of the target, oldest first (at least the window)
 *  "horizon": 4,                         // weeks to forecast (1 to the forecaster's horizon, default 1)
 *  "last_week": "2008-04-22",            // optional: the date of the last count, so the answer carries dates
 *  "weather": {"mean_temperature": [...], "total_precipitation": [...]}}   // only for a model trained --weather
 * }</pre>
 *
 * A model trained on a CSV with extra feature columns takes them as {@code "features": {"COLUMN": [...]}};
 * every extra column is as long as {@code counts}. The forecaster forecasts the next 1 to H weeks
 * directly with {@link Forecaster#forecastAhead} (H: its {@code --horizon}, 4 by default; its
 * ensemble's mean, one output per horizon); a larger {@code "horizon"}, or input the forecaster
 * refuses, is a 400 carrying the reason.
 * Response: {@code {"model_version": "2", "target": "total_cases", "forecasts": [{"step": 1,
 * "week": "2008-04-29", "value": 14.2}, ...]}} ({@code "week"} only when {@code last_week} was given).
 */
final class ForecastCodec {
    /** Most weeks one request may ask for. */
    static final int MAX_HORIZON = 520;

    private ForecastCodec() {
    }

    /** A parsed forecast request. */
    record Request(SeriesData data, int horizon, LocalDate lastWeek) {
    }

    /** The extra input columns (after the target) the forecaster was trained on. */
    static List<String> featureColumns(ForecastSettings s) {
        List<String> cols = new ArrayList<>();
        if (s.weather) {
            cols.add("mean_temperature");
            cols.add("total_precipitation");
        } else if (s.csv != null) {
            cols.addAll(s.features);
        }
        return cols;
    }

    static Request parse(JsonNode root, ForecastSettings s) {
        if (root == null || !root.isObject()) {
            throw ServingException.badRequest("the request body must be a JSON object with \"counts\"");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("counts", "horizon", "last_week", "weather", "features").contains(f)) {
                throw ServingException.badRequest("unknown field \"" + f + "\" (a forecast request has \"counts\", \"horizon\", "
                        + "\"last_week\", \"weather\" or \"features\")");
            }
        }
        double[] counts = numbers(root.get("counts"), "counts");
        if (counts.length < s.window) {
            throw ServingException.badRequest("\"counts\" has " + counts.length + " value(s); this forecaster needs at least its window of "
                    + s.window + " weeks");
        }
        int horizon = 1;
        JsonNode h = root.get("horizon");
        if (h != null) {
            int most = Math.min(MAX_HORIZON, s.horizon);
            if (!h.isIntegralNumber() || h.asLong() < 1 || h.asLong() > most) {
                throw ServingException.badRequest("\"horizon\" must be an integer from 1 to " + most + " (this forecaster"
                        + " forecasts 1 to " + s.horizon + " weeks ahead; train it with --horizon N for more), got "
                        + PredictCodec.describe(h));
            }
            horizon = h.asInt();
        }
        LocalDate lastWeek = null;
        JsonNode lw = root.get("last_week");
        if (lw != null) {
            if (!lw.isTextual()) {
                throw ServingException.badRequest("\"last_week\" must be a date string YYYY-MM-DD, got " + PredictCodec.describe(lw));
            }
            try {
                lastWeek = LocalDate.parse(lw.textValue());
            } catch (DateTimeParseException e) {
                throw ServingException.badRequest("\"last_week\" is not a date YYYY-MM-DD: \"" + lw.textValue() + "\"");
            }
        }
        List<String> cols = featureColumns(s);
        String group = s.weather ? "weather" : "features";
        JsonNode given = root.get(group);
        JsonNode other = root.get(s.weather ? "features" : "weather");
        if (other != null) {
            throw ServingException.badRequest("this forecaster was trained " + (cols.isEmpty() ? "on " + s.target + " alone" : "with "
                    + group + " " + cols) + "; it takes no \"" + (s.weather ? "features" : "weather") + "\"");
        }
        double[][] extra = new double[cols.size()][];
        if (cols.isEmpty()) {
            if (given != null) {
                throw ServingException.badRequest("this forecaster was trained on " + s.target + " alone; it takes no \"" + group + "\"");
            }
        } else {
            if (given == null || !given.isObject()) {
                throw ServingException.badRequest("this forecaster was trained with " + group + " " + cols + ": give \"" + group
                        + "\": {" + String.join(", ", cols.stream().map(c -> "\"" + c + "\": [...]").toList()) + "}");
            }
            for (Iterator<String> it = given.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!cols.contains(k)) {
                    throw ServingException.badRequest("unknown " + group + " column \"" + k + "\" (this forecaster takes " + cols + ")");
                }
            }
            for (int c = 0; c < cols.size(); c++) {
                extra[c] = numbers(given.get(cols.get(c)), group + "." + cols.get(c));
                if (extra[c].length != counts.length) {
                    throw ServingException.badRequest("\"" + group + "." + cols.get(c) + "\" has " + extra[c].length
                            + " values but \"counts\" has " + counts.length + "; give one per week");
                }
            }
        }
        double[][] rows = new double[counts.length][1 + extra.length];
        for (int i = 0; i < counts.length; i++) {
            rows[i][0] = counts[i];
            for (int c = 0; c < extra.length; c++) {
                rows[i][1 + c] = extra[c][i];
            }
        }
        List<String> names = new ArrayList<>();
        names.add(s.target);
        names.addAll(cols);
        List<LocalDate> dates = null;
        if (lastWeek != null) {
            dates = new ArrayList<>();
            for (int i = 0; i < counts.length; i++) {
                dates.add(lastWeek.minusWeeks(counts.length - 1 - i));
            }
        }
        return new Request(new SeriesData(rows, names, dates, "request"), horizon, lastWeek);
    }

    private static double[] numbers(JsonNode v, String what) {
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw ServingException.badRequest("\"" + what + "\" must be a non-empty list of numbers, got " + PredictCodec.describe(v));
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isNumber()) {
                throw ServingException.badRequest("wrong type at " + what + "[" + i + "]: expected a number, got " + PredictCodec.describe(x));
            }
            out[i] = x.doubleValue();
            if (!Double.isFinite(out[i])) {
                throw ServingException.badRequest("non-finite number at " + what + "[" + i + "]: " + x.asText());
            }
        }
        return out;
    }

    /** The response body as a map for Jackson. */
    static Map<String, Object> response(long version, ForecastSettings s, Request r, double[] values) {
        List<Object> rows = new ArrayList<>();
        for (int k = 0; k < values.length; k++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", k + 1);
            if (r.lastWeek() != null) {
                m.put("week", r.lastWeek().plusWeeks(k + 1).toString());
            }
            m.put("value", values[k]);
            rows.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_version", Long.toString(version));
        out.put("target", s.target);
        out.put("forecasts", rows);
        return out;
    }
}
