package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.BinaryCrossentropy;
import dev.lamina.losses.Loss;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.metrics.BinaryAccuracy;
import dev.lamina.metrics.Metric;
import dev.lamina.nn.Add;
import dev.lamina.nn.Concatenate;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functional API: graphs of layers on symbolic tensors, trained, saved and loaded as Sequential models are. */
class FunctionalModelTest extends ModelFixture {
    @TempDir
    Path tmp;

    @Test
    void functionalTrainsBitwiseLikeTheSameSequential() {
        Tensor[] d = regression(3, 128, 3);
        Rng.setGlobalSeed(21);
        Sequential seq = own(new Sequential(new Input(3), new Dense(16, "tanh"), new Dense(8, "relu"), new Dense(1)));
        Rng.setGlobalSeed(21);
        SymbolicTensor in = Input.of(3);
        SymbolicTensor h = new Dense(16, "tanh").apply(in);
        SymbolicTensor out = new Dense(1).apply(new Dense(8, "relu").apply(h));
        Model fun = own(new Model(in, out));
        assertArrayEquals(weightBits(seq)[0], weightBits(fun)[0], "same seed, same initial kernel");
        seq.compile(new Adam(0.01), new MeanSquaredError());
        fun.compile(new Adam(0.01), "mse");
        History hs = seq.fit(d[0], d[1], new FitOptions().epochs(8).batchSize(16).seed(4).verbose(0));
        History hf = fun.fit(d[0], d[1], new FitOptions().epochs(8).batchSize(16).seed(4).verbose(0));
        assertEquals(hs.history(), hf.history(), "per-epoch losses, to the bit");
        assertTrue(hf.get("loss").get(7) < hf.get("loss").get(0) / 2, "it learns: " + hf.get("loss"));
        int[][] ws = weightBits(seq);
        int[][] wf = weightBits(fun);
        assertEquals(ws.length, wf.length);
        for (int i = 0; i < ws.length; i++) {
            assertArrayEquals(ws[i], wf[i], "weight " + i + " after training");
        }
        try (Scope s = Scope.open()) {
            assertArrayEquals(bits(seq.predict(d[0]).toFloatArray()), bits(fun.predict(d[0]).toFloatArray()));
        }
        assertEquals(3, fun.layers().size(), "layers() leaves out the Input");
        assertTrue(fun.summaryString().contains("(None, 8)"), fun.summaryString());
    }

    /** a [N,3], b [N,2] → concat → Dense 8 relu → reg: Dense 1; cls: Dense 1 sigmoid. */
    private Model twoInTwoOut(long seed) {
        Rng.setGlobalSeed(seed);
        SymbolicTensor a = Input.of("a", 3);
        SymbolicTensor b = Input.of("b", 2);
        SymbolicTensor h = new Dense(8, "relu").apply(new Concatenate().apply(a, b));
        SymbolicTensor reg = new Dense("reg", 1, dev.lamina.nn.Activations.get(null)).apply(h);
        SymbolicTensor cls = new Dense("cls", 1, dev.lamina.nn.Activations.get("sigmoid")).apply(h);
        return own(new Model(List.of(a, b), List.of(reg, cls)));
    }

