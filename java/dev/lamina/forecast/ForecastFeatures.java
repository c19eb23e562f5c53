package dev.lamina.forecast;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The network's inputs, one row per week, built from a {@link SeriesData} with statistics fit on
 * the training weeks only (rows before {@code trainEnd}):
 * <ul>
 *   <li>column 0, the target: z = (g(y) − min)/(max − min) with g = ln(1 + y) (transform log1p) or
 *       the identity, min and max over the training weeks (a min-max scaler);</li>
 *   <li>with {@code seasonal}: sin(2π d/365.25) and cos(2π d/365.25) of the week's day of year d
 *       (needs dates);</li>
 *   <li>each extra column of the data (weather, or a CSV's features): precipitation-like columns
 *       (name containing "precipitation" or "rain") through ln(1 + x), then the trailing mean over
 *       the last {@code smoothing} weeks (the week itself and the weeks before it: no future value
 *       enters), then standardised with the training weeks' mean and standard deviation.</li>
 * </ul>
 * Every statistic is computed from rows before {@code trainEnd}, and every feature of row t
 * depends on rows ≤ t only, so the test weeks never shape the inputs of earlier weeks.
 */
public final class ForecastFeatures {
    private final String transform;
    private final boolean seasonal;
    private final int smoothing;
    private final List<String> extraColumns;
    private final double targetMin;
    private final double targetMax;
    private final double[] mean;
    private final double[] std;

    private ForecastFeatures(String transform, boolean seasonal, int smoothing, List<String> extraColumns, double targetMin,
            double targetMax, double[] mean, double[] std) {
        this.transform = transform;
        this.seasonal = seasonal;
        this.smoothing = smoothing;
        this.extraColumns = List.copyOf(extraColumns);
        this.targetMin = targetMin;
        this.targetMax = targetMax;
        this.mean = mean;
        this.std = std;
    }

    /** Fits the scaling on rows [0, trainEnd) of {@code data}. */
    public static ForecastFeatures fit(ForecastSettings s, SeriesData data, int trainEnd) {
        if (trainEnd < 2 || trainEnd > data.length()) {
            throw new IllegalArgumentException("ForecastFeatures.fit: trainEnd must be in [2, " + data.length() + "], got "
                    + trainEnd);
        }
        if (s.seasonal && data.dates() == null) {
            throw new IllegalArgumentException(data.source() + ": week-of-year features need dates (a column named *date*)");
        }
        List<String> extra = data.columns().subList(1, data.columns().size());
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double[] y = data.target();
        for (int i = 0; i < trainEnd; i++) {
            double g = transformTarget(s.transform, y[i], i);
            min = Math.min(min, g);
            max = Math.max(max, g);
        }
        double[] mean = new double[extra.size()];
        double[] std = new double[extra.size()];
        for (int c = 0; c < extra.size(); c++) {
            double[] v = smoothed(data, c + 1, extra.get(c), s.smoothing);
            double m = 0;
            for (int i = 0; i < trainEnd; i++) {
                m += v[i];
            }
            m /= trainEnd;
            double ss = 0;
            for (int i = 0; i < trainEnd; i++) {
                ss += (v[i] - m) * (v[i] - m);
            }
            mean[c] = m;
            double sd = Math.sqrt(ss / trainEnd);
            std[c] = sd > 0 ? sd : 1;
        }
        return new ForecastFeatures(s.transform, s.seasonal, s.smoothing, extra, min, max, mean, std);
    }

    /** Number of input columns. */
    public int width() {
        return 1 + (seasonal ? 2 : 0) + extraColumns.size();
    }

    /** Names of the input columns. */
    public List<String> names() {
        List<String> n = new ArrayList<>();
        n.add("target");
        if (seasonal) {
            n.add("week_of_year_sin");
            n.add("week_of_year_cos");
        }
        for (String c : extraColumns) {
            n.add(c + (smoothing > 1 ? "_mean" + smoothing + "w" : ""));
        }
        return n;
    }

    /** The feature matrix [rows][width()] of {@code data} (which must have this forecaster's columns). */
    public double[][] matrix(SeriesData data) {
        List<String> extra = data.columns().subList(1, data.columns().size());
        if (!extra.equals(extraColumns)) {
            throw new IllegalArgumentException(data.source() + ": columns " + extra + " differ from the forecaster's "
                    + extraColumns);
        }
        if (seasonal && data.dates() == null) {
            throw new IllegalArgumentException(data.source() + ": week-of-year features need dates");
        }
        int n = data.length();
        double[][] out = new double[n][width()];
        double[] y = data.target();
        for (int i = 0; i < n; i++) {
            out[i][0] = scaleTarget(transformTarget(transform, y[i], i));
            if (seasonal) {
                double a = 2 * Math.PI * (data.dates().get(i).getDayOfYear() - 1) / 365.25;
                out[i][1] = Math.sin(a);
                out[i][2] = Math.cos(a);
            }
        }
        int base = seasonal ? 3 : 1;
        for (int c = 0; c < extra.size(); c++) {
            double[] v = smoothed(data, c + 1, extra.get(c), smoothing);
            for (int i = 0; i < n; i++) {
                out[i][base + c] = (v[i] - mean[c]) / std[c];
            }
        }
        return out;
    }

    /** z = (g(y) − min)/(max − min). */
    double scaleTarget(double g) {
        double range = targetMax - targetMin;
        return range > 0 ? (g - targetMin) / range : g - targetMin;
    }

    /**
     * The units of a change of the scaled target in the transformed target g: Δg = Δz × this
     * (max − min over the fitted weeks, or 1 when they are all equal).
     */
    double targetScale() {
        double range = targetMax - targetMin;
        return range > 0 ? range : 1;
    }

    /** The inverse of the target's scaling and transform, clipped at 0 for log1p (counts). */
    public double toTarget(double z) {
        double range = targetMax - targetMin;
        double g = range > 0 ? z * range + targetMin : z + targetMin;
        return transform.equals("log1p") ? Math.max(0, Math.expm1(g)) : g;
    }

    static double transformTarget(String transform, double y, int row) {
        switch (transform) {
            case "none":
                return y;
            case "log1p":
                if (!(y > -1)) {
                    throw new IllegalArgumentException("--transform log1p needs target values above -1; row " + (row + 1)
                            + " has " + y);
                }
                return Math.log1p(y);
            default:
                throw new IllegalArgumentException("unknown transform '" + transform + "' (expected none or log1p)");
        }
    }

    /** Column c of data, ln(1 + x) when it is precipitation-like, then the trailing mean over {@code w} weeks. */
    private static double[] smoothed(SeriesData data, int c, String name, int w) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean log = lower.contains("precipitation") || lower.contains("rain");
        int n = data.length();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double x = data.rows()[i][c];
            v[i] = log && x > -1 ? Math.log1p(x) : x;
        }
        if (w <= 1) {
            return v;
        }
        double[] out = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += v[i];
            if (i >= w) {
                sum -= v[i - w];
            }
            out[i] = sum / Math.min(i + 1, w);
        }
        return out;
    }

    /** The JSON-compatible form saved beside the models. */
    public Map<String, Object> toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transform", transform);
        m.put("seasonal", seasonal);
        m.put("smoothing", smoothing);
        m.put("extra_columns", new ArrayList<>(extraColumns));
        m.put("target_min", targetMin);
        m.put("target_max", targetMax);
        m.put("mean", toList(mean));
        m.put("std", toList(std));
        return m;
    }

    /** Reads {@link #toConfig}'s form; a missing or mistyped key is an IllegalArgumentException naming it. */
    public static ForecastFeatures fromConfig(Map<String, Object> m) {
        List<String> extra = new ArrayList<>();
        for (Object o : list(m, "extra_columns")) {
            extra.add(String.valueOf(o));
        }
        double[] mean = doubles(list(m, "mean"));
        double[] std = doubles(list(m, "std"));
        if (mean.length != extra.size() || std.length != extra.size()) {
            throw new IllegalArgumentException("forecaster features: " + extra.size() + " extra columns but " + mean.length
                    + " means and " + std.length + " standard deviations");
        }
        Object transform = m.get("transform");
        if (!"log1p".equals(transform) && !"none".equals(transform)) {
            throw new IllegalArgumentException("forecaster features: transform must be log1p or none, got " + transform);
        }
        return new ForecastFeatures((String) transform, Boolean.TRUE.equals(m.get("seasonal")), number(m, "smoothing").intValue(),
                extra, number(m, "target_min").doubleValue(), number(m, "target_max").doubleValue(), mean, std);
    }

    private static List<?> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException("forecaster features: '" + key + "' must be a list, got " + v);
        }
        return l;
    }

    private static Number number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("forecaster features: '" + key + "' must be a number, got " + v);
        }
        return n;
    }

    private static double[] doubles(List<?> l) {
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            if (!(l.get(i) instanceof Number n)) {
                throw new IllegalArgumentException("forecaster features: not a number: " + l.get(i));
            }
            d[i] = n.doubleValue();
        }
        return d;
    }

    /** The values of {@code a} as a list (for the JSON form of the forecaster's parts). */
    static List<Double> toList(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double d : a) {
            l.add(d);
        }
        return l;
    }
}
