package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/** A weight penalty added to the loss: L1 (λ Σ|w|), L2 (λ Σ w²) or both; see {@link Regularizers}. */
public interface Regularizer {
    /** The penalty for one weight, a scalar. */
    Tensor penalty(Tensor weight);

    Map<String, Object> config();
}
