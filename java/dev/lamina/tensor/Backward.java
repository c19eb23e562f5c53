package dev.lamina.autograd;

import dev.lamina.tensor.Tensor;

/**
 * The gradient rule of one recorded op: given dL/d(output), the gradients dL/d(input_i) in the
 * order of the op's inputs (null where an input has no gradient). Implementations must return
 * tensors they created (never an input or the upstream gradient itself; use a view).
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor upstream);
}
