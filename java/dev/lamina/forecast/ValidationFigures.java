package dev.lamina.forecast;

import dev.lamina.metrics.RegressionMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/** The figures of a trained forecaster on its validation windows (rows before the test weeks), per horizon. */
final class ValidationFigures {
    private ValidationFigures() {
    }

    /**
     * The figures per horizon (keys "h1" …) of forecasts z[t] + pred[i][h − 1] from the validation
     * origins t = {@code origins[i]} (rows before {@code trainEnd}): MAE and WIS with the 50% and
     * 95% coverage (in-sample for the calibration, fit on these residuals {@code res} at levels
     * {@code mu}), the persistence baseline's, and the held-out calibration check.
     */
    static Map<String, Map<String, Double>> of(Forecaster f, double[][] z, double[] y, int trainEnd,
            int[] origins, double[][] pred, double[][] res, double[][] mu) {
        ForecastFeatures feat = f.features();
        ResidualCalibration cal = f.calibration();
        int n = origins.length;
        int h = f.settings().horizon;
        Map<String, Map<String, Double>> validation = new LinkedHashMap<>();
        Map<String, Map<String, Double>> holdout = cal != null ? holdout(feat, z, y, origins, pred, res, mu) : null;
        for (int j = 1; j <= h; j++) {
            int[] rows = new int[n];
            double[] actual = new double[n];
            double[] point = new double[n];
            double[][] q = cal == null ? null : new double[n][];
            for (int i = 0; i < n; i++) {
                int t = origins[i];
                rows[i] = t + j;
                actual[i] = y[t + j];
                double zHat = z[t][0] + pred[i][j - 1];
                point[i] = feat.toTarget(zHat);
                if (q != null) {
                    q[i] = f.quantilesOf(zHat, ResidualCalibration.recentChange(z, t), j);
                }
            }
            Map<String, Double> v = new LinkedHashMap<>();
            if (holdout != null) {
                v.putAll(holdout.get("h" + j));
            }
            v.put("mae", RegressionMetrics.mae(actual, point));
            v.put("persistence_mae", RegressionMetrics.mae(actual, Baselines.persistence(y, rows, j)));
            if (q != null) {
                v.put("wis", QuantileScores.meanWis(QuantileScores.LEVELS, q, actual));
                v.put("coverage_50", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.5));
                v.put("coverage_95", QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.95));
            }
            v.put("persistence_wis", QuantileScores.meanWis(QuantileScores.LEVELS,
                    Baselines.persistenceQuantiles(y, trainEnd, rows, j, QuantileScores.LEVELS), actual));
            validation.put("h" + j, v);
        }
        return validation;
    }

    /**
     * An honest check of each calibration method on validation weeks: fit on one half of the
     * validation windows, score WIS and 95% coverage on the other half, both ways, averaged
     * (keys {@code holdout_wis_METHOD}, {@code holdout_coverage_95_METHOD}).
     */
    private static Map<String, Map<String, Double>> holdout(ForecastFeatures feat, double[][] z, double[] y, int[] origins,
            double[][] pred, double[][] res, double[][] mu) {
        int h = res.length;
        int n = origins.length;
        int half = n / 2;
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int j = 0; j < h; j++) {
            out.put("h" + (j + 1), new LinkedHashMap<>());
        }
        if (half < 2 || n - half < 2) {
            return out;
        }
        double[] d = recentChanges(z, origins);
        for (String method : ResidualCalibration.METHODS) {
            double[] wis = new double[h];
            double[] cov = new double[h];
            for (int part = 0; part < 2; part++) {
                int fitFrom = part == 0 ? 0 : half;
                int fitTo = part == 0 ? half : n;
                int evFrom = part == 0 ? half : 0;
                int evTo = part == 0 ? n : half;
                double[][] r = new double[h][];
                double[][] m = new double[h][];
                for (int j = 0; j < h; j++) {
                    r[j] = java.util.Arrays.copyOfRange(res[j], fitFrom, fitTo);
                    m[j] = java.util.Arrays.copyOfRange(mu[j], fitFrom, fitTo);
                }
                ResidualCalibration c = ResidualCalibration.fit(method, r, m, java.util.Arrays.copyOfRange(d, fitFrom, fitTo),
                        QuantileScores.LEVELS);
                for (int j = 0; j < h; j++) {
                    double[] actual = new double[evTo - evFrom];
                    double[][] q = new double[actual.length][];
                    for (int i = evFrom; i < evTo; i++) {
                        int t = origins[i];
                        actual[i - evFrom] = y[t + j + 1];
                        double zHat = z[t][0] + pred[i][j];
                        double[] off = c.offsets(j + 1, feat.toTarget(zHat), d[i]);
                        q[i - evFrom] = new double[off.length];
                        for (int k = 0; k < off.length; k++) {
                            q[i - evFrom][k] = feat.toTarget(zHat + off[k]);
                        }
                    }
                    wis[j] += QuantileScores.meanWis(QuantileScores.LEVELS, q, actual) / 2;
                    cov[j] += QuantileScores.coverage(QuantileScores.LEVELS, q, actual, 0.95) / 2;
                }
            }
            for (int j = 0; j < h; j++) {
                out.get("h" + (j + 1)).put("holdout_wis_" + method, wis[j]);
                out.get("h" + (j + 1)).put("holdout_coverage_95_" + method, cov[j]);
            }
        }
        return out;
    }

    /** The recent change ({@link ResidualCalibration#recentChange}) at each origin. */
    static double[] recentChanges(double[][] z, int[] origins) {
        double[] d = new double[origins.length];
        for (int i = 0; i < origins.length; i++) {
            d[i] = ResidualCalibration.recentChange(z, origins[i]);
        }
        return d;
    }
}
