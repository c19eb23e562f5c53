package dev.lamina.metrics;

/**
 * Mean absolute percentage error, in percent, over all values seen since the last reset:
 * <pre>
 *   MAPE = 100 · (1/M) Σ_{i : yᵢ ≠ 0} |yᵢ − ŷᵢ| / |yᵢ|
 * </pre>
 * where M is the number of non-zero targets.
 *
 * <p>Zero targets are skipped and counted ({@link #skippedZeroTargets()}) instead of dividing by
 * them: Keras divides by {@code max(|y|, 1e-7)}, which turns one zero target into a value near
 * 10⁹ %. A target counts as zero when |y| is below {@link Double#MIN_NORMAL} (zero or a
 * subnormal double, whose quotient could overflow). When every target seen was zero the result
 * is NaN and {@link #nanReason()} says so; a zero target never makes the result infinite.
 */
public final class MeanAbsolutePercentageError extends RunningMean {
    private long skipped;

    /** Name {@code mean_absolute_percentage_error}. */
    public MeanAbsolutePercentageError() {
        this("mean_absolute_percentage_error");
    }

    public MeanAbsolutePercentageError(String name) {
        super(name, "MeanAbsolutePercentageError");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        for (int i = 0; i < yTrue.length; i++) {
            double a = Math.abs(yTrue[i]);
            if (a < Double.MIN_NORMAL) {
                skipped++;
                continue;
            }
            sum += Math.abs(yTrue[i] - yPred[i]) / a;
            count++;
        }
    }

    /** Number of zero targets skipped since the last reset. */
    public long skippedZeroTargets() {
        return skipped;
    }

    /** Number of targets that entered the mean since the last reset. */
    public long count() {
        return count;
    }

    @Override
    public double result() {
        return count == 0 ? Double.NaN : 100.0 * sum / count;
    }

    /** Why {@link #result()} is NaN, or null when it is not. */
    public String nanReason() {
        if (count > 0) {
            return null;
        }
        if (skipped == 0) {
            return name + ": no values seen since the last reset";
        }
        return name + ": all " + skipped + " targets seen were zero; percentage error is undefined for zero targets";
    }

    @Override
    public void reset() {
        super.reset();
        skipped = 0;
    }
}
