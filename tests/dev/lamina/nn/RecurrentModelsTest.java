package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.ModelIO;
import dev.lamina.models.Sequential;
import dev.lamina.nn.RecurrentLayer.RecurrentConfig;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Recurrent layers in models: stacked training, Bidirectional, TimeDistributed, configs, saving. */
class RecurrentModelsTest {

    /**
     * Stacked LSTMs (return_sequences on all but the last) + Dense learn to forecast the next
     * value of sine waves of random phase from 12 steps: after 25 epochs the training loss is at
     * least 10× below the first epoch's (and below 0.01).
     */
    @Test
    void stackedLstmsLearnASineForecast() {
        int n = 128, t = 12;
        try (Scope s = Scope.open()) {
            double[] xs = new double[n * t];
            double[] ys = new double[n];
            double[] phase = LayerChecks.random(1, n, 0, 2 * Math.PI);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < t; k++) {
                    xs[i * t + k] = Math.sin(0.4 * k + phase[i]);
                }
                ys[i] = Math.sin(0.4 * t + phase[i]);
            }
            Tensor x = Tensor.of(xs, n, t, 1).cast(DType.FLOAT32);
            Tensor y = Tensor.of(ys, n, 1).cast(DType.FLOAT32);
            Sequential m = new Sequential(
                    new LSTM(new RecurrentConfig(16).returnSequences(true).seed(1).kernelInitializer(Initializers.glorotUniform(2L))
                            .recurrentInitializer(Initializers.orthogonal(1.0, 3L))),
                    new LSTM(new RecurrentConfig(8).seed(4).kernelInitializer(Initializers.glorotUniform(5L))
                            .recurrentInitializer(Initializers.orthogonal(1.0, 6L))),
                    new Dense(1).kernelInitializer(Initializers.glorotUniform(7L)));
            m.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            m.compile(new Adam(0.02), Losses.get("mse"));
            History h = m.fit(x, y, new FitOptions().epochs(25).batchSize(32).seed(8).verbose(0));
            List<Double> loss = h.get("loss");
            double first = loss.get(0);
            double last = loss.get(loss.size() - 1);
            assertTrue(last * 10 < first && last < 0.01, "loss " + first + " → " + last);
            m.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Bidirectional
    // ---------------------------------------------------------------------------------------

    static RecurrentLayer kindLayer(String kind, RecurrentConfig c) {
        return RecurrentLayersTest.make(kind, c);
    }

