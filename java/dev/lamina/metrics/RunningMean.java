package dev.lamina.metrics;

/**
 * The state shared by the metrics that are one running mean over everything seen since the last
 * reset (the accuracies and the mean errors): a name, a sum and a count. Subclasses add to
 * {@link #sum} and {@link #count} in {@code update}; {@link #result()} is {@code sum / count}, NaN
 * before any value.
 */
abstract class RunningMean implements Metric {
    /** The metric's name (checked). */
    protected final String name;
    /** Sum of the per-value quantities (errors, or 1 per correct prediction). */
    protected double sum;
    /** Number of values that entered the sum. */
    protected long count;

    /** {@code who} names the class in the error for a bad name. */
    RunningMean(String name, String who) {
        this.name = MetricChecks.name(name, who);
    }

    @Override
    public double result() {
        return count == 0 ? Double.NaN : sum / count;
    }

    @Override
    public void reset() {
        sum = 0;
        count = 0;
    }

    @Override
    public String name() {
        return name;
    }
}
