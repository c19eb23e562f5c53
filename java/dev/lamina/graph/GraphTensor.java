package dev.lamina.graph;

import dev.lamina.backend.Storage;
import dev.lamina.tensor.Tensor;

/** A tensor over a storage that a graph replay produced (the tensor takes over one reference). */
final class GraphTensor extends Tensor {
    GraphTensor(Storage storage, long[] shape) {
        super(storage, shape, true);
    }
}
