package dev.lamina.models;

import dev.lamina.nn.Layer;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Weight names by the model's structure, as Keras 3 saves weights: each layer is named from its
 * class and its place in the model ({@code dense}, {@code dense_1}, ... counted per model, not
 * per process), whatever its own name. Two models of the same architecture give the same names,
 * so weights saved from one load into the other, in the same JVM or another.
 *
 * <p>A weight's name is {@code LAYER/WEIGHT} ({@code dense_1/kernel}); a wrapper's inner layer
 * adds its Keras attribute name ({@code bidirectional/forward_layer/kernel},
 * {@code time_distributed/layer/kernel}).
 */
final class WeightNames {
    private WeightNames() {
    }

    /** Structural name → weight, in {@link Model#weights()} order. */
    static Map<String, Variable> of(Model model) {
        Map<String, Variable> out = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (Layer l : model.allLayers()) {
            String base = snake(l.className());
            String layerName = base;
            for (int k = 1; used.contains(layerName); k++) {
                layerName = base + "_" + k;
            }
            used.add(layerName);
            List<String> inner = new ArrayList<>();
            for (Variable v : l.weights()) {
                String key = layerName + "/" + suffix(l, v, inner);
                if (out.put(key, v) != null) {
                    throw new IllegalArgumentException(model.name() + ": two weights of layer " + l.name() + " map to '" + key + "'");
                }
            }
        }
        return out;
    }

    /** The weight's name inside its layer: {@code kernel}, or {@code forward_layer/kernel} for a wrapped layer's. */
    private static String suffix(Layer l, Variable v, List<String> inner) {
        String prefix = l.name() + "/";
        if (v.name().startsWith(prefix)) {
            return v.name().substring(prefix.length());
        }
        int cut = v.name().lastIndexOf('/');
        if (cut < 0) {
            return v.name();
        }
        String owner = v.name().substring(0, cut);
        String attr;
        if (owner.startsWith("forward_")) {
            attr = "forward_layer";
        } else if (owner.startsWith("backward_")) {
            attr = "backward_layer";
        } else {
            if (!inner.contains(owner)) {
                inner.add(owner);
            }
            int k = inner.indexOf(owner);
            attr = k == 0 ? "layer" : "layer_" + k;
        }
        return attr + "/" + v.name().substring(cut + 1);
    }

    /** snake_case as Keras: BatchNormalization → batch_normalization, InputLayer → input_layer. */
    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z])([A-Z][a-z])", "$1_$2").toLowerCase(Locale.ROOT);
    }
}
