package dev.lamina.parity;

import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.types.DType;
import dev.lamina.util.Json;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One parity case file (format: {@code ../shared/parity/FORMAT.md}): an op, its attributes, its
 * inputs, the expected outputs and gradients, and the seeds of the backward pass. Maps are keyed by
 * the name without its prefix ({@code in.x} is input {@code x}).
 */
public record ParityCase(Path file, String op, Map<String, Object> attrs,
                         Map<String, HostTensor> inputs, Map<String, HostTensor> outputs,
                         Map<String, HostTensor> seeds, Map<String, HostTensor> grads) {

    public ParityCase {
        attrs = Collections.unmodifiableMap(new LinkedHashMap<>(attrs));
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        seeds = Collections.unmodifiableMap(new LinkedHashMap<>(seeds));
        grads = Collections.unmodifiableMap(new LinkedHashMap<>(grads));
    }

    /** The file name, as printed in reports. */
    public String name() {
        return file.getFileName().toString();
    }

    /**
     * Reads and checks a case file. A file that is not valid safetensors, or not a valid case, is a
     * {@link IllegalArgumentException} naming the file.
     */
    public static ParityCase load(Path file) {
        SafetensorsFile st = Safetensors.read(file);
        String op = st.metadata().get("op");
        if (op == null || op.isBlank()) {
            throw bad(file, "__metadata__ has no 'op'");
        }
        String attrsText = st.metadata().getOrDefault("attrs", "{}");
        Map<String, Object> attrs;
        try {
            attrs = Json.parseObject(attrsText);
        } catch (Json.JsonException e) {
            throw bad(file, "attrs is not a JSON object: " + e.getMessage());
        }
        Map<String, HostTensor> in = new LinkedHashMap<>();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, HostTensor> seed = new LinkedHashMap<>();
        Map<String, HostTensor> grad = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : st.tensors().entrySet()) {
            String full = e.getKey();
            int dot = full.indexOf('.');
            String prefix = dot < 0 ? full : full.substring(0, dot);
            String name = dot < 0 ? "" : full.substring(dot + 1);
            if (name.isEmpty()) {
                throw bad(file, "tensor name '" + full + "' is not PREFIX.NAME");
            }
            HostTensor t = e.getValue();
            switch (prefix) {
                case "in":
                    in.put(name, t);
                    break;
                case "out":
                    out.put(name, requireFloat(file, full, t));
                    break;
                case "seed":
                    seed.put(name, requireFloat(file, full, t));
                    break;
                case "grad":
                    grad.put(name, requireFloat(file, full, t));
                    break;
                default:
                    throw bad(file, "tensor '" + full + "' has an unknown prefix (expected in., out., seed., grad.)");
            }
        }
        if (out.isEmpty()) {
            throw bad(file, "no out.* tensors");
        }
        for (String s : seed.keySet()) {
            if (!out.containsKey(s)) {
                throw bad(file, "seed." + s + " has no matching out." + s);
            }
            if (!java.util.Arrays.equals(seed.get(s).shape(), out.get(s).shape())) {
                throw bad(file, "seed." + s + " and out." + s + " differ in shape");
            }
        }
        for (String g : grad.keySet()) {
            if (!in.containsKey(g)) {
                throw bad(file, "grad." + g + " has no matching in." + g);
            }
            if (!in.get(g).dtype().isFloating()) {
                throw bad(file, "grad." + g + " belongs to a non-float input");
            }
        }
        return new ParityCase(file, op, attrs, in, out, seed, grad);
    }

    private static HostTensor requireFloat(Path file, String name, HostTensor t) {
        if (!t.dtype().isFloating()) {
            throw bad(file, name + " is " + t.dtype() + ", expected a float dtype");
        }
        return t;
    }

    private static IllegalArgumentException bad(Path file, String problem) {
        return new IllegalArgumentException(file + ": not a parity case: " + problem);
    }
}
