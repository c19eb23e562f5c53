package dev.lamina.forecast;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;

/**
 * A linear autoregression per horizon, the forecaster's second forecast beside the networks
 * ({@link ForecastSettings#autoregression}): the change of the scaled target z[t+h] − z[t] is
 * regressed on the window's scaled values z[t−w+1], …, z[t] and an intercept, by ridge regression
 * in closed form, β = (XcᵀXc + λ·n·I)⁻¹ Xcᵀyc on the centred inputs Xc and targets yc of n
 * windows (the intercept is not penalised). Each horizon has its own penalty λ_h and its own
 * weight b_h in the combined forecast z[t] + a_h·(network change) + b_h·(autoregression change).
 */
final class Autoregression {
    /** The ridge penalties the folds compare (per window: the penalty matrix is λ·n·I). */
    static final double[] PENALTIES = {1e-4, 1e-3, 1e-2, 1e-1, 1};

    private final int window;
    /** Per horizon, the window's coefficients (oldest week first) and the intercept last. */
    private final double[][] coefficients;
    private final double[] penalty;
    private final double[] weight;

    Autoregression(int window, double[][] coefficients, double[] penalty, double[] weight) {
        if (window < 1 || coefficients.length == 0 || penalty.length != coefficients.length
                || weight.length != coefficients.length) {
            throw new IllegalArgumentException("autoregression: window " + window + ", " + coefficients.length
                    + " horizons of coefficients, " + penalty.length + " penalties and " + weight.length + " weights");
        }
        for (double[] c : coefficients) {
            if (c.length != window + 1) {
                throw new IllegalArgumentException("autoregression: " + c.length + " coefficients for a " + window
                        + "-week window (expected " + (window + 1) + ", the intercept last)");
            }
            for (double v : c) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("autoregression: coefficients must be finite");
                }
            }
        }
        for (int j = 0; j < penalty.length; j++) {
            if (!(penalty[j] > 0) || !Double.isFinite(penalty[j]) || !Double.isFinite(weight[j])) {
                throw new IllegalArgumentException("autoregression: horizon " + (j + 1) + " needs a positive finite penalty and"
                        + " a finite weight, got " + penalty[j] + " and " + weight[j]);
            }
        }
        this.window = window;
        this.coefficients = new double[coefficients.length][];
        for (int j = 0; j < coefficients.length; j++) {
            this.coefficients[j] = coefficients[j].clone();
        }
        this.penalty = penalty.clone();
        this.weight = weight.clone();
    }

    /**
     * Fits horizon j + 1's coefficients on the windows at {@code origins} of the scaled target z[·][0].
     *
     * @param z the scaled feature rows (column 0 the target)
     * @param origins the windows' last rows t (t − w + 1 ≥ 0, t + j + 1 a row of z)
     * @param w the window length
     * @param j the horizon minus 1
     * @param lambda the penalty per window, &gt; 0
     * @return the w coefficients (oldest week first) and the intercept
     */
    static double[] fitHorizon(double[][] z, int[] origins, int w, int j, double lambda) {
        int n = origins.length;
        if (n < 2 || w < 1 || !(lambda > 0)) {
            throw new IllegalArgumentException("autoregression: need at least 2 windows, a window of at least 1 week and a"
                    + " positive penalty, got " + n + ", " + w + " and " + lambda);
        }
        double[] mx = new double[w];
        double my = 0;
        for (int t : origins) {
            for (int k = 0; k < w; k++) {
                mx[k] += z[t - w + 1 + k][0] / n;
            }
            my += (z[t + j + 1][0] - z[t][0]) / n;
        }
        double[][] a = new double[w][w];
        double[] rhs = new double[w];
        for (int t : origins) {
            double yc = z[t + j + 1][0] - z[t][0] - my;
            for (int p = 0; p < w; p++) {
                double xp = z[t - w + 1 + p][0] - mx[p];
                rhs[p] += xp * yc;
                for (int q = 0; q <= p; q++) {
                    a[p][q] += xp * (z[t - w + 1 + q][0] - mx[q]);
                }
            }
        }
        for (int p = 0; p < w; p++) {
            for (int q = 0; q < p; q++) {
                a[q][p] = a[p][q];
            }
            a[p][p] += lambda * n;
        }
        double[] beta = new CholeskyDecomposition(new Array2DRowRealMatrix(a, false)).getSolver()
                .solve(new ArrayRealVector(rhs, false)).toArray();
        double[] c = new double[w + 1];
        double intercept = my;
        for (int p = 0; p < w; p++) {
            c[p] = beta[p];
            intercept -= beta[p] * mx[p];
        }
        c[w] = intercept;
        return c;
    }

    /** The change c·(window, 1) that coefficients {@code c} predict at origin t. */
    static double change(double[] c, double[][] z, int t) {
        int w = c.length - 1;
        double s = c[w];
        for (int k = 0; k < w; k++) {
            s += c[k] * z[t - w + 1 + k][0];
        }
        return s;
    }

    /**
     * Fits every horizon on the windows at {@code origins}, horizon j + 1 with penalty[j] and weight[j].
     *
     * @param z the scaled feature rows (column 0 the target)
     * @param origins the training windows' last rows
     * @param w the window length
     * @param penalty the penalty per horizon
     * @param weight the combination weight b per horizon
     * @return the fitted autoregression
     */
    static Autoregression fit(double[][] z, int[] origins, int w, double[] penalty, double[] weight) {
        double[][] c = new double[penalty.length][];
        for (int j = 0; j < penalty.length; j++) {
            c[j] = fitHorizon(z, origins, w, j, penalty[j]);
        }
        return new Autoregression(w, c, penalty, weight);
    }

    int window() {
        return window;
    }

    /** The weight b_h of the autoregression's change at horizon j + 1. */
    double weight(int j) {
        return weight[j];
    }

    /** The weighted changes b_h·(predicted change) [origin][h − 1] at {@code origins}, in z's units. */
    double[][] weightedChanges(double[][] z, int[] origins) {
        double[][] out = new double[origins.length][coefficients.length];
        for (int i = 0; i < origins.length; i++) {
            if (origins[i] - window + 1 < 0) {
                throw new IllegalArgumentException("autoregression: origin " + origins[i] + " has fewer than " + window
                        + " weeks before it");
            }
            for (int j = 0; j < coefficients.length; j++) {
                out[i][j] = weight[j] * change(coefficients[j], z, origins[i]);
            }
        }
        return out;
    }

    /** The JSON-compatible form saved in forecaster.json. */
    Map<String, Object> toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("window", window);
        List<Object> c = new ArrayList<>();
        for (double[] row : coefficients) {
            c.add(ForecastFeatures.toList(row));
        }
        m.put("coefficients", c);
        m.put("penalty", ForecastFeatures.toList(penalty));
        m.put("weight", ForecastFeatures.toList(weight));
        return m;
    }

    /**
     * Reads {@link #toConfig}'s form, every field checked.
     *
     * @param m the parsed object
     * @param where the file and field, for messages
     * @param horizon the forecaster's horizon
     * @param window the forecaster's window
     * @return the autoregression
     */
    static Autoregression fromConfig(Map<String, Object> m, String where, int horizon, int window) {
        if (!m.keySet().equals(java.util.Set.of("window", "coefficients", "penalty", "weight"))) {
            throw new IllegalArgumentException(where + ": must hold exactly the fields window, coefficients, penalty and weight,"
                    + " got " + m.keySet());
        }
        if (!(m.get("window") instanceof Number wn) || wn.doubleValue() != window) {
            throw new IllegalArgumentException(where + ": field 'window' must be the forecaster's window " + window + ", got "
                    + m.get("window"));
        }
        double[] penalty = doubles(m.get("penalty"), where + ".penalty", horizon);
        double[] weight = doubles(m.get("weight"), where + ".weight", horizon);
        if (!(m.get("coefficients") instanceof List<?> rows) || rows.size() != horizon) {
            throw new IllegalArgumentException(where + ": field 'coefficients' must hold one list per horizon (" + horizon + ")");
        }
        double[][] c = new double[horizon][];
        for (int j = 0; j < horizon; j++) {
            c[j] = doubles(rows.get(j), where + ".coefficients[" + j + "]", window + 1);
        }
        try {
            return new Autoregression(window, c, penalty, weight);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static double[] doubles(Object raw, String where, int n) {
        if (!(raw instanceof List<?> l) || l.size() != n) {
            throw new IllegalArgumentException(where + " must hold " + n + " numbers, got " + raw);
        }
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            if (!(l.get(i) instanceof Number x) || !Double.isFinite(x.doubleValue())) {
                throw new IllegalArgumentException(where + "[" + i + "] must be a finite number, got " + l.get(i));
            }
            a[i] = x.doubleValue();
        }
        return a;
    }
}
