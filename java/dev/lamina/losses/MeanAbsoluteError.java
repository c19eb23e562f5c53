package dev.lamina.losses;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Mean absolute error, as {@code keras.losses.MeanAbsoluteError}: per sample
 * {@code mean over the last axis of |y_pred − y_true|}, then the mean over the batch. The gradient
 * at y_pred = y_true is 0 (sign(0)).
 */
public final class MeanAbsoluteError extends BaseLoss {
    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        return yPred.sub(yTrue).abs().mean(-1);
    }

    @Override
    public String name() {
        return "mean_absolute_error";
    }

    @Override
    public Map<String, Object> config() {
        return baseConfig(name());
    }
}
