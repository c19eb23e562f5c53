package dev.lamina.io.keras;

import dev.lamina.nn.Bidirectional;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Layers;
import dev.lamina.nn.RecurrentLayer;
import dev.lamina.nn.TimeDistributed;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One Keras 3 layer entry ({@code {"module", "class_name", "config", "build_config"}}, as in a
 * {@code .keras} archive's config.json) to a Lamina layer, and a Lamina layer back to such an entry.
 *
 * <p>Every config field of a mapped class is accounted for: it is passed on to the Lamina layer,
 * or it must hold the value Lamina computes with (a constraint or an activity regularizer must be
 * null, data_format channels_last, GRU reset_after true), or it has no effect on the weights and
 * the predictions (unroll, BatchNormalization's synchronized). Anything else is a
 * {@link KerasFormatException} "Keras layer 'NAME' (class CLASS) is not supported: ...". The mapping
 * works per layer, so it serves Sequential models and the nodes of a functional graph alike.
 */
public final class KerasLayers {
    /** The fields of one Keras class: passed to Lamina, required values, and those without effect. */
    private record Spec(Set<String> pass, Map<String, Object> fixed, Set<String> ignored) {
    }

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();
    private static final Object NULL = new Object();

    static {
        Set<String> convPass = Set.of("filters", "kernel_size", "strides", "padding", "dilation_rate", "groups",
                "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer");
        Map<String, Object> convFixed = fixed("data_format", "channels_last", "activity_regularizer", NULL,
                "kernel_constraint", NULL, "bias_constraint", NULL);
        SPECS.put("InputLayer", new Spec(Set.of("batch_shape"), fixed("sparse", false, "ragged", false, "optional", false),
                Set.of()));
        SPECS.put("Dense", new Spec(Set.of("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                "kernel_regularizer", "bias_regularizer"), fixed("kernel_constraint", NULL, "bias_constraint", NULL,
                "activity_regularizer", NULL, "quantization_config", NULL, "lora_rank", NULL), Set.of()));
        SPECS.put("Conv1D", new Spec(convPass, convFixed, Set.of()));
        SPECS.put("Conv2D", new Spec(convPass, convFixed, Set.of()));
        SPECS.put("Conv2DTranspose", new Spec(without(convPass, "groups"), with(convFixed, "output_padding", NULL), Set.of()));
        SPECS.put("DepthwiseConv2D", new Spec(Set.of("depth_multiplier", "kernel_size", "strides", "padding", "dilation_rate",
                "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer"),
                fixed("data_format", "channels_last", "activity_regularizer", NULL, "depthwise_constraint", NULL,
                        "bias_constraint", NULL), Set.of()));
        Set<String> poolPass = Set.of("pool_size", "strides", "padding");
        SPECS.put("MaxPooling2D", new Spec(poolPass, fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("AveragePooling2D", new Spec(poolPass, fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("GlobalAveragePooling2D", new Spec(Set.of("keepdims"), fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("GlobalMaxPooling2D", new Spec(Set.of("keepdims"), fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("BatchNormalization", new Spec(Set.of("axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
                "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
                "gamma_regularizer"), fixed("beta_constraint", NULL, "gamma_constraint", NULL, "renorm", false,
                "renorm_clipping", NULL), Set.of("synchronized", "renorm_momentum")));
        SPECS.put("Dropout", new Spec(Set.of("rate", "seed"), fixed("noise_shape", NULL), Set.of()));
        SPECS.put("Flatten", new Spec(Set.of(), fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("Reshape", new Spec(Set.of("target_shape"), Map.of(), Set.of()));
        SPECS.put("Activation", new Spec(Set.of("activation"), Map.of(), Set.of()));
        SPECS.put("Embedding", new Spec(Set.of("input_dim", "output_dim", "mask_zero", "embeddings_initializer"),
                fixed("embeddings_regularizer", NULL, "activity_regularizer", NULL, "embeddings_constraint", NULL,
                        "quantization_config", NULL, "lora_rank", NULL, "input_length", NULL), Set.of()));
        Set<String> rnnPass = Set.of("units", "activation", "use_bias", "return_sequences", "return_state", "go_backwards",
                "stateful", "dropout", "recurrent_dropout", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                "seed");
        Map<String, Object> rnnFixed = fixed("kernel_regularizer", NULL, "recurrent_regularizer", NULL, "bias_regularizer", NULL,
                "activity_regularizer", NULL, "kernel_constraint", NULL, "recurrent_constraint", NULL, "bias_constraint", NULL);
        // unroll changes how Keras runs the loop, not what it computes; zero_output_for_mask is checked by the model builder
        Set<String> rnnIgnored = Set.of("unroll", "zero_output_for_mask");
        SPECS.put("SimpleRNN", new Spec(rnnPass, rnnFixed, rnnIgnored));
        SPECS.put("LSTM", new Spec(with(rnnPass, "recurrent_activation", "unit_forget_bias"), rnnFixed, rnnIgnored));
        SPECS.put("GRU", new Spec(with(rnnPass, "recurrent_activation"), with(rnnFixed, "reset_after", true), rnnIgnored));
        SPECS.put("ZeroPadding2D", new Spec(Set.of("padding"), fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("UpSampling2D", new Spec(Set.of("size", "interpolation"), fixed("data_format", "channels_last"), Set.of()));
        SPECS.put("TimeDistributed", new Spec(Set.of("layer"), Map.of(), Set.of()));
        SPECS.put("Bidirectional", new Spec(Set.of("layer", "backward_layer", "merge_mode"), Map.of(), Set.of()));
        // merge layers (functional models): no weights; Keras's configs hold only these options
        for (String merge : List.of("Add", "Subtract", "Multiply", "Average")) {
            SPECS.put(merge, new Spec(Set.of(), Map.of(), Set.of()));
        }
        SPECS.put("Concatenate", new Spec(Set.of("axis"), Map.of(), Set.of()));
        SPECS.put("Dot", new Spec(Set.of("axes", "normalize"), Map.of(), Set.of()));
    }

    private static Map<String, Object> fixed(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> s = new TreeSet<>(base);
        s.addAll(List.of(more));
        return s;
    }

    private static Set<String> without(Set<String> base, String key) {
        Set<String> s = new TreeSet<>(base);
        s.remove(key);
        return s;
    }

    private KerasLayers() {
    }

    /**
     * The Keras layer classes this mapping reads and writes.
     *
     * @return the class names, sorted
     */
    public static Set<String> supportedClasses() {
        return new TreeSet<>(SPECS.keySet());
    }

    /**
     * Keras's snake_case of a class name ({@code keras.src.utils.naming.to_snake_case}):
     * Conv2DTranspose → conv2d_transpose, SimpleRNN → simple_rnn. Keras 3 weight files address a
     * layer by this name, numbered per class ({@code dense}, {@code dense_1}, ...).
     *
     * @param className a class name
     * @return its snake_case form
     */
    public static String snakeCase(String className) {
        String n = className.replaceAll("\\W+", "");
        n = n.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return n.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /**
     * A new, unbuilt Lamina layer from a Keras layer entry.
     *
     * @param entry the Keras entry ({@code {"class_name", "config", ...}})
     * @param where the start of every error message (the file and the position of the layer)
     * @param masked whether a mask (from Embedding mask_zero) can reach this layer
     * @return the layer, or an {@link Input} for an InputLayer
     * @throws KerasFormatException when the entry does not map onto Lamina
     */
    public static Layer fromKeras(Object entry, String where, boolean masked) {
        if (!(entry instanceof Map<?, ?> e)) {
            throw new KerasFormatException(where + ": a layer must be a JSON object, got " + Json.write(entry));
        }
        if (!(e.get("class_name") instanceof String cls)) {
            throw new KerasFormatException(where + ": a layer needs a string 'class_name', got " + Json.write(e.get("class_name")));
        }
        if (!(e.get("config") instanceof Map<?, ?> rawConfig)) {
            throw new KerasFormatException(where + ": layer of class " + cls + " has no config object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) rawConfig;
        String name = config.get("name") instanceof String n ? n : "?";
        String named = where + ": Keras layer '" + name + "' (class " + cls + ")";
        Object module = e.get("module");
        if (module != null && !(module instanceof String m && (m.equals("keras.layers") || m.startsWith("keras.src.layers")))) {
            throw new KerasFormatException(named + " is not supported: module " + Json.write(module)
                    + " is not a Keras built-in layer module (custom layers do not load)");
        }
        Spec spec = SPECS.get(cls);
        if (spec == null) {
            throw new KerasFormatException(named + " is not supported: Lamina maps " + supportedClasses());
        }
        Map<String, Object> lamina = new LinkedHashMap<>();
        lamina.put("name", name.equals("?") ? null : name);
        for (Map.Entry<String, Object> f : config.entrySet()) {
            String k = f.getKey();
            Object v = f.getValue();
            if (k.equals("name")) {
                continue;
            } else if (k.equals("trainable")) {
                if (!(v instanceof Boolean)) {
                    throw new KerasFormatException(named + ": field 'trainable' must be a boolean, got " + Json.write(v));
                }
                lamina.put(k, v);
            } else if (k.equals("dtype")) {
                lamina.put("dtype", dtype(v, named, cls.equals("InputLayer")));
            } else if (spec.pass.contains(k)) {
                lamina.put(k, v);
            } else if (spec.fixed.containsKey(k)) {
                Object want = spec.fixed.get(k);
                boolean ok = v == null || (want != NULL && Objects.equals(want, v));
                if (!ok) {
                    throw new KerasFormatException(named + " is not supported: option " + k + "=" + Json.write(v)
                            + " (Lamina computes with " + (want == NULL ? "null" : Json.write(want)) + ")");
                }
            } else if (!spec.ignored.contains(k)) {
                throw new KerasFormatException(named + " is not supported: unknown option '" + k + "' = " + Json.write(v));
            }
        }
        // (Keras zeroes a masked step's output, the last step's too when only that is returned)
        if (masked && Boolean.TRUE.equals(config.get("zero_output_for_mask"))) {
            throw new KerasFormatException(named + " is not supported: zero_output_for_mask=true behind a mask (Lamina repeats"
                    + " the previous output at masked steps, as zero_output_for_mask=false)");
        }
        try {
            return build(cls, lamina, named, masked);
        } catch (KerasFormatException ex) {
            throw ex;
        } catch (IllegalArgumentException | ClassCastException | NullPointerException | IllegalStateException ex) {
            throw new KerasFormatException(named + " is not supported: " + ex.getMessage(), ex);
        }
    }

    @SuppressWarnings("unchecked")
    private static Layer build(String cls, Map<String, Object> c, String named, boolean masked) {
        for (String k : List.copyOf(c.keySet())) {
            if (k.endsWith("_initializer") && c.get(k) != null) {
                c.put(k, initializerToLamina(c.get(k), named + ", " + k));
            } else if (k.endsWith("_regularizer") && c.get(k) != null) {
                c.put(k, regularizerToLamina(c.get(k), named + ", " + k));
            } else if (k.equals("activation") || k.equals("recurrent_activation")) {
                if (c.get(k) != null && !(c.get(k) instanceof String)) {
                    throw new KerasFormatException(named + " is not supported: " + k + " " + Json.write(c.get(k))
                            + " is not a built-in activation name");
                }
            }
        }
        switch (cls) {
            case "DepthwiseConv2D" -> {
                rename(c, "depthwise_initializer", "kernel_initializer");
                rename(c, "depthwise_regularizer", "kernel_regularizer");
            }
            case "TimeDistributed" -> {
                Layer inner = fromKeras(c.get("layer"), named + " inner layer", masked);
                TimeDistributed t = new TimeDistributed(inner, (String) c.get("name"));
                t.setTrainable(!Boolean.FALSE.equals(c.get("trainable")));
                return t;
            }
            case "Bidirectional" -> {
                return bidirectional(c, named, masked);
            }
            case "InputLayer" -> {
                c.remove("trainable");
                c.remove("dtype"); // checked above; Lamina's Input takes what it is given
                if (!(c.get("batch_shape") instanceof List<?> shape) || shape.isEmpty()) {
                    throw new KerasFormatException(named + ": needs a batch_shape list, got " + Json.write(c.get("batch_shape")));
                }
                if (shape.get(0) != null) {
                    // a fixed batch size does not change the model; Lamina takes any
                    List<Object> s = new ArrayList<>(shape);
                    s.set(0, null);
                    c.put("batch_shape", s);
                }
                return Layers.fromConfig(cls, c);
            }
            default -> {
            }
        }
        return Layers.fromConfig(cls, c);
    }

    @SuppressWarnings("unchecked")
    private static Layer bidirectional(Map<String, Object> c, String named, boolean masked) {
        Object fw = c.get("layer");
        // no zero_output_for_mask check: Keras forces it to return_sequences in a Bidirectional, as Lamina does
        Layer forward = fromKeras(fw, named + " forward layer", false);
        if (!(forward instanceof RecurrentLayer r)) {
            forward.close();
            throw new KerasFormatException(named + " is not supported: Lamina wraps SimpleRNN, LSTM or GRU, got "
                    + ((Map<String, Object>) fw).get("class_name"));
        }
        Object bw = c.get("backward_layer");
        if (bw != null) {
            // Lamina makes the backward layer as a mirror of the forward one; accept only such a file
            Map<String, Object> f = mirrorKey((Map<String, Object>) fw);
            Map<String, Object> b = mirrorKey((Map<String, Object>) bw);
            boolean fGo = Boolean.TRUE.equals(((Map<String, Object>) ((Map<String, Object>) fw).get("config")).get("go_backwards"));
            boolean bGo = Boolean.TRUE.equals(((Map<String, Object>) ((Map<String, Object>) bw).get("config")).get("go_backwards"));
            if (!f.equals(b) || fGo == bGo) {
                forward.close();
                throw new KerasFormatException(named + " is not supported: its backward_layer is not the forward layer run"
                        + " backwards (Lamina builds the backward layer as that mirror)");
            }
        }
        String inner = r.name().startsWith("forward_") ? r.name().substring("forward_".length()) : r.name();
        Layer renamed = r;
        if (!inner.equals(r.name())) {
            Map<String, Object> cfg = r.config();
            cfg.put("name", inner);
            r.close();
            renamed = Layers.fromConfig(((Map<String, Object>) fw).get("class_name").toString(), cfg);
        }
        Bidirectional b = new Bidirectional((RecurrentLayer) renamed,
                c.get("merge_mode") == null ? "concat" : (String) c.get("merge_mode"), (String) c.get("name"));
        b.setTrainable(!Boolean.FALSE.equals(c.get("trainable")));
        return b;
    }

    /** A wrapped layer's entry less its name, go_backwards and build state, for the mirror check. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> mirrorKey(Map<String, Object> entry) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("class_name", entry.get("class_name"));
        Map<String, Object> cfg = new LinkedHashMap<>((Map<String, Object>) entry.get("config"));
        cfg.remove("name");
        cfg.remove("go_backwards");
        for (String k : List.copyOf(cfg.keySet())) {
            if (k.endsWith("_initializer") && cfg.get(k) instanceof Map<?, ?> init) {
                Map<String, Object> i = new LinkedHashMap<>((Map<String, Object>) init);
                i.remove("shared_object_id");
                cfg.put(k, i);
            } else if (k.equals("dtype") && cfg.get(k) instanceof Map<?, ?> d) {
                Map<String, Object> i = new LinkedHashMap<>((Map<String, Object>) d);
                i.remove("shared_object_id");
                cfg.put(k, i);
            }
        }
        m.put("config", cfg);
        return m;
    }

    private static void rename(Map<String, Object> c, String from, String to) {
        if (c.containsKey(from)) {
            c.put(to, c.remove(from));
        }
    }

    /** A Keras dtype: "float32" or a DTypePolicy object; float32 and float64 map, input layers also take ints. */
    private static String dtype(Object v, String named, boolean input) {
        String name = v instanceof String s ? s : null;
        if (v instanceof Map<?, ?> m) {
            if (!"DTypePolicy".equals(m.get("class_name")) || !(m.get("config") instanceof Map<?, ?> pc)
                    || !(pc.get("name") instanceof String pn)) {
                throw new KerasFormatException(named + " is not supported: dtype policy " + Json.write(v)
                        + " (Lamina computes in float32 or float64)");
            }
            name = pn;
        }
        if (v == null) {
            return null;
        }
        if ("float32".equals(name) || "float64".equals(name)) {
            return name;
        }
        if (input && name != null && (name.startsWith("int") || name.startsWith("uint"))) {
            return null; // Lamina's Input is untyped; Embedding takes the integer ids as they come
        }
        throw new KerasFormatException(named + " is not supported: dtype " + Json.write(v)
                + " (Lamina computes in float32 or float64; mixed precision does not map)");
    }

    @SuppressWarnings("unchecked")
    private static Object initializerToLamina(Object v, String named) {
        if (v instanceof String s) {
            String camel = snakeToCamel(s);
            return Map.of("class_name", camel, "config", Map.of());
        }
        if (!(v instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)) {
            throw new KerasFormatException(named + ": an initializer must be a name or an object, got " + Json.write(v));
        }
        Map<String, Object> cfg = m.get("config") instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm)
                : new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", cls);
        out.put("config", cfg);
        try {
            dev.lamina.nn.Initializers.fromConfig(out);
        } catch (RuntimeException ex) {
            throw new KerasFormatException(named + " is not supported: initializer " + Json.write(v) + ": " + ex.getMessage(), ex);
        }
        return out;
    }

    private static String snakeToCamel(String s) {
        StringBuilder b = new StringBuilder();
        for (String part : s.split("_")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }

    private static Object regularizerToLamina(Object v, String named) {
        if (!(v instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)
                || !Set.of("L1", "L2", "L1L2").contains(cls) || !(m.get("config") instanceof Map<?, ?> cfg)) {
            throw new KerasFormatException(named + " is not supported: regularizer " + Json.write(v)
                    + " (Lamina maps L1, L2 and L1L2)");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("l1", cfg.get("l1") == null ? 0.0 : cfg.get("l1"));
        c.put("l2", cfg.get("l2") == null ? 0.0 : cfg.get("l2"));
        return Map.of("class_name", "L1L2", "config", c);
    }

    // ---- Lamina to Keras ----

    /**
     * The Keras 3 entry of a Lamina layer, as {@code keras.saving.serialize_keras_object} writes it
     * (module, class_name, config with a DTypePolicy and Keras initializer objects, registered_name,
     * build_config when the layer is built).
     *
     * @param layer a Lamina layer of a class Keras has
     * @return the entry, ready for JSON
     * @throws IllegalArgumentException for a layer class Keras does not have
     */
    public static Map<String, Object> toKeras(Layer layer) {
        return toKeras(layer.className(), layer.config(), layer.isBuilt() ? layer.builtInputShape() : null, null);
    }

    /**
     * The Keras InputLayer entry of a Lamina {@link Input}, typed int32 when the next layer is an
     * Embedding (as Keras's own files are).
     *
     * @param input the input layer
     * @param integerIds whether the model's first layer takes integer ids
     * @return the entry
     */
    public static Map<String, Object> inputToKeras(Input input, boolean integerIds) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("batch_shape", input.config().get("batch_shape"));
        c.put("dtype", integerIds ? "int32" : input.dtype().toString());
        c.put("sparse", false);
        c.put("ragged", false);
        c.put("name", input.name());
        c.put("optional", false);
        return entry("InputLayer", c, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toKeras(String cls, Map<String, Object> lamina, long[] builtShape, String where) {
        if (!SPECS.containsKey(cls) || cls.equals("InputLayer")) {
            throw new IllegalArgumentException("save: layer class " + cls + " has no Keras 3 counterpart that Lamina writes"
                    + " (Lamina writes " + supportedClasses() + ")");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        for (Map.Entry<String, Object> f : lamina.entrySet()) {
            String k = f.getKey();
            Object v = f.getValue();
            if (k.equals("dtype")) {
                c.put(k, dtypePolicy(String.valueOf(v)));
            } else if (k.endsWith("_initializer") && v instanceof Map<?, ?> m) {
                c.put(k, kerasObject("keras.initializers", (Map<String, Object>) m));
            } else if (k.endsWith("_regularizer") && v instanceof Map<?, ?> m) {
                c.put(k, kerasObject("keras.regularizers", (Map<String, Object>) m));
            } else if ((k.equals("layer")) && v instanceof Map<?, ?> inner) {
                Map<String, Object> in = (Map<String, Object>) inner;
                c.put(k, toKeras((String) in.get("class_name"), (Map<String, Object>) in.get("config"), null, where));
            } else {
                c.put(k, v);
            }
        }
        switch (cls) {
            case "DepthwiseConv2D" -> {
                renameKeep(c, "kernel_initializer", "depthwise_initializer");
                renameKeep(c, "kernel_regularizer", "depthwise_regularizer");
                c.remove("groups");
            }
            case "SimpleRNN" -> c.remove("recurrent_activation");
            case "GRU" -> c.put("reset_after", true);
            default -> {
            }
        }
        return entry(cls, c, builtShape);
    }

    private static void renameKeep(Map<String, Object> c, String from, String to) {
        if (c.containsKey(from)) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : c.entrySet()) {
                copy.put(e.getKey().equals(from) ? to : e.getKey(), e.getValue());
            }
            c.clear();
            c.putAll(copy);
        }
    }

    private static Map<String, Object> entry(String cls, Map<String, Object> config, long[] builtShape) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("module", "keras.layers");
        e.put("class_name", cls);
        e.put("config", config);
        e.put("registered_name", null);
        if (builtShape != null) {
            List<Object> s = new ArrayList<>();
            for (long d : builtShape) {
                s.add(d < 0 ? null : (Object) d);
            }
            e.put("build_config", Map.of("input_shape", s));
        }
        return e;
    }

    static Map<String, Object> dtypePolicy(String name) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("module", "keras");
        p.put("class_name", "DTypePolicy");
        p.put("config", Map.of("name", name));
        p.put("registered_name", null);
        return p;
    }

    private static Map<String, Object> kerasObject(String module, Map<String, Object> lamina) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("module", module);
        o.put("class_name", lamina.get("class_name"));
        o.put("config", lamina.getOrDefault("config", Map.of()));
        o.put("registered_name", null);
        return o;
    }
}
