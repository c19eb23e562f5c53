package dev.lamina.data;

import java.util.Arrays;
import java.util.List;

/**
 * Chronological train / validation / test split of a time series: three consecutive index
 * ranges, in time order, with no shuffling (shuffling would let a model see the future).
 *
 * <pre>
 *   nTrain = floor(n · trainFraction)
 *   nVal   = floor(n · valFraction)
 *   nTest  = n − nTrain − nVal
 *   (floor with a 1e-9 allowance for binary rounding, so 100 · 0.29 gives 29)
 *   train = [0, nTrain), val = [nTrain, nTrain + nVal), test = [nTrain + nVal, n)
 * </pre>
 *
 * @param train the first, oldest range
 * @param val   the middle range (may be empty)
 * @param test  the last, newest range (may be empty when the fractions sum to 1)
 */
public record TimeSeriesSplit(Range train, Range val, Range test) {

    /** A half-open index range {@code [start, end)}. */
    public record Range(int start, int end) {
        public Range {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("TimeSeriesSplit.Range: need 0 <= start <= end, got [" + start + ", "
                        + end + ")");
            }
        }

        /** Number of indices. */
        public int size() {
            return end - start;
        }

        /** Whether the range is empty. */
        public boolean isEmpty() {
            return end == start;
        }

        /**
         * The range extended {@code rows} indices back in time (clamped at 0). A validation or
         * test range widened by the window length minus one lets its first window read the end
         * of the previous range as input history; the targets stay inside this range when the
         * windows use {@code horizon} ≥ 1.
         */
        public Range withHistory(int rows) {
            if (rows < 0) {
                throw new IllegalArgumentException("TimeSeriesSplit.Range.withHistory: rows must be >= 0, got " + rows);
            }
            return new Range(Math.max(0, start - rows), end);
        }

        public double[][] slice(double[][] a) {
            check(a.length);
            return Arrays.copyOfRange(a, start, end);
        }

        public double[] slice(double[] a) {
            check(a.length);
            return Arrays.copyOfRange(a, start, end);
        }

        public float[] slice(float[] a) {
            check(a.length);
            return Arrays.copyOfRange(a, start, end);
        }

        public int[] slice(int[] a) {
            check(a.length);
            return Arrays.copyOfRange(a, start, end);
        }

        public <T> List<T> slice(List<T> a) {
            check(a.size());
            return List.copyOf(a.subList(start, end));
        }

        private void check(int length) {
            if (end > length) {
                throw new IllegalArgumentException("TimeSeriesSplit.Range.slice: range [" + start + ", " + end
                        + ") exceeds an array of length " + length);
            }
        }
    }

    /**
     * Splits {@code n} time steps chronologically.
     *
     * @throws IllegalArgumentException when a fraction is outside [0, 1], their sum exceeds 1, or
     *                                  the training range would be empty
     */
    public static TimeSeriesSplit chronological(int n, double trainFraction, double valFraction) {
        if (n <= 0) {
            throw new IllegalArgumentException("TimeSeriesSplit.chronological: n must be positive, got " + n);
        }
        if (!(trainFraction > 0 && trainFraction <= 1) || !(valFraction >= 0 && valFraction < 1)
                || trainFraction + valFraction > 1 + 1e-12) {
            throw new IllegalArgumentException("TimeSeriesSplit.chronological: need 0 < trainFraction <= 1, 0 <= valFraction"
                    + " and trainFraction + valFraction <= 1, got " + trainFraction + " and " + valFraction);
        }
        int nTrain = (int) Math.floor(n * trainFraction + 1e-9);
        int nVal = (int) Math.floor(n * valFraction + 1e-9);
        nVal = Math.min(nVal, n - nTrain);
        if (nTrain == 0) {
            throw new IllegalArgumentException("TimeSeriesSplit.chronological: trainFraction " + trainFraction + " of " + n
                    + " steps leaves no training data");
        }
        return new TimeSeriesSplit(new Range(0, nTrain), new Range(nTrain, nTrain + nVal), new Range(nTrain + nVal, n));
    }
}
