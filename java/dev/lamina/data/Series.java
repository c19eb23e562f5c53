package dev.lamina.data;

/**
 * Small utilities on time series held as {@code double[]} (one variable) or
 * {@code double[rows][columns]} (rows are time steps), with NaN marking a missing value.
 */
public final class Series {
    private Series() {
    }

    /**
     * Linear interpolation of interior gaps: each run of NaN between two finite values
     * {@code x[a]} and {@code x[b]} is filled with {@code x[a] + (x[b] − x[a])·(i − a)/(b − a)}.
     * Leading and trailing NaN (no value on one side) are left as NaN, since extrapolating them
     * would invent data; drop those rows or handle them explicitly. Returns a new array.
     *
     * @throws IllegalArgumentException when the series holds an infinite value
     */
    public static double[] interpolate(double[] x) {
        double[] out = x.clone();
        int last = -1;   // index of the last finite value seen
        for (int i = 0; i < out.length; i++) {
            double v = out[i];
            if (Double.isInfinite(v)) {
                throw new IllegalArgumentException("Series.interpolate: infinite value at index " + i);
            }
            if (Double.isNaN(v)) {
                continue;
            }
            if (last >= 0 && i - last > 1) {
                double a = out[last];
                double span = i - last;
                for (int k = last + 1; k < i; k++) {
                    out[k] = a + (v - a) * ((k - last) / span);
                }
            }
            last = i;
        }
        return out;
    }

    /** {@link #interpolate(double[])} applied to every column of {@code rows}; a new array. */
    public static double[][] interpolateColumns(double[][] rows) {
        int cols = checkRect("Series.interpolateColumns", rows);
        double[][] out = new double[rows.length][cols];
        for (int j = 0; j < cols; j++) {
            double[] filled = interpolate(column(rows, j));
            for (int i = 0; i < rows.length; i++) {
                out[i][j] = filled[i];
            }
        }
        return out;
    }

    /** Number of NaN values. */
    public static int countNaN(double[] x) {
        int n = 0;
        for (double v : x) {
            if (Double.isNaN(v)) {
                n++;
            }
        }
        return n;
    }

    /** Column {@code j} of {@code rows}. */
    public static double[] column(double[][] rows, int j) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (j < 0 || j >= rows[i].length) {
                throw new IllegalArgumentException("Series.column: column " + j + " out of range for row " + i + " of "
                        + rows[i].length + " columns");
            }
            out[i] = rows[i][j];
        }
        return out;
    }

    /**
     * Stacks series of equal length as the columns of a {@code [length][k]} array:
     * {@code out[i][j] = columns[j][i]}.
     */
    public static double[][] stack(double[]... columns) {
        if (columns.length == 0) {
            throw new IllegalArgumentException("Series.stack: no columns");
        }
        int n = columns[0].length;
        for (int j = 1; j < columns.length; j++) {
            if (columns[j].length != n) {
                throw new IllegalArgumentException("Series.stack: column " + j + " has length " + columns[j].length
                        + ", column 0 has " + n);
            }
        }
        double[][] out = new double[n][columns.length];
        for (int j = 0; j < columns.length; j++) {
            for (int i = 0; i < n; i++) {
                out[i][j] = columns[j][i];
            }
        }
        return out;
    }

    /** Checks that rows is non-null and rectangular; returns the column count (0 when there are no rows). */
    static int checkRect(String who, double[][] rows) {
        if (rows == null) {
            throw new IllegalArgumentException(who + ": rows is null");
        }
        if (rows.length == 0) {
            return 0;
        }
        int cols = rows[0].length;
        for (int i = 1; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException(who + ": row " + i + " has " + rows[i].length + " columns, row 0 has " + cols);
            }
        }
        return cols;
    }
}
