package dev.lamina.io.keras;

import dev.lamina.models.Sequential;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Keras 3 model config (config.json of a {@code .keras} archive) to a Lamina {@link Sequential},
 * and back. Keras Sequential models map fully; a Keras functional model ({@code Functional}) loads
 * when its graph is a plain chain (one input, each layer called once on the previous layer's
 * output, one output), which is what a Sequential computes. Other graphs (branches, merges,
 * several inputs or outputs, shared layers) are named in a {@link KerasFormatException}.
 */
public final class KerasModelConfig {
    private KerasModelConfig() {
    }

    /**
     * Builds the model a Keras config describes; weights keep their initial values.
     *
     * @param root the parsed config.json
     * @param source the file's name for messages
     * @return the model (the caller owns it)
     */
    @SuppressWarnings("unchecked")
    public static Sequential fromKeras(Map<String, Object> root, String source) {
        Object cls = root.get("class_name");
        if (!(root.get("config") instanceof Map<?, ?> rawConfig)) {
            throw new KerasFormatException("load: " + source + ": config.json has no model 'config' object (class_name "
                    + Json.write(cls) + ")");
        }
        Map<String, Object> config = (Map<String, Object>) rawConfig;
        List<Object> layers;
        if ("Sequential".equals(cls)) {
            if (!(config.get("layers") instanceof List<?> l)) {
                throw new KerasFormatException("load: " + source + ": Sequential config has no 'layers' list");
            }
            layers = (List<Object>) l;
        } else if ("Functional".equals(cls) || "Model".equals(cls)) {
            layers = chain(config, source);
        } else {
            throw new KerasFormatException("load: " + source + ": Keras model class " + Json.write(cls) + " is not supported"
                    + " (Lamina loads Sequential models and functional models whose graph is a chain; subclassed models"
                    + " have no config to rebuild)");
        }
        String name = config.get("name") instanceof String n ? n : null;
        Sequential model = new Sequential(name);
        try {
            boolean masked = false;
            for (int i = 0; i < layers.size(); i++) {
                String where = "load: " + source + ": layer " + i;
                Layer l = KerasLayers.fromKeras(layers.get(i), where, masked);
                try {
                    model.add(l);
                    if (!l.isBuilt() && !(l instanceof Input)) {
                        long[] shape = buildShape(layers.get(i));
                        if (shape != null) {
                            l.ensureBuilt(shape);
                        }
                    }
                } catch (RuntimeException | Error e) {
                    if (!model.layers().contains(l)) {
                        l.close();
                    }
                    if (e instanceof KerasFormatException) {
                        throw e;
                    }
                    throw new KerasFormatException(where + ": " + e.getMessage(), e);
                }
                masked |= l instanceof Embedding && Boolean.TRUE.equals(l.config().get("mask_zero"));
            }
            return model;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** The layer entries of a functional config in call order, if its graph is a plain chain. */
    @SuppressWarnings("unchecked")
    private static List<Object> chain(Map<String, Object> config, String source) {
        String what = "load: " + source + ": functional model";
        if (!(config.get("layers") instanceof List<?> all) || all.isEmpty()) {
            throw new KerasFormatException(what + " has no 'layers' list");
        }
        List<String> inputs = endpoints(config.get("input_layers"));
        List<String> outputs = endpoints(config.get("output_layers"));
        if (inputs == null || outputs == null || inputs.size() != 1 || outputs.size() != 1) {
            throw new KerasFormatException(what + " is not supported: Lamina loads one-input, one-output chains, this one has"
                    + " inputs " + Json.write(config.get("input_layers")) + " and outputs " + Json.write(config.get("output_layers"))
                    + " (multi-input/output graphs need Lamina's functional API)");
        }
        List<Object> out = new ArrayList<>();
        String previous = null;
        Set<String> seen = new java.util.HashSet<>();
        for (Object o : all) {
            if (!(o instanceof Map<?, ?> e) || !(e.get("name") instanceof String name)) {
                throw new KerasFormatException(what + ": a layer entry has no name: " + Json.write(o));
            }
            if (!seen.add(name)) {
                throw new KerasFormatException(what + ": two layers named '" + name + "'");
            }
            Object nodes = e.get("inbound_nodes");
            if (previous == null) {
                if (!"InputLayer".equals(e.get("class_name")) || !name.equals(inputs.get(0))) {
                    throw new KerasFormatException(what + " is not supported: its first layer '" + name + "' is not its"
                            + " InputLayer '" + inputs.get(0) + "'");
                }
            } else {
                String from = singleInbound(nodes);
                if (!previous.equals(from)) {
                    throw new KerasFormatException(what + " is not supported: layer '" + name + "' is called on "
                            + (from == null ? "several tensors, or more than once" : "'" + from + "'") + ", not only on the"
                            + " previous layer '" + previous + "' (only plain chains load as Sequential; branches, merges and"
                            + " shared layers need Lamina's functional API)");
                }
            }
            out.add(o);
            previous = name;
        }
        if (!previous.equals(outputs.get(0))) {
            throw new KerasFormatException(what + " is not supported: its output is '" + outputs.get(0)
                    + "', not the last layer of the chain '" + previous + "'");
        }
        return out;
    }

    /** [[name, 0, 0], ...] or [name, 0, 0] to the layer names; null when malformed or not node 0, tensor 0. */
    private static List<String> endpoints(Object v) {
        if (!(v instanceof List<?> l) || l.isEmpty()) {
            return null;
        }
        List<?> list = l.get(0) instanceof String ? List.of(l) : l;
        List<String> names = new ArrayList<>();
        for (Object x : list) {
            if (!(x instanceof List<?> t) || t.size() != 3 || !(t.get(0) instanceof String n)
                    || !(t.get(1) instanceof Number a && a.longValue() == 0) || !(t.get(2) instanceof Number b && b.longValue() == 0)) {
                return null;
            }
            names.add(n);
        }
        return names;
    }

    /** The one layer whose output a layer is called on: one node, one tensor argument, no other tensors. */
    private static String singleInbound(Object nodes) {
        if (!(nodes instanceof List<?> ns) || ns.size() != 1 || !(ns.get(0) instanceof Map<?, ?> node)) {
            return null;
        }
        if (!(node.get("args") instanceof List<?> args) || args.size() != 1 || !(args.get(0) instanceof Map<?, ?> t)
                || !"__keras_tensor__".equals(t.get("class_name")) || !(t.get("config") instanceof Map<?, ?> tc)
                || !(tc.get("keras_history") instanceof List<?> h) || h.size() != 3 || !(h.get(0) instanceof String from)
                || !(h.get(2) instanceof Number idx && idx.longValue() == 0)) {
            return null;
        }
        if (node.get("kwargs") instanceof Map<?, ?> kw) {
            for (Map.Entry<?, ?> k : kw.entrySet()) {
                boolean harmless = k.getKey().equals("training") || (k.getKey().equals("mask") && k.getValue() == null);
                if (!harmless) {
                    return null;
                }
            }
        }
        return from;
    }

    @SuppressWarnings("unchecked")
    private static long[] buildShape(Object entry) {
        if (entry instanceof Map<?, ?> e && e.get("build_config") instanceof Map<?, ?> bc
                && bc.get("input_shape") instanceof List<?> s && !s.isEmpty()) {
            long[] dims = new long[s.size()];
            for (int i = 0; i < dims.length; i++) {
                Object d = s.get(i);
                if (d != null && !(d instanceof Number)) {
                    return null;
                }
                dims[i] = d == null ? -1 : ((Number) d).longValue();
            }
            return dims;
        }
        return null;
    }

    /**
     * The Keras 3 config.json of a Lamina Sequential model: a Sequential whose first layer is the
     * InputLayer, each layer as {@link KerasLayers#toKeras}.
     *
     * @param model a built Sequential model
     * @return the config, ready for JSON
     */
    public static Map<String, Object> toKeras(Sequential model) {
        List<Layer> layers = new ArrayList<>();
        for (Layer l : model.layers()) {
            if (!(l instanceof Input)) {
                layers.add(l);
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("save: " + model.name() + " has no layers");
        }
        Input input = model.input();
        long[] inShape = input != null ? input.batchShape() : layers.get(0).builtInputShape();
        if (inShape == null) {
            throw new IllegalArgumentException("save: " + model.name() + " is not built; give it an Input or call it once"
                    + " before saving as .keras (Keras needs every layer's input shape)");
        }
        List<Object> entries = new ArrayList<>();
        Input in = input != null ? input : new Input(model.name() + "_input", java.util.Arrays.copyOfRange(inShape, 1, inShape.length));
        try {
            entries.add(KerasLayers.inputToKeras(in, layers.get(0) instanceof Embedding));
        } finally {
            if (in != input) {
                in.close();
            }
        }
        for (Layer l : layers) {
            entries.add(KerasLayers.toKeras(l));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", model.name());
        config.put("trainable", true);
        config.put("dtype", KerasLayers.dtypePolicy("float32"));
        config.put("layers", entries);
        List<Object> shape = new ArrayList<>();
        for (long d : inShape) {
            shape.add(d < 0 ? null : (Object) d);
        }
        shape.set(0, null);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("module", "keras");
        root.put("class_name", "Sequential");
        root.put("config", config);
        root.put("registered_name", null);
        root.put("build_config", Map.of("input_shape", shape));
        root.put("compile_config", null);
        return root;
    }
}
