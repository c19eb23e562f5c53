package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.nn.Add;
import dev.lamina.nn.Concatenate;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's functional-API block on random data (own() around the model, output silenced, the file in a temp dir). */
class ReadmeFunctionalExampleTest extends ModelFixture {
    @TempDir
    Path tmp;

    @Test
    void readmeFunctionalExampleTrainsSavesAndLoads() {
        Rng rng = new Rng(3);
        Tensor xa = own(rng.uniform(DType.FLOAT32, -1, 1, 64, 3));
        Tensor xb = own(rng.uniform(DType.FLOAT32, -1, 1, 64, 2));
        Tensor target;
        try (Scope s = Scope.open()) {
            target = own(s.keep(xa.slice(1, 0, 1).sub(xb.slice(1, 1, 2))));
        }
        Model model;
        // ---- README block begins (Path.of("two_inputs.safetensors") resolved in the temp dir)
        SymbolicTensor a = Input.of("a", 3);                       // keras.Input(shape=(3,), name="a")
        SymbolicTensor b = Input.of("b", 2);
        SymbolicTensor h = new Dense(16, "relu").apply(new Concatenate().apply(a, b));
        SymbolicTensor y = new Dense(1).apply(new Add().apply(h, new Dense(16).apply(h)));   // a residual
        model = own(new Model(List.of(a, b), List.of(y)));       // keras.Model(inputs=[a, b], outputs=y)
        model.compile(new Adam(0.01), "mse", "mae");
        model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        History hist = model.fit(new Tensor[] {xa, xb}, target, new FitOptions().epochs(10));
        model.save(tmp.resolve("two_inputs.safetensors"));            // Model.load gives it back
        // ---- README block ends
        assertEquals(List.of("loss", "mae"), List.copyOf(hist.history().keySet()));
        assertTrue(hist.get("loss").get(9) < hist.get("loss").get(0), hist.toString());
        Model back = own(Model.load(tmp.resolve("two_inputs.safetensors")));
        try (Scope s = Scope.open()) {
            assertArrayEquals(bits(model.predict(new Tensor[] {xa, xb}, 32).toFloatArray()),
                    bits(back.predict(new Tensor[] {xa, xb}, 32).toFloatArray()));
        }
    }
}