    /**
     * Bidirectional(concat/sum/ave/mul) equals merging a forward layer's output with the output
     * of a layer with the backward weights run on the reversed input (reversed back into time
     * order for return_sequences); shapes as Keras. Within 1e-6 (float32, the same ops).
     */
    @ParameterizedTest
    @ValueSource(strings = {"concat", "sum", "ave", "mul"})
    void bidirectionalEqualsManualRuns(String mode) {
        try (Scope s = Scope.open()) {
            for (String kind : List.of("lstm", "gru", "simple_rnn")) {
                for (boolean seq : new boolean[] {false, true}) {
                    Bidirectional bi = new Bidirectional(kindLayer(kind, new RecurrentConfig(3).returnSequences(seq)), mode, null);
                    Tensor x = RecurrentLayersTest.rand(11, DType.FLOAT32, -1, 1, 2, 5, 4);
                    bi.ensureBuilt(x.shape());
                    int per = bi.weights().size() / 2;
                    assertEquals(kind.equals("lstm") || kind.equals("gru") || kind.equals("simple_rnn") ? 3 : 0, per);
                    long seedV = 100;
                    for (var v : bi.weights()) {
                        v.assign(RecurrentLayersTest.rand(seedV++, DType.FLOAT32, -0.6, 0.6, v.shape()));
                    }
                    RecurrentLayer f = kindLayer(kind, new RecurrentConfig(3).returnSequences(seq));
                    RecurrentLayer b = kindLayer(kind, new RecurrentConfig(3).returnSequences(seq));
                    f.ensureBuilt(x.shape());
                    b.ensureBuilt(x.shape());
                    for (int i = 0; i < per; i++) {
                        f.weights().get(i).assign(bi.weights().get(i));
                        b.weights().get(i).assign(bi.weights().get(per + i));
                    }
                    Tensor yf = f.apply(x);
                    Tensor yb = b.apply(RecurrentLayer.reverseTime(x));
                    if (seq) {
                        yb = RecurrentLayer.reverseTime(yb);
                    }
                    Tensor want;
                    switch (mode) {
                        case "sum":
                            want = yf.add(yb);
                            break;
                        case "ave":
                            want = yf.add(yb).div(2.0);
                            break;
                        case "mul":
                            want = yf.mul(yb);
                            break;
                        default:
                            want = Tensor.concat(List.of(yf, yb), -1);
                    }
                    Tensor got = bi.apply(x);
                    long last = mode.equals("concat") ? 6 : 3;
                    long[] shape = seq ? new long[] {2, 5, last} : new long[] {2, last};
                    assertArrayEquals(shape, got.shape(), kind + " " + mode + " seq=" + seq);
                    long[] declared = bi.outputShape(new long[] {-1, 5, 4});
                    assertArrayEquals(seq ? new long[] {-1, 5, last} : new long[] {-1, last}, declared);
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-6f, kind + " " + mode + " seq=" + seq);
                    assertTrue(bi.weights().get(0).name().startsWith("forward_"), bi.weights().get(0).name());
                    assertTrue(bi.weights().get(per).name().startsWith("backward_"), bi.weights().get(per).name());
                    assertEquals(f.countParams() * 2, bi.countParams());
                    assertEquals(2 * per, bi.trainableWeights().size());
                    bi.close();
                    f.close();
                    b.close();
                }
            }
        }
    }

    @Test
    void bidirectionalRespectsTheMaskAndTrains() {
        try (Scope s = Scope.open()) {
            Sequential m = new Sequential(new Embedding(10, 3, true), new Bidirectional(new LSTM(4)));
            Tensor a = m.call(Tensor.of(new int[] {4, 7, 2}, 1, 3), false);
            Tensor b = m.call(Tensor.of(new int[] {4, 7, 2, 0, 0}, 1, 5), false);
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 1e-6f, "padding is invisible to both directions");
            try (GradientTape tape = GradientTape.start()) {
                Tensor y = m.call(Tensor.of(new int[] {4, 7, 2, 0, 0}, 1, 5), true);
                List<Tensor> g = tape.gradient(y.square().sum(), m.trainableWeights());
                for (Tensor gi : g) {
                    assertTrue(gi != null && gi.abs().sum().item() > 0, "every weight gets a gradient");
                }
            }
            m.close();
        }
    }

    @Test
    void bidirectionalBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Bidirectional(new LSTM(2), "max", null));
        assertTrue(e.getMessage().contains("Bidirectional") && e.getMessage().contains("max"), e.getMessage());
        try (Scope s = Scope.open()) {
            LSTM built = new LSTM(2);
            built.ensureBuilt(new long[] {-1, 3, 2});
            e = assertThrows(IllegalArgumentException.class, () -> new Bidirectional(built));
            assertTrue(e.getMessage().contains("Bidirectional"), e.getMessage());
            built.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // TimeDistributed
    // ---------------------------------------------------------------------------------------

    /** TimeDistributed(Dense) equals Dense applied to every step on its own (values and gradients, 1e-6). */
    @Test
    void timeDistributedDenseEqualsDensePerStep() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(5, "tanh").biasInitializer(Initializers.randomUniform(-1, 1, 2L));
            TimeDistributed td = new TimeDistributed(d);
            Tensor x = RecurrentLayersTest.rand(3, DType.FLOAT32, -1, 1, 2, 4, 3);
            Tensor y;
            Tensor gk;
            try (GradientTape tape = GradientTape.start()) {
                y = td.apply(x);
                gk = tape.gradient(y.sum(), d.kernel());
            }
            assertArrayEquals(new long[] {2, 4, 5}, y.shape());
            assertArrayEquals(new long[] {-1, 4, 5}, td.outputShape(new long[] {-1, 4, 3}));
            Tensor gSum = Tensor.zeros(DType.FLOAT32, 3, 5);
            for (int t = 0; t < 4; t++) {
                Tensor xt = x.slice(1, t, t + 1).reshape(2, 3);
                Tensor yt;
                try (GradientTape tape = GradientTape.start()) {
                    yt = d.apply(xt);
                    gSum = gSum.add(tape.gradient(yt.sum(), d.kernel()));
                }
                assertArrayEquals(yt.toFloatArray(), y.slice(1, t, t + 1).reshape(2, 5).toFloatArray(), 1e-6f, "step " + t);
            }
            assertArrayEquals(gSum.toFloatArray(), gk.toFloatArray(), 1e-5f, "kernel gradient = sum over steps");
            assertEquals(d.weights(), td.weights());
            assertEquals(3 * 5 + 5, td.countParams());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new TimeDistributed(new Dense(2), "td_bad").apply(Tensor.zeros(DType.FLOAT32, 2, 3)));
            assertTrue(e.getMessage().contains("td_bad"), e.getMessage());
            td.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // configs and saving
    // ---------------------------------------------------------------------------------------

    /** config → JSON → Layers.fromConfig gives the same config, and with the same weights the same outputs (bitwise). */
    @Test
    @SuppressWarnings("unchecked")
    void configRoundTrip() {
        List<Supplier<Layer>> layers = List.of(
                () -> new LSTM(new RecurrentConfig(3).activation("relu").recurrentActivation("tanh").useBias(false)
                        .returnSequences(true).goBackwards(true).dropout(0.1).recurrentDropout(0.2).unitForgetBias(false)
                        .kernelInitializer(Initializers.glorotUniform(1L)).seed(9)),
                () -> new LSTM(4),
                () -> new GRU(new RecurrentConfig(3).returnSequences(true).stateful(true).seed(2)),
                () -> new SimpleRNN(new RecurrentConfig(5).activation("relu").goBackwards(true)),
                () -> new Bidirectional(new GRU(2, true), "ave", null),
                () -> new Bidirectional(new LSTM(3)),
                () -> new TimeDistributed(new Dense(4, "relu")),
                () -> new Embedding(7, 3, true));
        try (Scope s = Scope.open()) {
            for (Supplier<Layer> f : layers) {
                Layer a = f.get();
                Map<String, Object> cfg = Json.parseObject(Json.write(a.config()));
                Layer b = Layers.fromConfig(a.className(), cfg);
                assertNotSame(a, b);
                assertEquals(a.getClass(), b.getClass());
                assertEquals(Json.write(a.config()), Json.write(b.config()), a.className() + " config");
                Tensor x = a instanceof Embedding ? Tensor.of(new int[] {1, 2, 0, 6, 3, 0}, 2, 3)
                        : RecurrentLayersTest.rand(5, DType.FLOAT32, -1, 1, 2, 3, 2);
                a.ensureBuilt(x.shape());
                b.ensureBuilt(x.shape());
                for (int i = 0; i < a.weights().size(); i++) {
                    b.weights().get(i).assign(a.weights().get(i));
                    assertEquals(a.weights().get(i).name(), b.weights().get(i).name());
                }
                assertArrayEquals(a.apply(x).toFloatArray(), b.apply(x).toFloatArray(), 0f, a.className() + " output");
                a.close();
                b.close();
            }
        }
    }

    /** A Sequential with Embedding(mask_zero) + LSTM + Dense, saved and loaded, predicts bit-for-bit the same. */
    @ParameterizedTest
    @ValueSource(strings = {"dir", "model.safetensors"})
    void savedModelPredictsTheSame(String where, @TempDir Path dir) {
        try (Scope s = Scope.open()) {
            Sequential m = new Sequential(new Embedding(12, 4, true), new LSTM(5, true),
                    new Bidirectional(new GRU(3), "sum", null), new Dense(2));
            Tensor ids = Tensor.of(new int[] {3, 1, 4, 1, 5, 0, 9, 2, 6, 0, 0, 0}, 2, 6);
            Tensor before = m.predict(ids);
            Path p = dir.resolve(where);
            ModelIO.save(m, p);
            Sequential loaded = ModelIO.load(p);
            Tensor after = loaded.predict(ids);
            assertArrayEquals(before.shape(), after.shape());
            assertArrayEquals(before.toFloatArray(), after.toFloatArray(), 0f, "bit-for-bit the same predictions");
            assertEquals(m.weights().size(), loaded.weights().size());
            for (int i = 0; i < m.weights().size(); i++) {
                assertEquals(m.weights().get(i).name(), loaded.weights().get(i).name());
            }
            m.close();
            loaded.close();
        }
    }

    /** A training step on a recurrent model returns cpu memory to its baseline (fit loop). */
    @Test
    void fitReturnsMemoryToBaseline() {
        try (Backends.Use u = Backends.use(Backends.cpu())) {
            Sequential m = new Sequential(new Embedding(10, 3, true), new LSTM(4, true), new GRU(4), new Dense(1));
            m.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            m.compile(new Adam(0.01), Losses.get("mse"));
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.of(new int[] {1, 2, 3, 0, 4, 5, 0, 0, 6, 7, 8, 9, 2, 0, 0, 0}, 4, 4);
                Tensor y = Tensor.of(new float[] {1, 0, 1, 0}, 4, 1);
                m.fit(x, y, new FitOptions().epochs(1).batchSize(2).verbose(0));
                long base = Backends.cpu().bytesInUse();
                m.fit(x, y, new FitOptions().epochs(2).batchSize(2).verbose(0));
                assertEquals(base, Backends.cpu().bytesInUse(), "cpu bytes in use after more epochs");
            }
            m.close();
        }
    }
}
