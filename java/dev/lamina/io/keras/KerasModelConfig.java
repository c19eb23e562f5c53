package dev.lamina.io.keras;

import dev.lamina.models.InboundNodes;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Node;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Keras 3 model config (config.json of a {@code .keras} archive) to a Lamina model, and back.
 * Keras Sequential models load as a {@link Sequential}; so does a Keras functional model
 * ({@code Functional}) whose graph is a plain chain (one input, each layer called once on the
 * previous layer's output, one output). Any other functional graph (branches, merge layers,
 * several inputs or outputs, shared layers) loads as a functional {@link Model} built from the
 * layers' {@code inbound_nodes}. A functional model's layers are numbered for the weights file in
 * Keras's order ({@link #kerasOrder}), which is also the order of config.json's layer list.
 */
public final class KerasModelConfig {
    private static final Set<String> MERGES = Set.of("Add", "Subtract", "Multiply", "Average", "Concatenate", "Dot");

    private KerasModelConfig() {
    }

    /**
     * Builds the Sequential a Keras config describes (a Keras Sequential, or a functional model
     * whose graph is a plain chain; {@link #modelFromKeras} takes any functional graph); weights
     * keep their initial values.
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
            layers = chain(KerasMaskOps.strip(config), source);
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

    /**
     * Builds the model a Keras config describes: a {@link Sequential} for a Keras Sequential model
     * or a functional chain, a functional {@link Model} for any other functional graph. Weights
     * keep their initial values.
     *
     * @param root the parsed config.json
     * @param source the file's name for messages
     * @return the model (the caller owns it)
     */
    @SuppressWarnings("unchecked")
    public static Model modelFromKeras(Map<String, Object> root, String source) {
        Object cls = root.get("class_name");
        if (("Functional".equals(cls) || "Model".equals(cls)) && root.get("config") instanceof Map<?, ?> c) {
            Map<String, Object> config = KerasMaskOps.strip((Map<String, Object>) c);
            if (config != c) {
                root = new LinkedHashMap<>(root);
                root.put("config", config);
            }
            boolean chain;
            try {
                chain(config, source);
                chain = true;
            } catch (KerasFormatException e) {
                chain = false;
            }
            if (!chain) {
                return functional(config, source);
            }
        }
        return fromKeras(root, source);
    }

    /** Keras's harmless call keywords: the training flag, and no mask. */
    private static boolean harmlessKwargs(Object kwargs) {
        if (kwargs == null) {
            return true;
        }
        if (!(kwargs instanceof Map<?, ?> kw)) {
            return false;
        }
        for (Map.Entry<?, ?> k : kw.entrySet()) {
            if (!(k.getKey().equals("training") || (k.getKey().equals("mask") && k.getValue() == null))) {
                return false;
            }
        }
        return true;
    }

    /** A general functional graph: every layer from its entry, then every call once its arguments exist. */
    private static Model functional(Map<String, Object> config, String source) {
        String what = "load: " + source + ": functional model";
        if (!(config.get("layers") instanceof List<?> entries) || entries.isEmpty()) {
            throw new KerasFormatException(what + " has no 'layers' list");
        }
        boolean masked = false;
        for (Object o : entries) {
            if (o instanceof Map<?, ?> e && "Embedding".equals(e.get("class_name")) && e.get("config") instanceof Map<?, ?> ec
                    && Boolean.TRUE.equals(ec.get("mask_zero"))) {
                masked = true;
            }
        }
        // a merge of a masked input leaves ops that combine the masks (Keras's compute_mask) in the
        // config; without them no mask reaches or leaves a merge, and Lamina computes the same
        boolean maskOps = false;
        for (Object o : entries) {
            maskOps |= o instanceof Map<?, ?> e && e.get("module") instanceof String m && m.startsWith("keras.src.ops");
        }
        if (masked && maskOps) {
            for (Object o : entries) {
                if (o instanceof Map<?, ?> e && MERGES.contains(e.get("class_name"))) {
                    throw new KerasFormatException(what + " is not supported: Embedding mask_zero=true with merge layer '"
                            + (e.get("config") instanceof Map<?, ?> ec ? ec.get("name") : "?") + "' (Keras combines the masks"
                            + " of a merge's inputs; Lamina passes masks along single-input layers only)");
                }
            }
        }
        boolean masks = masked;
        String name = config.get("name") instanceof String n ? n : null;
        return InboundNodes.read(name, entries, config.get("input_layers"), config.get("output_layers"), what,
                new InboundNodes.Dialect() {
                    @Override
                    public Layer layer(Object entry, int i) {
                        return KerasLayers.fromKeras(entry, "load: " + source + ": layer " + i, masks);
                    }

                    @Override
                    public boolean harmlessKwargs(Object kwargs) {
                        return KerasModelConfig.harmlessKwargs(kwargs);
                    }

                    @Override
                    public RuntimeException error(String message, Throwable cause) {
                        return new KerasFormatException(message, cause);
                    }
                });
    }

