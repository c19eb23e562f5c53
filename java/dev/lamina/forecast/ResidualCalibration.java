package dev.lamina.forecast;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

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
 *   <li>{@code growth}: as {@code scaled} with a third term for the epidemic's recent motion,
 *       σ(μ, d) = √(a/(1 + μ) + b + c d²), d the change of the scaled target over the week before
 *       the forecast's origin (z[t] − z[t − 1]): forecasts issued while cases rise or fall fast miss
 *       by more. a, b, c ≥ 0 are the non-negative least squares fit of r² on [1/(1 + μ), 1, d²].</li>
 *   <li>{@code binned}: the residuals split into {@value #BINS} bins of the forecast level μ at its
 *       terciles (type-7 quantiles 1/3 and 2/3 of the validation μ), and the τ-quantile is
 *       ẑ + Q_τ(r of μ's bin): the whole residual distribution, not only its width, may change
 *       with the level.</li>
 * </ul>
 * Q_τ are empirical quantiles at increasing levels and σ &gt; 0, so the quantiles never cross.
 */
public final class ResidualCalibration {
    private final String method;
    private final double[] a;
    private final double[] b;
    private final double[] c;
    /** binned: per horizon the BINS − 1 level edges (cases); empty for the other methods. */
    private final double[][] edges;
    /** per horizon the standardised residual quantiles; binned: BINS rows of them, concatenated */
    private final double[][] q;

    /** The level bins of the {@code binned} method. */
    static final int BINS = 3;

    private ResidualCalibration(String method, double[] a, double[] b, double[] c, double[][] edges, double[][] q) {
        this.method = method;
        this.a = a;
        this.b = b;
        this.c = c;
        this.edges = edges;
        this.q = q;
    }

    /** The methods: constant, scaled, growth and binned. */
    public static final List<String> METHODS = List.of("constant", "scaled", "growth", "binned");

    /**
     * Fits a calibration: {@code r[h][i]} residuals and {@code mu[h][i]} forecast levels (cases) of
     * validation window i at horizon h + 1 (not for {@code growth}, which needs the recent changes).
     */
    public static ResidualCalibration fit(String method, double[][] r, double[][] mu, double[] levels) {
        return fit(method, r, mu, null, levels);
    }

    /**
     * As {@link #fit(String, double[][], double[][], double[])} with {@code d[i]}, the recent change
     * z[t] − z[t − 1] of the scaled target at validation window i's origin t ({@link #recentChange});
     * only {@code growth} reads it (null allowed for the others).
     */
    public static ResidualCalibration fit(String method, double[][] r, double[][] mu, double[] d, double[] levels) {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("calibration must be one of " + METHODS + ", got '" + method + "'");
        }
        boolean growth = method.equals("growth");
        if (growth && (d == null || r.length > 0 && d.length != r[0].length)) {
            throw new IllegalArgumentException("calibration growth needs one recent change per validation window, got "
                    + (d == null ? "none" : d.length + " for " + r[0].length));
        }
        int hs = r.length;
        double[] a = new double[hs];
        double[] b = new double[hs];
        double[] c = new double[hs];
        double[][] edges = new double[hs][0];
        double[][] q = new double[hs][];
        for (int h = 0; h < hs; h++) {
            if (method.equals("binned")) {
                b[h] = 1;
                edges[h] = QuantileScores.empiricalQuantiles(mu[h], binLevels());
                List<List<Double>> bins = new ArrayList<>();
                for (int k = 0; k < BINS; k++) {
                    bins.add(new ArrayList<>());
                }
                for (int i = 0; i < r[h].length; i++) {
                    bins.get(bin(edges[h], mu[h][i])).add(r[h][i]);
                }
                q[h] = new double[BINS * levels.length];
                for (int k = 0; k < BINS; k++) {
                    // an empty bin (ties at an edge) takes every residual's quantiles
                    double[] rk = bins.get(k).isEmpty() ? r[h] : bins.get(k).stream().mapToDouble(Double::doubleValue).toArray();
                    System.arraycopy(QuantileScores.empiricalQuantiles(rk, levels), 0, q[h], k * levels.length, levels.length);
                }
                continue;
            }
            if (method.equals("scaled")) {
                double[] ab = fitScale(r[h], mu[h]);
                a[h] = ab[0];
                b[h] = ab[1];
            } else if (growth) {
                double[] abc = fitGrowthScale(r[h], mu[h], d);
                a[h] = abc[0];
                b[h] = abc[1];
                c[h] = abc[2];
            } else {
                b[h] = 1;
            }
            double[] e = new double[r[h].length];
            for (int i = 0; i < e.length; i++) {
                e[i] = r[h][i] / sigma(a[h], b[h], c[h], mu[h][i], growth ? d[i] : 0);
            }
            q[h] = QuantileScores.empiricalQuantiles(e, levels);
        }
        return new ResidualCalibration(method, a, b, c, edges, q);
    }

    private static double[] binLevels() {
        double[] l = new double[BINS - 1];
        for (int k = 1; k < BINS; k++) {
            l[k - 1] = (double) k / BINS;
        }
        return l;
    }

    /** The bin of level mu: the number of edges at or below it. */
    private static int bin(double[] edges, double mu) {
        int k = 0;
        while (k < edges.length && mu >= edges[k]) {
            k++;
        }
        return k;
    }

    /** The change z[t] − z[t − 1] of the scaled target (column 0) into origin t; 0 at t = 0. */
    public static double recentChange(double[][] z, int t) {
        return t < 1 ? 0 : z[t][0] - z[t - 1][0];
    }

    /**
     * a, b, c ≥ 0 minimising Σ (r² − a v − b − c d²)², v = 1/(1 + μ): the exact non-negative least
     * squares solution, the best of the unconstrained fits on every subset of the three terms whose
     * coefficients are all ≥ 0 (the empty subset, all 0, is always feasible).
     */
    static double[] fitGrowthScale(double[] r, double[] mu, double[] d) {
        int n = r.length;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {1 / (1 + Math.max(0, mu[i])), 1, d[i] * d[i]};
            y[i] = r[i] * r[i];
        }
        double[] best = new double[3];
        double bestSse = sse(x, y, best);
        for (int mask = 1; mask < 8; mask++) {
            double[] coef = leastSquares(x, y, mask);
            if (coef == null) {
                continue;
            }
            double err = sse(x, y, coef);
            if (err < bestSse) {
                bestSse = err;
                best = coef;
            }
        }
        if (!(best[0] + best[1] + best[2] > 0)) {
            best = new double[] {0, 1e-12, 0}; // every residual 0: a degenerate but valid scale
        }
        return best;
    }

    /**
     * The least squares coefficients on the columns in {@code mask} (others 0), or null if the
     * columns are (numerically) dependent or any coefficient is negative. Solved by a Householder QR
     * decomposition of the design's selected columns, not the normal equations, whose condition
     * number is the square of the design's. A column counts as dependent when its |R_jj| is at most
     * 1e-6 ‖X_S‖_F, the old elimination's test (pivot ≤ 1e-12 trace(X_SᵀX_S)) taken to R.
     */
    private static double[] leastSquares(double[][] x, double[] y, int mask) {
        int[] cols = java.util.stream.IntStream.range(0, 3).filter(j -> (mask >> j & 1) == 1).toArray();
        int k = cols.length;
        int n = x.length;
        if (n < k) {
            return null; // fewer windows than terms: no unique fit
        }
        double[][] xs = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                xs[i][p] = x[i][cols[p]];
            }
        }
        RealMatrix design = new Array2DRowRealMatrix(xs, false);
        DecompositionSolver solver = new QRDecomposition(design, 1e-6 * design.getFrobeniusNorm()).getSolver();
        if (!solver.isNonSingular()) {
            return null;
        }
        RealVector sol = solver.solve(new ArrayRealVector(y, false));
        double[] coef = new double[3];
        for (int p = 0; p < k; p++) {
            double v = sol.getEntry(p);
            if (!(v >= 0)) {
                return null;
            }
            coef[cols[p]] = v;
        }
        return coef;
    }

    private static double sse(double[][] x, double[] y, double[] coef) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            double e = y[i] - coef[0] * x[i][0] - coef[1] * x[i][1] - coef[2] * x[i][2];
            s += e * e;
        }
        return s;
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

    private static double sigma(double a, double b, double c, double mu, double d) {
        return Math.sqrt(a / (1 + Math.max(0, mu)) + b + c * d * d);
    }

    /** The residual quantiles at horizon h (1-based) for a forecast of {@code mu} cases, in scaled units (recent change 0). */
    public double[] offsets(int h, double mu) {
        return offsets(h, mu, 0);
    }

    /**
     * The residual quantiles at horizon h (1-based) for a forecast of {@code mu} cases issued at an
     * origin whose recent change ({@link #recentChange}) is {@code d}, in scaled units.
     */
    public double[] offsets(int h, double mu, double d) {
        if (edges[h - 1].length > 0) {
            int levels = q[h - 1].length / BINS;
            int k = bin(edges[h - 1], mu);
            return java.util.Arrays.copyOfRange(q[h - 1], k * levels, (k + 1) * levels);
        }
        double s = sigma(a[h - 1], b[h - 1], c[h - 1], mu, d);
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
        m.put("a", ForecastFeatures.toList(a));
        m.put("b", ForecastFeatures.toList(b));
        if (method.equals("growth")) {
            m.put("c", ForecastFeatures.toList(c)); // the other methods' files keep their earlier form
        }
        if (method.equals("binned")) {
            List<Object> e = new ArrayList<>();
            for (double[] row : edges) {
                e.add(ForecastFeatures.toList(row));
            }
            m.put("edges", e);
        }
        List<Object> rows = new ArrayList<>();
        for (double[] row : q) {
            rows.add(ForecastFeatures.toList(row));
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
        // c came with the growth method: absent, every c is 0
        double[] c = m.containsKey("c") ? doubles(m.get("c"), horizons, "c") : new double[horizons];
        if (!(m.get("quantiles") instanceof List<?> rows) || rows.size() != horizons) {
            throw new IllegalArgumentException("forecaster calibration: 'quantiles' must hold " + horizons + " rows");
        }
        boolean binned = "binned".equals(method);
        double[][] edges = new double[horizons][0];
        if (binned) {
            if (!(m.get("edges") instanceof List<?> er) || er.size() != horizons) {
                throw new IllegalArgumentException("forecaster calibration: 'edges' must hold " + horizons + " rows");
            }
            for (int h = 0; h < horizons; h++) {
                edges[h] = doubles(er.get(h), BINS - 1, "edges[" + h + "]");
                for (int k = 1; k < edges[h].length; k++) {
                    if (edges[h][k] < edges[h][k - 1]) {
                        throw new IllegalArgumentException("forecaster calibration: 'edges[" + h + "]' must not decrease");
                    }
                }
            }
        }
        double[][] q = new double[horizons][];
        for (int h = 0; h < horizons; h++) {
            q[h] = doubles(rows.get(h), binned ? BINS * levels : levels, "quantiles[" + h + "]");
        }
        return new ResidualCalibration((String) method, a, b, c, edges, q);
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
}
