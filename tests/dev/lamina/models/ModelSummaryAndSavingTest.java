package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.nn.Activations;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.optim.Adam;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** summary() text, and save/load round trips in both file forms. */
class ModelSummaryAndSavingTest extends ModelFixture {
    @TempDir
    Path tmp;

    private static void assertRow(String summary, Layer layer, String shape, String params) {
        Pattern row = Pattern.compile("(?m)^ " + Pattern.quote(layer.name() + " (" + layer.className() + ")")
                + " +" + Pattern.quote(shape) + " +" + Pattern.quote(params) + " *$");
        assertTrue(row.matcher(summary).find(), "no row '" + layer.name() + " " + shape + " " + params + "' in\n" + summary);
    }

    @Test
    void summaryListsLayersShapesAndKerasTotals() {
        Dense d1 = new Dense(64, "relu");
        Dense d2 = new Dense(64, "relu");
        Dense d3 = new Dense(1);
        Sequential m = own(new Sequential("regressor"));
        m.add(new Input(4)).add(d1).add(d2).add(d3);
        String s = m.summaryString();
        assertTrue(s.startsWith("Model: \"regressor\"\n"), s);
        assertTrue(s.contains(" Layer (type)"), s);
        assertTrue(s.contains("Output Shape") && s.contains("Param #"), s);
        // 4·64+64 = 320, 64·64+64 = 4,160, 64·1+1 = 65
        assertRow(s, d1, "(None, 64)", "320");
        assertRow(s, d2, "(None, 64)", "4,160");
        assertRow(s, d3, "(None, 1)", "65");
        assertTrue(s.contains("Total params: 4,545\n"), s);
        assertTrue(s.contains("Trainable params: 4,545\n"), s);
        assertTrue(s.contains("Non-trainable params: 0\n"), s);
        assertTrue(s.indexOf(d1.name() + " (Dense)") < s.indexOf(d2.name() + " (Dense)"), "layer order");
        assertEquals(4545, m.countParams());
    }

    @Test
    void summaryCountsNonTrainableParameters() {
        Dense d = new Dense(8);
        BatchNormalization bn = new BatchNormalization();
        Dense out = new Dense(3, "softmax");
        Sequential m = own(new Sequential(new Input(5), d, bn, out));
        String s = m.summaryString();
        // Dense 5·8+8 = 48; BN gamma, beta (trainable) + moving mean, variance (not) = 4·8 = 32; Dense 8·3+3 = 27
        assertRow(s, d, "(None, 8)", "48");
        assertRow(s, bn, "(None, 8)", "32");
        assertRow(s, out, "(None, 3)", "27");
        assertTrue(s.contains("Total params: 107\n"), s);
        assertTrue(s.contains("Trainable params: 91\n"), s);
        assertTrue(s.contains("Non-trainable params: 16\n"), s);
    }

    @Test
    void summaryWithoutInputShowsShapesAfterTheFirstCall() {
        Dense d = new Dense(2);
        Sequential m = own(new Sequential(d));
        assertRow(m.summaryString(), d, "?", "0");
        try (Scope s = Scope.open()) {
            m.predict(Tensor.of(new float[] {1, 2, 3}, 1, 3));
        }
        assertRow(m.summaryString(), d, "(None, 2)", "8");
    }

    private Sequential trained(long seed) {
        Rng.setGlobalSeed(seed);
        Sequential m = own(new Sequential(new Input(3), new Dense(8, "relu"), new BatchNormalization(), new Dense(2)));
        m.compile(new Adam(0.01), new MeanSquaredError());
        Tensor[] d = regression(seed, 32, 3);
        try (Scope s = Scope.open()) {
            Tensor y2 = Tensor.concat(List.of(d[1], d[1].mul(-1.0)), 1);
            m.fit(d[0], y2, new FitOptions().epochs(2).batchSize(8).verbose(0));
        }
        return m;
    }

    private void assertSamePredictions(Model a, Model b, Tensor x) {
        try (Scope s = Scope.open()) {
            assertArrayEquals(bits(a.predict(x).toFloatArray()), bits(b.predict(x).toFloatArray()), "predictions differ in some bit");
        }
    }

