package dev.lamina.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Standardizes each column to zero mean and unit variance, as scikit-learn's
 * {@code StandardScaler}:
 * <pre>
 *   mean[j]  = (1/n) Σ_i x[i][j]
 *   std[j]   = sqrt((1/n) Σ_i (x[i][j] − mean[j])²)     (population std, ddof = 0)
 *   y[i][j]  = (x[i][j] − mean[j]) / std[j]             (std taken as 1 for a constant column)
 * </pre>
 * with the statistics taken over the rows given to {@link #fit} (the training data only).
 * A constant column maps to 0. Sums are accumulated in two passes for accuracy.
 */
public final class StandardScaler extends Scaler {
    private double[] mean;
    private double[] std;

    public StandardScaler() {
    }

    @Override
    protected String className() {
        return "StandardScaler";
    }

    @Override
    public StandardScaler fit(double[][] rows) {
        int cols = checkFitInput(rows);
        int n = rows.length;
        double[] mu = new double[cols];
        double[] sd = new double[cols];
        for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (double[] row : rows) {
                sum += row[j];
            }
            mu[j] = sum / n;
            double ss = 0;
            for (double[] row : rows) {
                double d = row[j] - mu[j];
                ss += d * d;
            }
            sd[j] = isConstant(rows, j) ? 0.0 : Math.sqrt(ss / n);
        }
        set(mu, sd);
        return this;
    }

    private void set(double[] mu, double[] sd) {
        int cols = mu.length;
        double[] s = new double[cols];
        double[] o = new double[cols];
        for (int j = 0; j < cols; j++) {
            s[j] = 1.0 / (sd[j] == 0.0 ? 1.0 : sd[j]);
            o[j] = -mu[j] * s[j];
        }
        this.mean = mu;
        this.std = sd;
        this.scale = s;
        this.offset = o;
    }

    /** Per-column mean of the fit data (a copy). */
    public double[] mean() {
        requireFitted("mean");
        return mean.clone();
    }

    /** Per-column population standard deviation of the fit data (a copy; 0 for a constant column). */
    public double[] std() {
        requireFitted("std");
        return std.clone();
    }

    /** {@code {"class": "StandardScaler", "mean": [...], "std": [...]}}. */
    @Override
    public Map<String, Object> toConfig() {
        requireFitted("toConfig");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class", className());
        m.put("mean", MinMaxScaler.toList(mean));
        m.put("std", MinMaxScaler.toList(std));
        return m;
    }

    /** Rebuilds a fitted scaler from {@link #toConfig()} (or its JSON round trip). */
    public static StandardScaler fromConfig(Map<String, ?> config) {
        checkClass(config, "StandardScaler");
        double[] mu = numbers(config, "mean", "StandardScaler");
        double[] sd = numbers(config, "std", "StandardScaler");
        if (mu.length != sd.length || mu.length == 0) {
            throw new IllegalArgumentException("StandardScaler.fromConfig: 'mean' has " + mu.length + " values, 'std' "
                    + sd.length);
        }
        for (int j = 0; j < sd.length; j++) {
            if (!(sd[j] >= 0) || !Double.isFinite(sd[j]) || !Double.isFinite(mu[j])) {
                throw new IllegalArgumentException("StandardScaler.fromConfig: column " + j + " has mean " + mu[j]
                        + ", std " + sd[j]);
            }
        }
        StandardScaler s = new StandardScaler();
        s.set(mu, sd);
        return s;
    }
}
