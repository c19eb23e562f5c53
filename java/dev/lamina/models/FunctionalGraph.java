package dev.lamina.models;

import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Merge;
import dev.lamina.nn.Node;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph of a functional model (Keras's {@code Functional}): the layer calls between the
 * model's symbolic inputs and outputs, in an order where every call comes after the calls it
 * depends on. Running it evaluates each call once per forward pass; a layer called twice (a shared
 * layer) runs twice with one set of weights, so its gradients add up.
 */
final class FunctionalGraph {
    final List<SymbolicTensor> inputs;
    final List<SymbolicTensor> outputs;
    /** Every layer call (input sources included), dependencies first. */
    final List<Node> nodes;
    /** Each layer once: the inputs' layers first, then in order of first call. */
    final List<Layer> layers;
    private final List<String> outputNames;

    FunctionalGraph(String model, List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException(model + ": a functional model needs at least one input (Input.of(shape))");
        }
        if (outputs == null || outputs.isEmpty()) {
            throw new IllegalArgumentException(model + ": a functional model needs at least one output");
        }
        Set<SymbolicTensor> inputSet = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < inputs.size(); i++) {
            SymbolicTensor t = inputs.get(i);
            if (t == null) {
                throw new IllegalArgumentException(model + ": input " + i + " is null");
            }
            if (!(t.layer() instanceof Input) || !t.inputs().isEmpty()) {
                throw new IllegalArgumentException(model + ": input " + i + " must come from Input.of(...), got the output of layer '"
                        + t.layer().name() + "' (" + t.layer().className() + ")");
            }
            if (!inputSet.add(t)) {
                throw new IllegalArgumentException(model + ": input " + i + " ('" + t.layer().name() + "') is given twice");
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            if (outputs.get(i) == null) {
                throw new IllegalArgumentException(model + ": output " + i + " is null");
            }
        }
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        List<Node> order = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor out : outputs) {
            visit(model, out.node(), inputSet, seen, Collections.newSetFromMap(new IdentityHashMap<>()), order);
        }
        for (SymbolicTensor in : inputs) {
            if (!seen.contains(in.node())) {
                throw new IllegalArgumentException(model + ": input '" + in.layer().name() + "' is not connected to any output");
            }
        }
        this.nodes = Collections.unmodifiableList(order);
        LinkedHashSet<Layer> ls = new LinkedHashSet<>();
        for (SymbolicTensor in : inputs) {
            ls.add(in.layer());
        }
        for (Node n : order) {
            ls.add(n.layer());
        }
        this.layers = List.copyOf(ls);
        List<String> names = new ArrayList<>();
        for (SymbolicTensor out : outputs) {
            String base = out.layer().name();
            String name = base;
            for (int k = 1; names.contains(name); k++) {
                name = base + "_" + k;
            }
            names.add(name);
        }
        this.outputNames = List.copyOf(names);
    }

    /** Depth-first, post-order: a node after every node it reads. */
    private static void visit(String model, Node node, Set<SymbolicTensor> inputSet, Set<Node> done, Set<Node> onPath, List<Node> order) {
        if (done.contains(node)) {
            return;
        }
        if (node.inputs().isEmpty()) {
            if (!inputSet.contains(node.output())) {
                throw new IllegalArgumentException(model + ": the outputs depend on input '" + node.layer().name()
                        + "', which is not among the model's inputs");
            }
        }
        onPath.add(node);
        for (SymbolicTensor t : node.inputs()) {
            visit(model, t.node(), inputSet, done, onPath, order);
        }
        onPath.remove(node);
        done.add(node);
        order.add(node);
    }

    /** The output names (the producing layers' names, made unique), as Keras keys outputs. */
    List<String> outputNames() {
        return outputNames;
    }

    /** The input names (the Input layers' names). */
    List<String> inputNames() {
        List<String> names = new ArrayList<>();
        for (SymbolicTensor t : inputs) {
            names.add(t.layer().name());
        }
        return names;
    }

    /** The calls of {@code layer}, in graph order (index = Keras's node index within this model). */
    List<Node> nodesOf(Layer layer) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.layer() == layer) {
                out.add(n);
            }
        }
        return out;
    }

    /** The forward pass: one tensor per output. Masks pass along single-input layers as in Sequential. */
    Tensor[] run(Tensor[] x, boolean training) {
        Map<SymbolicTensor, Tensor> values = new IdentityHashMap<>();
        Map<SymbolicTensor, Tensor> masks = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(inputs.get(i), inputs.get(i).layer().apply(x[i], training));
        }
        for (Node n : nodes) {
            if (n.inputs().isEmpty()) {
                continue;
            }
            Layer l = n.layer();
            Tensor y;
            Tensor mask = null;
            if (l instanceof Merge m) {
                List<Tensor> args = new ArrayList<>();
                for (SymbolicTensor t : n.inputs()) {
                    args.add(values.get(t));
                }
                y = m.apply(args, training);
            } else {
                SymbolicTensor in = n.inputs().get(0);
                Tensor xi = values.get(in);
                Tensor mi = masks.get(in);
                y = l.apply(xi, mi, training);
                mask = l.computeMask(xi, mi);
            }
            values.put(n.output(), y);
            if (mask != null) {
                masks.put(n.output(), mask);
            }
        }
        Tensor[] out = new Tensor[outputs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(outputs.get(i));
        }
        return out;
    }

    /** The output shape of each layer's first call, for the summary. */
    List<long[]> outputShapes(List<Layer> shown) {
        List<long[]> out = new ArrayList<>();
        for (Layer l : shown) {
            List<Node> ns = nodesOf(l);
            out.add(ns.isEmpty() ? null : ns.get(0).output().shape());
        }
        return out;
    }
}
