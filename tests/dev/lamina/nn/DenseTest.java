package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DenseTest {
    @Test
    void forwardWithConstantInitializersMatchesHandValues() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(2, "relu").kernelInitializer(Initializers.constant(0.5)).biasInitializer(Initializers.constant(0.1));
            Tensor y = d.apply(Tensor.of(new float[][] {{1, 2, 3}, {-1, -2, -3}}));
            // row 1: 0.5·(1+2+3) + 0.1 = 3.1; row 2: 0.5·(−6) + 0.1 = −2.9 → relu 0
            assertArrayEquals(new long[] {2, 2}, y.shape());
            assertArrayEquals(new float[] {3.1f, 3.1f, 0f, 0f}, y.toFloatArray(), 1e-6f);
            assertEquals(List.of(d.name() + "/kernel", d.name() + "/bias"),
                    d.weights().stream().map(v -> v.name()).collect(Collectors.toList()));
            assertEquals(8, d.countParams());
            d.close();
        }
    }

    @Test
    void forwardWithAssignedWeightsMatchesHandValues() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(2);
            d.ensureBuilt(new long[] {-1, 3});
            d.kernel().assign(Tensor.of(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
            d.bias().assign(Tensor.of(new float[] {0.5f, -0.5f}));
            Tensor y = d.apply(Tensor.of(new float[][] {{1, 0, -1}, {2, 1, 0}}));
            // [1,0,-1]·W = [-4,-4] + b = [-3.5,-4.5]; [2,1,0]·W = [5,8] + b = [5.5,7.5]
            assertArrayEquals(new float[] {-3.5f, -4.5f, 5.5f, 7.5f}, y.toFloatArray(), 1e-6f);
            d.close();
        }
    }

    @Test
    void rank3InputAppliesToTheLastAxis() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(5, "tanh").biasInitializer(Initializers.randomUniform(-1, 1, 3L));
            double[] xv = LayerChecks.random(11, 2 * 3 * 4, -1, 1);
            Tensor x = Tensor.of(xv, 2, 3, 4).cast(DType.FLOAT32);
            Tensor y = d.apply(x);
            assertArrayEquals(new long[] {2, 3, 5}, y.shape());
            assertArrayEquals(new long[] {-1, 3, 5}, d.outputShape(new long[] {-1, 3, 4}));
            float[] w = d.kernel().toFloatArray();
            float[] b = d.bias().toFloatArray();
            float[] xf = x.toFloatArray();
            float[] got = y.toFloatArray();
            for (int row = 0; row < 6; row++) {
                for (int o = 0; o < 5; o++) {
                    double acc = b[o];
                    for (int i = 0; i < 4; i++) {
                        acc += xf[row * 4 + i] * w[i * 5 + o];
                    }
                    assertEquals(Math.tanh(acc), got[row * 5 + o], 1e-6, "row " + row + " unit " + o);
                }
            }
            d.close();
        }
    }

    @Test
    void noBiasHasOnlyAKernel() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(3).useBias(false).kernelInitializer(Initializers.ones());
            Tensor y = d.apply(Tensor.of(new float[][] {{1, 2}}));
            assertEquals(1, d.weights().size());
            assertNull(d.bias());
            assertArrayEquals(new float[] {3, 3, 3}, y.toFloatArray(), 0f);
            d.close();
        }
    }

    @Test
    void defaultKernelIsGlorotUniformAndBiasZero() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(30);
            d.ensureBuilt(new long[] {-1, 20});
            double limit = Math.sqrt(6.0 / (20 + 30));
            for (float v : d.kernel().toFloatArray()) {
                assertTrue(Math.abs(v) <= limit, "kernel value " + v + " beyond glorot limit " + limit);
            }
            assertTrue(d.kernel().abs().max().item() > 0.5 * limit, "kernel should spread over the glorot range");
            assertArrayEquals(new float[30], d.bias().toFloatArray(), 0f);
            d.close();
        }
    }

    @Test
    void regularizationLossSumsKernelAndBiasPenalties() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(2).kernelInitializer(Initializers.constant(0.5)).biasInitializer(Initializers.constant(-0.2))
                    .kernelRegularizer(Regularizers.l2(0.01)).biasRegularizer(Regularizers.l1(0.1));
            assertNull(new Dense(2).regularizationLoss());
            d.ensureBuilt(new long[] {-1, 3});
            // 0.01·6·0.25 + 0.1·2·0.2 = 0.015 + 0.04
            assertEquals(0.055, d.regularizationLoss().item(), 1e-7);
            d.close();
        }
    }

    private static Supplier<Layer> denseFactory(String activation) {
        return () -> new Dense(3, activation).kernelInitializer(Initializers.glorotUniform(5L))
                .biasInitializer(Initializers.randomUniform(-0.5, 0.5, 6L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "tanh", "sigmoid", "softmax"})
    void gradientsMatchFiniteDifferences(String activation) {
        double[] r = LayerChecks.gradCheck(denseFactory(activation), true, LayerChecks.random(1, 4 * 5, -1, 1),
                new long[] {4, 5}, 1e-6);
        assertTrue(r[0] < 1e-6, activation + ": rel err " + r[0]);
        assertEquals(4 * 5 + 5 * 3 + 3, (int) r[1]);
    }

    @Test
    void rank3GradientsMatchFiniteDifferences() {
        double[] r = LayerChecks.gradCheck(denseFactory("tanh"), false, LayerChecks.random(2, 2 * 3 * 4, -1, 1),
                new long[] {2, 3, 4}, 1e-6);
        assertTrue(r[0] < 1e-6, "rel err " + r[0]);
    }

    @Test
    void cpuMatchesReference() {
        LayerChecks.assertCpuMatchesReference(denseFactory("relu"), LayerChecks.randomFloats(3, 16 * 5, -1, 1),
                new long[] {16, 5}, true, 1e-5);
        LayerChecks.assertCpuMatchesReference(denseFactory("softmax"), LayerChecks.randomFloats(4, 2 * 7 * 5, -1, 1),
                new long[] {2, 7, 5}, true, 1e-5);
    }

    @Test
    void wrongFeatureCountNamesLayerAndShapes() {
        try (Scope s = Scope.open()) {
            Dense d = new Dense(2, (String) null, true, null, null, null, null, "my_dense");
            d.apply(Tensor.zeros(DType.FLOAT32, 2, 3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.apply(Tensor.zeros(DType.FLOAT32, 2, 4)));
            assertTrue(e.getMessage().contains("my_dense") && e.getMessage().contains("(None, 3)")
                    && e.getMessage().contains("(2, 4)"), e.getMessage());
            Dense v = new Dense(2);
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> v.apply(Tensor.zeros(DType.FLOAT32, 4)));
            assertTrue(e2.getMessage().contains(v.name()) && e2.getMessage().contains("rank >= 2"), e2.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Dense(0));
            assertThrows(IllegalArgumentException.class, () -> new Dense(2, "nope"));
            d.close();
        }
    }

    @Test
    void settersAfterBuildAreRejected() {
        Dense d = new Dense(2);
        try (Scope s = Scope.open()) {
            d.ensureBuilt(new long[] {-1, 3});
        }
        assertThrows(IllegalStateException.class, () -> d.kernelInitializer("zeros"));
        assertThrows(IllegalStateException.class, () -> d.useBias(false));
        d.close();
    }

    // ---- parity cases computed by PyTorch in float64 ----

    static final Path CASES = Files.isDirectory(Paths.get("data", "parity", "cases"))
            ? Paths.get("data", "parity", "cases") : Paths.get("..", "shared", "parity", "cases");

    static List<Path> denseCases() throws Exception {
        try (Stream<Path> s = Files.list(CASES)) {
            return s.filter(p -> p.getFileName().toString().startsWith("dense_") && p.toString().endsWith(".safetensors"))
                    .sorted().collect(Collectors.toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void parityCasesThroughTheDenseLayer(String backendName) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(CASES), "no parity cases at " + CASES.toAbsolutePath());
        List<Path> files = denseCases();
        assertTrue(files.size() >= 5, "expected the dense parity cases, found " + files);
        Backend backend = Backends.byName(backendName);
        long base = backend.bytesInUse();
        for (Path file : files) {
            SafetensorsFile f = Safetensors.read(file);
            Map<String, Object> attrs = Json.parseObject(f.metadata().get("attrs"));
            String act = (String) attrs.get("activation");
            long[] xs = f.get("in.x").shape();
            long[] ks = f.get("in.kernel").shape();
            try (Backends.Use use = Backends.use(backend); Scope s = Scope.open()) {
                Dense d = new Dense((int) ks[1], act);
                d.ensureBuilt(xs);
                d.kernel().assign(Tensor.of(f.get("in.kernel").toFloatArray(), ks));
                d.bias().assign(Tensor.of(f.get("in.bias").toFloatArray(), f.get("in.bias").shape()));
                Tensor x = Tensor.of(f.get("in.x").toFloatArray(), xs);
                try (GradientTape tape = GradientTape.start()) {
                    tape.watch(x);
                    Tensor y = d.apply(x, true);
                    double ey = LayerChecks.relErr(LayerChecks.toDouble(y.toFloatArray()), f.get("out.y").toDoubleArray());
                    assertTrue(ey <= 1e-5, file.getFileName() + " " + backendName + ": out.y rel err " + ey);
                    Tensor seed = Tensor.of(f.get("seed.y").toFloatArray(), y.shape());
                    Tensor[] g = tape.gradient(y.mul(seed).sum(), x, d.kernel(), d.bias());
                    String[] names = {"grad.x", "grad.kernel", "grad.bias"};
                    for (int i = 0; i < 3; i++) {
                        double e = LayerChecks.relErr(LayerChecks.toDouble(g[i].toFloatArray()), f.get(names[i]).toDoubleArray());
                        assertTrue(e <= 1e-5, file.getFileName() + " " + backendName + ": " + names[i] + " rel err " + e);
                    }
                }
                d.close();
            }
        }
        assertEquals(base, backend.bytesInUse(), "bytes in use after the parity cases");
    }
}
