package dev.lamina.bench;

import java.util.Arrays;
import java.util.Locale;

/** Order statistics of timing samples in nanoseconds, printed in microseconds ("us": the output is ASCII). */
final class Samples {
    private final long[] sorted;

    Samples(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        sorted = nanos.clone();
        Arrays.sort(sorted);
    }

    /** The q-quantile (0..1), nearest rank. */
    long quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q);
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** The median (the lower middle for an even count). */
    long median() {
        return sorted[(sorted.length - 1) / 2];
    }

    double mean() {
        double s = 0;
        for (long v : sorted) {
            s += v;
        }
        return s / sorted.length;
    }

    int count() {
        return sorted.length;
    }

    /** "median 3.12 us  (p10 2.90, p90 4.01, min 2.80, mean 3.40; n calls)". */
    String describe() {
        return String.format(Locale.ROOT, "median %.2f us  (p10 %.2f, p90 %.2f, min %.2f, mean %.2f; %d calls)",
                median() / 1e3, quantile(0.1) / 1e3, quantile(0.9) / 1e3, sorted[0] / 1e3, mean() / 1e3,
                sorted.length);
    }
}
