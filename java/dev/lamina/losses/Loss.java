package dev.lamina.losses;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * A training loss: the mean over the batch of a per-sample loss (Keras's default
 * "sum_over_batch_size" reduction), a scalar built from tensor ops so it is differentiable.
 */
public interface Loss {
    /** The scalar loss of predictions against targets. Shapes are checked; a mismatch names both. */
    Tensor compute(Tensor yTrue, Tensor yPred);

    /** The Keras name, e.g. mean_squared_error. */
    String name();

    default Map<String, Object> config() {
        return Map.of();
    }
}
