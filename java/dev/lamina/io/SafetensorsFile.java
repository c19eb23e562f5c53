package dev.lamina.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contents of one safetensors file.
 *
 * @param tensors name to data, in the order the header lists them
 * @param metadata the {@code __metadata__} entries (empty when the file has none)
 */
public record SafetensorsFile(Map<String, HostTensor> tensors, Map<String, String> metadata) {

    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor called {@code name}, or an IllegalArgumentException listing the names there are. */
    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' (have " + tensors.keySet() + ")");
        }
        return t;
    }
}
