package dev.lamina.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rescales each column to a feature range {@code [a, b]} (default {@code [0, 1]}), as
 * scikit-learn's {@code MinMaxScaler}:
 * <pre>
 *   scale[j]  = (b − a) / (max[j] − min[j])      (b − a when max[j] = min[j]: the range of a
 *                                                  constant column is taken as 1, as scikit-learn)
 *   y[i][j]   = a + (x[i][j] − min[j]) · scale[j]
 * </pre>
 * with {@code min}, {@code max} taken over the rows given to {@link #fit} (the training data
 * only; values outside the training range map outside {@code [a, b]}, they are not clipped).
 * A constant column's training value maps to {@code a}.
 */
public final class MinMaxScaler extends Scaler {
    private final double rangeMin;
    private final double rangeMax;
    private double[] dataMin;
    private double[] dataMax;

    /** Feature range [0, 1]. */
    public MinMaxScaler() {
        this(0.0, 1.0);
    }

    /** Feature range [min, max]; requires min &lt; max. */
    public MinMaxScaler(double min, double max) {
        if (!(min < max) || !Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("MinMaxScaler: feature range must be finite with min < max, got [" + min
                    + ", " + max + "]");
        }
        this.rangeMin = min;
        this.rangeMax = max;
    }

    @Override
    protected String className() {
        return "MinMaxScaler";
    }

    @Override
    public MinMaxScaler fit(double[][] rows) {
        int cols = checkFitInput(rows);
        double[] lo = new double[cols];
        double[] hi = new double[cols];
        for (int j = 0; j < cols; j++) {
            lo[j] = Double.POSITIVE_INFINITY;
            hi[j] = Double.NEGATIVE_INFINITY;
            for (double[] row : rows) {
                lo[j] = Math.min(lo[j], row[j]);
                hi[j] = Math.max(hi[j], row[j]);
            }
        }
        set(lo, hi);
        return this;
    }

    private void set(double[] lo, double[] hi) {
        int cols = lo.length;
        double[] s = new double[cols];
        double[] o = new double[cols];
        for (int j = 0; j < cols; j++) {
            double range = hi[j] - lo[j];
            s[j] = (rangeMax - rangeMin) / (range == 0.0 ? 1.0 : range);
            o[j] = rangeMin - lo[j] * s[j];
        }
        this.dataMin = lo;
        this.dataMax = hi;
        this.scale = s;
        this.offset = o;
    }

    /** Per-column minimum of the fit data (a copy). */
    public double[] dataMin() {
        requireFitted("dataMin");
        return dataMin.clone();
    }

    /** Per-column maximum of the fit data (a copy). */
    public double[] dataMax() {
        requireFitted("dataMax");
        return dataMax.clone();
    }

    /** The feature range {a, b}. */
    public double[] featureRange() {
        return new double[] {rangeMin, rangeMax};
    }

    /**
     * {@code {"class": "MinMaxScaler", "feature_range": [a, b], "data_min": [...],
     * "data_max": [...]}}; JSON-writable with {@link dev.lamina.util.Json}.
     */
    @Override
    public Map<String, Object> toConfig() {
        requireFitted("toConfig");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class", className());
        m.put("feature_range", List.of(rangeMin, rangeMax));
        m.put("data_min", toList(dataMin));
        m.put("data_max", toList(dataMax));
        return m;
    }

    /** Rebuilds a fitted scaler from {@link #toConfig()} (or its JSON round trip). */
    public static MinMaxScaler fromConfig(Map<String, ?> config) {
        checkClass(config, "MinMaxScaler");
        double[] range = numbers(config, "feature_range", "MinMaxScaler");
        if (range.length != 2) {
            throw new IllegalArgumentException("MinMaxScaler.fromConfig: 'feature_range' needs 2 numbers, got " + range.length);
        }
        double[] lo = numbers(config, "data_min", "MinMaxScaler");
        double[] hi = numbers(config, "data_max", "MinMaxScaler");
        if (lo.length != hi.length || lo.length == 0) {
            throw new IllegalArgumentException("MinMaxScaler.fromConfig: 'data_min' has " + lo.length + " values, 'data_max' "
                    + hi.length);
        }
        for (int j = 0; j < lo.length; j++) {
            if (!(lo[j] <= hi[j])) {
                throw new IllegalArgumentException("MinMaxScaler.fromConfig: column " + j + " has data_min " + lo[j]
                        + " > data_max " + hi[j]);
            }
        }
        MinMaxScaler s = new MinMaxScaler(range[0], range[1]);
        s.set(lo, hi);
        return s;
    }

    static List<Double> toList(double[] a) {
        Double[] boxed = new Double[a.length];
        for (int i = 0; i < a.length; i++) {
            boxed[i] = a[i];
        }
        return List.of(boxed);
    }
}
