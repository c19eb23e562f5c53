package dev.lamina.data;

import java.util.List;
import java.util.Map;

/**
 * A per-column affine rescaling of tabular data, {@code y = x·scale[j] + offset[j]} for column
 * {@code j}, learned by {@link #fit} (as scikit-learn's preprocessing scalers).
 *
 * <p>Fit on the training rows only, then transform the training, validation and test rows with
 * those statistics: fitting on all the data would leak the future of a time series into the
 * past. Fitting rejects NaN and infinite values; transforming passes NaN through unchanged.
 * Rows are {@code double[rows][columns]}; the {@code double[]} overloads treat a series as one
 * column.
 */
public abstract class Scaler {
    /** Per-column multiplier and offset, set by fit. */
    protected double[] scale;
    protected double[] offset;

    /** Learns per-column statistics from {@code rows} (the training data only); returns this. */
    public abstract Scaler fit(double[][] rows);

    /** The config key naming the scaler class. */
    protected abstract String className();

    /** The statistics of this scaler as a JSON-friendly map (see {@link #fromConfig}). */
    public abstract Map<String, Object> toConfig();

    /** Fits to one column. */
    public final Scaler fit(double[] series) {
        return fit(asColumn(series));
    }

    /** Whether {@link #fit} has run (or the scaler came from a config). */
    public final boolean isFitted() {
        return scale != null;
    }

    /** Number of columns the scaler was fitted on. */
    public final int columnCount() {
        requireFitted("columnCount");
        return scale.length;
    }

    /** {@code y[i][j] = x[i][j]·scale[j] + offset[j]}; a new array. */
    public final double[][] transform(double[][] rows) {
        checkRows("transform", rows);
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = new double[scale.length];
            for (int j = 0; j < scale.length; j++) {
                out[i][j] = rows[i][j] * scale[j] + offset[j];
            }
        }
        return out;
    }

    /** {@code x[i][j] = (y[i][j] − offset[j]) / scale[j]}; a new array. */
    public final double[][] inverseTransform(double[][] rows) {
        checkRows("inverseTransform", rows);
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = new double[scale.length];
            for (int j = 0; j < scale.length; j++) {
                out[i][j] = (rows[i][j] - offset[j]) / scale[j];
            }
        }
        return out;
    }

    /** Transforms a series with a scaler fitted on one column. */
    public final double[] transform(double[] series) {
        requireOneColumn("transform");
        return transformColumn(series, 0);
    }

    /** Inverse-transforms a series with a scaler fitted on one column. */
    public final double[] inverseTransform(double[] series) {
        requireOneColumn("inverseTransform");
        return inverseTransformColumn(series, 0);
    }

    /** Transforms values of column {@code column} alone (for example the target of a forecaster). */
    public final double[] transformColumn(double[] values, int column) {
        checkColumn("transformColumn", column);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * scale[column] + offset[column];
        }
        return out;
    }

    /** Inverse-transforms values of column {@code column} alone (for example predictions of the target). */
    public final double[] inverseTransformColumn(double[] values, int column) {
        checkColumn("inverseTransformColumn", column);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (values[i] - offset[column]) / scale[column];
        }
        return out;
    }

    /** Rebuilds a scaler from {@link #toConfig()}, dispatching on its {@code "class"} entry. */
    public static Scaler fromConfig(Map<String, ?> config) {
        Object cls = config.get("class");
        if ("MinMaxScaler".equals(cls)) {
            return MinMaxScaler.fromConfig(config);
        }
        if ("StandardScaler".equals(cls)) {
            return StandardScaler.fromConfig(config);
        }
        throw new IllegalArgumentException("Scaler.fromConfig: unknown class " + cls
                + " (expected MinMaxScaler or StandardScaler)");
    }

    // ---------------------------------------------------------------------------------------
    // helpers for subclasses
    // ---------------------------------------------------------------------------------------

    /** Checks a fit input: non-empty, rectangular, finite; returns the column count. */
    protected final int checkFitInput(double[][] rows) {
        String who = className() + ".fit";
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException(who + ": no rows to fit on");
        }
        int cols = rows[0].length;
        if (cols == 0) {
            throw new IllegalArgumentException(who + ": rows have no columns");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException(who + ": row " + i + " has " + rows[i].length + " columns, row 0 has " + cols);
            }
            for (int j = 0; j < cols; j++) {
                double v = rows[i][j];
                if (Double.isNaN(v)) {
                    throw new IllegalArgumentException(who + ": NaN at row " + i + ", column " + j
                            + "; fill missing values first (for example Series.interpolate) or drop those rows");
                }
                if (Double.isInfinite(v)) {
                    throw new IllegalArgumentException(who + ": infinite value at row " + i + ", column " + j);
                }
            }
        }
        return cols;
    }

    /** Whether every value of column j is the same (then the scale is 1, as scikit-learn). */
    protected static boolean isConstant(double[][] rows, int j) {
        double first = rows[0][j];
        for (double[] row : rows) {
            if (row[j] != first) {
                return false;
            }
        }
        return true;
    }

    protected final void requireFitted(String op) {
        if (scale == null) {
            throw new IllegalStateException(className() + "." + op + ": the scaler is not fitted; call fit(trainRows) first");
        }
    }

    private void requireOneColumn(String op) {
        requireFitted(op);
        if (scale.length != 1) {
            throw new IllegalArgumentException(className() + "." + op + "(double[]): the scaler was fitted on "
                    + scale.length + " columns; use the double[][] overload or " + op + "Column");
        }
    }

    private void checkColumn(String op, int column) {
        requireFitted(op);
        if (column < 0 || column >= scale.length) {
            throw new IllegalArgumentException(className() + "." + op + ": column " + column + " out of range [0, "
                    + scale.length + ")");
        }
    }

    private void checkRows(String op, double[][] rows) {
        requireFitted(op);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != scale.length) {
                throw new IllegalArgumentException(className() + "." + op + ": row " + i + " has " + rows[i].length
                        + " columns, the scaler was fitted on " + scale.length);
            }
        }
    }

    static double[][] asColumn(double[] series) {
        double[][] rows = new double[series.length][1];
        for (int i = 0; i < series.length; i++) {
            rows[i][0] = series[i];
        }
        return rows;
    }

    /** Reads a list of numbers (as JSON parsing gives) or a double[] from a config entry. */
    static double[] numbers(Map<String, ?> config, String key, String who) {
        Object v = config.get(key);
        if (v instanceof double[] d) {
            return d.clone();
        }
        if (v instanceof List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number num)) {
                    throw new IllegalArgumentException(who + ".fromConfig: '" + key + "'[" + i + "] is not a number: " + list.get(i));
                }
                out[i] = num.doubleValue();
            }
            return out;
        }
        throw new IllegalArgumentException(who + ".fromConfig: missing or invalid '" + key + "' (a list of numbers), got " + v);
    }

    static void checkClass(Map<String, ?> config, String expected) {
        Object cls = config.get("class");
        if (cls != null && !expected.equals(cls)) {
            throw new IllegalArgumentException(expected + ".fromConfig: config is for class " + cls);
        }
    }
}
