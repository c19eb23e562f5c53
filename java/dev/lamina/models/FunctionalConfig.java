package dev.lamina.models;

import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Node;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of a functional model as Keras 3 writes it: {@code {"name", "layers":
 * [{"class_name", "config", "name", "inbound_nodes": [{"args": [...], "kwargs": {}}]}],
 * "input_layers": [[name, node, 0]], "output_layers": [[name, node, 0]]}}, where each argument
 * is a {@code __keras_tensor__} whose {@code keras_history} [layer, node index, tensor index]
 * names the call that produced it (a merge layer's single argument is a list of them).
 */
final class FunctionalConfig {
    private static final Set<String> CONFIG_KEYS = Set.of("name", "trainable", "layers", "input_layers", "output_layers");
    private static final Set<String> LAYER_KEYS = Set.of("class_name", "config", "name", "inbound_nodes", "module",
            "registered_name", "build_config");

    private FunctionalConfig() {
    }

    /** The config of a functional model. */
    static Map<String, Object> write(Model model) {
        FunctionalGraph g = model.graph();
        Map<Node, Integer> nodeIndex = new IdentityHashMap<>();
        for (Layer l : g.layers) {
            List<Node> ns = g.nodesOf(l);
            for (int i = 0; i < ns.size(); i++) {
                nodeIndex.put(ns.get(i), i);
            }
        }
        List<Object> layers = new ArrayList<>();
        for (Layer l : g.layers) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("class_name", l.className());
            e.put("config", l.config());
            e.put("name", l.name());
            List<Object> inbound = new ArrayList<>();
            for (Node n : g.nodesOf(l)) {
                if (n.inputs().isEmpty()) {
                    continue; // an Input's source
                }
                List<Object> tensors = new ArrayList<>();
                for (SymbolicTensor t : n.inputs()) {
                    tensors.add(kerasTensor(t, nodeIndex));
                }
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("args", n.inputs().size() == 1 && !(l instanceof dev.lamina.nn.Merge) ? tensors : List.of(tensors));
                call.put("kwargs", new LinkedHashMap<>());
                inbound.add(call);
            }
            e.put("inbound_nodes", inbound);
            layers.add(e);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", model.name());
        c.put("trainable", true);
        c.put("layers", layers);
        c.put("input_layers", refs(g.inputs, nodeIndex));
        c.put("output_layers", refs(g.outputs, nodeIndex));
        return c;
    }

    private static Map<String, Object> kerasTensor(SymbolicTensor t, Map<Node, Integer> nodeIndex) {
        List<Object> shape = new ArrayList<>();
        for (long d : t.shape()) {
            shape.add(d < 0 ? null : (Object) d);
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("shape", shape);
        cfg.put("dtype", t.dtype().toString());
        cfg.put("keras_history", List.of(t.layer().name(), nodeIndex.get(t.node()), 0));
        Map<String, Object> kt = new LinkedHashMap<>();
        kt.put("class_name", "__keras_tensor__");
        kt.put("config", cfg);
        return kt;
    }

    private static List<Object> refs(List<SymbolicTensor> ts, Map<Node, Integer> nodeIndex) {
        List<Object> out = new ArrayList<>();
        for (SymbolicTensor t : ts) {
            out.add(List.of(t.layer().name(), nodeIndex.get(t.node()), 0));
        }
        return out;
    }

    /**
     * Rebuilds a functional model: every layer from its entry ({@link LayerConfigs}), then every
     * call in an order where its arguments exist. Problems are IllegalArgumentExceptions naming
     * {@code source}, the layer and the field; on failure every layer made so far is closed.
     */
    static Model read(Map<String, Object> config, String source) {
        String where = "load: " + source;
        for (String k : config.keySet()) {
            if (!CONFIG_KEYS.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown field 'config." + k + "' (known: "
                        + new java.util.TreeSet<>(CONFIG_KEYS) + ")");
            }
        }
        Object name = config.get("name");
        if (name != null && !(name instanceof String)) {
            throw new IllegalArgumentException(where + ": field 'config.name' must be a string, got " + Json.write(name));
        }
        if (!(config.get("layers") instanceof List<?> entries)) {
            throw new IllegalArgumentException(where + ": model config has no layer list");
        }
        Map<String, Layer> layers = new LinkedHashMap<>();
        Map<String, List<?>> pending = new LinkedHashMap<>();
        Map<String, List<SymbolicTensor>> produced = new LinkedHashMap<>();
        Model model = null;
        try {
            for (int i = 0; i < entries.size(); i++) {
                String at = where + ": layer " + i;
                if (!(entries.get(i) instanceof Map<?, ?> e)) {
                    throw new IllegalArgumentException(at + " must be a JSON object, got " + Json.write(entries.get(i)));
                }
                for (Object k : e.keySet()) {
                    if (!LAYER_KEYS.contains(k)) {
                        throw new IllegalArgumentException(at + ": unknown field '" + k + "' (known: " + new java.util.TreeSet<>(LAYER_KEYS) + ")");
                    }
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("class_name", e.get("class_name"));
                entry.put("config", e.get("config"));
                Layer l = LayerConfigs.layer(entry, at);
                if (layers.containsKey(l.name())) {
                    l.close();
                    throw new IllegalArgumentException(at + ": a second layer named '" + l.name() + "'");
                }
                layers.put(l.name(), l);
                if (e.get("name") != null && !l.name().equals(e.get("name"))) {
                    throw new IllegalArgumentException(at + ": field 'name' is " + Json.write(e.get("name")) + " but the config's is '"
                            + l.name() + "'");
                }
                Object inbound = e.get("inbound_nodes");
                if (inbound != null && !(inbound instanceof List)) {
                    throw new IllegalArgumentException(at + ": field 'inbound_nodes' must be a list, got " + Json.write(inbound));
                }
                List<?> in = inbound == null ? List.of() : (List<?>) inbound;
                if (l instanceof Input input) {
                    if (!in.isEmpty()) {
                        throw new IllegalArgumentException(at + ": an InputLayer has no inbound nodes, got " + Json.write(in));
                    }
                    produced.put(l.name(), new ArrayList<>(List.of(input.tensor())));
                } else {
                    produced.put(l.name(), new ArrayList<>());
                }
                pending.put(l.name(), new ArrayList<>(in));
            }
            // apply each layer's calls in order, as soon as their arguments exist
            boolean progress = true;
            while (progress) {
                progress = false;
                for (Map.Entry<String, List<?>> p : pending.entrySet()) {
                    List<?> calls = p.getValue();
                    while (!calls.isEmpty()) {
                        String at = where + ": layer '" + p.getKey() + "' call " + produced.get(p.getKey()).size();
                        List<SymbolicTensor> args = arguments(calls.get(0), produced, at);
                        if (args == null) {
                            break;
                        }
                        Layer l = layers.get(p.getKey());
                        SymbolicTensor out;
                        try {
                            out = l.apply(args);
                        } catch (IllegalArgumentException ex) {
                            throw new IllegalArgumentException(at + ": " + ex.getMessage(), ex);
                        }
                        produced.get(p.getKey()).add(out);
                        calls.remove(0);
                        progress = true;
                    }
                }
            }
            for (Map.Entry<String, List<?>> p : pending.entrySet()) {
                if (!p.getValue().isEmpty()) {
                    throw new IllegalArgumentException(where + ": layer '" + p.getKey() + "' is called on tensors no layer produces "
                            + "(or in a cycle): " + Json.write(p.getValue().get(0)));
                }
            }
            List<SymbolicTensor> inputs = refs(config.get("input_layers"), produced, where + ": field 'input_layers'");
            List<SymbolicTensor> outputs = refs(config.get("output_layers"), produced, where + ": field 'output_layers'");
            model = new Model((String) name, inputs, outputs);
            for (Layer l : layers.values()) {
                if (!model.allLayers().contains(l)) {
                    throw new IllegalArgumentException(where + ": layer '" + l.name() + "' is not between the inputs and the outputs");
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

    /** The symbolic arguments of one saved call, or null while one of them is not produced yet. */
    private static List<SymbolicTensor> arguments(Object call, Map<String, List<SymbolicTensor>> produced, String at) {
        if (!(call instanceof Map<?, ?> c) || !(c.get("args") instanceof List<?> args) || args.isEmpty()) {
            throw new IllegalArgumentException(at + ": a call must be {\"args\": [...], \"kwargs\": {}}, got " + Json.write(call));
        }
        if (c.get("kwargs") instanceof Map<?, ?> kw && !kw.isEmpty()) {
            throw new IllegalArgumentException(at + ": call keyword arguments are not supported, got " + Json.write(kw));
        }
        List<?> tensors = args.size() == 1 && args.get(0) instanceof List<?> l ? l : args;
        List<SymbolicTensor> out = new ArrayList<>();
        for (Object t : tensors) {
            if (!(t instanceof Map<?, ?> kt) || !"__keras_tensor__".equals(kt.get("class_name"))
                    || !(kt.get("config") instanceof Map<?, ?> cfg)) {
                throw new IllegalArgumentException(at + ": an argument must be a __keras_tensor__, got " + Json.write(t));
            }
            SymbolicTensor s = lookup(cfg.get("keras_history"), produced, at);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /** The tensor a [layer, node, tensor] reference names; null when that call is not made yet. */
    private static SymbolicTensor lookup(Object ref, Map<String, List<SymbolicTensor>> produced, String at) {
        if (!(ref instanceof List<?> r) || r.size() != 3 || !(r.get(0) instanceof String layer)
                || !(r.get(1) instanceof Number node) || !(r.get(2) instanceof Number tensor)
                || node.doubleValue() != Math.floor(node.doubleValue()) || node.intValue() < 0 || tensor.intValue() != 0) {
            throw new IllegalArgumentException(at + ": a tensor reference must be [layer name, node index, 0], got " + Json.write(ref));
        }
        List<SymbolicTensor> made = produced.get(layer);
        if (made == null) {
            throw new IllegalArgumentException(at + ": no layer named '" + layer + "' (reference " + Json.write(ref) + ")");
        }
        return node.intValue() < made.size() ? made.get(node.intValue()) : null;
    }

    private static List<SymbolicTensor> refs(Object refs, Map<String, List<SymbolicTensor>> produced, String at) {
        if (!(refs instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException(at + " must be a non-empty list of [layer name, node index, 0], got " + Json.write(refs));
        }
        // Keras writes a single input as one reference rather than a list of them
        List<?> items = list.get(0) instanceof String ? List.of(list) : list;
        List<SymbolicTensor> out = new ArrayList<>();
        for (Object ref : items) {
            SymbolicTensor t = lookup(ref, produced, at);
            if (t == null) {
                throw new IllegalArgumentException(at + ": " + Json.write(ref) + " names a call the layers do not make");
            }
            out.add(t);
        }
        return out;
    }
}