    @Test
    void multiInputMultiOutputTrainsWithWeightedPerOutputLosses() {
        Rng rng = new Rng(8);
        int n = 96;
        Tensor a = own(rng.uniform(DType.FLOAT32, -1, 1, n, 3));
        Tensor b = own(rng.uniform(DType.FLOAT32, -1, 1, n, 2));
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        float[] yr = new float[n];
        float[] yc = new float[n];
        for (int i = 0; i < n; i++) {
            yr[i] = av[3 * i] - bv[2 * i + 1];
            yc[i] = av[3 * i + 1] + bv[2 * i] > 0 ? 1 : 0;
        }
        Tensor yReg = own(Tensor.of(yr, n, 1));
        Tensor yCls = own(Tensor.of(yc, n, 1));
        Model m = twoInTwoOut(5);
        assertEquals(List.of("a", "b"), m.inputNames());
        assertEquals(List.of("reg", "cls"), m.outputNames());
        m.compile(new Adam(0.02), Map.<String, Loss>of("reg", new MeanSquaredError(), "cls", new BinaryCrossentropy()),
                Map.of("cls", 0.5), Map.<String, List<Metric>>of("cls", List.of(new BinaryAccuracy())));
        Map<String, Tensor> x = Map.of("a", a, "b", b);
        Map<String, Tensor> y = Map.of("reg", yReg, "cls", yCls);
        History h = m.fit(x, y, new FitOptions().epochs(30).batchSize(32).seed(1).verbose(0));
        assertEquals(List.of("loss", "reg_loss", "cls_loss", "cls_binary_accuracy"), List.copyOf(h.history().keySet()));
        List<Double> loss = h.get("loss");
        assertTrue(loss.get(29) < loss.get(0) / 2, "total loss falls: " + loss);
        // one batch of all samples: the total is exactly reg + 0.5·cls, each the loss of predictOutputs
        Map<String, Double> ev = m.evaluate(new Tensor[] {a, b}, new Tensor[] {yReg, yCls}, n);
        assertEquals(ev.get("reg_loss") + 0.5 * ev.get("cls_loss"), ev.get("loss"), 1e-6);
        try (Scope s = Scope.open()) {
            Tensor[] p = m.predictOutputs(new Tensor[] {a, b}, 32);
            assertEquals(2, p.length);
            assertArrayEquals(new long[] {n, 1}, p[1].shape());
            assertEquals(new MeanSquaredError().compute(yReg, p[0]).item(), ev.get("reg_loss"), 1e-6);
            assertEquals(new BinaryCrossentropy().compute(yCls, p[1]).item(), ev.get("cls_loss"), 1e-6);
        }
        assertTrue(ev.get("cls_binary_accuracy") > 0.8, "accuracy " + ev);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(a));
        assertTrue(e.getMessage().contains("predictOutputs"), e.getMessage());
    }

    @Test
    void aSharedLayerHasOneSetOfWeightsAndItsGradientsAdd() {
        SymbolicTensor a = Input.of(3);
        SymbolicTensor b = Input.of(3);
        Dense shared = new Dense(2);
        SymbolicTensor out = new Add().apply(shared.apply(a), shared.apply(b));
        Model m = own(new Model(List.of(a, b), List.of(out)));
        assertEquals(List.of(shared, m.layers().get(1)), m.layers());
        assertEquals(2, m.weights().size(), "kernel and bias, once");
        float[] av = {1, 2, 3, -1, 0.5f, 2};
        float[] bv = {0.25f, -2, 1, 4, 1, -3};
        try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
            Tensor y = m.callOutputs(new Tensor[] {Tensor.of(av, 2, 3), Tensor.of(bv, 2, 3)}, true)[0];
            Tensor total = y.sum();
            List<Tensor> g = tape.gradient(total, List.of(shared.weights().get(0), shared.weights().get(1)));
            // d Σ(aW + b + bW + b) / dW[i][j] = Σ_n a[n][i] + Σ_n b[n][i]; / d bias = 2·N
            float[] gk = g.get(0).toFloatArray();
            for (int i = 0; i < 3; i++) {
                float want = av[i] + av[3 + i] + bv[i] + bv[3 + i];
                assertEquals(want, gk[2 * i], 1e-6);
                assertEquals(want, gk[2 * i + 1], 1e-6);
            }
            assertArrayEquals(new float[] {4, 4}, g.get(1).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void functionalModelsSaveAndLoadAsADirectoryAndAsOneFile() {
        Tensor[] d = regression(6, 40, 3);
        SymbolicTensor in = Input.of("x", 3);
        Dense shared = new Dense(4, "tanh");
        SymbolicTensor h1 = shared.apply(in);
        SymbolicTensor h2 = shared.apply(new Dense(3).apply(h1));
        SymbolicTensor merged = new Concatenate().apply(h1, h2, in);
        SymbolicTensor o1 = new Dense(1).apply(merged);
        SymbolicTensor o2 = new dev.lamina.nn.Dot(1).apply(h1, h2);
        Model m = own(new Model("two_heads", List.of(in), List.of(o1, o2)));
        for (Path p : List.of(tmp.resolve("dir"), tmp.resolve("one.safetensors"))) {
            m.save(p);
            Model back = own(Model.load(p));
            assertEquals(Model.class, back.getClass());
            assertEquals("two_heads", back.name());
            assertEquals(m.outputNames(), back.outputNames());
            assertEquals(m.summaryString(), back.summaryString());
            try (Scope s = Scope.open()) {
                Tensor[] want = m.predictOutputs(new Tensor[] {d[0]}, 16);
                Tensor[] got = back.predictOutputs(new Tensor[] {d[0]}, 16);
                for (int k = 0; k < 2; k++) {
                    assertArrayEquals(bits(want[k].toFloatArray()), bits(got[k].toFloatArray()), "output " + k + " from " + p);
                }
            }
        }
    }

    @Test
    void weightsLoadIntoASecondInstanceOfTheSameArchitecture() {
        Tensor[] d = regression(7, 20, 4);
        for (int round = 0; round < 2; round++) {
            Model first = round == 0 ? own(new Sequential(new Input(4), new Dense(5, "relu"), new Dense(1))) : mlp();
            Model second = round == 0 ? own(new Sequential(new Input(4), new Dense(5, "relu"), new Dense(1))) : mlp();
            assertNotEquals(first.weights().get(0).name(), second.weights().get(0).name(), "process-wide names differ");
            Path f = tmp.resolve("w" + round + ".safetensors");
            first.saveWeights(f);
            second.loadWeights(f);
            try (Scope s = Scope.open()) {
                assertArrayEquals(bits(first.predict(d[0]).toFloatArray()), bits(second.predict(d[0]).toFloatArray()));
            }
            // a full save (weights under their own names) loads by structure too
            Path dir = tmp.resolve("full" + round);
            first.save(dir);
            Model third = round == 0 ? own(new Sequential(new Input(4), new Dense(5, "relu"), new Dense(1))) : mlp();
            third.loadWeights(dir);
            assertArrayEquals(weightBits(first)[0], weightBits(third)[0]);
        }
        // a model of another architecture is refused by name and shape
        Model other = own(new Sequential(new Input(4), new Dense(6, "relu"), new Dense(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadWeights(tmp.resolve("w0.safetensors")));
        assertTrue(e.getMessage().contains("dense/kernel"), e.getMessage());
    }

    private Model mlp() {
        SymbolicTensor in = Input.of(4);
        return own(new Model(in, new Dense(1).apply(new Dense(5, "relu").apply(in))));
    }

    @Test
    void weightsSavedUnderTheirOwnNamesStillLoad() {
        // files of earlier versions name each weight by the layer's process-wide name
        Sequential m = own(new Sequential(new Input(2), new Dense(3), new Dense(1)));
        Map<String, dev.lamina.io.HostTensor> old = new java.util.LinkedHashMap<>();
        float[] fill = {0.5f, -1, 2, 0.25f, 3, -0.75f};
        for (Variable v : m.weights()) {
            int len = (int) v.numel();
            float[] vals = java.util.Arrays.copyOf(fill, len);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(len * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(vals);
            old.put(v.name(), new dev.lamina.io.HostTensor(DType.FLOAT32, v.shape(), buf));
        }
        Path f = tmp.resolve("old.safetensors");
        dev.lamina.io.Safetensors.write(f, old, Map.of("format", "lamina-model"));
        m.loadWeights(f);
        assertArrayEquals(new float[] {0.5f, -1, 2, 0.25f, 3, -0.75f}, m.weights().get(0).toFloatArray());
        assertArrayEquals(new float[] {0.5f, -1, 2}, m.weights().get(2).toFloatArray());
    }

    @Test
    void getLayerAndPerLayerWeightsAsKeras() {
        Sequential m = own(new Sequential(new Input("features", 2), new Dense("hidden", 3, dev.lamina.nn.Activations.get("relu")),
                new Dense(1)));
        assertEquals(2, m.layers().size(), "no Input in layers()");
        Layer hidden = m.getLayer("hidden");
        assertSame(hidden, m.getLayer(0));
        assertInstanceOf(Input.class, m.getLayer("features"));
        assertThrows(IllegalArgumentException.class, () -> m.getLayer(2));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> m.getLayer("nope"));
        assertTrue(unknown.getMessage().contains("hidden"), unknown.getMessage());

        float[] kernel = {1, 2, 3, 4, 5, 6};
        hidden.setWeights(List.of(kernel, new double[] {0.5, -0.5, 0}));
        try (Scope s = Scope.open()) {
            List<Tensor> w = hidden.getWeights();
            assertEquals(2, w.size());
            assertArrayEquals(new long[] {2, 3}, w.get(0).shape());
            assertArrayEquals(kernel, w.get(0).toFloatArray());
            assertArrayEquals(new float[] {0.5f, -0.5f, 0}, w.get(1).toFloatArray());
            // relu([1, 1]·K + b) = relu([5.5, 6.5, 9])
            Tensor out = hidden.apply(Tensor.of(new float[] {1, 1}, 1, 2));
            assertArrayEquals(new float[] {5.5f, 6.5f, 9}, out.toFloatArray(), 1e-6f);
            hidden.setWeights(List.of(w.get(0).mul(2.0), w.get(1)));
            assertEquals(12f, hidden.weights().get(0).toFloatArray()[5]);
        }
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> hidden.setWeights(List.of(kernel)));
        assertTrue(count.getMessage().contains("1 values for 2 weights"), count.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> hidden.setWeights(List.of(new float[5], new float[3])));
        assertTrue(size.getMessage().contains("needs 6"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> hidden.setWeights(List.of("x", new float[3])));
        assertEquals(12f, hidden.weights().get(0).toFloatArray()[5], "a refused set changes nothing");
    }

    @Test
    void compileWithAnOptimizerAndKerasNames() {
        Sequential m = own(new Sequential(new Input(2), new Dense(1)));
        m.compile(new Adam(0.01), "mse", "mae");
        assertInstanceOf(MeanSquaredError.class, m.loss());
        assertEquals("mae", m.metrics().get(0).name());
        assertThrows(IllegalArgumentException.class, () -> m.compile(new Adam(0.01), "no_such_loss"));
    }

    @Test
    void badGraphsAndBadDataAreClearErrors() {
        SymbolicTensor a = Input.of("a", 3);
        SymbolicTensor stray = Input.of("stray", 3);
        // layers of a graph no model takes stay the caller's to close
        SymbolicTensor out = own(new Dense(1)).apply(new Add().apply(a, stray));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Model(a, out));
        assertTrue(e.getMessage().contains("'stray'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Model(List.of(a, Input.of("unused", 1)),
                List.of(own(new Dense(1)).apply(a))));
        assertTrue(e.getMessage().contains("not connected"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dense(2).apply(a, a));
        assertTrue(e.getMessage().contains("takes one input"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Add().apply(a, Input.of(4)));
        assertTrue(e.getMessage().contains("(None, 3)") && e.getMessage().contains("(None, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Add().apply(a));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Concatenate(0));
        e = assertThrows(IllegalArgumentException.class, () -> new dev.lamina.nn.Dot(1).apply(a, Input.of(2)));
        assertTrue(e.getMessage().contains("same size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Model(own(new Dense(1)).apply(a), a));
        assertTrue(e.getMessage().contains("Input.of"), e.getMessage());

        Model m = twoInTwoOut(9);
        assertThrows(IllegalArgumentException.class,
                () -> m.compile(new Adam(0.01), Map.<String, Loss>of("nope", new MeanSquaredError()), null));
        m.compile(new Adam(0.01), Map.<String, Loss>of("reg", new MeanSquaredError(), "cls", new BinaryCrossentropy()), null);
        Tensor xa = own(Tensor.zeros(DType.FLOAT32, 4, 3));
        Tensor xb = own(Tensor.zeros(DType.FLOAT32, 4, 2));
        Tensor y = own(Tensor.zeros(DType.FLOAT32, 4, 1));
        e = assertThrows(IllegalArgumentException.class, () -> m.fit(new Tensor[] {xa, xb}, new Tensor[] {y}, new FitOptions().verbose(0)));
        assertTrue(e.getMessage().contains("2 output(s)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.fit(new Tensor[] {xa, xa}, new Tensor[] {y, y}, new FitOptions().verbose(0)));
        assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> m.fit(Map.of("a", xa, "c", xb), Map.of("reg", y, "cls", y), new FitOptions().verbose(0)));
        assertTrue(e.getMessage().contains("no input named 'c'"), e.getMessage());
        Tensor y3 = own(Tensor.zeros(DType.FLOAT32, 3, 1));
        e = assertThrows(IllegalArgumentException.class, () -> m.fit(new Tensor[] {xa, xb}, new Tensor[] {y, y3}, new FitOptions().verbose(0)));
        assertTrue(e.getMessage().contains("y[cls]"), e.getMessage());
    }

    @Test
    void masksFlowThroughAFunctionalGraphAndWeightsMoveBetweenSequentialAndFunctional() {
        Tensor ids = own(Tensor.of(new int[] {3, 1, 4, 1, 5, 0, 9, 2, 6, 0, 0, 0}, 2, 6));
        Rng.setGlobalSeed(17); // before the layers: initializers may draw their seeds when made
        Sequential seq = own(new Sequential(new dev.lamina.nn.Embedding(12, 4, true), new dev.lamina.nn.LSTM(5, true),
                new dev.lamina.nn.Bidirectional(new dev.lamina.nn.GRU(3), "sum", null), new Dense(2)));
        try (Scope s = Scope.open()) {
            seq.predict(ids); // builds it
        }
        // the layers made in the same order (recurrent layers draw their dropout seeds when made), then applied
        Rng.setGlobalSeed(17);
        Layer emb = new dev.lamina.nn.Embedding(12, 4, true);
        Layer lstm = new dev.lamina.nn.LSTM(5, true);
        Layer bi = new dev.lamina.nn.Bidirectional(new dev.lamina.nn.GRU(3), "sum", null);
        Layer dense = new Dense(2);
        SymbolicTensor in = Input.of(6);
        Model fun = own(new Model(in, dense.apply(bi.apply(lstm.apply(emb.apply(in))))));
        int[][] ws = weightBits(seq);
        int[][] wf = weightBits(fun);
        for (int i = 0; i < ws.length; i++) {
            assertArrayEquals(ws[i], wf[i], "initial weight " + i + " " + seq.weights().get(i).name());
        }
        try (Scope s = Scope.open()) {
            // same draws, same masked computation: the same predictions to the bit
            assertArrayEquals(bits(seq.predict(ids).toFloatArray()), bits(fun.predict(ids).toFloatArray()));
        }
        Path f = tmp.resolve("rnn.safetensors");
        seq.saveWeights(f);
        java.util.Set<String> keys = dev.lamina.io.Safetensors.read(f).tensors().keySet();
        assertTrue(keys.contains("embedding/embeddings") && keys.contains("lstm/recurrent_kernel")
                && keys.contains("bidirectional/forward_layer/kernel") && keys.contains("bidirectional/backward_layer/bias")
                && keys.contains("dense/kernel"), keys.toString());
        for (Variable v : fun.weights()) {
            try (Scope s = Scope.open()) {
                v.assign(Tensor.zeros(v.dtype(), v.shape()));
            }
        }
        fun.loadWeights(f);
        try (Scope s = Scope.open()) {
            assertArrayEquals(bits(seq.predict(ids).toFloatArray()), bits(fun.predict(ids).toFloatArray()));
        }
    }

    @Test
    void validationSplitOfAMultiOutputModel() {
        Tensor[] d = regression(12, 50, 3);
        Tensor[] e = regression(13, 50, 2);
        Model m = twoInTwoOut(4);
        m.compile(new Adam(0.01), Map.<String, Loss>of("reg", new MeanSquaredError(), "cls", new MeanSquaredError()), null);
        History h = m.fit(new Tensor[] {d[0], e[0]}, new Tensor[] {d[1], e[1]},
                new FitOptions().epochs(2).validationSplit(0.2).verbose(0));
        assertEquals(List.of("loss", "reg_loss", "cls_loss", "val_loss", "val_reg_loss", "val_cls_loss"),
                List.copyOf(h.history().keySet()));
        // the last 10 samples validate: the same figure evaluate gives on them
        try (Scope s = Scope.open()) {
            Map<String, Double> ev = m.evaluate(new Tensor[] {d[0].slice(0, 40, 50), e[0].slice(0, 40, 50)},
                    new Tensor[] {d[1].slice(0, 40, 50), e[1].slice(0, 40, 50)}, 32);
            assertEquals(ev.get("loss"), h.get("val_loss").get(1), 1e-12);
            assertEquals(ev.get("cls_loss"), h.get("val_cls_loss").get(1), 1e-12);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCorruptFunctionalConfigIsRefusedByFieldWithNothingLeft() throws Exception {
        SymbolicTensor in = Input.of("x", 3);
        Model m = own(new Model("net", List.of(in), List.of(new Dense("out", 1, dev.lamina.nn.Activations.get(null))
                .apply(new Dense("hid", 4, dev.lamina.nn.Activations.get("relu")).apply(in)))));
        Path dir = tmp.resolve("saved");
        m.save(dir);
        Path cfg = dir.resolve("config.json");
        String good = java.nio.file.Files.readString(cfg);
        Map<String, java.util.function.Consumer<Map<String, Object>>> edits = new java.util.LinkedHashMap<>();
        edits.put("layer 'out' is called on tensors no layer produces", c -> {
            // out called on its own output: a cycle
            Map<String, Object> out = (Map<String, Object>) ((List<Object>) c.get("layers")).get(2);
            Map<String, Object> call = (Map<String, Object>) ((List<Object>) out.get("inbound_nodes")).get(0);
            Map<String, Object> kt = (Map<String, Object>) ((List<Object>) call.get("args")).get(0);
            ((Map<String, Object>) kt.get("config")).put("keras_history", List.of("out", 0, 0));
        });
        edits.put("unknown field 'inbound_nodez'", c -> {
            Map<String, Object> hid = (Map<String, Object>) ((List<Object>) c.get("layers")).get(1);
            hid.put("inbound_nodez", hid.remove("inbound_nodes"));
        });
        edits.put("no layer named 'nope'", c -> c.put("output_layers", List.of(List.of("nope", 0, 0))));
        // Keras's harmless {"training": ...} keyword is not part of Lamina's own format
        edits.put("is not supported: call keyword arguments {\"training\":true}", c -> {
            Map<String, Object> out = (Map<String, Object>) ((List<Object>) c.get("layers")).get(2);
            ((Map<String, Object>) ((List<Object>) out.get("inbound_nodes")).get(0)).put("kwargs", Map.of("training", true));
        });
        edits.put("[layer name, node index, tensor index], got [\"hid\",0.5,0]", c -> {
            Map<String, Object> out = (Map<String, Object>) ((List<Object>) c.get("layers")).get(2);
            Map<String, Object> call = (Map<String, Object>) ((List<Object>) out.get("inbound_nodes")).get(0);
            Map<String, Object> kt = (Map<String, Object>) ((List<Object>) call.get("args")).get(0);
            ((Map<String, Object>) kt.get("config")).put("keras_history", List.of("hid", 0.5, 0));
        });
        for (Map.Entry<String, java.util.function.Consumer<Map<String, Object>>> edit : edits.entrySet()) {
            Map<String, Object> arch = dev.lamina.util.Json.parseObject(good);
            edit.getValue().accept((Map<String, Object>) arch.get("config"));
            java.nio.file.Files.writeString(cfg, dev.lamina.util.Json.writePretty(arch));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(dir));
            assertEquals(IllegalArgumentException.class, e.getClass(), "Lamina's own files: plain IllegalArgumentException");
            assertTrue(e.getMessage().contains(edit.getKey()) && e.getMessage().contains("config.json"), e.getMessage());
        }
        java.nio.file.Files.writeString(cfg, good);
        assertEquals(List.of("out"), own(Model.<Model>load(dir)).outputNames());
    }
}
