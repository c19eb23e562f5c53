package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.models.ModelIO;
import dev.lamina.models.Sequential;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config() → Layers.fromConfig round trips, and a saved Sequential of the core layers. */
class CoreLayerConfigTest {
    private static List<Layer> layers() {
        Dense custom = new Dense(7, "tanh", false, Initializers.heNormal(3L), Initializers.constant(0.5),
                Regularizers.l2(1e-4), Regularizers.l1l2(0.1, 0.2), "custom_dense");
        custom.setDtype(DType.FLOAT64);
        custom.setTrainable(false);
        return List.of(new Dense(4), new Dense(3, "relu"), custom, new ActivationLayer("softmax"), new Dropout(0.25, 5L),
                new Dropout(0.5), new Flatten(), new Reshape(2, -1, 3),
                new BatchNormalization(1, 0.9, 1e-5, false, true, null).gammaRegularizer(Regularizers.l2(0.5)));
    }

    @Test
    void configRoundTripsThroughTheRegistryAndJson() {
        for (Layer l : layers()) {
            Map<String, Object> cfg = l.config();
            // through JSON, as ModelIO stores it: numbers come back as Long/Double
            Map<String, Object> parsed = Json.parseObject(Json.write(cfg));
            Layer back = Layers.fromConfig(l.className(), parsed);
            assertEquals(l.getClass(), back.getClass());
            assertEquals(Json.write(cfg), Json.write(back.config()), l.className());
            assertEquals(l.name(), back.name());
            assertEquals(l.dtype(), back.dtype());
            assertEquals(l.isTrainable(), back.isTrainable());
        }
    }

    @Test
    void configUsesKerasKeys() {
        Map<String, Object> d = new Dense(3, "relu").config();
        for (String k : List.of("name", "trainable", "dtype", "units", "activation", "use_bias", "kernel_initializer",
                "bias_initializer", "kernel_regularizer", "bias_regularizer")) {
            assertTrue(d.containsKey(k), "Dense config lacks " + k);
        }
        assertEquals("relu", d.get("activation"));
        assertEquals("GlorotUniform", ((Map<?, ?>) d.get("kernel_initializer")).get("class_name"));
        assertEquals("Zeros", ((Map<?, ?>) d.get("bias_initializer")).get("class_name"));
        assertEquals(0.25, new Dropout(0.25, 4L).config().get("rate"));
        assertEquals(4L, new Dropout(0.25, 4L).config().get("seed"));
        assertEquals(List.of(2L, -1L), new Reshape(2, -1).config().get("target_shape"));
        Map<String, Object> b = new BatchNormalization().config();
        assertEquals(-1L, b.get("axis"));
        assertEquals(0.99, b.get("momentum"));
        assertEquals(1e-3, b.get("epsilon"));
        assertEquals(true, b.get("center"));
        assertEquals(true, b.get("scale"));
        assertEquals("Activation", new ActivationLayer("relu").className());
    }

    @Test
    void savedSequentialOfCoreLayersLoadsAndPredictsTheSame(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            Sequential model = new Sequential(new Input(2, 3), new Flatten(), new Dense(8, "relu"), new Dropout(0.2, 1L),
                    new BatchNormalization(), new Reshape(4, 2), new Dense(2), new ActivationLayer("sigmoid"));
            Tensor x = Tensor.of(LayerChecks.randomFloats(1, 5 * 6, -1, 1), 5, 2, 3);
            // one training call so the moving statistics differ from their initial values
            model.call(x, true);
            float[] before = model.call(x, false).toFloatArray();
            Path path = dir.resolve("m.lamina");
            ModelIO.save(model, path);
            assertTrue(Files.exists(path));
            Sequential loaded = ModelIO.load(path);
            float[] after = loaded.call(x, false).toFloatArray();
            assertArrayEquals(before, after, 0f);
            assertArrayEquals(new long[] {5, 4, 2}, loaded.call(x, false).shape());
            BatchNormalization bn = (BatchNormalization) loaded.layers().stream()
                    .filter(l -> l instanceof BatchNormalization).findFirst().orElseThrow();
            assertFalse(bn.movingMean().abs().sum().item() == 0, "moving mean was restored");
            model.close();
            loaded.close();
        }
    }
}
