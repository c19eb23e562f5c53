package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.nn.RecurrentLayer.RecurrentConfig;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fluent options (Keras's constructor arguments written as {@code new LSTM(50).activation("relu")})
 * make the same layer as the config objects and constructors: same config, and the same output
 * for the same input when both are built after the same global seed (weights come from
 * unseeded initializers drawing from it) and run in training mode (dropout masks from the
 * layer's seed). Late setting and bad values are refused with clear errors.
 */
class FluentLayersTest {
    private static final long BUILD_SEED = 20240611L;

    /** The config without the (auto-generated, different) layer name. */
    static Map<String, Object> configWithoutName(Layer l) {
        Map<String, Object> c = new LinkedHashMap<>(l.config());
        c.remove("name");
        return c;
    }

    /** Builds and runs each layer after resetting the global seed, in training mode; asserts equal outputs. */
    static void assertSameLayer(Layer viaConfig, Layer fluent, Tensor x) {
        assertEquals(configWithoutName(viaConfig), configWithoutName(fluent));
        Rng.setGlobalSeed(BUILD_SEED);
        float[] a = viaConfig.apply(x, true).toFloatArray();
        Rng.setGlobalSeed(BUILD_SEED);
        float[] b = fluent.apply(x, true).toFloatArray();
        assertArrayEquals(a, b, "same weights and masks give the same output");
        viaConfig.close();
        fluent.close();
    }

    static Tensor random(long seed, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return Tensor.of(LayerChecks.random(seed, n, -1, 1), shape).cast(DType.FLOAT32);
    }

    static RecurrentLayer recurrent(String kind, RecurrentConfig c) {
        switch (kind) {
            case "lstm":
                return new LSTM(c);
            case "gru":
                return new GRU(c);
            default:
                return new SimpleRNN(c);
        }
    }

    static RecurrentLayer recurrent(String kind, int units) {
        switch (kind) {
            case "lstm":
                return new LSTM(units);
            case "gru":
                return new GRU(units);
            default:
                return new SimpleRNN(units);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void everyRecurrentOptionReachesTheLayer(String kind) {
        try (Scope s = Scope.open()) {
            Tensor x = random(1, 2, 5, 3);
            RecurrentConfig c = new RecurrentConfig(4).activation("relu").recurrentActivation("tanh").useBias(true)
                    .returnSequences(true).goBackwards(true).dropout(0.25).recurrentDropout(0.2)
                    .kernelInitializer(Initializers.get("he_uniform")).recurrentInitializer(Initializers.get("glorot_normal"))
                    .biasInitializer(Initializers.get("random_uniform")).seed(7);
            RecurrentLayer fluent = recurrent(kind, 4).activation("relu").recurrentActivation("tanh").useBias(true)
                    .returnSequences(true).goBackwards(true).dropout(0.25).recurrentDropout(0.2)
                    .kernelInitializer("he_uniform").recurrentInitializer("glorot_normal").biasInitializer("random_uniform")
                    .seed(7);
            assertTrue(fluent.returnSequences());
            assertTrue(fluent.goBackwards());
            assertEquals("relu", fluent.activation.name());
            assertEquals(0.2, fluent.recurrentDropout);
            assertSameLayer(recurrent(kind, c), fluent, x);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void statefulNoBiasAndReturnStateReachTheLayer(String kind) {
        try (Scope s = Scope.open()) {
            Tensor x = random(2, 2, 4, 3);
            RecurrentConfig c = new RecurrentConfig(3).useBias(false).stateful(true).returnState(true).seed(3);
            RecurrentLayer fluent = recurrent(kind, 3).useBias(false).stateful(true).returnState(true).seed(3);
            assertTrue(fluent.returnState());
            assertSameLayer(recurrent(kind, c), fluent, x);
        }
    }

    @Test
    void lstmFluentOptionsReturnAnLstmAndUnitForgetBiasReachesIt() {
        try (Scope s = Scope.open()) {
            LSTM l = new LSTM(50).activation("relu").returnSequences(true); // the example, typed as LSTM
            assertEquals(50, l.units());
            GRU g = new GRU(64).returnSequences(true).recurrentDropout(0.1);
            assertEquals(0.1, g.options().recurrentDropout);
            SimpleRNN r = new SimpleRNN(8).goBackwards(true).inputShape(10, 2);
            assertArrayEquals(new long[] {10, 2}, r.declaredInputShape());
            l.close();
            g.close();
            r.close();

            Tensor x = random(3, 1, 3, 2);
            LSTM plain = new LSTM(new RecurrentConfig(2).unitForgetBias(false).seed(1));
            LSTM fluent = new LSTM(2).unitForgetBias(false).seed(1);
            assertEquals(false, fluent.config().get("unit_forget_bias"));
            assertSameLayer(plain, fluent, x);
            LSTM forget = new LSTM(2).biasInitializer("zeros");
            forget.ensureBuilt(new long[] {-1, 3, 2});
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 0}, forget.bias.toFloatArray(), "unit forget bias by default");
            forget.close();
        }
    }

    @Test
    void aSharedConfigIsNotChangedByFluentSetters() {
        RecurrentConfig shared = new RecurrentConfig(4);
        LSTM a = new LSTM(shared).returnSequences(true).activation("relu");
        LSTM b = new LSTM(shared);
        assertTrue(a.returnSequences());
        assertFalse(b.returnSequences());
        assertEquals("tanh", b.config().get("activation"));
        a.close();
        b.close();
    }

    @Test
    void bidirectionalCopiesTheFluentOptions() {
        try (Scope s = Scope.open()) {
            Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true).activation("relu"));
            Tensor y = bi.apply(random(4, 2, 5, 2));
            assertArrayEquals(new long[] {2, 5, 6}, y.shape());
            assertEquals("relu", ((Map<?, ?>) ((Map<?, ?>) bi.config().get("layer")).get("config")).get("activation"));
            bi.close();
        }
    }

    @Test
    void denseFluentOptionsMatchTheFullConstructor() {
        try (Scope s = Scope.open()) {
            Tensor x = random(5, 3, 4);
            Dense full = new Dense(6, "relu", false, Initializers.get("he_normal"), null, Regularizers.l2(0.01), null, null);
            Dense fluent = new Dense(6).activation("relu").useBias(false).kernelInitializer("he_normal")
                    .kernelRegularizer(Regularizers.l2(0.01));
            assertSameLayer(full, fluent, x);
            assertSameLayer(new Dense(32, "relu"), new Dense(32).activation(Activations.RELU), x);
        }
    }

    @Test
    void convolutionFluentOptionsMatchTheConstructors() {
        try (Scope s = Scope.open()) {
            Tensor img = random(6, 2, 7, 7, 3);
            assertSameLayer(new Conv2D(4, new int[] {3}, new int[] {2}, "same", "relu"),
                    new Conv2D(4, 3).padding("same").strides(2).activation("relu"), img);
            assertSameLayer(new Conv2D(null, 4, new int[] {3, 2}, Activations.TANH).dilationRate(2).useBias(false),
                    new Conv2D(4, new int[] {3, 2}).activation("tanh").dilationRate(2).useBias(false), img);
            Tensor seq = random(7, 2, 9, 3);
            assertSameLayer(new Conv1D(5, 3, "relu").padding("causal"), new Conv1D(5, 3).activation("relu").padding("causal"), seq);
            assertSameLayer(new Conv2DTranspose(2, new int[] {3}, new int[] {2}, "same", "sigmoid"),
                    new Conv2DTranspose(2, 3).strides(2).padding("same").activation("sigmoid"), img);
            assertSameLayer(new DepthwiseConv2D(new int[] {3}, 2, "relu"),
                    new DepthwiseConv2D(null, new int[] {3}, 2, null).activation("relu"), img);
        }
    }

    @Test
    void poolingEmbeddingAndDropoutFluentOptionsMatchTheConstructors() {
        try (Scope s = Scope.open()) {
            Tensor img = random(8, 2, 5, 5, 3);
            assertSameLayer(new MaxPooling2D(new int[] {2}, new int[] {1}, "same"), new MaxPooling2D(2).strides(1).padding("same"), img);
            assertSameLayer(new AveragePooling2D(new int[] {3}, new int[] {2}, "same"),
                    new AveragePooling2D(3).padding("SAME").strides(2), img);
            MaxPooling2D typed = new MaxPooling2D().strides(1, 2);
            assertArrayEquals(new int[] {1, 2}, typed.strides());

            Tensor ids = Tensor.of(new int[] {1, 0, 3, 2, 2, 0}, 2, 3);
            Embedding full = new Embedding(4, 3, true, Initializers.get("glorot_uniform"), null);
            Embedding fluent = new Embedding(4, 3).maskZero(true).embeddingsInitializer("glorot_uniform");
            assertTrue(fluent.maskZero());
            assertArrayEquals(full.computeMask(ids, null).toBooleanArray(), fluent.computeMask(ids, null).toBooleanArray());
            assertSameLayer(full, fluent, ids);

            Tensor x = random(9, 4, 6);
            assertSameLayer(new Dropout(0.4, 11L), new Dropout(0.4).seed(11), x);
        }
    }

    /** Options set on a built layer: an IllegalStateException that names the layer and the option. */
    @Test
    void settingAnOptionAfterTheLayerIsBuiltIsRefused() {
        try (Scope s = Scope.open()) {
            LSTM lstm = new LSTM(2);
            lstm.apply(random(10, 1, 3, 2));
            Dense dense = new Dense(2);
            dense.apply(random(11, 1, 3));
            Conv2D conv = new Conv2D(2, 1);
            conv.apply(random(12, 1, 2, 2, 1));
            MaxPooling2D pool = new MaxPooling2D(1);
            pool.apply(random(13, 1, 2, 2, 1));
            Embedding emb = new Embedding(3, 2);
            emb.apply(Tensor.of(new int[] {0, 1}, 1, 2));
            Dropout drop = new Dropout(0.5);
            drop.apply(random(14, 1, 2));
            Map<String, Executable> late = new LinkedHashMap<>();
            late.put("activation", () -> lstm.activation("relu"));
            late.put("return_sequences", () -> lstm.returnSequences(true));
            late.put("recurrent_dropout", () -> lstm.recurrentDropout(0.1));
            late.put("unit_forget_bias", () -> lstm.unitForgetBias(false));
            late.put("seed", () -> lstm.seed(1));
            late.put("input_shape", () -> lstm.inputShape(3, 2));
            late.put("activation ", () -> dense.activation("relu"));
            late.put("kernel_regularizer", () -> dense.kernelRegularizer(Regularizers.l2(1)));
            late.put("padding", () -> conv.padding("same"));
            late.put("activation  ", () -> conv.activation("relu"));
            late.put("strides", () -> pool.strides(2));
            late.put("mask_zero", () -> emb.maskZero(true));
            late.put("seed ", () -> drop.seed(2));
            for (Map.Entry<String, Executable> e : late.entrySet()) {
                IllegalStateException ex = assertThrows(IllegalStateException.class, e.getValue(), e.getKey());
                assertTrue(ex.getMessage().contains(e.getKey().trim() + " must be set before the layer is built"), ex.getMessage());
                assertTrue(ex.getMessage().contains("already built"), ex.getMessage());
            }
            for (Layer l : List.of(lstm, dense, conv, pool, emb, drop)) {
                l.close();
            }
        }
    }

    @Test
    void badOptionValuesGiveClearErrors() {
        Map<String, Function<String, Object>> unknownActivation = new LinkedHashMap<>();
        unknownActivation.put("lstm", a -> new LSTM(2).activation(a));
        unknownActivation.put("gru recurrent", a -> new GRU(2).recurrentActivation(a));
        unknownActivation.put("dense", a -> new Dense(2).activation(a));
        unknownActivation.put("conv", a -> new Conv2D(2, 3).activation(a));
        for (Map.Entry<String, Function<String, Object>> e : unknownActivation.entrySet()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.getValue().apply("relux"), e.getKey());
            assertTrue(ex.getMessage().contains("unknown activation 'relux'") && ex.getMessage().contains("relu, sigmoid, tanh"),
                    ex.getMessage());
        }
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> new LSTM(2).dropout(1.0));
        assertTrue(rate.getMessage().contains("dropout must be in [0, 1)"), rate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GRU(2).recurrentDropout(-0.1));
        IllegalArgumentException init = assertThrows(IllegalArgumentException.class, () -> new LSTM(2).kernelInitializer("nope"));
        assertTrue(init.getMessage().contains("glorot_uniform"), init.getMessage());
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class, () -> new Conv2D(2, 3).padding("full"));
        assertTrue(pad.getMessage().contains("[valid, same]"), pad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(2, 3).strides(0));
        assertThrows(IllegalArgumentException.class, () -> new MaxPooling2D(2).padding("causal"));
        assertThrows(IllegalArgumentException.class, () -> new MaxPooling2D(2).strides(1, 2, 3));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> new Dense(2).inputShape(0));
        assertTrue(shape.getMessage().contains("input_shape"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dense(2).inputShape());
        assertThrows(NullPointerException.class, () -> new Dense(2).kernelInitializer((Initializer) null));
    }

    /** A frozen (or float64) layer rebuilt from its config stays frozen: a saved model with one loads again. */
    @Test
    void fromConfigKeepsTrainableAndDtypeOfRecurrentEmbeddingAndWrapperLayers() {
        List<Layer> layers = List.of(new LSTM(2), new GRU(2), new SimpleRNN(2), new Embedding(5, 2),
                new Bidirectional(new LSTM(2)), new TimeDistributed(new Dense(2)));
        for (Layer l : layers) {
            l.setTrainable(false);
            l.setDtype(DType.FLOAT64);
            Layer back = Layers.fromConfig(l.className(), l.config());
            assertFalse(back.isTrainable(), l.className());
            assertEquals(DType.FLOAT64, back.dtype(), l.className());
            assertEquals(l.config(), back.config(), l.className());
            l.close();
            back.close();
        }
    }

    @Test
    void batchNormalizationAndDepthwiseFluentOptionsMatchTheConstructors() {
        try (Scope s = Scope.open()) {
            Tensor img = random(15, 3, 4, 4, 2);
            assertSameLayer(new BatchNormalization(-1, 0.9, 1e-5, false, true, null),
                    new BatchNormalization().momentum(0.9).epsilon(1e-5).center(false), img);
            assertSameLayer(new BatchNormalization(1, 0.99, 1e-3, true, false, null),
                    new BatchNormalization().axis(1).scale(false), img);
            assertSameLayer(new DepthwiseConv2D(new int[] {3}, 2, null), new DepthwiseConv2D(3).depthMultiplier(2), img);
            BatchNormalization built = new BatchNormalization();
            built.apply(img);
            IllegalStateException late = assertThrows(IllegalStateException.class, () -> built.momentum(0.5));
            assertTrue(late.getMessage().contains("momentum must be set before the layer is built"), late.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new BatchNormalization().momentum(1.5));
            assertThrows(IllegalArgumentException.class, () -> new BatchNormalization().epsilon(0));
            assertThrows(IllegalArgumentException.class, () -> new BatchNormalization().axis(0));
            assertThrows(IllegalArgumentException.class, () -> new DepthwiseConv2D(3).depthMultiplier(0));
            built.close();
        }
    }
}
