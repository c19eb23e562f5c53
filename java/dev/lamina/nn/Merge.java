package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A layer that merges two or more tensors into one, as Keras's {@code Merge} layers
 * ({@link Add}, {@link Subtract}, {@link Multiply}, {@link Average}, {@link Concatenate},
 * {@link Dot}). It has no weights; gradients flow to every input through the tensor ops.
 *
 * <p>Functional API: {@code new Add().apply(a, b)} on symbolic tensors. Eager:
 * {@code new Add().apply(List.of(x1, x2), training)}.
 */
public abstract class Merge extends Layer {
    /**
     * A merge layer.
     *
     * @param name the layer's name, or null for a default from the class name
     */
    protected Merge(String name) {
        super(name);
    }

    /** The fewest inputs the layer takes (2). */
    protected int minInputs() {
        return 2;
    }

    /** The most inputs the layer takes (no limit). */
    protected int maxInputs() {
        return Integer.MAX_VALUE;
    }

    /**
     * Merges real tensors (eager mode); shapes are checked as in the functional API.
     *
     * @param inputs the tensors to merge, batch axis first
     * @param training unused (merge layers behave the same in training and inference)
     * @return the merged tensor
     */
    public final Tensor apply(List<Tensor> inputs, boolean training) {
        if (inputs == null) {
            throw new IllegalArgumentException(name() + ": inputs are null");
        }
        List<long[]> shapes = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == null) {
                throw new IllegalArgumentException(name() + ": input " + i + " is null");
            }
            shapes.add(inputs.get(i).shape());
        }
        buildFor(shapes);
        return merge(inputs);
    }

    /**
     * Checks the input shapes, marks the layer built, and returns the merged shape.
     *
     * @param shapes the input shapes, batch axis first
     * @return the output shape
     */
    final long[] buildFor(List<long[]> shapes) {
        if (shapes.size() < minInputs() || shapes.size() > maxInputs()) {
            throw new IllegalArgumentException(name() + " (" + className() + ") takes "
                    + (minInputs() == maxInputs() ? "exactly " + minInputs() : "at least " + minInputs())
                    + " inputs, got " + shapes.size());
        }
        for (long[] s : shapes) {
            if (s.length == 0) {
                throw new IllegalArgumentException(name() + ": inputs must have a batch axis, got a scalar");
            }
        }
        long[] out = mergedShape(shapes);
        if (!isBuilt()) {
            long[] first = shapes.get(0).clone();
            first[0] = -1;
            ensureBuilt(first);
        }
        return out;
    }

    /**
     * The output shape for these input shapes (batch axis first, -1 when unknown); a mismatch is
     * an IllegalArgumentException naming the layer and every shape.
     *
     * @param shapes the input shapes (at least {@link #minInputs()})
     * @return the output shape
     */
    protected abstract long[] mergedShape(List<long[]> shapes);

    /**
     * The merge itself, with tensor ops (so the tape records the gradients).
     *
     * @param inputs the checked inputs
     * @return the merged tensor
     */
    protected abstract Tensor merge(List<Tensor> inputs);

    /** A merge layer refuses a single tensor: it needs a list. */
    @Override
    protected final Tensor call(Tensor x, boolean training) {
        throw new IllegalArgumentException(name() + " (" + className() + ") merges a list of tensors; call apply(List, training)");
    }

    /** A merge layer has no single-input output shape; see {@link #mergedShape}. */
    @Override
    public long[] outputShape(long[] inputShape) {
        throw new IllegalArgumentException(name() + " (" + className() + ") merges several inputs; it has no single-input shape");
    }

    /** "[(None, 3), (None, 4)]" for messages. */
    static String shapesStr(List<long[]> shapes) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shapes.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(shapeStr(shapes.get(i)));
        }
        return sb.append(']').toString();
    }
}
