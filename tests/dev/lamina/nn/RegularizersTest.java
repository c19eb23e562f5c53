package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import dev.lamina.util.Json;
import org.junit.jupiter.api.Test;

class RegularizersTest {
    private static final double[][] W = {{1, -2}, {3, -4}};

    @Test
    void penaltiesOnAKnownTensor() {
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.of(W);
            assertEquals(0.01 * 10, Regularizers.l1(0.01).penalty(w).item(), 1e-15);
            assertEquals(0.01 * 30, Regularizers.l2(0.01).penalty(w).item(), 1e-15);
            assertEquals(0.1 * 10 + 0.2 * 30, Regularizers.l1l2(0.1, 0.2).penalty(w).item(), 1e-13);
            assertEquals(0, Regularizers.l1l2(0, 0).penalty(w).item(), 0);
            assertEquals(0.5 * 30, Regularizers.l2(0.5).penalty(Tensor.of(W).cast(dev.lamina.types.DType.FLOAT32)).item(), 1e-6);
        }
    }

    @Test
    void gradientsAreLambdaSignAndTwoLambdaW() {
        try (Scope s = Scope.open()) {
            Variable w = new Variable(Tensor.of(W));
            try (GradientTape tape = GradientTape.start()) {
                Tensor g1 = tape.gradient(Regularizers.l1(0.5).penalty(w), w);
                Tensor g2 = tape.gradient(Regularizers.l2(0.5).penalty(w), w);
                assertArrayEquals(new double[] {0.5, -0.5, 0.5, -0.5}, g1.toDoubleArray(), 1e-15);
                assertArrayEquals(new double[] {1, -2, 3, -4}, g2.toDoubleArray(), 1e-15);
            }
            w.close();
        }
    }

    @Test
    void configRoundTripAndValidation() {
        try (Scope s = Scope.open()) {
            Regularizer r = Regularizers.l1l2(0.1, 0.2);
            Regularizer back = Regularizers.fromConfig(Json.parseObject(Json.write(r.config())));
            assertEquals(Json.write(r.config()), Json.write(back.config()));
            assertEquals(r.penalty(Tensor.of(W)).item(), back.penalty(Tensor.of(W)).item(), 0);
            assertEquals("L1L2", r.config().get("class_name"));
        }
        assertNull(Regularizers.fromConfig(null));
        assertThrows(IllegalArgumentException.class, () -> Regularizers.l1(-1));
        assertThrows(IllegalArgumentException.class, () -> Regularizers.l2(Double.NaN));
    }
}
