package dev.lamina.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import dev.lamina.util.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each optimizer and option, five steps on a float32 variable with fixed gradients, compared at
 * every step with the Keras 3 update written out here in double (relative tolerance 1e-6); on the
 * reference and cpu backends.
 */
class OptimizersTest {
    static final double[] W0 = {1.5, -2.0, 3.0, -1.25};
    static final double[][] G = {
        {0.5, -1.0, 0.25, 2.0},
        {-0.75, 0.5, 1.5, 1.0},
        {0.125, -0.25, -2.0, 0.5},
        {1.0, 0.75, 0.5, -0.125},
        {-0.5, -1.5, 0.25, 0.0625},
    };

    /** One step of an independent double-precision oracle: updates w in place; t counts from 1. */
    interface Oracle {
        void step(double[] w, double[] g, int t);
    }

    static Oracle sgd(double lr, double momentum, boolean nesterov) {
        double[] v = new double[W0.length];
        return (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                if (momentum == 0) {
                    w[i] -= lr * g[i];
                } else {
                    v[i] = momentum * v[i] - lr * g[i];
                    w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
                }
            }
        };
    }

    static Oracle adam(double lr, double b1, double b2, double eps, boolean amsgrad) {
        double[] m = new double[W0.length];
        double[] v = new double[W0.length];
        double[] vhat = new double[W0.length];
        return (w, g, t) -> {
            double alpha = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
            for (int i = 0; i < w.length; i++) {
                m[i] = m[i] + (g[i] - m[i]) * (1 - b1);
                v[i] = v[i] + (g[i] * g[i] - v[i]) * (1 - b2);
                double second = v[i];
                if (amsgrad) {
                    vhat[i] = Math.max(vhat[i], v[i]);
                    second = vhat[i];
                }
                w[i] -= alpha * m[i] / (Math.sqrt(second) + eps);
            }
        };
    }

    static Oracle rmsprop(double lr, double rho, double momentum, double eps, boolean centered) {
        double[] vel = new double[W0.length];
        double[] mom = new double[W0.length];
        double[] avg = new double[W0.length];
        return (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                vel[i] = rho * vel[i] + (1 - rho) * g[i] * g[i];
                double denom;
                if (centered) {
                    avg[i] = rho * avg[i] + (1 - rho) * g[i];
                    denom = vel[i] - avg[i] * avg[i] + eps;
                } else {
                    denom = vel[i] + eps;
                }
                double inc = lr * g[i] / Math.sqrt(denom);
                if (momentum > 0) {
                    mom[i] = momentum * mom[i] + inc;
                    w[i] -= mom[i];
                } else {
                    w[i] -= inc;
                }
            }
        };
    }

    static Oracle adagrad(double lr, double init, double eps) {
        double[] acc = new double[W0.length];
        Arrays.fill(acc, init);
        return (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                acc[i] += g[i] * g[i];
                w[i] -= lr * g[i] / Math.sqrt(acc[i] + eps);
            }
        };
    }

    static Arguments c(String name, Supplier<Optimizer> opt, Supplier<Oracle> oracle) {
        return Arguments.of(name, opt, oracle);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("SGD", () -> new SGD(0.1), () -> sgd(0.1, 0, false)),
                c("SGD momentum", () -> new SGD(0.1, 0.9, false), () -> sgd(0.1, 0.9, false)),
                c("SGD nesterov", () -> new SGD(0.1, 0.9, true), () -> sgd(0.1, 0.9, true)),
                c("Adam", () -> new Adam(0.05), () -> adam(0.05, 0.9, 0.999, 1e-7, false)),
                c("Adam large epsilon", () -> new Adam(0.05, 0.8, 0.9, 0.1, false), () -> adam(0.05, 0.8, 0.9, 0.1, false)),
                c("Adam amsgrad", () -> new Adam(0.05, 0.9, 0.5, 1e-7, true), () -> adam(0.05, 0.9, 0.5, 1e-7, true)),
                c("RMSprop", () -> new RMSprop(0.01), () -> rmsprop(0.01, 0.9, 0, 1e-7, false)),
                c("RMSprop epsilon", () -> new RMSprop(0.01, 0.8, 0, 0.01, false), () -> rmsprop(0.01, 0.8, 0, 0.01, false)),
                c("RMSprop centered", () -> new RMSprop(0.01, 0.9, 0, 1e-7, true), () -> rmsprop(0.01, 0.9, 0, 1e-7, true)),
                c("RMSprop momentum", () -> new RMSprop(0.01, 0.9, 0.5, 1e-7, false), () -> rmsprop(0.01, 0.9, 0.5, 1e-7, false)),
                c("RMSprop centered momentum", () -> new RMSprop(0.01, 0.7, 0.5, 1e-3, true),
                        () -> rmsprop(0.01, 0.7, 0.5, 1e-3, true)),
                c("Adagrad", () -> new Adagrad(0.1), () -> adagrad(0.1, 0.1, 1e-7)),
                c("Adagrad options", () -> new Adagrad(0.1, 0.5, 0.05), () -> adagrad(0.1, 0.5, 0.05)));
    }

    static Stream<Arguments> casesOnBackends() {
        List<Arguments> all = new ArrayList<>();
        for (String b : List.of("reference", "cpu")) {
            cases().forEach(a -> all.add(Arguments.of(a.get()[0], a.get()[1], a.get()[2], b)));
        }
        return all.stream();
    }

    /** Runs 5 steps; returns w after each step (float32 values read back). */
    static double[][] run(Optimizer opt, Backend backend) {
        double[][] out = new double[G.length][];
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
            Variable w = new Variable(Tensor.of(toF(W0)), "w", true);
            try {
                for (int t = 0; t < G.length; t++) {
                    Tensor g = Tensor.of(toF(G[t]));
                    opt.apply(List.of(g), List.of(w));
                    out[t] = w.toDoubleArray();
                }
            } finally {
                w.close();
                opt.close();
            }
        }
        return out;
    }

    static float[] toF(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    @ParameterizedTest(name = "{0} on {3}")
    @MethodSource("casesOnBackends")
    void everyStepMatchesTheKerasFormula(String name, Supplier<Optimizer> make, Supplier<Oracle> oracleFactory, String backend) {
        Optimizer opt = make.get();
        double[][] got = run(opt, Backends.byName(backend));
        Oracle oracle = oracleFactory.get();
        double[] w = W0.clone();
        for (int t = 1; t <= G.length; t++) {
            oracle.step(w, G[t - 1], t);
            for (int i = 0; i < w.length; i++) {
                double err = Math.abs(got[t - 1][i] - w[i]) / Math.abs(w[i]);
                assertTrue(err <= 1e-6, name + " step " + t + " element " + i + ": expected " + w[i] + ", got "
                        + got[t - 1][i] + " (relative error " + err + ")");
            }
        }
        // the steps moved the weights by a visible amount (so the comparison above means something)
        double moved = 0;
        for (int i = 0; i < w.length; i++) {
            moved = Math.max(moved, Math.abs(w[i] - W0[i]));
        }
        assertTrue(moved > 1e-2, name + " barely moved: " + moved);
    }

    @Test
    void adamStepsAreBitwiseTheFloat32ArithmeticOnEveryBackend() {
        // the cpu backend runs Adam as one native pass, the reference backend as the composed
        // element-wise ops (Backend.adamUpdate's default); both must round like float32 code
        double lr = 0.05, b1 = 0.8, b2 = 0.95, eps = 1e-3;
        double[][] cpu = run(new Adam(lr, b1, b2, eps, false), Backends.cpu());
        double[][] ref = run(new Adam(lr, b1, b2, eps, false), Backends.reference());
        float[] w = toF(W0), m = new float[w.length], v = new float[w.length];
        float c1 = (float) (1 - b1), c2 = (float) (1 - b2), e = (float) eps;
        for (int t = 1; t <= G.length; t++) {
            float a = (float) (lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t)));
            for (int i = 0; i < w.length; i++) {
                float g = (float) G[t - 1][i];
                m[i] = m[i] + (g - m[i]) * c1;
                v[i] = v[i] + (g * g - v[i]) * c2;
                w[i] = w[i] - (m[i] * a) / ((float) Math.sqrt(v[i]) + e);
                assertEquals(w[i], (float) cpu[t - 1][i], 0.0f, "cpu step " + t + " element " + i);
                assertEquals(w[i], (float) ref[t - 1][i], 0.0f, "reference step " + t + " element " + i);
            }
        }
    }

    @Test
    void optionsChangeTheResult() {
        Backend cpu = Backends.cpu();
        assertNotEquals(run(new Adam(0.05, 0.9, 0.5, 1e-7, false), cpu)[4][3], run(new Adam(0.05, 0.9, 0.5, 1e-7, true), cpu)[4][3],
                "amsgrad had no effect on this case");
        assertNotEquals(run(new SGD(0.1, 0.9, false), cpu)[2][0], run(new SGD(0.1, 0.9, true), cpu)[2][0]);
        assertNotEquals(run(new RMSprop(0.01, 0.9, 0, 1e-7, false), cpu)[2][0], run(new RMSprop(0.01, 0.9, 0, 1e-7, true), cpu)[2][0]);
    }

    @Test
    void adamFirstStepIsLearningRateTimesSign() {
        // m = 0.1g, v = 0.001g², α = lr·√0.001/0.1, so Δw = lr·g/(|g| + ε/√0.001) ≈ lr·sign(g)
        double[][] got = run(new Adam(0.01), Backends.cpu());
        for (int i = 0; i < W0.length; i++) {
            assertEquals(W0[i] - 0.01 * Math.signum(G[0][i]), got[0][i], 1e-6, "element " + i);
        }
    }

    @Test
    void kerasDefaults() {
        SGD sgd = (SGD) Optimizers.get("sgd");
        assertEquals(0.01, sgd.learningRate());
        assertEquals(0.0, sgd.momentum());
        assertEquals(false, sgd.nesterov());
        Adam adam = (Adam) Optimizers.get("Adam");
        assertEquals(0.001, adam.learningRate());
        assertEquals(0.9, adam.beta1());
        assertEquals(0.999, adam.beta2());
        assertEquals(1e-7, adam.epsilon());
        assertEquals(false, adam.amsgrad());
        RMSprop rms = (RMSprop) Optimizers.get("rmsprop");
        assertEquals(0.001, rms.learningRate());
        assertEquals(0.9, rms.rho());
        assertEquals(0.0, rms.momentum());
        assertEquals(1e-7, rms.epsilon());
        assertEquals(false, rms.centered());
        Adagrad ada = (Adagrad) Optimizers.get("adagrad");
        assertEquals(0.001, ada.learningRate());
        assertEquals(0.1, ada.initialAccumulatorValue());
        assertEquals(1e-7, ada.epsilon());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.get("adamw"));
        assertTrue(e.getMessage().contains("adamw") && e.getMessage().contains("rmsprop"), e.getMessage());
    }

    @Test
    void configUsesKerasKeysAndRoundTrips() {
        Adam adam = new Adam(0.002, 0.85, 0.99, 1e-6, true);
        adam.clipNorm(1.5);
        Map<String, Object> c = adam.config();
        assertEquals("Adam", c.get("name"));
        assertEquals(0.002, c.get("learning_rate"));
        assertEquals(0.85, c.get("beta_1"));
        assertEquals(0.99, c.get("beta_2"));
        assertEquals(1e-6, c.get("epsilon"));
        assertEquals(true, c.get("amsgrad"));
        assertEquals(1.5, c.get("clipnorm"));
        List<Optimizer> all = List.of(adam, new SGD(0.05, 0.8, true), new RMSprop(0.01, 0.8, 0.3, 1e-5, true),
                new Adagrad(0.2, 0.3, 1e-6), new SGD(new ExponentialDecay(0.1, 10, 0.5, true), 0.9, false),
                new Adam(new PiecewiseConstantDecay(new long[] {5, 10}, new double[] {0.1, 0.01, 0.001}), 0.9, 0.999, 1e-7, false),
                new RMSprop(new CosineDecay(0.1, 100, 0.1, 0.5, 10), 0.9, 0, 1e-7, false));
        for (Optimizer o : all) {
            String saved = Json.write(o.config());
            Optimizer back = Optimizers.fromConfig(Json.parseObject(saved));
            assertEquals(o.getClass(), back.getClass());
            assertEquals(saved, Json.write(back.config()));
            for (long step : new long[] {0, 7, 50, 200}) {
                if (o.schedule() != null) {
                    assertEquals(o.schedule().at(step), back.schedule().at(step), 1e-15);
                }
            }
        }
        assertInstanceOf(ExponentialDecay.class, Optimizers.fromConfig(all.get(4).config()).schedule());
    }

    @Test
    void badHyperParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SGD(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(0.1, -0.5, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 1.0, 0.999, 1e-7, false));
        assertTrue(e.getMessage().contains("Adam") && e.getMessage().contains("beta_1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RMSprop(0.1, 0.9, 0, -1, false));
        assertThrows(IllegalArgumentException.class, () -> new Adagrad(0.1, -0.1, 1e-7));
    }

    @Test
    void nullGradientSkipsItsVariableAndShapesAreChecked() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Variable a = new Variable(Tensor.of(new float[] {1, 2}), "a", true);
            Variable b = new Variable(Tensor.of(new float[] {3, 4}), "b", true);
            SGD sgd = new SGD(0.5);
            List<Tensor> grads = new ArrayList<>();
            grads.add(null);
            grads.add(Tensor.of(new float[] {1, -2}));
            sgd.apply(grads, List.of(a, b));
            assertEquals(1, sgd.iterations());
            assertTrue(Arrays.equals(new float[] {1, 2}, a.toFloatArray()));
            assertTrue(Arrays.equals(new float[] {2.5f, 5}, b.toFloatArray()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sgd.apply(List.of(Tensor.of(new float[] {1, 2, 3})), List.of(a)));
            assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("(3,)") && e.getMessage().contains("(2,)"),
                    e.getMessage());
            a.close();
            b.close();
            sgd.close();
        }
    }

    @Test
    void thousandStepsReturnToBaseline() {
        Backend cpu = Backends.cpu();
        try (Backends.Use u = Backends.use(cpu)) {
            long base = cpu.bytesInUse();
            Optimizer[] opts = {new SGD(0.01, 0.9, true), new Adam(1e-3, 0.9, 0.999, 1e-7, true), new RMSprop(1e-3, 0.9, 0.5, 1e-7, true),
                    new Adagrad(), new Adam().clipNorm(0.5).globalClipNorm(0.3).clipValue(0.1)};
            for (Optimizer opt : opts) {
                Variable w;
                try (Scope s = Scope.open()) {
                    w = new Variable(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), "w", true);
                }
                Tensor g = Tensor.of(new float[] {0.5f, -0.25f, 1, 2, -1, 0.125f}, 2, 3);
                opt.apply(List.of(g), List.of(w));
                long afterFirst = cpu.bytesInUse(); // the slots exist now
                for (int i = 1; i < 1000; i++) {
                    opt.apply(List.of(g), List.of(w));
                }
                assertEquals(afterFirst, cpu.bytesInUse(), opt.name() + " leaked over 1000 steps");
                assertEquals(1000, opt.iterations());
                opt.close();
                w.close();
                g.close();
                assertEquals(base, cpu.bytesInUse(), opt.name() + " did not free its slots");
            }
        }
    }
}
