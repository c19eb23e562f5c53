package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradCheck;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ActivationsTest {
    /** erf by the series 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)): all terms positive, accurate to ~1e-15 for |x| ≤ 6. */
    static double erf(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 400; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    private static final Map<String, DoubleUnaryOperator> FORMULAS = Map.of(
            "linear", x -> x,
            "relu", x -> Math.max(x, 0),
            "sigmoid", x -> 1 / (1 + Math.exp(-x)),
            "tanh", Math::tanh,
            "leaky_relu", x -> x >= 0 ? x : 0.2 * x,
            "elu", x -> x > 0 ? x : Math.exp(x) - 1,
            "gelu", x -> 0.5 * x * (1 + erf(x / Math.sqrt(2))),
            "softplus", x -> Math.log1p(Math.exp(x)));

    private static double[] points() {
        double[] x = new double[201];
        for (int i = 0; i < x.length; i++) {
            x[i] = -5 + 0.05 * i;
        }
        return x;
    }

    @Test
    void seriesErfIsRight() {
        assertEquals(0.8427007929497149, erf(1), 1e-15);
        assertEquals(0.9953222650189527, erf(2), 1e-15);
        assertEquals(-0.5204998778130465, erf(-0.5), 1e-15);
    }

    @Test
    void elementWiseActivationsMatchDoubleFormulas() {
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            double[] x = points();
            Tensor xt = Tensor.of(x);
            for (Map.Entry<String, DoubleUnaryOperator> e : FORMULAS.entrySet()) {
                Activation a = Activations.get(e.getKey());
                assertEquals(e.getKey(), a.name());
                double[] y = a.apply(xt).toDoubleArray();
                double worst = 0;
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(y[i] - e.getValue().applyAsDouble(x[i])));
                }
                assertTrue(worst <= 1e-6, e.getKey() + ": max abs error " + worst);
            }
        }
    }

    @Test
    void softmaxMatchesFormulaOverTheLastAxis() {
        try (Scope s = Scope.open()) {
            double[][] rows = {{1, 2, 3}, {-100, 0, 100}, {5, 5, 5}};
            double[] y = Activations.SOFTMAX.apply(Tensor.of(rows)).toDoubleArray();
            for (int r = 0; r < 3; r++) {
                double m = Math.max(rows[r][0], Math.max(rows[r][1], rows[r][2]));
                double z = 0;
                for (double v : rows[r]) {
                    z += Math.exp(v - m);
                }
                for (int c = 0; c < 3; c++) {
                    assertEquals(Math.exp(rows[r][c] - m) / z, y[r * 3 + c], 1e-12);
                }
            }
        }
    }

    @Test
    void softplusAndSigmoidStayFiniteAtExtremes() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.of(new double[] {-1000, -100, 100, 1000}).cast(dt);
                double[] sp = Activations.SOFTPLUS.apply(x).toDoubleArray();
                assertEquals(0, sp[0], 1e-30, dt + " softplus(-1000)");
                assertEquals(Math.exp(-100), sp[1], dt == DType.FLOAT64 ? 1e-50 : 1e-38, dt + " softplus(-100)");
                assertEquals(100, sp[2], 1e-5, dt + " softplus(100)");
                assertEquals(1000, sp[3], 1e-4, dt + " softplus(1000)");
                double[] sg = Activations.SIGMOID.apply(x).toDoubleArray();
                for (double v : sp) {
                    assertTrue(Double.isFinite(v));
                }
                assertEquals(0, sg[0], 1e-30);
                assertEquals(1, sg[3], 0);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // points away from the kinks of relu / leaky_relu at 0
        double[] x = {-2.7, -1.3, -0.6, -0.2, 0.15, 0.4, 0.9, 1.7, 2.8, -3.5, 3.2, 0.7};
        for (String name : new String[] {"linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "softplus",
            "softmax"}) {
            Activation a = Activations.get(name);
            GradCheck.Result r = GradCheck.check(xs -> a.apply(xs[0]), new double[][] {x.clone()}, new long[][] {{3, 4}});
            assertTrue(r.relativeError() < 1e-6, name + ": rel err " + r.relativeError());
        }
    }

    @Test
    void namesAndParameters() {
        assertSame(Activations.LINEAR, Activations.get(null));
        assertSame(Activations.RELU, Activations.get("ReLU"));
        assertThrows(IllegalArgumentException.class, () -> Activations.get("swish2"));
        assertThrows(IllegalArgumentException.class, () -> Activations.leakyRelu(-0.1));
        try (Scope s = Scope.open()) {
            double[] y = Activations.leakyRelu(0.1).apply(Tensor.of(new double[] {-2, 3})).toDoubleArray();
            assertEquals(-0.2, y[0], 1e-15);
            assertEquals(3, y[1], 0);
            double[] e = Activations.elu(2.0).apply(Tensor.of(new double[] {-1, 1})).toDoubleArray();
            assertEquals(2 * (Math.exp(-1) - 1), e[0], 1e-15);
            assertEquals(1, e[1], 0);
        }
    }
}
