package dev.lamina.losses;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Mean squared error, as {@code keras.losses.MeanSquaredError}: per sample
 * {@code mean over the last axis of (y_pred − y_true)²}, then the mean over the batch.
 */
public final class MeanSquaredError extends BaseLoss {
    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        return yPred.sub(yTrue).square().mean(-1);
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }

    @Override
    public Map<String, Object> config() {
        return baseConfig(name());
    }
}
