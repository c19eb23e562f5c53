package dev.lamina.models;

import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Merge;
import dev.lamina.nn.Node;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer's {@code inbound_nodes} as Keras 3 writes them: calls {@code {"args": [...], "kwargs":
 * {...}}} whose arguments are {@code __keras_tensor__}s naming, in {@code keras_history} [layer,
 * node index, tensor index], the call that produced them. One reader ({@link #read}: rebuilds a
 * functional model from its layer entries, {@code input_layers} and {@code output_layers}) and one
 * writer ({@link #write}, {@link #call}) for Lamina's own saves ({@code FunctionalConfig}) and Keras's
 * files ({@code dev.lamina.io.keras}): what differs between them when reading, how a layer is made
 * from its entry, which call keywords are harmless and the exception type, is the caller's {@link
 * Dialect}.
 */
public final class InboundNodes {
    private InboundNodes() {
    }

    /** What a caller decides: how a layer is made, which call keywords pass, which exception it throws. */
    public interface Dialect {
        /**
         * Makes the layer of one entry, with the caller's own checks of the entry.
         *
         * @param entry the entry (not yet checked to be an object)
         * @param index its position in the layer list
         * @return the layer, which the caller owns until the model is made (closed here on failure)
         */
        Layer layer(Object entry, int index);

        /**
         * Whether a call's keyword arguments can be ignored (Lamina's saves have none).
         *
         * @param kwargs the call's {@code kwargs} (null when absent)
         * @return true when the call maps onto {@code layer.apply(args)}
         */
        boolean harmlessKwargs(Object kwargs);

        /**
         * The caller's exception for a problem.
         *
         * @param message what is wrong, naming the file, the layer and the field
         * @param cause the underlying failure, or null
         * @return the exception to throw
         */
        RuntimeException error(String message, Throwable cause);
    }

    /**
     * Makes every layer, then every call in an order where its arguments exist, then the model.
     * On failure every layer made so far is closed.
     *
     * @param name the model's name (null for a default)
     * @param entries the layer entries
     * @param inputLayers the config's {@code input_layers}
     * @param outputLayers the config's {@code output_layers}
     * @param where the start of every message ({@code "load: FILE"})
     * @param dialect the caller's rules
     * @return the functional model
     */
    public static Model read(String name, List<?> entries, Object inputLayers, Object outputLayers, String where,
            Dialect dialect) {
        Map<String, Layer> layers = new LinkedHashMap<>();
        Map<String, List<?>> pending = new LinkedHashMap<>();
        Map<String, List<SymbolicTensor>> produced = new LinkedHashMap<>();
        Model model = null;
        try {
            for (int i = 0; i < entries.size(); i++) {
                String at = where + ": layer " + i;
                Layer l = dialect.layer(entries.get(i), i);
                if (layers.containsKey(l.name())) {
                    l.close();
                    throw dialect.error(at + ": a second layer named '" + l.name() + "'", null);
                }
                layers.put(l.name(), l);
                Object inbound = entries.get(i) instanceof Map<?, ?> e ? e.get("inbound_nodes") : null;
                if (inbound != null && !(inbound instanceof List)) {
                    throw dialect.error(at + ": field 'inbound_nodes' must be a list, got " + Json.write(inbound), null);
                }
                List<?> calls = inbound == null ? List.of() : (List<?>) inbound;
                if (l instanceof Input input) {
                    if (!calls.isEmpty()) {
                        throw dialect.error(at + ": InputLayer '" + l.name() + "' has inbound nodes " + Json.write(calls)
                                + " (an InputLayer has none)", null);
                    }
                    produced.put(l.name(), new ArrayList<>(List.of(input.tensor())));
                } else {
                    produced.put(l.name(), new ArrayList<>());
                }
                pending.put(l.name(), new ArrayList<>(calls));
            }
            // apply each layer's calls in order, as soon as their arguments exist
            boolean progress = true;
            while (progress) {
                progress = false;
                for (Map.Entry<String, List<?>> p : pending.entrySet()) {
                    List<?> calls = p.getValue();
                    while (!calls.isEmpty()) {
                        String at = where + ": layer '" + p.getKey() + "' call " + produced.get(p.getKey()).size();
                        List<SymbolicTensor> args = arguments(calls.get(0), produced, at, dialect);
                        if (args == null) {
                            break;
                        }
                        SymbolicTensor out;
                        try {
                            out = layers.get(p.getKey()).apply(args);
                        } catch (IllegalArgumentException | IllegalStateException ex) {
                            throw dialect.error(at + ": " + ex.getMessage(), ex);
                        }
                        produced.get(p.getKey()).add(out);
                        calls.remove(0);
                        progress = true;
                    }
                }
            }
            for (Map.Entry<String, List<?>> p : pending.entrySet()) {
                if (!p.getValue().isEmpty()) {
                    throw dialect.error(where + ": layer '" + p.getKey() + "' is called on tensors no layer produces"
                            + " (or in a cycle): " + Json.write(p.getValue().get(0)), null);
                }
            }
            List<SymbolicTensor> inputs = refs(inputLayers, produced, where + ": field 'input_layers'", dialect);
            List<SymbolicTensor> outputs = refs(outputLayers, produced, where + ": field 'output_layers'", dialect);
            try {
                model = new Model(name, inputs, outputs);
            } catch (IllegalArgumentException ex) {
                throw dialect.error(where + ": " + ex.getMessage(), ex);
            }
            for (Layer l : layers.values()) {
                if (!model.allLayers().contains(l)) {
                    throw dialect.error(where + ": layer '" + l.name() + "' is not between the inputs and the outputs", null);
                }
            }
            return model;
        } catch (RuntimeException | Error ex) {
            if (model != null) {
                model.close();
            }
            for (Layer l : layers.values()) {
                if (model == null || !model.allLayers().contains(l)) {
                    l.close();
                }
            }
            throw ex;
        }
    }

    /** The symbolic arguments of one call, or null while one of them is not produced yet. */
    private static List<SymbolicTensor> arguments(Object call, Map<String, List<SymbolicTensor>> produced, String at,
            Dialect dialect) {
        if (!(call instanceof Map<?, ?> c) || !(c.get("args") instanceof List<?> args) || args.isEmpty()) {
            throw dialect.error(at + ": a call must be {\"args\": [...], \"kwargs\": {}}, got " + Json.write(call), null);
        }
        if (!dialect.harmlessKwargs(c.get("kwargs"))) {
            throw dialect.error(at + " is not supported: call keyword arguments " + Json.write(c.get("kwargs")), null);
        }
        // one list argument (a merge layer, any layer called on a list) or several positional tensors
        List<?> tensors = args.size() == 1 && args.get(0) instanceof List<?> l ? l : args;
        List<SymbolicTensor> out = new ArrayList<>();
        for (Object t : tensors) {
            if (!(t instanceof Map<?, ?> kt) || !"__keras_tensor__".equals(kt.get("class_name"))
                    || !(kt.get("config") instanceof Map<?, ?> cfg)) {
                throw dialect.error(at + " is not supported: an argument that is not a __keras_tensor__: " + Json.write(t), null);
            }
            SymbolicTensor s = lookup(cfg.get("keras_history"), produced, at, dialect);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /** The tensor a [layer, node, tensor] reference names; null when that call is not made yet. */
    private static SymbolicTensor lookup(Object ref, Map<String, List<SymbolicTensor>> produced, String at, Dialect dialect) {
        if (!(ref instanceof List<?> r) || r.size() != 3 || !(r.get(0) instanceof String layer)
                || !(r.get(1) instanceof Number node) || !(r.get(2) instanceof Number tensor)
                || !whole(node) || node.intValue() < 0 || !whole(tensor)) {
            throw dialect.error(at + ": a tensor reference must be [layer name, node index, tensor index], got "
                    + Json.write(ref), null);
        }
        if (tensor.intValue() != 0) {
            throw dialect.error(at + " is not supported: it reads output " + tensor + " of layer '" + layer
                    + "' (Lamina layers have one output; return_state does not map)", null);
        }
        List<SymbolicTensor> made = produced.get(layer);
        if (made == null) {
            throw dialect.error(at + ": no layer named '" + layer + "' (reference " + Json.write(ref) + ")", null);
        }
        return node.intValue() < made.size() ? made.get(node.intValue()) : null;
    }

    private static boolean whole(Number n) {
        return n.doubleValue() == Math.floor(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE;
    }

    private static List<SymbolicTensor> refs(Object refs, Map<String, List<SymbolicTensor>> produced, String at, Dialect dialect) {
        if (!(refs instanceof List<?> list) || list.isEmpty()) {
            throw dialect.error(at + " must be a non-empty list of [layer name, node index, 0], got " + Json.write(refs)
                    + " (dict-structured inputs and outputs do not map)", null);
        }
        // Keras writes a single input as one reference rather than a list of them
        List<?> items = list.get(0) instanceof String ? List.of(list) : list;
        List<SymbolicTensor> out = new ArrayList<>();
        for (Object ref : items) {
            SymbolicTensor t = lookup(ref, produced, at, dialect);
            if (t == null) {
                throw dialect.error(at + ": " + Json.write(ref) + " names a call the layers do not make", null);
            }
            out.add(t);
        }
        return out;
    }

    // ---- writing --------------------------------------------------------------------------------

    /**
     * The {@code inbound_nodes} of a layer: one call record ({@link #call}) per call that has
     * arguments (an Input's own source node has none and is left out).
     *
     * @param calls the layer's calls, in node-index order
     * @param nodeIndex each call's node index within its layer's calls (the {@code keras_history} middle)
     * @return the list, ready for JSON
     */
    public static List<Object> write(List<Node> calls, Map<Node, Integer> nodeIndex) {
        List<Object> inbound = new ArrayList<>();
        for (Node n : calls) {
            if (!n.inputs().isEmpty()) {
                inbound.add(call(n.layer(), n.inputs(), nodeIndex));
            }
        }
        return inbound;
    }

    /**
     * One call record as Keras 3 writes it: {@code {"args": [t], "kwargs": {}}} for a layer called on
     * one tensor; {@code {"args": [[t1, .., tn]], "kwargs": {}}} for a merge layer, or any layer
     * given several tensors, which Keras calls on one list argument ({@code Concatenate()([a, b])},
     * {@code Attention()([q, v])}; {@code data/keras/inbound_nodes_forms.json}). Each tensor is a
     * {@code __keras_tensor__} with its shape (null for the batch axis), dtype and {@code
     * keras_history} [producing layer, node index, 0].
     *
     * @param layer the layer called
     * @param inputs its arguments, at least one
     * @param nodeIndex the node index of each argument's producing call within its layer's calls
     * @return the record, ready for JSON
     */
    public static Map<String, Object> call(Layer layer, List<SymbolicTensor> inputs, Map<Node, Integer> nodeIndex) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("inbound_nodes: a call of " + layer.name() + " needs an argument");
        }
        List<Object> tensors = new ArrayList<>();
        for (SymbolicTensor t : inputs) {
            Integer node = nodeIndex.get(t.node());
            if (node == null) {
                throw new IllegalArgumentException("inbound_nodes: an argument of " + layer.name() + " comes from a call of "
                        + t.layer().name() + " that is not in the model");
            }
            tensors.add(kerasTensor(t, node));
        }
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("args", inputs.size() == 1 && !(layer instanceof Merge) ? tensors : List.of(tensors));
        call.put("kwargs", new LinkedHashMap<>());
        return call;
    }

    private static Map<String, Object> kerasTensor(SymbolicTensor t, int node) {
        List<Object> shape = new ArrayList<>();
        for (long d : t.shape()) {
            shape.add(d < 0 ? null : (Object) d);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("shape", shape);
        cfg.put("dtype", t.dtype().toString());
        cfg.put("keras_history", List.of(t.layer().name(), node, 0));
        Map<String, Object> kt = new LinkedHashMap<>();
        kt.put("class_name", "__keras_tensor__");
        kt.put("config", cfg);
        return kt;
    }
}
