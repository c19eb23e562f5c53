package dev.lamina.io.keras;

import dev.lamina.backend.Backends;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Keras 3 weight files ({@code model.weights.h5}, {@code *.weights.h5}) by model structure, as
 * {@code keras.src.saving.saving_lib}: the variables of the k-th layer of a class sit in
 * {@code layers/<snake_case(class)>[_k]/vars/0, 1, ...} (numbering per class: {@code dense},
 * {@code dense_1}), a recurrent layer's in {@code .../cell/vars}, Bidirectional's in
 * {@code .../forward_layer/cell/vars} and {@code .../backward_layer/cell/vars}, TimeDistributed's
 * in {@code .../layer/vars}. The layers come in Keras's order ({@link KerasModelConfig#kerasOrder}:
 * a functional model's by depth from the outputs, not by creation or call order). Layer names
 * play no part, so a file loads into any model of the same
 * structure. Every variable is checked (present, shape, floating type) and every array in the file
 * must be used before anything is assigned.
 */
final class KerasWeights {
    /** The variables of one Keras group ({@code path/vars}), in Keras's order. */
    record Slot(String path, String layerName, List<Variable> vars) {
    }

    private KerasWeights() {
    }

    /** The groups of a model's layers (Input layers hold nothing and are skipped). */
    @SuppressWarnings("unchecked")
    static List<Slot> slots(List<Layer> layers) {
        Map<String, Integer> used = new HashMap<>();
        List<Slot> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof Input) {
                continue;
            }
            String path = "layers/" + uniqueName(KerasLayers.snakeCase(l.className()), used);
            add(out, path, l.className(), l.config(), l.weights(), l.name());
        }
        return out;
    }

    private static String uniqueName(String base, Map<String, Integer> used) {
        Integer n = used.get(base);
        if (n == null) {
            used.put(base, 0);
            return base;
        }
        used.put(base, n + 1);
        return base + "_" + (n + 1);
    }

    @SuppressWarnings("unchecked")
    private static void add(List<Slot> out, String path, String cls, Map<String, Object> config, List<Variable> vars,
                            String name) {
        switch (cls) {
            case "LSTM", "GRU", "SimpleRNN" -> out.add(new Slot(path + "/cell", name, vars));
            case "Bidirectional" -> {
                Map<String, Object> inner = (Map<String, Object>) config.get("layer");
                String ic = (String) inner.get("class_name");
                Map<String, Object> icfg = (Map<String, Object>) inner.get("config");
                int half = vars.size() / 2;
                add(out, path + "/forward_layer", ic, icfg, vars.subList(0, half), "forward_" + name);
                add(out, path + "/backward_layer", ic, icfg, vars.subList(half, vars.size()), "backward_" + name);
            }
            case "TimeDistributed" -> {
                Map<String, Object> inner = (Map<String, Object>) config.get("layer");
                add(out, path + "/layer", (String) inner.get("class_name"), (Map<String, Object>) inner.get("config"), vars,
                        (String) ((Map<String, Object>) inner.get("config")).get("name"));
            }
            default -> out.add(new Slot(path, name, vars));
        }
    }

    /**
     * Reads every variable of {@code layers} from an open Keras 3 weights file, checks all of
     * them, then assigns them.
     *
     * @param h5 the open file
     * @param layers the model's layers in order
     * @param source the file's name for messages
     */
    static void load(HdfFile h5, List<Layer> layers, String source) {
        Map<Variable, Object> values;
        try {
            values = read(h5, layers, source);
        } catch (KerasFormatException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // jhdf's errors on a damaged file (bad addresses, signatures, sizes)
            throw new KerasFormatException("load: " + source + " is a damaged HDF5 file: " + e, e);
        }
        for (Map.Entry<Variable, Object> e : values.entrySet()) {
            Variable v = e.getKey();
            try (Backends.Use u = Backends.use(v.backend()); Tensor t = tensor(e.getValue(), v.dtype(), v.shape())) {
                v.assign(t);
            }
        }
    }

    private static Map<Variable, Object> read(HdfFile h5, List<Layer> layers, String source) {
        if (h5.getChildren().containsKey("model_weights") || h5.getAttributes().containsKey("layer_names")) {
            throw new KerasFormatException("load: " + source + " is a Keras 2 (legacy) HDF5 weights file; Lamina reads the"
                    + " Keras 3 layout (save with Keras 3: model.save_weights('x.weights.h5'))");
        }
        List<Slot> slots = slots(layers);
        Map<Variable, Object> values = new LinkedHashMap<>();
        List<String> usedPaths = new ArrayList<>();
        for (Slot s : slots) {
            for (int i = 0; i < s.vars.size(); i++) {
                Variable v = s.vars.get(i);
                String p = s.path + "/vars/" + i;
                Node node = find(h5, p);
                if (!(node instanceof Dataset d)) {
                    throw new KerasFormatException("load: " + source + " has no weight '" + p + "' " + Shapes.str(v.shape())
                            + " for layer '" + s.layerName + "' (" + v.name() + "); the file holds "
                            + datasetPaths(h5).keySet());
                }
                long[] shape = Arrays.stream(d.getDimensions()).asLongStream().toArray();
                if (d.isScalar()) {
                    shape = new long[0];
                }
                if (!Arrays.equals(shape, v.shape())) {
                    throw new KerasFormatException("load: weight '" + p + "' is " + Shapes.str(shape) + " in " + source
                            + " but layer '" + s.layerName + "' has " + v.name() + " " + Shapes.str(v.shape()));
                }
                Object data;
                try {
                    data = d.getDataFlat();
                } catch (RuntimeException e) {
                    throw new KerasFormatException("load: " + source + ": cannot read weight '" + p + "': " + e.getMessage(), e);
                }
                if (!(data instanceof float[]) && !(data instanceof double[])) {
                    throw new KerasFormatException("load: weight '" + p + "' in " + source + " holds "
                            + d.getJavaType().getSimpleName() + ", not float32 or float64");
                }
                values.put(v, data);
                usedPaths.add(p);
            }
        }
        Map<String, Dataset> all = datasetPaths(h5);
        for (String p : all.keySet()) {
            if (p.startsWith("layers/") && !usedPaths.contains(p)) {
                throw new KerasFormatException("load: " + source + " has weight '" + p + "' "
                        + Arrays.toString(all.get(p).getDimensions()) + " that the model does not have (its layers: "
                        + layers.stream().filter(l -> !(l instanceof Input)).map(Layer::name).toList() + ")");
            }
        }
        return values;
    }

    private static Tensor tensor(Object flat, DType dtype, long[] shape) {
        int n = Array.getLength(flat);
        ByteBuffer b = ByteBuffer.allocateDirect(Math.multiplyExact(n, dtype.size())).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.FLOAT32 && flat instanceof float[] f) {
            b.asFloatBuffer().put(f);
        } else if (dtype == DType.FLOAT64 && flat instanceof double[] d) {
            b.asDoubleBuffer().put(d);
        } else if (flat instanceof float[] f) { // float32 file into a float64 layer
            for (float x : f) {
                b.putDouble(x);
            }
        } else { // float64 file into a float32 layer: rounded as Keras's assign would
            for (double x : (double[]) flat) {
                b.putFloat((float) x);
            }
        }
        b.rewind();
        return Tensor.fromBuffer(dtype, shape, b);
    }

    private static Node find(Group root, String path) {
        Node n = root;
        for (String part : path.split("/")) {
            if (!(n instanceof Group g)) {
                return null;
            }
            n = g.getChildren().get(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** Every dataset in the file by path (sorted), for messages and the unused-weight check. */
    private static Map<String, Dataset> datasetPaths(Group root) {
        Map<String, Dataset> out = new java.util.TreeMap<>();
        collect(root, "", out, 0);
        return out;
    }

    private static void collect(Group g, String prefix, Map<String, Dataset> out, int depth) {
        if (depth > 32) {
            throw new KerasFormatException("load: HDF5 groups nested deeper than 32 levels under '" + prefix + "'");
        }
        for (Map.Entry<String, Node> e : g.getChildren().entrySet()) {
            String p = prefix.isEmpty() ? e.getKey() : prefix + "/" + e.getKey();
            if (e.getValue() instanceof Dataset d) {
                out.put(p, d);
            } else if (e.getValue() instanceof Group sub) {
                collect(sub, p, out, depth + 1);
            }
        }
    }

    /**
     * Writes a Keras 3 weights file of {@code layers} (jhdf: groups, contiguous arrays, a string
     * attribute {@code name} on each {@code vars} group as Keras writes it).
     *
     * @param file the file to write (replaced)
     * @param layers the model's layers
     */
    static void write(Path file, List<Layer> layers) {
        List<Slot> slots = slots(layers);
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            Map<String, WritableGroup> groups = new HashMap<>();
            for (Slot s : slots) {
                if (s.vars.isEmpty()) {
                    continue;
                }
                WritableGroup vars = group(h5, groups, s.path + "/vars");
                vars.putAttribute("name", s.layerName);
                for (int i = 0; i < s.vars.size(); i++) {
                    vars.putDataset(Integer.toString(i), nested(s.vars.get(i)));
                }
            }
            // no top-level "vars" group (Keras writes the model's name there): jhdf 0.9.4 cannot read back an
            // empty group it wrote, and Keras does not need it
        }
    }

    private static WritableGroup group(WritableHdfFile h5, Map<String, WritableGroup> groups, String path) {
        WritableGroup g = groups.get(path);
        if (g != null) {
            return g;
        }
        int cut = path.lastIndexOf('/');
        String leaf = path.substring(cut + 1);
        g = cut < 0 ? h5.putGroup(leaf) : group(h5, groups, path.substring(0, cut)).putGroup(leaf);
        groups.put(path, g);
        return g;
    }

    /** A variable's values as a nested Java array of its shape (what jhdf writes). */
    private static Object nested(Variable v) {
        long[] shape = v.shape();
        ByteBuffer b = v.toBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean f64 = v.dtype() == DType.FLOAT64;
        if (v.dtype() != DType.FLOAT32 && !f64) {
            throw new IllegalArgumentException("save: weight " + v.name() + " is " + v.dtype() + "; Keras files hold floats");
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException("save: scalar weight " + v.name() + " is not supported in Keras files");
        }
        int[] dims = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
        Object arr = Array.newInstance(f64 ? double.class : float.class, dims);
        fill(arr, b, f64);
        return arr;
    }

    private static void fill(Object arr, ByteBuffer b, boolean f64) {
        if (arr instanceof float[] f) {
            for (int i = 0; i < f.length; i++) {
                f[i] = b.getFloat();
            }
        } else if (arr instanceof double[] d) {
            for (int i = 0; i < d.length; i++) {
                d[i] = b.getDouble();
            }
        } else {
            for (int i = 0; i < Array.getLength(arr); i++) {
                fill(Array.get(arr, i), b, f64);
            }
        }
    }

    /** The shapes a model expects, by Keras path, for messages. */
    static String describe(List<Layer> layers) {
        List<String> out = new ArrayList<>();
        for (Slot s : slots(layers)) {
            for (int i = 0; i < s.vars.size(); i++) {
                out.add(s.path + "/vars/" + i + " " + Shapes.str(s.vars.get(i).shape()));
            }
        }
        return new TreeSet<>(out).toString();
    }
}
