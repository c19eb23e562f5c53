package dev.lamina.losses;

import dev.lamina.tensor.LossOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Categorical cross-entropy for one-hot (or soft) targets over the last axis, as
 * {@code keras.losses.CategoricalCrossentropy}; the per-sample losses are averaged over the batch.
 *
 * <ul>
 *   <li>Probabilities ({@code fromLogits = false}, the default): the predictions are normalised
 *       to sum 1 over the last axis, clipped to [ε, 1 − ε] (ε = 1e-7), and
 *       {@code cce = −Σ_c y_c·log p_c}.</li>
 *   <li>Logits: {@code cce = −Σ_c y_c·logSoftmax(z)_c}, stable for large logits.</li>
 * </ul>
 */
public final class CategoricalCrossentropy extends BaseLoss {
    private final boolean fromLogits;

    /** Probabilities (Keras's default from_logits=False). */
    public CategoricalCrossentropy() {
        this(false);
    }

    public CategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        if (fromLogits) {
            // fused with its gradient where the backend has the kernel, else this same composition
            return LossOps.softmaxCrossEntropy(yPred, yTrue);
        }
        Tensor logp = logProbabilities(yPred, false);
        return yTrue.mul(logp).sum(-1).neg();
    }

    @Override
    public String name() {
        return "categorical_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = baseConfig(name());
        c.put("from_logits", fromLogits);
        return c;
    }
}