    @Test
    void savedDirectoryLoadsBitForBit() {
        Sequential m = trained(21);
        Path dir = tmp.resolve("model");
        m.save(dir);
        assertTrue(Files.exists(dir.resolve("config.json")) && Files.exists(dir.resolve("model.weights.safetensors")));
        Sequential loaded = own(Model.load(dir));
        assertNotSame(m, loaded);
        assertEquals(m.name(), loaded.name());
        assertEquals(m.summaryString(), loaded.summaryString());
        Tensor x = regression(99, 17, 3)[0];
        assertSamePredictions(m, loaded, x);
        List<Variable> a = m.weights();
        List<Variable> b = loaded.weights();
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).name(), b.get(i).name());
            assertArrayEquals(bits(a.get(i).toFloatArray()), bits(b.get(i).toFloatArray()), a.get(i).name());
        }
    }

    @Test
    void savedSingleFileLoadsBitForBit() {
        Sequential m = trained(22);
        Path file = tmp.resolve("model.safetensors");
        m.save(file);
        SafetensorsFile f = Safetensors.read(file);
        assertTrue(f.metadata().containsKey("lamina_model"), "architecture in the header metadata");
        Sequential loaded = own(Model.load(file));
        assertSamePredictions(m, loaded, regression(98, 9, 3)[0]);
    }

    @Test
    void weightNamesAreKerasStyle() {
        Rng.setGlobalSeed(5);
        Sequential named = own(new Sequential(new Input(3), new Dense("dense", 4, Activations.get("relu")),
                new Dense("dense_1", 1, Activations.get(null))));
        Path file = tmp.resolve("w.safetensors");
        named.saveWeights(file);
        assertEquals(List.of("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"),
                new ArrayList<>(Safetensors.read(file).tensors().keySet()));
        assertArrayEquals(new long[] {3, 4}, Safetensors.read(file).tensors().get("dense/kernel").shape());
        // default names follow Keras's counters: dense, dense_1, dense_2, ... across the process
        Sequential unnamed = own(new Sequential(new Input(3), new Dense(2), new BatchNormalization()));
        Pattern keras = Pattern.compile("dense(_\\d+)?/(kernel|bias)|batch_normalization(_\\d+)?/(gamma|beta|moving_mean|moving_variance)");
        for (Variable v : unnamed.weights()) {
            assertTrue(keras.matcher(v.name()).matches(), v.name());
        }
    }

    @Test
    void loadingIntoADifferentArchitectureNamesTheWeightAndBothShapes() {
        Rng.setGlobalSeed(6);
        Sequential small = own(new Sequential(new Input(3), new Dense("hidden", 4, Activations.get("relu")),
                new Dense("out", 1, Activations.get(null))));
        Sequential wide = own(new Sequential(new Input(3), new Dense("hidden", 5, Activations.get("relu")),
                new Dense("out", 1, Activations.get(null))));
        int[][] before = weightBits(wide);
        Path file = tmp.resolve("small.safetensors");
        small.saveWeights(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wide.loadWeights(file));
        // weights load by structure (the model's first Dense is dense/kernel), and the message names the layer's own weight too
        assertTrue(e.getMessage().contains("weight 'dense/kernel' (hidden/kernel)"), e.getMessage());
        assertTrue(e.getMessage().contains("(3, 4)") && e.getMessage().contains("(3, 5)"), e.getMessage());
        int[][] after = weightBits(wide);
        for (int i = 0; i < after.length; i++) {
            assertArrayEquals(before[i], after[i], "a failed load must not change any weight");
        }
        Sequential renamed = own(new Sequential(new Input(3), new Dense("h", 4, Activations.get("relu")),
                new Dense("out", 1, Activations.get(null))));
        // as Keras 3: by structure, so a renamed layer of the same architecture loads
        renamed.loadWeights(file);
        int[][] want = weightBits(small);
        int[][] got = weightBits(renamed);
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got[i], "weight " + i);
        }
    }

    @Test
    void subclassedModelsSaveWeightsButNotArchitecture() {
        Rng.setGlobalSeed(8);
        TwoInputResidual a = own(new TwoInputResidual());
        Rng.setGlobalSeed(9);
        TwoInputResidual b = own(new TwoInputResidual());
        Path file = tmp.resolve("res.safetensors");
        try (Scope s = Scope.open()) {
            Tensor[] x = {regression(1, 5, 3)[0], regression(2, 5, 2)[0]};
            a.predict(x, 32);
            b.predict(x, 32);
            a.saveWeights(file);
            b.loadWeights(file);
            assertArrayEquals(bits(a.predict(x, 32).toFloatArray()), bits(b.predict(x, 32).toFloatArray()));
        }
        // TwoInputResidual has no public constructor, so its architecture cannot be saved (SubclassedModelSavingTest)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.save(tmp.resolve("x")));
        assertTrue(e.getMessage().contains("TwoInputResidual") && e.getMessage().contains("saveWeights"), e.getMessage());
    }
}
