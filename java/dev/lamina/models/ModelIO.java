package dev.lamina.models;

import dev.lamina.backend.Backends;
import dev.lamina.io.AtomicFiles;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Saving and loading models. Weights are a safetensors file whose tensor names are the Keras
 * weight names ({@code dense/kernel}); the architecture is JSON in the Keras shape
 * ({@code {"class_name": "Sequential", "config": {"layers": [...]}}}); a subclassed model's is its
 * class name, its {@link Model#getConfig()} and its layers' input shapes ({@link SubclassedModels}).
 *
 * <p>A path ending in {@code .safetensors} is one file with the architecture in the header
 * metadata (key {@code lamina_model}); any other path is a directory holding
 * {@code config.json} and {@code model.weights.safetensors}. A file is replaced by one rename and a
 * directory as a whole ({@link AtomicFiles}), so a crash never leaves a half-written or mixed model.
 * Keras 3 files ({@code .keras} archives, {@code .weights.h5}; told by name or first bytes) go to
 * the {@link ModelFileFormat} that claims them ({@code dev.lamina.io.keras.KerasModelFormat}).
 */
public final class ModelIO {
    static final String FORMAT = "lamina-model";
    static final String FORMAT_VERSION = "1";
    private static final String CONFIG_FILE = "config.json";
    private static final String WEIGHTS_FILE = "model.weights.safetensors";
    private static final String SAVE_ID_KEY = "lamina_save_id";
    /** Metadata key of saveWeights files: "structure" when the names are {@link WeightNames}. */
    private static final String WEIGHT_NAMES_KEY = "lamina_weight_names";
    /** Metadata key of a full save: JSON {structural name: saved name}, so loadWeights finds weights by structure. */
    private static final String STRUCTURE_KEY = "lamina_structure";

    private static String structure(Model model) {
        Map<String, Object> m = new LinkedHashMap<>();
        WeightNames.of(model).forEach((k, v) -> m.put(k, v.name()));
        return Json.write(m);
    }
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("format", "version", "class_name", "save_id", "config");

    private ModelIO() {
    }

    /**
     * Saves the architecture and the weights of a Sequential, functional or subclassed model (a
     * subclass is saved by class name and config, see {@link SubclassedModels}; one that cannot be
     * re-created is an IllegalArgumentException naming what to add). A directory is replaced as a
     * whole ({@link AtomicFiles#replaceDirectory}): a reader, or a process killed at any moment,
     * finds the previous model or the new one, never a mix. An existing directory must hold only
     * what a save writes. Config and weights carry the same random {@code save_id}, which
     * {@link #load} checks.
     */
    public static void save(Model model, Path path) {
        String fileName = path.getFileName().toString();
        if (fileName.endsWith(".h5") || fileName.endsWith(".hdf5")) {
            throw new IllegalArgumentException("save: " + path + ": Lamina writes whole models as .keras archives (or"
                    + " safetensors); for Keras weights alone use saveWeights");
        }
        ModelFileFormat other = ModelFileFormats.byName(path);
        if (other != null) {
            other.save(model, path);
            return;
        }
        boolean functional = model.graph() != null && model.getClass() == Model.class;
        boolean subclassed = SubclassedModels.isSubclassed(model);
        String saveId = UUID.randomUUID().toString();
        Map<String, Object> arch = new LinkedHashMap<>();
        arch.put("format", FORMAT);
        arch.put("version", FORMAT_VERSION);
        arch.put("class_name", subclassed ? SubclassedModels.CLASS_NAME : functional ? "Functional" : "Sequential");
        arch.put("save_id", saveId);
        arch.put("config", subclassed ? SubclassedModels.write(model)
                : functional ? FunctionalConfig.write(model) : ((Sequential) model).config());
        Map<String, HostTensor> weights = weightTensors(model);
        if (path.getFileName().toString().endsWith(".safetensors")) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            meta.put(STRUCTURE_KEY, structure(model));
            meta.put("lamina_model", Json.write(arch));
            Safetensors.write(path, weights, meta);
        } else {
            byte[] json = Json.writePretty(arch).getBytes(StandardCharsets.UTF_8);
            byte[] st = Safetensors.toBytes(weights, Map.of("format", FORMAT, SAVE_ID_KEY, saveId, STRUCTURE_KEY, structure(model)));
            AtomicFiles.replaceDirectory(path, Set.of(CONFIG_FILE, WEIGHTS_FILE), dir -> {
                Files.write(dir.resolve(CONFIG_FILE), json);
                Files.write(dir.resolve(WEIGHTS_FILE), st);
            });
        }
    }

    /**
     * Loads a model saved by {@link #save}: the same layers, the same weights, the same predictions.
     * Every field of the architecture is checked (type, value, no unknown fields); every problem
     * is an IllegalArgumentException ({@link dev.lamina.io.SafetensorsException} for the weights
     * file) naming the file and the field, or an UncheckedIOException when the file system fails.
     * Nothing allocated before a failure stays allocated. A saved Sequential comes back as a
     * {@link Sequential}, a functional model as a {@link Model}, a subclassed model as a
     * new instance of its class (which must be registered with {@link CustomObjects#register};
     * created through reflection, its layers built for the saved input
     * shapes, then given the saved weights); the caller's type picks
     * {@code M} ({@code Sequential m = ModelIO.load(p)}), a mismatch being a ClassCastException.
     *
     * @param <M> the model type the caller expects
     * @param path the saved model (a directory or a .safetensors file)
     * @return the model
     */
    @SuppressWarnings("unchecked")
    public static <M extends Model> M load(Path path) {
        Path src = AtomicFiles.readable(path);
        if (!Files.exists(src)) {
            throw new IllegalArgumentException("load: " + path + " does not exist");
        }
        ModelFileFormat other = ModelFileFormats.reading(src, "load");
        if (other != null) {
            return (M) other.load(src);
        }
        for (int attempt = 0; ; attempt++) {
            Loaded l = read(src);
            String archId = l.arch.get("save_id") instanceof String id ? id : null;
            String weightsId = l.weights.metadata().get(SAVE_ID_KEY);
            if (Files.isDirectory(src) && archId != null && !archId.equals(weightsId)) {
                // a save replaced the directory between our two reads: read again
                if (attempt < 3) {
                    continue;
                }
                throw new IllegalArgumentException("load: " + src + ": " + CONFIG_FILE + " and " + WEIGHTS_FILE
                        + " come from different saves (save_id " + archId + " vs " + weightsId + ")");
            }
            boolean dir = Files.isDirectory(src);
            return (M) build(l.arch, l.weights, dir ? src.resolve(CONFIG_FILE).toString() : src.toString(),
                    dir ? src.resolve(WEIGHTS_FILE).toString() : src.toString());
        }
    }

    private record Loaded(Map<String, Object> arch, SafetensorsFile weights) {
    }

    private static Loaded read(Path path) {
        try {
            if (Files.isDirectory(path)) {
                Path cfg = path.resolve(CONFIG_FILE);
                if (!Files.exists(cfg)) {
                    throw new IllegalArgumentException("load: " + path + " has no " + CONFIG_FILE);
                }
                Map<String, Object> arch = parseJson(Files.readString(cfg, StandardCharsets.UTF_8), cfg.toString());
                return new Loaded(arch, Safetensors.read(path.resolve(WEIGHTS_FILE)));
            }
            SafetensorsFile weights = Safetensors.read(path);
            String js = weights.metadata().get("lamina_model");
            if (js == null) {
                throw new IllegalArgumentException("load: " + path + " holds weights only (no lamina_model metadata); "
                        + "build the model in code and call loadWeights");
            }
            return new Loaded(parseJson(js, path + " (lamina_model metadata)"), weights);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("load: " + path + ": " + CONFIG_FILE + " is not valid UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException("load: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> parseJson(String text, String source) {
        try {
            return Json.parseObject(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("load: " + source + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    private static Model build(Map<String, Object> arch, SafetensorsFile weights, String source, String weightsSource) {
        boolean functional = "Functional".equals(arch.get("class_name"));
        boolean subclassed = SubclassedModels.CLASS_NAME.equals(arch.get("class_name"));
        if (!FORMAT.equals(arch.get("format")) || !(functional || subclassed || "Sequential".equals(arch.get("class_name")))) {
            throw new IllegalArgumentException("load: " + source + " is not a saved Lamina Sequential, Functional or subclassed model");
        }
        for (String k : arch.keySet()) {
            if (!TOP_LEVEL_KEYS.contains(k)) {
                throw new IllegalArgumentException("load: " + source + ": unknown field '" + k + "' (known: "
                        + new java.util.TreeSet<>(TOP_LEVEL_KEYS) + ")");
            }
        }
        Object version = arch.get("version");
        if (version != null && !FORMAT_VERSION.equals(version)) {
            throw new IllegalArgumentException("load: " + source + ": format version " + Json.write(version)
                    + " is not supported (this Lamina reads version " + FORMAT_VERSION + ")");
        }
        if (!(arch.get("config") instanceof Map)) {
            throw new IllegalArgumentException("load: " + source + ": field 'config' must be an object, got "
                    + Json.write(arch.get("config")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) arch.get("config");
        if (subclassed) {
            return buildSubclassed(config, weights, source, weightsSource);
        }
        // each weight is compared with the file before it is allocated
        Model model = Layer.withWeightCheck((name, shape) -> checkWeightInFile(weights, name, shape, weightsSource),
                () -> functional ? FunctionalConfig.read(config, source) : fromConfig(config, source));
        try {
            assignWeights(model, weights, weightsSource);
            return model;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * A fresh instance of the saved subclass ({@link SubclassedModels}); its layers' own names may
     * differ from the saved ones (auto-names count per process), so the weights go by structure.
     */
    private static Model buildSubclassed(Map<String, Object> config, SafetensorsFile weights, String source, String weightsSource) {
        String saved = weights.metadata().get(STRUCTURE_KEY);
        if (saved == null) {
            throw new IllegalArgumentException("load: " + weightsSource + " has no " + STRUCTURE_KEY + " metadata");
        }
        Map<String, Object> names = parseJson(saved, weightsSource + " (" + STRUCTURE_KEY + " metadata)");
        Model model = SubclassedModels.read(config, source);
        try {
            Map<String, Variable> byFileName = new LinkedHashMap<>();
            for (Map.Entry<String, Variable> e : WeightNames.of(model).entrySet()) {
                Object fileName = names.get(e.getKey());
                byFileName.put(fileName instanceof String n ? n : e.getKey(), e.getValue());
            }
            assignWeights(byFileName, weights, weightsSource);
            return model;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** Rebuilds a Sequential model (unbuilt layers are built from their saved input shapes). */
    public static Sequential fromConfig(Map<String, Object> config) {
        return fromConfig(config, "model config");
    }

    /**
     * Rebuilds a Sequential model, checking every field ({@link LayerConfigs}); problems are
     * IllegalArgumentExceptions naming {@code source}, the layer and the field. On failure every
     * layer built so far is closed.
     */
    private static Sequential fromConfig(Map<String, Object> config, String source) {
        for (String k : config.keySet()) {
            if (!k.equals("name") && !k.equals("layers")) {
                throw new IllegalArgumentException("load: " + source + ": unknown field 'config." + k + "' (known: [layers, name])");
            }
        }
        Object name = config.get("name");
        if (name != null && !(name instanceof String)) {
            throw new IllegalArgumentException("load: " + source + ": field 'config.name' must be a string, got " + Json.write(name));
        }
        Object layers = config.get("layers");
        if (!(layers instanceof List<?> list)) {
            throw new IllegalArgumentException("load: " + source + ": model config has no layer list");
        }
        Sequential model = new Sequential((String) name);
        try {
            for (int i = 0; i < list.size(); i++) {
                String where = "load: " + source + ": layer " + i;
                Layer l = LayerConfigs.layer(list.get(i), where);
                try {
                    model.add(l);
                    Object shape = ((Map<?, ?>) list.get(i)).get("build_input_shape");
                    if (!l.isBuilt() && shape != null) {
                        l.ensureBuilt(LayerConfigs.buildShape(shape, where));
                    }
                } catch (RuntimeException | Error e) {
                    if (!model.allLayers().contains(l)) {
                        l.close();
                    }
                    throw e;
                }
            }
            return model;
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /**
     * Writes the weights alone (safetensors) under names by structure ({@link WeightNames}:
     * {@code dense_1/kernel} for the model's second Dense layer), so that they load into any
     * model of the same architecture.
     */
    public static void saveWeights(Model model, Path file) {
        if (file.getFileName().toString().endsWith(".keras")) {
            throw new IllegalArgumentException("saveWeights: " + file + ": a .keras archive holds the whole model; use save,"
                    + " or name the weights file .weights.h5");
        }
        ModelFileFormat other = ModelFileFormats.byName(file);
        if (other != null) {
            other.saveWeights(model, file);
            return;
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Variable> e : WeightNames.of(model).entrySet()) {
            Variable v = e.getValue();
            out.put(e.getKey(), new HostTensor(v.dtype(), v.shape(), v.toBuffer()));
        }
        Safetensors.write(file, out, Map.of("format", FORMAT, WEIGHT_NAMES_KEY, "structure"));
    }

    /**
     * Reads weights saved by {@link #saveWeights} or {@link #save} into a model of the same
     * architecture: by structure ({@link WeightNames}), as saveWeights writes them; a file whose
     * names are the weights' own names (a {@link #save}, or a file of an earlier Lamina) loads by
     * those names. Names and shapes must match exactly; the first mismatch is reported by name.
     */
    public static void loadWeights(Model model, Path file) {
        Path src = AtomicFiles.readable(file);
        ModelFileFormat other = Files.exists(src) ? ModelFileFormats.reading(src, "loadWeights") : null;
        if (other != null) {
            other.loadWeights(model, src);
            return;
        }
        Path f = Files.isDirectory(src) ? src.resolve(WEIGHTS_FILE) : src;
        SafetensorsFile read = Safetensors.read(f);
        Map<String, Variable> byStructure = WeightNames.of(model);
        boolean structural = "structure".equals(read.metadata().get(WEIGHT_NAMES_KEY));
        if (!structural) {
            // a file by the weights' own names loads by them when every one is there
            structural = !ownNames(model, read) && read.tensors().keySet().containsAll(byStructure.keySet());
        }
        String saved = read.metadata().get(STRUCTURE_KEY);
        if (!structural && saved != null && !ownNames(model, read)) {
            // a full save: its weights are under the saved model's names, mapped from their structural names
            Map<String, Object> names = parseJson(saved, file + " (" + STRUCTURE_KEY + " metadata)");
            Map<String, Variable> byFileName = new LinkedHashMap<>();
            for (Map.Entry<String, Variable> e : byStructure.entrySet()) {
                Object fileName = names.get(e.getKey());
                byFileName.put(fileName instanceof String n ? n : e.getKey(), e.getValue());
            }
            assignWeights(byFileName, read, file.toString());
        } else if (structural) {
            assignWeights(byStructure, read, file.toString());
        } else {
            assignWeights(model, read, file.toString());
        }
    }

    private static boolean ownNames(Model model, SafetensorsFile file) {
        for (Variable v : model.weights()) {
            if (!file.tensors().containsKey(v.name())) {
                return false;
            }
        }
        return true;
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

    private static void checkWeightInFile(SafetensorsFile file, String name, long[] shape, String source) {
        HostTensor h = file.tensors().get(name);
        if (h == null) {
            throw new IllegalArgumentException("load: " + source + " has no weight '" + name + "' " + Shapes.str(shape)
                    + " (it has " + file.tensors().keySet() + ")");
        }
        if (!Arrays.equals(h.shape(), shape)) {
            throw new IllegalArgumentException("load: weight '" + name + "' is " + Shapes.str(h.shape()) + " in " + source
                    + " but the saved architecture makes it " + Shapes.str(shape));
        }
    }

    private static void assignWeights(Model model, SafetensorsFile file, String source) {
        Map<String, Variable> byName = new LinkedHashMap<>();
        for (Variable v : model.weights()) {
            byName.put(v.name(), v);
        }
        assignWeights(byName, file, source);
    }

    /** Assigns file tensor {@code key} to each weight; every key, shape and dtype is checked first. */
    private static void assignWeights(Map<String, Variable> vars, SafetensorsFile file, String source) {
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Variable> e : vars.entrySet()) {
            String key = e.getKey();
            Variable v = e.getValue();
            HostTensor h = file.tensors().get(key);
            if (h == null) {
                throw new IllegalArgumentException("load: " + source + " has no weight '" + key + "' "
                        + (key.equals(v.name()) ? "" : "(" + v.name() + ") ") + Shapes.str(v.shape())
                        + " (it has " + file.tensors().keySet() + ")");
            }
            if (!Arrays.equals(h.shape(), v.shape()) || h.dtype() != v.dtype()) {
                throw new IllegalArgumentException("load: weight '" + key + "'" + (key.equals(v.name()) ? "" : " (" + v.name() + ")")
                        + " is " + h.dtype() + " " + Shapes.str(h.shape()) + " in " + source + " but " + v.dtype() + " "
                        + Shapes.str(v.shape()) + " in the model");
            }
            used.add(key);
        }
        for (String name : file.tensors().keySet()) {
            if (!used.contains(name)) {
                throw new IllegalArgumentException("load: " + source + " has weight '" + name + "' "
                        + Shapes.str(file.tensors().get(name).shape()) + " that the model does not have");
            }
        }
        for (Map.Entry<String, Variable> e : vars.entrySet()) {
            Variable v = e.getValue();
            HostTensor h = file.tensors().get(e.getKey());
            try (Backends.Use u = Backends.use(v.backend()); Tensor t = Tensor.fromBuffer(h.dtype(), h.shape(), h.data())) {
                v.assign(t);
            }
        }
    }
}
