package dev.lamina.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The loss parity cases (PyTorch, float64, from float32 inputs) through the loss classes on the
 * reference and cpu backends: the loss and dL/dy_pred (L = loss·seed) within 1e-5 relative error
 * ‖ours − ref‖ / ‖ref‖.
 */
class LossParityTest {
    static final Path CASES = Files.isDirectory(Paths.get("data", "parity", "cases"))
            ? Paths.get("data", "parity", "cases") : Paths.get("..", "shared", "parity", "cases");

    static Tensor load(HostTensor h) {
        return Tensor.fromBuffer(h.dtype(), h.shape(), h.data());
    }

    static double relErr(double[] ours, double[] ref) {
        assertEquals(ref.length, ours.length);
        double d = 0;
        double r = 0;
        for (int i = 0; i < ref.length; i++) {
            d += (ours[i] - ref[i]) * (ours[i] - ref[i]);
            r += ref[i] * ref[i];
        }
        double e = Math.sqrt(d) / Math.max(Math.sqrt(r), 1e-30);
        return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }

    @ParameterizedTest(name = "{0} {3}")
    @CsvSource({
        "mse.safetensors, mean_squared_error, y_true:y_pred, reference",
        "mse.safetensors, mean_squared_error, y_true:y_pred, cpu",
        "binary_crossentropy_probs.safetensors, binary_crossentropy, y_true:y_pred, reference",
        "binary_crossentropy_probs.safetensors, binary_crossentropy, y_true:y_pred, cpu",
        "sparse_categorical_crossentropy_logits.safetensors, sparse_categorical_crossentropy_logits, labels:logits, reference",
        "sparse_categorical_crossentropy_logits.safetensors, sparse_categorical_crossentropy_logits, labels:logits, cpu",
    })
    void caseMatches(String file, String loss, String names, String backend) {
        Path path = CASES.resolve(file);
        Assumptions.assumeTrue(Files.isRegularFile(path), "no parity case " + path.toAbsolutePath());
        SafetensorsFile st = Safetensors.read(path);
        Loss l = loss.endsWith("_logits") ? new SparseCategoricalCrossentropy(true) : Losses.get(loss);
        String[] tp = names.split(":");
        try (Backends.Use u = Backends.use(Backends.byName(backend)); Scope s = Scope.open()) {
            Tensor yTrue = load(st.get("in." + tp[0]));
            Tensor yPred = load(st.get("in." + tp[1]));
            double seed = st.get("seed.loss").toDoubleArray()[0];
            double[] refLoss = st.get("out.loss").toDoubleArray();
            double[] refGrad = st.get("grad." + tp[1]).toDoubleArray();
            Tensor value;
            Tensor grad;
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(yPred);
                value = l.compute(yTrue, yPred);
                grad = tape.gradient(value.mul(seed), yPred);
            }
            double lossErr = relErr(new double[] {value.item()}, refLoss);
            double gradErr = relErr(grad.toDoubleArray(), refGrad);
            assertTrue(lossErr <= 1e-5, file + " on " + backend + ": loss " + value.item() + " vs " + refLoss[0]
                    + " (relative error " + lossErr + ")");
            assertTrue(gradErr <= 1e-5, file + " on " + backend + ": gradient relative error " + gradErr);
        }
    }
}
