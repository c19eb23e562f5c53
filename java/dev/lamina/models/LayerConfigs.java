package dev.lamina.models;

import dev.lamina.nn.Layer;
import dev.lamina.nn.Layers;
import dev.lamina.util.ConfigCheck;
import dev.lamina.util.ConfigCheck.Kind;
import dev.lamina.util.Json;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict reading of saved layer entries ({@code {"class_name", "config", "build_input_shape"}}):
 * each config field of a known name must have its JSON type (checked before the layer is built),
 * and the config of the built layer must give back every field as written (no unknown fields, no
 * integer field given 3.7, no boolean given "yes"). Every problem is an IllegalArgumentException
 * naming the file, the layer and the field.
 */
final class LayerConfigs {
    /** The JSON types of the config fields the built-in layers, initializers and regularizers write. */
    private static final Map<String, Set<Kind>> KINDS = new HashMap<>();

    static {
        Set<Kind> str = EnumSet.of(Kind.STRING);
        Set<Kind> bool = EnumSet.of(Kind.BOOLEAN);
        Set<Kind> integer = EnumSet.of(Kind.INTEGER);
        Set<Kind> num = EnumSet.of(Kind.NUMBER);
        Set<Kind> list = EnumSet.of(Kind.LIST);
        Set<Kind> obj = EnumSet.of(Kind.OBJECT);
        Set<Kind> intOrList = EnumSet.of(Kind.INTEGER, Kind.LIST);
        Set<Kind> init = EnumSet.of(Kind.STRING, Kind.OBJECT);
        for (String k : List.of("name", "dtype", "activation", "recurrent_activation", "data_format", "merge_mode",
                "interpolation", "class_name", "mode", "distribution")) {
            KINDS.put(k, str);
        }
        for (String k : List.of("trainable", "use_bias", "return_sequences", "return_state", "go_backwards", "stateful",
                "unit_forget_bias", "mask_zero", "center", "keepdims", "normalize")) {
            KINDS.put(k, bool);
        }
        for (String k : List.of("units", "filters", "depth_multiplier", "groups", "input_dim", "output_dim", "seed")) {
            KINDS.put(k, integer);
        }
        for (String k : List.of("dropout", "recurrent_dropout", "rate", "epsilon", "momentum", "l1", "l2", "mean", "stddev",
                "minval", "maxval", "value", "gain")) {
            KINDS.put(k, num);
        }
        for (String k : List.of("kernel_size", "strides", "dilation_rate", "pool_size", "size", "axis", "axes")) {
            KINDS.put(k, intOrList);
        }
        for (String k : List.of("batch_shape", "target_shape", "build_input_shape", "output_padding")) {
            KINDS.put(k, list);
        }
        for (String k : List.of("kernel_initializer", "recurrent_initializer", "bias_initializer", "beta_initializer",
                "gamma_initializer", "embeddings_initializer", "moving_mean_initializer", "moving_variance_initializer")) {
            KINDS.put(k, init);
        }
        for (String k : List.of("kernel_regularizer", "bias_regularizer", "beta_regularizer", "gamma_regularizer", "layer",
                "config")) {
            KINDS.put(k, obj);
        }
        KINDS.put("padding", EnumSet.of(Kind.STRING, Kind.INTEGER, Kind.LIST)); // "same", or ZeroPadding2D's sizes
        KINDS.put("scale", EnumSet.of(Kind.BOOLEAN, Kind.NUMBER)); // BatchNormalization's flag, VarianceScaling's factor
    }

    private static final Set<String> ENTRY_KEYS = Set.of("class_name", "config", "build_input_shape");

    private LayerConfigs() {
    }

    /** A new layer from one saved entry; {@code where} ("load: FILE: layer 3") starts every message. */
    static Layer layer(Object entry, String where) {
        if (!(entry instanceof Map<?, ?> e)) {
            throw new IllegalArgumentException(where + " must be a JSON object, got " + Json.write(entry));
        }
        for (Object k : e.keySet()) {
            if (!ENTRY_KEYS.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown field '" + k + "' (known: [build_input_shape, class_name, config])");
            }
        }
        if (!(e.get("class_name") instanceof String cls)) {
            throw new IllegalArgumentException(where + ": field 'class_name' must be a string, got " + Json.write(e.get("class_name")));
        }
        if (!(e.get("config") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(where + " (" + cls + "): field 'config' must be an object, got "
                    + Json.write(e.get("config")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) raw;
        String named = where + " (" + cls + (config.get("name") instanceof String n ? " '" + n + "'" : "") + ")";
        ConfigCheck.checkKinds(named, config, KINDS);
        for (String k : List.of("units", "filters", "depth_multiplier", "groups", "input_dim", "output_dim")) {
            if (config.get(k) instanceof Number n && (n.doubleValue() < 0 || n.doubleValue() > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException(named + ": field '" + k + "' is " + Json.write(n) + ", out of range 0.."
                        + Integer.MAX_VALUE);
            }
        }
        Layer layer;
        try {
            layer = Layers.fromConfig(cls, config);
        } catch (ClassCastException | NullPointerException | ArithmeticException | IndexOutOfBoundsException
                 | IllegalStateException | UnsupportedOperationException ex) {
            // a field combination the kind table cannot see (a list of the wrong elements, a missing part)
            throw new IllegalArgumentException(named + ": invalid config: " + ex, ex);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(named + ": " + ex.getMessage(), ex);
        }
        try {
            ConfigCheck.checkRoundTrip(named, config, layer.config());
            return layer;
        } catch (RuntimeException | Error ex) {
            layer.close();
            throw ex;
        }
    }

    /** A saved build_input_shape: a list of positive integers, null for the batch axis or unknown sizes. */
    static long[] buildShape(Object shape, String where) {
        if (!(shape instanceof List<?> s) || s.size() > 64) {
            throw new IllegalArgumentException(where + ": field 'build_input_shape' must be a list of at most 64 sizes, got "
                    + Json.write(shape));
        }
        long[] dims = new long[s.size()];
        for (int i = 0; i < dims.length; i++) {
            Object d = s.get(i);
            if (d == null) {
                dims[i] = -1;
            } else if (ConfigCheck.kind(d) == Kind.INTEGER && ((Number) d).longValue() > 0) {
                dims[i] = ((Number) d).longValue();
            } else {
                throw new IllegalArgumentException(where + ": field 'build_input_shape[" + i + "]' must be a positive integer or null, got "
                        + Json.write(d));
            }
        }
        return dims;
    }
}