    /**
     * A model's layers in Keras's order, the order that numbers them in a weights file: a
     * Sequential's layers as they are; a functional model's as {@code keras.src.ops.function.map_graph}
     * sorts them (by depth from the outputs, deepest first, ties by first visit of a depth-first
     * walk from the outputs), InputLayers included.
     *
     * @param model the model
     * @return the layers in Keras's order
     */
    public static List<Layer> kerasOrder(Model model) {
        if (model.outputs().isEmpty()) {
            return model.layers();
        }
        // _build_map: depth-first from each output, nodes in post-order, layers by first visit
        List<Node> order = new ArrayList<>();
        Set<Node> finished = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Layer, Integer> firstVisit = new IdentityHashMap<>();
        for (SymbolicTensor out : model.outputs()) {
            visit(out.node(), finished, firstVisit, order);
        }
        // map_graph: a node's depth is 1 + the largest depth of the nodes that read it; a layer's the largest of its nodes'
        Set<Node> inGraph = Collections.newSetFromMap(new IdentityHashMap<>());
        inGraph.addAll(order);
        Map<Node, Integer> nodeDepth = new IdentityHashMap<>();
        Map<Layer, Integer> layerDepth = new IdentityHashMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            int depth = nodeDepth.computeIfAbsent(n, k -> 0);
            depth = Math.max(depth, layerDepth.getOrDefault(n.layer(), 0));
            layerDepth.put(n.layer(), depth);
            nodeDepth.put(n, depth);
            for (SymbolicTensor t : n.inputs()) {
                if (inGraph.contains(t.node())) {
                    nodeDepth.put(t.node(), Math.max(depth + 1, nodeDepth.getOrDefault(t.node(), 0)));
                }
            }
        }
        List<Layer> layers = new ArrayList<>(layerDepth.keySet());
        layers.sort((a, b) -> layerDepth.get(a).equals(layerDepth.get(b)) ? Integer.compare(firstVisit.get(a), firstVisit.get(b))
                : Integer.compare(layerDepth.get(b), layerDepth.get(a)));
        return layers;
    }

    private static void visit(Node node, Set<Node> finished, Map<Layer, Integer> firstVisit, List<Node> order) {
        if (finished.contains(node)) {
            return;
        }
        firstVisit.putIfAbsent(node.layer(), firstVisit.size());
        for (SymbolicTensor t : node.inputs()) {
            visit(t.node(), finished, firstVisit, order);
        }
        finished.add(node);
        order.add(node);
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
     * The Keras 3 config.json of a Lamina functional model, as Keras writes a {@code Functional}:
     * the layers in Keras's order ({@link #kerasOrder}), each with its {@code inbound_nodes} of
     * {@code __keras_tensor__} arguments ({@link InboundNodes#write}), and
     * the model's input and output references.
     *
     * @param model a functional model (built from {@link dev.lamina.nn.Input#of} tensors)
     * @return the config, ready for JSON
     */
    public static Map<String, Object> toKerasFunctional(Model model) {
        if (model.outputs().isEmpty()) {
            throw new IllegalArgumentException("save: " + model.name() + " is not a functional model");
        }
        List<Layer> layers = kerasOrder(model);
        // each layer's calls in graph order; a reference's node index is the position of the call in that list
        List<Node> nodes = new ArrayList<>();
        Set<Node> finished = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SymbolicTensor out : model.outputs()) {
            visit(out.node(), finished, new IdentityHashMap<>(), nodes);
        }
        Map<Layer, List<Node>> calls = new IdentityHashMap<>();
        Map<Node, Integer> nodeIndex = new IdentityHashMap<>();
        for (Node n : nodes) {
            List<Node> ns = calls.computeIfAbsent(n.layer(), k -> new ArrayList<>());
            nodeIndex.put(n, ns.size());
            ns.add(n);
        }
        List<Object> entries = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> e;
            if (l instanceof Input input) {
                boolean ids = false;
                for (Node n : nodes) {
                    for (SymbolicTensor t : n.inputs()) {
                        ids |= t.layer() == l && n.layer() instanceof Embedding;
                    }
                }
                e = new LinkedHashMap<>(KerasLayers.inputToKeras(input, ids));
            } else {
                e = new LinkedHashMap<>(KerasLayers.toKeras(l));
                if (l instanceof dev.lamina.nn.Merge) {
                    List<Object> shapes = new ArrayList<>();
                    for (SymbolicTensor t : calls.get(l).get(0).inputs()) {
                        shapes.add(shapeList(t.shape()));
                    }
                    e.put("build_config", Map.of("input_shape", shapes));
                }
            }
            e.put("name", l.name());
            e.put("inbound_nodes", InboundNodes.write(calls.getOrDefault(l, List.of()), nodeIndex));
            entries.add(e);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", model.name());
        config.put("trainable", true);
        config.put("layers", entries);
        config.put("input_layers", endpointRefs(model.inputs(), nodeIndex));
        config.put("output_layers", endpointRefs(model.outputs(), nodeIndex));
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("input_shape", null);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("module", "keras.src.models.functional");
        root.put("class_name", "Functional");
        root.put("config", config);
        root.put("registered_name", "Functional");
        root.put("build_config", build);
        root.put("compile_config", null);
        return root;
    }

    private static List<Object> shapeList(long[] shape) {
        List<Object> s = new ArrayList<>();
        for (long d : shape) {
            s.add(d < 0 ? null : (Object) d);
        }
        return s;
    }

    /** Keras writes one endpoint as [name, node, 0], several as a list of those. */
    private static Object endpointRefs(List<SymbolicTensor> ts, Map<Node, Integer> nodeIndex) {
        List<Object> out = new ArrayList<>();
        for (SymbolicTensor t : ts) {
            out.add(List.of(t.layer().name(), nodeIndex.get(t.node()), 0));
        }
        return out.size() == 1 ? out.get(0) : out;
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
