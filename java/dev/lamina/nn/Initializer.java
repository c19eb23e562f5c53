package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/** Makes the initial value of a weight (see {@link Initializers} for the Keras set). */
public interface Initializer {
    /** A new tensor of the shape and dtype (on the current backend). */
    Tensor initialize(long[] shape, DType dtype);

    /** The Keras name and arguments, for saving ({"class_name": ..., "config": {...}}). */
    Map<String, Object> config();
}
