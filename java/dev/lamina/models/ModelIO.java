package dev.lamina.models;

import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Layers;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saving and loading models. Weights are a safetensors file whose tensor names are the Keras
 * weight names ({@code dense/kernel}); the architecture is JSON in the Keras shape
 * ({@code {"class_name": "Sequential", "config": {"layers": [...]}}}).
 *
 * <p>A path ending in {@code .safetensors} is one file with the architecture in the header
 * metadata (key {@code lamina_model}); any other path is a directory holding
 * {@code config.json} and {@code model.weights.safetensors}. Every write goes to a temporary file
 * first and is renamed into place, so a crash never leaves a half-written model.
 */
public final class ModelIO {
    static final String FORMAT = "lamina-model";
    static final String FORMAT_VERSION = "1";
    private static final String CONFIG_FILE = "config.json";
    private static final String WEIGHTS_FILE = "model.weights.safetensors";

    private ModelIO() {
    }

    /** Saves the architecture and the weights of a Sequential model. */
    public static void save(Model model, Path path) {
        if (!(model instanceof Sequential seq)) {
            throw new IllegalArgumentException("save: only Sequential models store their architecture; for "
                    + model.getClass().getSimpleName() + " use saveWeights and rebuild the model in code");
        }
        Map<String, Object> arch = new LinkedHashMap<>();
        arch.put("format", FORMAT);
        arch.put("version", FORMAT_VERSION);
        arch.put("class_name", "Sequential");
        arch.put("config", seq.config());
        String json = Json.writePretty(arch);
        try {
            if (path.getFileName().toString().endsWith(".safetensors")) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("format", FORMAT);
                meta.put("lamina_model", Json.write(arch));
                Safetensors.write(path, weightTensors(model), meta);
            } else {
                Files.createDirectories(path);
                writeAtomically(path.resolve(CONFIG_FILE), json.getBytes(StandardCharsets.UTF_8));
                Safetensors.write(path.resolve(WEIGHTS_FILE), weightTensors(model), Map.of("format", FORMAT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("save: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Loads a model saved by {@link #save}: the same layers, the same weights, the same predictions. */
    public static Sequential load(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("load: " + path + " does not exist");
        }
        Map<String, Object> arch;
        SafetensorsFile weights;
        try {
            if (Files.isDirectory(path)) {
                Path cfg = path.resolve(CONFIG_FILE);
                if (!Files.exists(cfg)) {
                    throw new IllegalArgumentException("load: " + path + " has no " + CONFIG_FILE);
                }
                arch = Json.parseObject(Files.readString(cfg, StandardCharsets.UTF_8));
                weights = Safetensors.read(path.resolve(WEIGHTS_FILE));
            } else {
                weights = Safetensors.read(path);
                String js = weights.metadata().get("lamina_model");
                if (js == null) {
                    throw new IllegalArgumentException("load: " + path + " holds weights only (no lamina_model metadata); "
                            + "build the model in code and call loadWeights");
                }
                arch = Json.parseObject(js);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("load: cannot read " + path + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(arch.get("format")) || !"Sequential".equals(arch.get("class_name"))) {
            throw new IllegalArgumentException("load: " + path + " is not a saved Lamina Sequential model");
        }
        Sequential model = fromConfig(asMap(arch.get("config"), "config"));
        assignWeights(model, weights, path.toString());
        return model;
    }

    /** Rebuilds a Sequential model (unbuilt layers are built from their saved input shapes). */
    @SuppressWarnings("unchecked")
    public static Sequential fromConfig(Map<String, Object> config) {
        Sequential model = new Sequential((String) config.get("name"));
        Object layers = config.get("layers");
        if (!(layers instanceof List<?> list)) {
            throw new IllegalArgumentException("load: model config has no layer list");
        }
        for (Object o : list) {
            Map<String, Object> e = asMap(o, "layer");
            Layer l = Layers.fromConfig((String) e.get("class_name"), asMap(e.get("config"), "layer config"));
            model.add(l);
            Object shape = e.get("build_input_shape");
            if (!l.isBuilt() && shape instanceof List<?> s) {
                long[] dims = new long[s.size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = s.get(i) == null ? -1 : ((Number) s.get(i)).longValue();
                }
                l.ensureBuilt(dims);
            }
        }
        return model;
    }

    /** Writes the weights alone (safetensors, Keras names). */
    public static void saveWeights(Model model, Path file) {
        Safetensors.write(file, weightTensors(model), Map.of("format", FORMAT));
    }

    /**
     * Reads weights saved by {@link #saveWeights} or {@link #save} into a model of the same
     * architecture. Names and shapes must match exactly; the first mismatch is reported by name.
     */
    public static void loadWeights(Model model, Path file) {
        Path f = Files.isDirectory(file) ? file.resolve(WEIGHTS_FILE) : file;
        assignWeights(model, Safetensors.read(f), file.toString());
    }

    private static Map<String, HostTensor> weightTensors(Model model) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Variable v : model.weights()) {
            if (out.containsKey(v.name())) {
                throw new IllegalArgumentException("save: two weights named '" + v.name() + "' (give the layers distinct names)");
            }
            out.put(v.name(), new HostTensor(v.dtype(), v.shape(), v.toBuffer()));
        }
        return out;
    }

    private static void assignWeights(Model model, SafetensorsFile file, String source) {
        List<Variable> vars = model.weights();
        Set<String> used = new HashSet<>();
        for (Variable v : vars) {
            HostTensor h = file.tensors().get(v.name());
            if (h == null) {
                throw new IllegalArgumentException("load: " + source + " has no weight '" + v.name() + "' " + Shapes.str(v.shape())
                        + " (it has " + file.tensors().keySet() + ")");
            }
            if (!Arrays.equals(h.shape(), v.shape()) || h.dtype() != v.dtype()) {
                throw new IllegalArgumentException("load: weight '" + v.name() + "' is " + h.dtype() + " " + Shapes.str(h.shape())
                        + " in " + source + " but " + v.dtype() + " " + Shapes.str(v.shape()) + " in the model");
            }
            used.add(v.name());
        }
        for (String name : file.tensors().keySet()) {
            if (!used.contains(name)) {
                throw new IllegalArgumentException("load: " + source + " has weight '" + name + "' "
                        + Shapes.str(file.tensors().get(name).shape()) + " that the model does not have");
            }
        }
        for (Variable v : vars) {
            HostTensor h = file.tensors().get(v.name());
            try (Backends.Use u = Backends.use(v.backend()); Tensor t = Tensor.fromBuffer(h.dtype(), h.shape(), h.data())) {
                v.assign(t);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException("load: " + what + " is not a JSON object");
        }
        return (Map<String, Object>) o;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
