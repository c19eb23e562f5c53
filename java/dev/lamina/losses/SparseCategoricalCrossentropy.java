package dev.lamina.losses;

import dev.lamina.types.DType;
import dev.lamina.tensor.LossOps;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Cross-entropy for integer class ids, as {@code keras.losses.SparseCategoricalCrossentropy}.
 * Predictions have shape [..., C]; targets are class ids in [0, C) of shape [...] or [..., 1]
 * (int32 or int64; floating ids are truncated to integers, as Keras casts them). With
 * {@code onehot = oneHot(y_true, C)}:
 *
 * <ul>
 *   <li>Probabilities ({@code fromLogits = false}, the default): as Keras's JAX/NumPy backends,
 *       the predictions are normalised over the last axis, clipped to [ε, 1 − ε] (ε = 1e-7) and
 *       {@code loss = −Σ_c onehot_c·log p_c}.</li>
 *   <li>Logits: {@code loss = −Σ_c onehot_c·logSoftmax(z)_c = logsumexp(z) − z[y]}.</li>
 * </ul>
 * The per-sample losses are averaged over everything but the class axis.
 */
public final class SparseCategoricalCrossentropy extends BaseLoss {
    private final boolean fromLogits;

    /** Probabilities (Keras's default from_logits=False). */
    public SparseCategoricalCrossentropy() {
        this(false);
    }

    public SparseCategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    protected Tensor[] align(Tensor yTrue, Tensor yPred) {
        requireInputs(yTrue, yPred);
        long[] st = yTrue.shape();
        long[] sp = yPred.shape();
        long[] want = Arrays.copyOf(sp, sp.length - 1);
        Tensor t = yTrue;
        if (st.length == sp.length && st.length > 0 && st[st.length - 1] == 1) {
            t = t.reshape(Arrays.copyOf(st, st.length - 1));
        }
        if (!Arrays.equals(t.shape(), want)) {
            throw new IllegalArgumentException("SparseCategoricalCrossentropy: y_true shape " + Shapes.str(st)
                    + " does not match y_pred shape " + Shapes.str(sp) + " (expected class ids of shape "
                    + Shapes.str(want) + " or " + Shapes.str(sp.length == 0 ? sp : withLastOne(want)) + ")");
        }
        if (!t.dtype().isInteger()) {
            t = t.cast(DType.INT64);
        }
        return new Tensor[] {t, yPred};
    }

    private static long[] withLastOne(long[] s) {
        long[] r = Arrays.copyOf(s, s.length + 1);
        r[s.length] = 1;
        return r;
    }

    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        long classes = yPred.dim(yPred.rank() - 1);
        // the labels' range check is a host check inside a traced step: its message is made here, once
        Tensor onehot = LossOps.oneHotTargets(yTrue, classes, yPred.dtype(), "SparseCategoricalCrossentropy: y_true "
                + Shapes.str(yTrue.shape()) + " for y_pred " + Shapes.str(yPred.shape()) + ": ");
        if (fromLogits) {
            // fused with its gradient where the backend has the kernel, else this same composition
            return LossOps.softmaxCrossEntropy(yPred, onehot);
        }
        Tensor logp = logProbabilities(yPred, false);
        return onehot.mul(logp).sum(-1).neg();
    }

    @Override
    public String name() {
        return "sparse_categorical_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = baseConfig(name());
        c.put("from_logits", fromLogits);
        return c;
    }
}
