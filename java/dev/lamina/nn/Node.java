package dev.lamina.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One call of a layer in a functional graph, as Keras's {@code Node}: the layer, the symbolic
 * tensors it was applied to, and the one it produced. A layer applied twice (a shared layer) has
 * two nodes and one set of weights.
 */
public final class Node {
    private final Layer layer;
    private final List<SymbolicTensor> inputs;
    private final SymbolicTensor output;

    private Node(Layer layer, List<SymbolicTensor> inputs, long[] outputShape) {
        this.layer = layer;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.output = new SymbolicTensor(outputShape, layer.dtype(), this);
    }

    /** The source node of a model input. */
    static SymbolicTensor source(Input input) {
        return new Node(input, List.of(), input.batchShape()).output;
    }

    /**
     * Applies {@code layer} to symbolic inputs: builds it for their shapes (so its weights exist
     * from now on) and returns the symbolic output. Shape errors are IllegalArgumentExceptions
     * naming the layer and the shapes.
     */
    static SymbolicTensor apply(Layer layer, List<SymbolicTensor> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException(layer.name() + ": apply needs at least one input");
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) == null) {
                throw new IllegalArgumentException(layer.name() + ": input " + i + " is null");
            }
        }
        if (layer instanceof Input) {
            throw new IllegalArgumentException(layer.name() + ": an Input layer starts a graph; use Input.of(shape)");
        }
        long[] out;
        if (layer instanceof Merge merge) {
            List<long[]> shapes = new ArrayList<>();
            for (SymbolicTensor t : inputs) {
                shapes.add(t.shape());
            }
            out = merge.buildFor(shapes);
        } else {
            if (inputs.size() != 1) {
                throw new IllegalArgumentException(layer.name() + " (" + layer.className() + ") takes one input, got "
                        + inputs.size());
            }
            long[] s = inputs.get(0).shape();
            if (s.length == 0) {
                throw new IllegalArgumentException(layer.name() + ": input must have a batch axis, got a scalar");
            }
            layer.ensureBuilt(s);
            out = layer.outputShape(s);
        }
        return new Node(layer, inputs, out).output;
    }

    /** The layer called. */
    public Layer layer() {
        return layer;
    }

    /** The symbolic tensors it was called on, in order (empty for a model input). */
    public List<SymbolicTensor> inputs() {
        return inputs;
    }

    /** The symbolic tensor it produced. */
    public SymbolicTensor output() {
        return output;
    }
}
