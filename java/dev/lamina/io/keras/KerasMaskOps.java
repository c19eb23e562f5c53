package dev.lamina.io.keras;

import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The mask bookkeeping Keras writes into a functional model's config when an
 * {@code Embedding(mask_zero=True)} feeds a layer that takes a mask: Keras records the mask it
 * computed (an op layer {@code NotEqual} of module {@code keras.src.ops.numpy} on the Embedding's
 * input and 0) and passes it to each masked call as a {@code mask} keyword argument. That is the
 * mask Lamina computes and passes along by itself (Embedding's {@code computeMask}, carried through
 * the single-input layers that keep it), so both are removed before the graph is read: the
 * NotEqual entries, and the mask arguments that name them. A NotEqual on anything else, or a mask
 * argument from any other tensor, stays and is refused by the graph reader as before.
 */
final class KerasMaskOps {
    private KerasMaskOps() {
    }

    /**
     * The functional config with Keras's Embedding-mask ops and mask arguments removed; the same
     * map when there are none.
     *
     * @param config the functional model's config (its "layers" list is not modified)
     * @return a config to read the graph from
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> strip(Map<String, Object> config) {
        if (!(config.get("layers") instanceof List<?> layers)) {
            return config;
        }
        // the tensors that a mask_zero Embedding reads: [layer, node, index] as JSON
        Set<String> embeddingInputs = new HashSet<>();
        for (Object o : layers) {
            if (o instanceof Map<?, ?> e && "Embedding".equals(e.get("class_name")) && e.get("config") instanceof Map<?, ?> c
                    && Boolean.TRUE.equals(c.get("mask_zero"))) {
                for (Object node : nodes(e)) {
                    List<Object> args = args(node);
                    if (args != null && args.size() == 1 && history(args.get(0)) != null) {
                        embeddingInputs.add(Json.write(history(args.get(0))));
                    }
                }
            }
        }
        Set<String> maskOps = new HashSet<>();
        for (Object o : layers) {
            if (o instanceof Map<?, ?> e && "NotEqual".equals(e.get("class_name")) && "keras.src.ops.numpy".equals(e.get("module"))
                    && e.get("name") instanceof String name && nodes(e).size() == 1) {
                List<Object> args = args(nodes(e).get(0));
                Object kwargs = ((Map<String, Object>) nodes(e).get(0)).get("kwargs");
                boolean noKwargs = kwargs == null || (kwargs instanceof Map<?, ?> k && k.isEmpty());
                if (args != null && args.size() == 2 && noKwargs && history(args.get(0)) != null
                        && embeddingInputs.contains(Json.write(history(args.get(0))))
                        && args.get(1) instanceof Number n && n.doubleValue() == 0) {
                    maskOps.add(name);
                }
            }
        }
        if (maskOps.isEmpty()) {
            return config;
        }
        List<Object> kept = new ArrayList<>();
        for (Object o : layers) {
            Map<String, Object> e = (Map<String, Object>) o;
            if (maskOps.contains(e.get("name"))) {
                continue;
            }
            if (!(e.get("inbound_nodes") instanceof List<?> nodes)) {
                kept.add(e);
                continue;
            }
            List<Object> newNodes = new ArrayList<>();
            for (Object node : nodes) {
                if (node instanceof Map<?, ?> n && n.get("kwargs") instanceof Map<?, ?> kw && kw.get("mask") != null
                        && history(kw.get("mask")) instanceof List<?> h && !h.isEmpty() && maskOps.contains(h.get(0))) {
                    Map<String, Object> nn = new LinkedHashMap<>((Map<String, Object>) n);
                    Map<String, Object> k = new LinkedHashMap<>((Map<String, Object>) kw);
                    k.remove("mask");
                    nn.put("kwargs", k);
                    newNodes.add(nn);
                } else {
                    newNodes.add(node);
                }
            }
            Map<String, Object> ne = new LinkedHashMap<>(e);
            ne.put("inbound_nodes", newNodes);
            kept.add(ne);
        }
        Map<String, Object> out = new LinkedHashMap<>(config);
        out.put("layers", kept);
        return out;
    }

    private static List<Object> nodes(Map<?, ?> entry) {
        return entry.get("inbound_nodes") instanceof List<?> l ? new ArrayList<>(l) : List.of();
    }

    private static List<Object> args(Object node) {
        return node instanceof Map<?, ?> n && n.get("args") instanceof List<?> a ? new ArrayList<>(a) : null;
    }

    /** A {@code __keras_tensor__}'s keras_history, or null. */
    private static Object history(Object arg) {
        if (arg instanceof Map<?, ?> t && "__keras_tensor__".equals(t.get("class_name")) && t.get("config") instanceof Map<?, ?> c) {
            return c.get("keras_history");
        }
        return null;
    }
}
