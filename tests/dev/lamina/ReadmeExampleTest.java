package dev.lamina;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import org.junit.jupiter.api.Test;

/** The README's example, verbatim apart from the asserts: it must keep compiling and converging. */
class ReadmeExampleTest {
    @Test
    void readmeExampleFitsTheLine() {
        Rng rng = new Rng(42);
        try (Scope scope = Scope.open()) {
            Tensor x = rng.normal(DType.FLOAT32, 0, 1, 256, 3);
            Tensor y = x.matmul(Tensor.of(new float[] {2, -1, 0.5f}, 3, 1)).add(1.0);
            Variable w = new Variable(Tensor.zeros(DType.FLOAT32, 3, 1), "w", true);
            Variable b = new Variable(Tensor.zeros(DType.FLOAT32, 1), "b", true);
            for (int step = 0; step < 200; step++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor loss = x.matmul(w).add(b).sub(y).square().mean();
                    Tensor[] g = tape.gradient(loss, w, b);
                    w.assignSub(g[0].mul(0.1));
                    b.assignSub(g[1].mul(0.1));
                }
            }
            assertArrayEquals(new float[] {2, -1, 0.5f}, w.toFloatArray(), 1e-4f);
            assertEquals(1.0, b.item(), 1e-4);
            w.close();
            b.close();
        }
    }

    /** The README's Keras-style model, with two epochs on random data instead of a hundred on dengue windows. */
    @Test
    void readmeKerasModelCompilesFitsSavesAndLoads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (Scope scope = Scope.open()) {
            Rng rng = new Rng(1);
            Tensor x = rng.uniform(DType.FLOAT32, 0, 1, 64, 20, 1);
            Tensor y = rng.uniform(DType.FLOAT32, 0, 1, 64, 1);
            Tensor xTest = rng.uniform(DType.FLOAT32, 0, 1, 8, 20, 1);
            dev.lamina.models.Sequential model = new dev.lamina.models.Sequential(
                    new dev.lamina.nn.Input(20, 1),
                    new dev.lamina.nn.LSTM(64),
                    new dev.lamina.nn.Dense(32, "relu"),
                    new dev.lamina.nn.Dense(1));
            model.compile(new dev.lamina.optim.Adam(1e-3), dev.lamina.losses.Losses.meanSquaredError());
            model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            model.summary();
            dev.lamina.models.History h = model.fit(x, y, new dev.lamina.models.FitOptions().epochs(2).batchSize(32)
                    .validationSplit(0.2).shuffle(false).verbose(0));
            assertEquals(2, h.get("val_loss").size());
            Tensor forecast = model.predict(xTest);
            java.nio.file.Path file = dir.resolve("dengue.safetensors");
            model.save(file);
            try (dev.lamina.models.Sequential loaded = dev.lamina.models.Model.load(file)) {
                assertArrayEquals(forecast.toFloatArray(), loaded.predict(xTest).toFloatArray(), 0f);
            }
            model.close();
        }
    }
}
