package dev.lamina.data;

import dev.lamina.tensor.Tensor;

/**
 * Sliding windows over a multivariate time series, for sequence models (Keras layout
 * {@code [batch, timesteps, features]}).
 *
 * <p>The series is {@code double[T][C]}: rows are time steps, columns are variables. Window
 * {@code i} starts at row {@code s = i·stride}, reads the input rows {@code s … s+timeSteps−1}
 * (call the last one {@code e}), and its target is
 * <ul>
 *   <li>single-step ({@link #make}): row {@code e + horizon}, so horizon 1 is the next step;
 *       {@code Y} has shape {@code [N, targets]};</li>
 *   <li>multi-step ({@link #makeMultiStep}): rows {@code e+1 … e+horizon};
 *       {@code Y} has shape {@code [N, horizon, targets]}.</li>
 * </ul>
 * {@code X[i][t][f] = series[s + t][featureColumns[f]]}, {@code Y[i][k] = series[e + horizon][targetColumns[k]]}.
 * Both need {@code T ≥ timeSteps + horizon} rows and give {@code N = floor((T − timeSteps − horizon)/stride) + 1}
 * windows.
 *
 * <p>Missing values: windows reject NaN. If any value that some window reads (input or target,
 * in the selected columns) is NaN the call fails, naming the row and column; fill interior gaps
 * first with {@link Series#interpolate} or trim the series. Values are stored as float32.
 */
public final class Windows {
    private Windows() {
    }

    /**
     * The windows of a series as row-major float arrays with their shapes. {@code x} has shape
     * {@link #xShape()} = [N, timeSteps, F]; {@code y} has shape {@link #yShape()} = [N, targets]
     * or [N, horizon, targets].
     */
    public static final class Batch {
        private final float[] x;
        private final long[] xShape;
        private final float[] y;
        private final long[] yShape;
        private final int[] targetRows;

        Batch(float[] x, long[] xShape, float[] y, long[] yShape, int[] targetRows) {
            this.x = x;
            this.xShape = xShape;
            this.y = y;
            this.yShape = yShape;
            this.targetRows = targetRows;
        }

        /** Number of windows N. */
        public int count() {
            return (int) xShape[0];
        }

        /** Inputs, row-major [N, timeSteps, F] (the array itself, not a copy). */
        public float[] x() {
            return x;
        }

        /** Targets, row-major [N, targets] or [N, horizon, targets] (the array itself, not a copy). */
        public float[] y() {
            return y;
        }

        public long[] xShape() {
            return xShape.clone();
        }

        public long[] yShape() {
            return yShape.clone();
        }

        /**
         * The series row of window i's (last) target: {@code e + horizon}. Useful to look up the
         * date of a prediction.
         */
        public int targetRow(int i) {
            return targetRows[i];
        }

        /** The inputs as a new float32 tensor on the current backend (the caller owns it). */
        public Tensor xTensor() {
            return Tensor.of(x, xShape);
        }

        /** The targets as a new float32 tensor on the current backend (the caller owns it). */
        public Tensor yTensor() {
            return Tensor.of(y, yShape);
        }
    }

    /** Single-step windows: X [N, timeSteps, F], Y [N, targets] holding row e+horizon; see {@link Windows}. */
    public static Batch make(double[][] series, int timeSteps, int horizon, int stride, int[] featureColumns,
            int[] targetColumns) {
        return build("Windows.make", series, timeSteps, horizon, stride, featureColumns, targetColumns, false);
    }

    /** Multi-step windows: Y is [N, horizon, targets] holding rows e+1 … e+horizon; see {@link Windows}. */
    public static Batch makeMultiStep(double[][] series, int timeSteps, int horizon, int stride, int[] featureColumns,
            int[] targetColumns) {
        return build("Windows.makeMultiStep", series, timeSteps, horizon, stride, featureColumns, targetColumns, true);
    }

    /** Univariate single-step windows with stride 1: X [N, timeSteps, 1], Y [N, 1]. */
    public static Batch make(double[] series, int timeSteps, int horizon) {
        return make(Scaler.asColumn(series), timeSteps, horizon, 1, new int[] {0}, new int[] {0});
    }

    /** Number of windows a series of {@code rows} steps gives, 0 when it is too short. */
    public static int count(int rows, int timeSteps, int horizon, int stride) {
        int span = timeSteps + horizon;
        return rows < span ? 0 : (rows - span) / stride + 1;
    }

    private static Batch build(String who, double[][] series, int timeSteps, int horizon, int stride, int[] features,
            int[] targets, boolean multi) {
        int cols = Series.checkRect(who, series);
        if (timeSteps < 1 || horizon < 1 || stride < 1) {
            throw new IllegalArgumentException(who + ": timeSteps, horizon and stride must be >= 1, got " + timeSteps + ", "
                    + horizon + ", " + stride);
        }
        checkColumns(who, "featureColumns", features, cols);
        checkColumns(who, "targetColumns", targets, cols);
        int rows = series.length;
        int need = timeSteps + horizon;
        if (rows < need) {
            throw new IllegalArgumentException(who + ": a window of " + timeSteps + " time steps with horizon " + horizon
                    + " needs at least " + need + " rows, the series has " + rows);
        }
        int n = count(rows, timeSteps, horizon, stride);
        int f = features.length;
        int k = targets.length;
        int ySteps = multi ? horizon : 1;
        float[] x = new float[Math.multiplyExact(Math.multiplyExact(n, timeSteps), f)];
        float[] y = new float[Math.multiplyExact(Math.multiplyExact(n, ySteps), k)];
        int[] targetRows = new int[n];
        for (int i = 0; i < n; i++) {
            int s = i * stride;
            int e = s + timeSteps - 1;
            for (int t = 0; t < timeSteps; t++) {
                for (int c = 0; c < f; c++) {
                    x[(i * timeSteps + t) * f + c] = value(who, series, s + t, features[c]);
                }
            }
            for (int h = 0; h < ySteps; h++) {
                int row = multi ? e + 1 + h : e + horizon;
                for (int c = 0; c < k; c++) {
                    y[(i * ySteps + h) * k + c] = value(who, series, row, targets[c]);
                }
            }
            targetRows[i] = e + horizon;
        }
        long[] xShape = {n, timeSteps, f};
        long[] yShape = multi ? new long[] {n, horizon, k} : new long[] {n, k};
        return new Batch(x, xShape, y, yShape, targetRows);
    }

    private static float value(String who, double[][] series, int row, int col) {
        double v = series[row][col];
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException(who + ": NaN at row " + row + ", column " + col
                    + " inside a window; fill interior gaps with Series.interpolate or trim the series");
        }
        return (float) v;
    }

    private static void checkColumns(String who, String name, int[] columns, int cols) {
        if (columns == null || columns.length == 0) {
            throw new IllegalArgumentException(who + ": " + name + " is empty");
        }
        for (int c : columns) {
            if (c < 0 || c >= cols) {
                throw new IllegalArgumentException(who + ": " + name + " holds " + c + ", the series has " + cols + " columns");
            }
        }
    }
}
