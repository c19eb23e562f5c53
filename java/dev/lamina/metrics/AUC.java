package dev.lamina.metrics;

import java.util.Arrays;

/**
 * Area under the ROC curve, computed exactly from every score seen since the last reset.
 *
 * <p>With P positive and N negative targets, the area under the ROC curve equals the
 * Mann–Whitney statistic
 * <pre>
 *   AUC = (1 / (P·N)) · Σ_{i positive} Σ_{j negative} ( [sᵢ > sⱼ] + ½·[sᵢ = sⱼ] )
 * </pre>
 * the probability that a random positive scores above a random negative, ties counted as one
 * half (the same as averaging the ranks of tied scores). It is computed in O(n log n) by sorting
 * the positive and the negative scores and merging.
 *
 * <p>Differences from {@code keras.metrics.AUC}: Keras approximates the curve with 200 fixed
 * thresholds (a Riemann sum over buckets); this is the exact value, as
 * {@code sklearn.metrics.roc_auc_score}, so it can differ from Keras in the third decimal.
 * It keeps every score (16 bytes per value per epoch). When the targets seen are all of one
 * class the area is undefined: the result is NaN and {@link #nanReason()} says why (Keras
 * returns 0 there). Targets must be 0 or 1 and scores must not be NaN.
 */
public final class AUC implements Metric {
    private final String name;
    private double[] pos = new double[16];
    private double[] neg = new double[16];
    private int nPos;
    private int nNeg;
    private boolean sorted = true;

    /** Name {@code auc}. */
    public AUC() {
        this("auc");
    }

    public AUC(String name) {
        this.name = MetricChecks.name(name, "AUC");
    }

    @Override
    public void update(double[] yTrue, long[] shapeTrue, double[] yPred, long[] shapePred) {
        MetricChecks.elementwise(name, yTrue, shapeTrue, yPred, shapePred);
        MetricChecks.binaryLabels(name, yTrue);
        for (int i = 0; i < yPred.length; i++) {
            if (Double.isNaN(yPred[i])) {
                throw new IllegalArgumentException(name + ": score at index " + i + " is NaN");
            }
        }
        for (int i = 0; i < yTrue.length; i++) {
            if (yTrue[i] == 1.0) {
                if (nPos == pos.length) {
                    pos = Arrays.copyOf(pos, grow(pos.length));
                }
                pos[nPos++] = yPred[i];
            } else {
                if (nNeg == neg.length) {
                    neg = Arrays.copyOf(neg, grow(neg.length));
                }
                neg[nNeg++] = yPred[i];
            }
        }
        sorted = false;
    }

    private int grow(int n) {
        if (n >= Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(name + ": too many scores for an exact AUC (" + n + ")");
        }
        return (int) Math.min(Integer.MAX_VALUE - 8L, 2L * n);
    }

    /** Number of positive targets seen. */
    public long positives() {
        return nPos;
    }

    /** Number of negative targets seen. */
    public long negatives() {
        return nNeg;
    }

    @Override
    public double result() {
        if (nPos == 0 || nNeg == 0) {
            return Double.NaN;
        }
        if (!sorted) {
            Arrays.sort(pos, 0, nPos);
            Arrays.sort(neg, 0, nNeg);
            sorted = true;
        }
        return sortedAuc(pos, nPos, neg, nNeg);
    }

    /** Why {@link #result()} is NaN, or null when it is not. */
    public String nanReason() {
        if (nPos == 0 && nNeg == 0) {
            return name + ": no values seen since the last reset";
        }
        if (nPos == 0) {
            return name + ": ROC AUC is undefined without positive targets (" + nNeg + " negatives seen)";
        }
        if (nNeg == 0) {
            return name + ": ROC AUC is undefined without negative targets (" + nPos + " positives seen)";
        }
        return null;
    }

    @Override
    public void reset() {
        nPos = 0;
        nNeg = 0;
        sorted = true;
        if (pos.length > 4096) {
            pos = new double[16];
            neg = new double[16];
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The Mann–Whitney AUC of ascending-sorted positive and negative scores (both non-empty). */
    static double sortedAuc(double[] pos, int nPos, double[] neg, int nNeg) {
        // twiceU = Σ over positives of 2·#(neg < p) + #(neg == p): exact in a long
        long twiceU = 0;
        int below = 0;
        int upTo = 0;
        for (int i = 0; i < nPos; i++) {
            double p = pos[i];
            while (below < nNeg && neg[below] < p) {
                below++;
            }
            if (upTo < below) {
                upTo = below;
            }
            while (upTo < nNeg && neg[upTo] <= p) {
                upTo++;
            }
            twiceU += 2L * below + (upTo - below);
        }
        return twiceU / (2.0 * nPos * (double) nNeg);
    }
}
