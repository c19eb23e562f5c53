package dev.lamina.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Bidirectional;
import dev.lamina.nn.Conv2D;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.GRU;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.MaxPooling2D;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import dev.lamina.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keras 3 files made by Keras ({@code data/keras/make_keras_cases.py}, Keras 3.15.1, TensorFlow
 * backend) load and predict as Keras did, on the reference and cpu backends: |lamina − keras| ≤
 * 1e-5·max(1, |keras|) per element (float32). The same holds for the weights-only file loaded into
 * a model whose weights were zeroed first. Lamina's own .keras and .weights.h5 saves load back
 * bitwise. With {@code -Dlamina.keras.roundtrip.dir=DIR} the saves and Lamina's predictions are
 * also left in DIR for {@code make_keras_cases.py --check DIR} (Keras loading Lamina's files).
 */
class KerasFilesTest {
    static final Path DIR = Path.of("data/keras");
    static final double TOL = 1e-5;
    static final List<String> CASES = List.of("dense", "conv2d_pool", "conv1d", "depthwise_transpose", "global_avg_reshape",
            "embedding_lstm_gru", "simple_rnn", "bidirectional_time_distributed", "functional_chain", "compiled_trained");

    /** The Keras-made files ship with the source tree, not with the GPU bundle (which runs the suite too). */
    @org.junit.jupiter.api.BeforeAll
    static void kerasCasesPresent() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(DIR), "no " + DIR + " (not in the bundle)");
    }

    static Stream<Arguments> cases() {
        return onBothBackends(CASES);
    }

    /** Each case on the reference and the cpu backend. */
    private static Stream<Arguments> onBothBackends(List<String> cases) {
        List<Arguments> out = new ArrayList<>();
        for (String backend : List.of("reference", "cpu")) {
            for (String c : cases) {
                out.add(Arguments.of(c, backend));
            }
        }
        return out.stream();
    }

    record Case(Tensor x, long[] outShape, float[] expected, Map<String, Object> raw) {
    }

    @SuppressWarnings("unchecked")
    static Case readCase(String name) throws IOException {
        Map<String, Object> c = Json.parseObject(Files.readString(DIR.resolve(name + ".json"), StandardCharsets.UTF_8));
        long[] inShape = ((List<Number>) c.get("input_shape")).stream().mapToLong(Number::longValue).toArray();
        List<Number> in = (List<Number>) c.get("input");
        Tensor x;
        if ("int32".equals(c.get("input_dtype"))) {
            x = Tensor.of(in.stream().mapToInt(Number::intValue).toArray(), inShape);
        } else {
            float[] f = new float[in.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = in.get(i).floatValue();
            }
            x = Tensor.of(f, inShape);
        }
        List<Number> out = (List<Number>) c.get("output");
        float[] y = new float[out.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = out.get(i).floatValue();
        }
        long[] outShape = ((List<Number>) c.get("output_shape")).stream().mapToLong(Number::longValue).toArray();
        return new Case(x, outShape, y, c);
    }

    static void assertClose(float[] expected, Tensor got, long[] shape, String what) {
        assertArrayEquals(shape, got.shape(), what + ": output shape");
        float[] g = got.toFloatArray();
        double worst = 0;
        for (int i = 0; i < g.length; i++) {
            assertTrue(Float.isFinite(g[i]), what + ": element " + i + " is " + g[i]);
            double err = Math.abs(g[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            worst = Math.max(worst, err);
        }
        assertTrue(worst <= TOL, what + ": max scaled error " + worst + " > " + TOL);
    }

    /** Models built in Lamina code (Lamina's default initializers, names and options) save as .keras and load back. */
    @org.junit.jupiter.api.Test
    void laminaBuiltModelsSaveAsKeras(@TempDir Path tmp) throws IOException {
        try (Backends.Use u = Backends.use(Backends.reference());
             Sequential conv = new Sequential(new Input(6, 6, 2), new Conv2D(3, 3, "relu"), new BatchNormalization(),
                     new MaxPooling2D(), new Flatten(), new Dropout(0.2), new Dense(2, "softmax"));
             Sequential rnn = new Sequential(new Input(5), new Embedding(12, 4), new LSTM(4, true),
                     new Bidirectional(new GRU(3)), new Dense(1))) {
            Tensor xc = Tensor.of(seq(2 * 6 * 6 * 2, 0.37f), 2, 6, 6, 2);
            Tensor xr = Tensor.of(new int[] {1, 5, 7, 0, 11, 3, 3, 9, 2, 4}, 2, 5);
            String keep = System.getProperty("lamina.keras.roundtrip.dir");
            for (Object[] c : new Object[][] {{"lamina_conv", conv, xc, "float32"}, {"lamina_rnn", rnn, xr, "int32"}}) {
                Sequential m = (Sequential) c[1];
                Tensor x = (Tensor) c[2];
                Path p = tmp.resolve(c[0] + ".keras");
                m.save(p);
                Tensor y = m.predict(x);
                try (Sequential again = Model.load(p)) {
                    assertArrayEquals(y.toFloatArray(), again.predict(x).toFloatArray(), c[0] + ": save/load .keras");
                }
                if (keep != null) {
                    Path dir = Files.createDirectories(Path.of(keep));
                    m.save(dir.resolve(c[0] + ".keras"));
                    m.saveWeights(dir.resolve(c[0] + ".weights.h5"));
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("input_shape", toList(x.shape()));
                    out.put("input_dtype", c[3]);
                    List<Object> xs = new ArrayList<>();
                    if (c[3].equals("int32")) {
                        for (int v : x.toIntArray()) {
                            xs.add((long) v);
                        }
                    } else {
                        for (float v : x.toFloatArray()) {
                            xs.add((double) v);
                        }
                    }
                    out.put("input", xs);
                    out.put("output_shape", toList(y.shape()));
                    List<Object> ys = new ArrayList<>();
                    for (float f : y.toFloatArray()) {
                        ys.add((double) f);
                    }
                    out.put("output", ys);
                    Files.writeString(dir.resolve(c[0] + ".json"), Json.write(out));
                }
            }
        }
    }

    static float[] seq(int n, float step) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(i * step);
        }
        return f;
    }

    static List<Object> toList(long[] s) {
        List<Object> l = new ArrayList<>();
        for (long d : s) {
            l.add(d);
        }
        return l;
    }

    static void zeroWeights(Model m) {
        for (Variable v : m.weights()) {
            try (Tensor z = Tensor.zeros(v.backend(), v.dtype(), v.shape())) {
                v.assign(z);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void kerasFilesPredictAsKeras(String name, String backendName, @TempDir Path tmp) throws IOException {
        Backend backend = Backends.byName(backendName);
        try (Backends.Use u = Backends.use(backend)) {
            Case c = readCase(name);
            try (Sequential m = Model.load(DIR.resolve(name + ".keras"))) {
                assertClose(c.expected, m.predict(c.x), c.outShape, name + ".keras");

                // weights only: zero them, read the .weights.h5, predict as Keras again
                zeroWeights(m);
                m.loadWeights(DIR.resolve(name + ".weights.h5"));
                Tensor y = m.predict(c.x);
                assertClose(c.expected, y, c.outShape, name + ".weights.h5");

                // Lamina's own .keras save loads back bitwise
                Path saved = tmp.resolve(name + ".keras");
                m.save(saved);
                try (Sequential again = Model.load(saved)) {
                    assertArrayEquals(y.toFloatArray(), again.predict(c.x).toFloatArray(), "save/load .keras changed predictions");
                    assertEquals(m.countParams(), again.countParams());
                }
                Path w = tmp.resolve(name + ".weights.h5");
                m.saveWeights(w);
                try (Sequential again = Model.load(saved)) {
                    zeroWeights(again);
                    again.loadWeights(w);
                    assertArrayEquals(y.toFloatArray(), again.predict(c.x).toFloatArray(), "saveWeights/loadWeights changed predictions");
                }
                String keep = System.getProperty("lamina.keras.roundtrip.dir");
                if (keep != null && backendName.equals("reference")) {
                    Path dir = Files.createDirectories(Path.of(keep));
                    m.save(dir.resolve(name + ".keras"));
                    m.saveWeights(dir.resolve(name + ".weights.h5"));
                    Map<String, Object> out = new LinkedHashMap<>(c.raw);
                    List<Object> ys = new ArrayList<>();
                    for (float f : y.toFloatArray()) {
                        ys.add((double) f);
                    }
                    out.put("output", ys);
                    Files.writeString(dir.resolve(name + ".json"), Json.write(out));
                }
            }
        }
    }

    static final List<String> FUNCTIONAL_CASES = List.of("functional_residual", "functional_two_inputs", "functional_two_outputs");

    static Stream<Arguments> functionalCases() {
        List<Arguments> out = new ArrayList<>();
        for (String backend : List.of("reference", "cpu")) {
            for (String c : FUNCTIONAL_CASES) {
                out.add(Arguments.of(c, backend));
            }
        }
        return out.stream();
    }

    static long[] longs(Object list) {
        return ((List<?>) list).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) l.get(i)).floatValue();
        }
        return f;
    }

    static List<Object> floatList(Tensor t) {
        List<Object> out = new ArrayList<>();
        for (float f : t.toFloatArray()) {
            out.add((double) f);
        }
        return out;
    }

    /** {"inputs": [{"shape", "dtype", "data"}], "outputs": [{"shape", "data"}]} as written by make_keras_cases.py --functional. */
    static String ioJson(Tensor[] xs, Tensor[] ys) {
        List<Object> ins = new ArrayList<>();
        for (Tensor x : xs) {
            ins.add(Map.of("shape", toList(x.shape()), "dtype", "float32", "data", floatList(x)));
        }
        List<Object> outs = new ArrayList<>();
        for (Tensor y : ys) {
            outs.add(Map.of("shape", toList(y.shape()), "data", floatList(y)));
        }
        return Json.write(Map.of("inputs", ins, "outputs", outs));
    }

    static void assertSameOutputs(Tensor[] want, Tensor[] got, String what) {
        assertEquals(want.length, got.length, what + ": outputs");
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i].shape(), got[i].shape(), what + ": output " + i + " shape");
            assertArrayEquals(want[i].toFloatArray(), got[i].toFloatArray(), what + ": output " + i);
        }
    }

    /**
     * Keras-made functional models (a residual Add block, two inputs through a shared layer into
     * Concatenate and Multiply, two outputs with Average and a normalized Dot) load as functional
     * Models and predict as Keras did; the weights file loads by Keras's layer order; Lamina's own
     * .keras and .weights.h5 saves load back bitwise.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("functionalCases")
    @SuppressWarnings("unchecked")
    void kerasFunctionalModelsPredictAsKeras(String name, String backendName, @TempDir Path tmp) throws IOException {
        try (Backends.Use u = Backends.use(Backends.byName(backendName))) {
            Map<String, Object> c = Json.parseObject(Files.readString(DIR.resolve(name + ".json"), StandardCharsets.UTF_8));
            List<Map<String, Object>> ins = (List<Map<String, Object>>) c.get("inputs");
            List<Map<String, Object>> outs = (List<Map<String, Object>>) c.get("outputs");
            Tensor[] xs = new Tensor[ins.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = Tensor.of(floats(ins.get(i).get("data")), longs(ins.get(i).get("shape")));
            }
            try (Model m = Model.load(DIR.resolve(name + ".keras"))) {
                assertEquals(Model.class, m.getClass(), name + " loads as a functional Model");
                assertEquals(ins.size(), m.inputCount());
                Tensor[] ys = m.predictOutputs(xs, 32);
                assertEquals(outs.size(), ys.length);
                for (int i = 0; i < ys.length; i++) {
                    assertClose(floats(outs.get(i).get("data")), ys[i], longs(outs.get(i).get("shape")), name + ".keras output " + i);
                }
                // Lamina numbers the layers as Keras does: the order of config.json's layer list
                List<String> kerasNames = new ArrayList<>();
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(DIR.resolve(name + ".keras").toFile())) {
                    Map<String, Object> root = Json.parseObject(new String(zip.getInputStream(zip.getEntry("config.json")).readAllBytes(),
                            StandardCharsets.UTF_8));
                    for (Object e : (List<Object>) ((Map<String, Object>) root.get("config")).get("layers")) {
                        kerasNames.add((String) ((Map<String, Object>) e).get("name"));
                    }
                }
                assertEquals(kerasNames, KerasModelConfig.kerasOrder(m).stream().map(dev.lamina.nn.Layer::name).toList(),
                        name + ": Keras's layer order");
                zeroWeights(m);
                m.loadWeights(DIR.resolve(name + ".weights.h5"));
                Tensor[] yw = m.predictOutputs(xs, 32);
                for (int i = 0; i < yw.length; i++) {
                    assertClose(floats(outs.get(i).get("data")), yw[i], longs(outs.get(i).get("shape")), name + ".weights.h5 output " + i);
                }
                Path saved = tmp.resolve(name + ".keras");
                m.save(saved);
                try (Model again = Model.load(saved)) {
                    assertEquals(Model.class, again.getClass());
                    assertEquals(m.countParams(), again.countParams());
                    assertSameOutputs(yw, again.predictOutputs(xs, 32), name + ": save/load .keras");
                }
                Path w = tmp.resolve(name + ".weights.h5");
                m.saveWeights(w);
                try (Model again = Model.load(saved)) {
                    zeroWeights(again);
                    again.loadWeights(w);
                    assertSameOutputs(yw, again.predictOutputs(xs, 32), name + ": saveWeights/loadWeights");
                }
                String keep = System.getProperty("lamina.keras.roundtrip.dir");
                if (keep != null && backendName.equals("reference")) {
                    Path dir = Files.createDirectories(Path.of(keep));
                    m.save(dir.resolve(name + ".keras"));
                    m.saveWeights(dir.resolve(name + ".weights.h5"));
                    Files.writeString(dir.resolve(name + ".json"), ioJson(xs, yw));
                }
            }
        }
    }

    static final List<String> MASKED_CASES = List.of("masked_conv", "masked_bidirectional", "masked_functional", "stateful_rnn",
            "broadcast_merge");

    static Stream<Arguments> maskedCases() {
        return onBothBackends(MASKED_CASES);
    }

    /**
     * Embedding(mask_zero) models (make_keras_cases.py --masked, ids padded with zeros) predict as
     * Keras: Conv1D drops the mask (Keras's class does not support masking) so the LSTM after it
     * sees every step; Bidirectional's masked steps are zeros (Keras forces zero_output_for_mask);
     * Keras's NotEqual mask op and mask arguments in a functional graph are Lamina's own mask. And a
     * stateful LSTM and GRU (fixed batch 3) predict from zero states (predict's one-sample probe
     * skips stateful models: it advanced their states and fixed their batch size at 1). And merge
     * layers whose inputs broadcast (a size-1 axis), as Keras's do. Also
     * from the weights file, and Lamina's save loads back bitwise (KerasFilesFuzzTest.runCase).
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("maskedCases")
    void kerasMaskedModelsPredictAsKeras(String name, String backendName) throws IOException {
        try (Backends.Use u = Backends.use(Backends.byName(backendName))) {
            Map<String, Object> c = Json.parseObject(Files.readString(DIR.resolve(name + ".json"), StandardCharsets.UTF_8));
            double err = KerasFilesFuzzTest.runCase(DIR, name, c, null);
            assertTrue(err <= TOL, name + ": max scaled error " + err + " > " + TOL);
        }
    }

    /**
     * A functional model built in Lamina code (two inputs, a shared layer called twice, Subtract,
     * Concatenate, Dot, two outputs; a layer created before the one it follows, so Keras's order
     * differs from creation order) saves as .keras and loads back bitwise.
     */
    @org.junit.jupiter.api.Test
    void laminaBuiltFunctionalModelSavesAsKeras(@TempDir Path tmp) throws IOException {
        try (Backends.Use u = Backends.use(Backends.reference())) {
            dev.lamina.nn.SymbolicTensor a = Input.of("left_in", 4);
            dev.lamina.nn.SymbolicTensor b = Input.of("right_in", 4);
            Dense late = new Dense(3, "relu"); // created first, called last
            Dense shared = new Dense(5, "tanh");
            dev.lamina.nn.SymbolicTensor ha = shared.apply(a);
            dev.lamina.nn.SymbolicTensor hb = shared.apply(b);
            dev.lamina.nn.SymbolicTensor diff = new dev.lamina.nn.Subtract().apply(ha, hb);
            dev.lamina.nn.SymbolicTensor cat = new dev.lamina.nn.Concatenate().apply(diff, new Dense(5).apply(ha));
            dev.lamina.nn.SymbolicTensor out1 = late.apply(cat);
            dev.lamina.nn.SymbolicTensor out2 = new dev.lamina.nn.Dot(1).apply(ha, hb);
            try (Model m = new Model("lamina_functional", List.of(a, b), List.of(out1, out2))) {
                Tensor[] xs = {Tensor.of(seq(12, 0.41f), 3, 4), Tensor.of(seq(12, 0.77f), 3, 4)};
                Tensor[] ys = m.predictOutputs(xs, 32);
                Path p = tmp.resolve("lamina_functional.keras");
                m.save(p);
                try (Model again = Model.load(p)) {
                    assertSameOutputs(ys, again.predictOutputs(xs, 32), "lamina_functional: save/load .keras");
                    assertEquals(m.countParams(), again.countParams());
                }
                String keep = System.getProperty("lamina.keras.roundtrip.dir");
                if (keep != null) {
                    Path dir = Files.createDirectories(Path.of(keep));
                    m.save(dir.resolve("lamina_functional.keras"));
                    m.saveWeights(dir.resolve("lamina_functional.weights.h5"));
                    Files.writeString(dir.resolve("lamina_functional.json"), ioJson(xs, ys));
                }
            }
        }
    }
}
