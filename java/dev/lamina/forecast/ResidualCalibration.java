package dev.lamina.forecast;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a point forecast ẑ (scaled log target) into quantiles from the ensemble's residuals
 * r = z − ẑ on the validation windows, one calibration per horizon.
 * <ul>
 *   <li>{@code constant}: the τ-quantile is ẑ + Q_τ(r), the same spread at every level;</li>
 *   <li>{@code scaled}: residuals are first divided by a level-dependent scale
 *       σ(μ) = √(a/(1 + μ) + b), μ the forecast in cases — the log of a count is noisier at low
 *       counts (a Poisson count's ln(1 + Y) has variance ≈ 1/(1 + μ)), plus a constant b for the
 *       extra-Poisson part. a, b ≥ 0 are fit by least squares of r² on [1/(1 + μ), 1]; the
 *       τ-quantile is ẑ + σ(μ) Q_τ(r/σ).</li>
 * </ul>
 * Q_τ are empirical quantiles at increasing levels and σ &gt; 0, so the quantiles never cross.
 */
public final class ResidualCalibration {
    private final String method;
    private final double[] a;
    private final double[] b;
    private final double[][] q;

    private ResidualCalibration(String method, double[] a, double[] b, double[][] q) {
        this.method = method;
        this.a = a;
        this.b = b;
        this.q = q;
    }

    /** The methods: constant and scaled. */
    public static final List<String> METHODS = List.of("constant", "scaled");

    /**
     * Fits a calibration: {@code r[h][i]} residuals and {@code mu[h][i]} forecast levels (cases) of
     * validation window i at horizon h + 1.
     */
    public static ResidualCalibration fit(String method, double[][] r, double[][] mu, double[] levels) {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("calibration must be one of " + METHODS + ", got '" + method + "'");
        }
        int hs = r.length;
        double[] a = new double[hs];
        double[] b = new double[hs];
        double[][] q = new double[hs][];
        for (int h = 0; h < hs; h++) {
            if (method.equals("scaled")) {
                double[] ab = fitScale(r[h], mu[h]);
                a[h] = ab[0];
                b[h] = ab[1];
            } else {
                b[h] = 1;
            }
            double[] e = new double[r[h].length];
            for (int i = 0; i < e.length; i++) {
                e[i] = r[h][i] / sigma(a[h], b[h], mu[h][i]);
            }
            q[h] = QuantileScores.empiricalQuantiles(e, levels);
        }
        return new ResidualCalibration(method, a, b, q);
    }

    /** a, b ≥ 0 minimising Σ (r² − a v − b)², v = 1/(1 + μ). */
    static double[] fitScale(double[] r, double[] mu) {
        int n = r.length;
        double sv = 0;
        double svv = 0;
        double sy = 0;
        double svy = 0;
        for (int i = 0; i < n; i++) {
            double v = 1 / (1 + Math.max(0, mu[i]));
            double y = r[i] * r[i];
            sv += v;
            svv += v * v;
            sy += y;
            svy += v * y;
        }
        double det = n * svv - sv * sv;
        double a = det > 0 ? (n * svy - sv * sy) / det : 0;
        double b = (sy - a * sv) / n;
        if (a < 0) {
            a = 0;
            b = sy / n;
        } else if (b < 0) {
            b = 0;
            a = svv > 0 ? svy / svv : 0;
        }
        if (!(a + b > 0)) {
            b = 1e-12; // every residual 0: a degenerate but valid scale
        }
        return new double[] {a, b};
    }

    private static double sigma(double a, double b, double mu) {
        return Math.sqrt(a / (1 + Math.max(0, mu)) + b);
    }

    /** The residual quantiles at horizon h (1-based) for a forecast of {@code mu} cases, in scaled units. */
    public double[] offsets(int h, double mu) {
        double s = sigma(a[h - 1], b[h - 1], mu);
        double[] out = new double[q[h - 1].length];
        for (int k = 0; k < out.length; k++) {
            out[k] = s * q[h - 1][k];
        }
        return out;
    }

    public String method() {
        return method;
    }

    /** Number of horizons. */
    public int horizons() {
        return q.length;
    }

    public Map<String, Object> toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("a", list(a));
        m.put("b", list(b));
        List<Object> rows = new ArrayList<>();
        for (double[] row : q) {
            rows.add(list(row));
        }
        m.put("quantiles", rows);
        return m;
    }

    /** Reads {@link #toConfig}'s form for {@code horizons} horizons and {@code levels} levels. */
    public static ResidualCalibration fromConfig(Map<String, Object> m, int horizons, int levels) {
        Object method = m.get("method");
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("forecaster calibration: method must be one of " + METHODS + ", got " + method);
        }
        double[] a = doubles(m.get("a"), horizons, "a");
        double[] b = doubles(m.get("b"), horizons, "b");
        if (!(m.get("quantiles") instanceof List<?> rows) || rows.size() != horizons) {
            throw new IllegalArgumentException("forecaster calibration: 'quantiles' must hold " + horizons + " rows");
        }
        double[][] q = new double[horizons][];
        for (int h = 0; h < horizons; h++) {
            q[h] = doubles(rows.get(h), levels, "quantiles[" + h + "]");
        }
        return new ResidualCalibration((String) method, a, b, q);
    }

    private static double[] doubles(Object o, int n, String key) {
        if (!(o instanceof List<?> l) || l.size() != n) {
            throw new IllegalArgumentException("forecaster calibration: '" + key + "' must be a list of " + n + " numbers, got "
                    + o);
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            if (!(l.get(i) instanceof Number x) || !Double.isFinite(x.doubleValue())) {
                throw new IllegalArgumentException("forecaster calibration: '" + key + "' holds a non-number " + l.get(i));
            }
            d[i] = x.doubleValue();
        }
        return d;
    }

    private static List<Object> list(double[] a) {
        List<Object> l = new ArrayList<>();
        for (double v : a) {
            l.add(v);
        }
        return l;
    }
}
