package dev.lamina.losses;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Binary cross-entropy, as {@code keras.losses.BinaryCrossentropy}; per sample the mean over the
 * last axis, then the mean over the batch.
 *
 * <ul>
 *   <li>Probabilities ({@code fromLogits = false}, the default): {@code p = clip(y_pred, ε, 1 − ε)}
 *       with ε = 1e-7, {@code bce = −(y·log p + (1 − y)·log(1 − p))}. Probabilities of exactly 0
 *       or 1 give a finite loss; the gradient is zero where the clip is active.</li>
 *   <li>Logits ({@code fromLogits = true}): the stable form of {@code −(y·log σ(z) + (1 − y)·log(1 − σ(z)))},
 *       {@code bce = max(z, 0) − z·y + log(1 + e^−|z|)}, finite for any z.</li>
 * </ul>
 */
public final class BinaryCrossentropy extends BaseLoss {
    private final boolean fromLogits;

    /** Probabilities (Keras's default from_logits=False). */
    public BinaryCrossentropy() {
        this(false);
    }

    public BinaryCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        Tensor bce;
        if (fromLogits) {
            Tensor z = yPred;
            bce = z.relu().sub(z.mul(yTrue)).add(z.abs().neg().exp().log1p());
        } else {
            Tensor p = yPred.clip(EPSILON, 1 - EPSILON);
            Tensor pos = yTrue.mul(p.log());
            Tensor neg = yTrue.neg().add(1.0).mul(p.neg().add(1.0).log());
            bce = pos.add(neg).neg();
        }
        return bce.mean(-1);
    }

    @Override
    public String name() {
        return "binary_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = baseConfig(name());
        c.put("from_logits", fromLogits);
        return c;
    }
}
