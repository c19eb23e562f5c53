package dev.lamina.losses;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Common frame of the Keras losses: a per-sample loss ({@link #perSample}) averaged over
 * everything that remains (Keras's {@code "sum_over_batch_size"} reduction):
 * {@code loss = Σ perSample / numel(perSample)}.
 *
 * <p>Before the per-sample loss, targets and predictions are brought to the same rank as Keras's
 * {@code squeeze_or_expand_to_same_rank} does: when one has rank one more than the other and a
 * trailing axis of size 1, a rank-1 partner gets a trailing axis of 1, otherwise the trailing axis
 * of 1 is dropped. Then the shapes must be equal (no broadcasting). Targets of another dtype are
 * cast to the predictions' dtype; predictions must be floating point.
 *
 * <p>Memory: outside a {@link GradientTape} the temporaries are freed before {@link #compute}
 * returns; under a tape they are kept for the backward pass and belong to the caller's
 * {@link Scope}, as for every tensor op.
 */
public abstract class BaseLoss implements Loss {
    /** Keras's fuzz factor {@code keras.backend.epsilon()}: probabilities are clipped to [ε, 1 − ε]. */
    public static final double EPSILON = 1e-7;

    /**
     * The loss of each sample: a tensor of the targets' shape less its last axis. Inputs are
     * checked and rank-aligned as in the class doc.
     */
    public final Tensor perSample(Tensor yTrue, Tensor yPred) {
        Tensor[] aligned = align(yTrue, yPred);
        return perSampleAligned(aligned[0], aligned[1]);
    }

    /** The per-sample loss of checked inputs of equal shapes (rank ≥ 1) and dtypes. */
    protected abstract Tensor perSampleAligned(Tensor yTrue, Tensor yPred);

    /**
     * The Keras config every loss starts from: {@code name} (its Keras name) and the reduction
     * ({@code sum_over_batch_size}); subclasses add their own keys.
     */
    protected Map<String, Object> baseConfig(String kerasName) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", kerasName);
        c.put("reduction", "sum_over_batch_size");
        return c;
    }

    /**
     * log p over the last axis for the categorical cross-entropies: log-softmax of logits, or the log
     * of probabilities renormalised to sum 1 and clipped to [ε, 1 − ε] (as Keras).
     */
    static Tensor logProbabilities(Tensor yPred, boolean fromLogits) {
        if (fromLogits) {
            return yPred.logSoftmax(-1);
        }
        Tensor p = yPred.div(yPred.sum(new int[] {-1}, true));
        return p.clip(EPSILON, 1 - EPSILON).log();
    }

    /** The scalar mean of {@link #perSample} (Keras's sum_over_batch_size reduction). */
    @Override
    public final Tensor compute(Tensor yTrue, Tensor yPred) {
        if (GradientTape.isRecording()) {
            return perSample(yTrue, yPred).mean();
        }
        try (Scope s = Scope.open()) {
            return s.keep(perSample(yTrue, yPred).mean());
        }
    }

    /** Checks dtypes and shapes and returns {yTrue, yPred} of equal shape and dtype. */
    protected Tensor[] align(Tensor yTrue, Tensor yPred) {
        requireInputs(yTrue, yPred);
        long[] st = yTrue.shape();
        long[] sp = yPred.shape();
        Tensor t = yTrue;
        Tensor p = yPred;
        if (st.length == sp.length + 1 && st[st.length - 1] == 1) {
            if (sp.length == 1) {
                p = p.reshape(withTrailingOne(sp));
            } else {
                t = t.reshape(Arrays.copyOf(st, st.length - 1));
            }
        } else if (sp.length == st.length + 1 && sp[sp.length - 1] == 1) {
            if (st.length == 1) {
                t = t.reshape(withTrailingOne(st));
            } else {
                p = p.reshape(Arrays.copyOf(sp, sp.length - 1));
            }
        }
        if (!Arrays.equals(t.shape(), p.shape())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": y_true shape " + Shapes.str(st)
                    + " does not match y_pred shape " + Shapes.str(sp));
        }
        if (t.dtype() != p.dtype()) {
            t = t.cast(p.dtype());
        }
        return new Tensor[] {t, p};
    }

    private static long[] withTrailingOne(long[] s) {
        long[] r = Arrays.copyOf(s, s.length + 1);
        r[s.length] = 1;
        return r;
    }

    /** Non-null, open-checked, floating predictions of rank ≥ 1. */
    protected void requireInputs(Tensor yTrue, Tensor yPred) {
        String who = getClass().getSimpleName();
        if (yTrue == null || yPred == null) {
            throw new IllegalArgumentException(who + ": y_true and y_pred are required");
        }
        if (!yPred.dtype().isFloating()) {
            throw new IllegalArgumentException(who + ": y_pred must be floating point, got " + yPred.dtype() + " "
                    + Shapes.str(yPred.shape()));
        }
        if (yTrue.dtype() == DType.BOOL) {
            throw new IllegalArgumentException(who + ": y_true is bool " + Shapes.str(yTrue.shape())
                    + "; cast it to " + yPred.dtype() + " first");
        }
        if (yPred.rank() < 1) {
            throw new IllegalArgumentException(who + ": y_pred must have rank >= 1 (a batch axis), got shape "
                    + Shapes.str(yPred.shape()));
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + config();
    }
}
