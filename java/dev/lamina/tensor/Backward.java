package dev.lamina.tensor;

/**
 * The gradient rule of one recorded op: given dL/d(output), the gradients dL/d(input_i) in the
 * order of the op's inputs (null where an input has no gradient). Implementations must return
 * tensors they created (never an input or the upstream gradient itself; use a view). The rules
 * are the gradient table's ({@code Gradients} and its families in {@code dev.lamina.ops}).
 */
@FunctionalInterface
public interface Backward {
    /**
     * @param upstream dL/d(output)
     * @return dL/d(input) per input of the recorded op, in order (null where an input has none)
     */
    Tensor[] apply(Tensor upstream);
}
