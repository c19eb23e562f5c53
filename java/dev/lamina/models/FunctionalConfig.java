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
            e.put("inbound_nodes", InboundNodes.write(g.nodesOf(l), nodeIndex));
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
        return InboundNodes.read((String) name, entries, config.get("input_layers"), config.get("output_layers"), where,
                new InboundNodes.Dialect() {
                    @Override
                    public Layer layer(Object raw, int i) {
                        String at = where + ": layer " + i;
                        if (!(raw instanceof Map<?, ?> e)) {
                            throw new IllegalArgumentException(at + " must be a JSON object, got " + Json.write(raw));
                        }
                        for (Object k : e.keySet()) {
                            if (!LAYER_KEYS.contains(k)) {
                                throw new IllegalArgumentException(at + ": unknown field '" + k + "' (known: "
                                        + new java.util.TreeSet<>(LAYER_KEYS) + ")");
                            }
                        }
                        Map<String, Object> entry = new LinkedHashMap<>();
                        entry.put("class_name", e.get("class_name"));
                        entry.put("config", e.get("config"));
                        Layer l = LayerConfigs.layer(entry, at);
                        if (e.get("name") != null && !l.name().equals(e.get("name"))) {
                            l.close();
                            throw new IllegalArgumentException(at + ": field 'name' is " + Json.write(e.get("name"))
                                    + " but the config's is '" + l.name() + "'");
                        }
                        return l;
                    }

                    @Override
                    public boolean harmlessKwargs(Object kwargs) {
                        return kwargs == null || kwargs instanceof Map<?, ?> kw && kw.isEmpty();   // Lamina writes none
                    }

                    @Override
                    public RuntimeException error(String message, Throwable cause) {
                        return new IllegalArgumentException(message, cause);
                    }
                });
    }
}
