package dev.lamina.nn;

import dev.lamina.types.DType;
import java.util.List;

/**
 * A placeholder for a tensor of the functional API, as Keras's {@code KerasTensor}: it has a
 * shape (batch axis first, -1 where unknown) and a dtype but no values, and it remembers the
 * {@link Node} (layer call) that produced it. {@link Input#of} makes the first ones; a layer
 * applied to them ({@link Layer#apply(SymbolicTensor...)}) makes the next, and
 * {@code new Model(inputs, outputs)} turns the graph between them into a model.
 *
 * <pre>{@code
 * SymbolicTensor in = Input.of(8);
 * SymbolicTensor h = new Dense(16, "relu").apply(in);
 * SymbolicTensor out = new Dense(1).apply(h);
 * Model model = new Model(in, out);
 * }</pre>
 */
public final class SymbolicTensor {
    private final long[] shape;
    private final DType dtype;
    private final Node node;

    SymbolicTensor(long[] shape, DType dtype, Node node) {
        this.shape = shape.clone();
        this.dtype = dtype;
        this.node = node;
    }

    /** The shape, batch axis first; -1 marks an unknown size (always the batch axis). */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of axes, batch axis included. */
    public int rank() {
        return shape.length;
    }

    /** The dtype the tensor will have. */
    public DType dtype() {
        return dtype;
    }

    /** The layer call that produces this tensor. */
    public Node node() {
        return node;
    }

    /** The layer that produces this tensor (an {@link Input} for a model input). */
    public Layer layer() {
        return node.layer();
    }

    /** The tensors this one was computed from (empty for a model input). */
    public List<SymbolicTensor> inputs() {
        return node.inputs();
    }

    @Override
    public String toString() {
        return "<SymbolicTensor shape=" + Layer.shapeStr(shape) + ", dtype=" + dtype + ", layer=" + node.layer().name() + ">";
    }
}
