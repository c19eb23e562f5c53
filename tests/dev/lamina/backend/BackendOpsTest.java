package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.tensor.OpCatalog;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule 1 of the house: every op on every fast backend against the reference backend, on fresh
 * random float32 inputs, forward and backward. Relative error ‖out − ref‖/‖ref‖ ≤ 1e-5; NaN fails.
 * The cuda backend joins where a usable device is present: on a GPU, and in CI on the emulated
 * device (LAMINA_CUDA=emulated, where it must load); CudaKernelsGpuTest checks its kernels one by one.
 */
@Tag("cuda-emulated") // also run by CI on the emulated CUDA device (pom.xml, emulated-cuda-*)
class BackendOpsTest {
    static final double TOLERANCE = 1e-5;

    static List<Backend> fastBackends() {
        Backend cuda = Backends.cuda();
        if (dev.lamina.backend.cuda.CudaBackend.runtime().isEmulated() && !cuda.isAvailable()) {
            // on the emulated device (CI) the cuda part must run, never drop out silently
            throw new IllegalStateException("the emulated CUDA device must load: "
                    + dev.lamina.backend.cuda.CudaBackend.unavailableReason());
        }
        return cuda.isAvailable() ? List.of(Backends.cpu(), cuda) : List.of(Backends.cpu());
    }

    static Stream<Arguments> differentiable() {
        List<Arguments> args = new ArrayList<>();
        for (Backend b : fastBackends()) {
            for (OpCatalog.Case c : OpCatalog.differentiable()) {
                args.add(Arguments.of(b.name(), c));
            }
        }
        return args.stream();
    }

    static double relErr(double[] out, double[] ref) {
        assertEquals(ref.length, out.length, "sizes differ");
        double d2 = 0;
        double r2 = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Double.isFinite(out[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d2 += (out[i] - ref[i]) * (out[i] - ref[i]);
            r2 += ref[i] * ref[i];
        }
        return r2 == 0 ? Math.sqrt(d2) : Math.sqrt(d2 / r2);
    }

    /** Forward output and input gradients of L = Σ f(x) ⊙ seed on one backend. */
    static List<double[]> run(Backend backend, OpCatalog.Case c, double[][] x, double[] seed) {
        List<double[]> results = new ArrayList<>();
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
            Tensor[] in = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                in[i] = Tensor.of(x[i], c.shapes()[i]).cast(DType.FLOAT32);
            }
            tape.watch(in);
            Tensor y = c.f().apply(in);
            assertEquals(backend, y.backend());
            results.add(y.toDoubleArray());
            Tensor loss = y.mul(Tensor.of(seed, y.shape()).cast(DType.FLOAT32)).sum();
            for (Tensor g : tape.gradient(loss, in)) {
                results.add(g == null ? new double[0] : g.toDoubleArray());
            }
        }
        return results;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("differentiable")
    void forwardAndBackwardMatchReference(String backendName, OpCatalog.Case c) {
        Backend fast = Backends.byName(backendName);
        long seedValue = OpCatalog.seed(c.name() + "@" + backendName);
        Rng rng = new Rng(seedValue);
        double[][] x = c.draw(rng);
        int outSize;
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            Tensor[] in = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                in[i] = Tensor.of(x[i], c.shapes()[i]);
            }
            outSize = (int) c.f().apply(in).numel();
        }
        double[] seed = new double[outSize];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = rng.nextDouble() * 2 - 1;
        }
        List<double[]> ref = run(Backends.reference(), c, x, seed);
        List<double[]> out = run(fast, c, x, seed);
        String[] what = new String[ref.size()];
        what[0] = "output";
        for (int i = 1; i < what.length; i++) {
            what[i] = "gradient of input " + (i - 1);
        }
        for (int i = 0; i < ref.size(); i++) {
            double e = relErr(out.get(i), ref.get(i));
            assertTrue(e <= TOLERANCE, c.name() + " on " + backendName + ": " + what[i] + " relative error " + e
                    + OpCatalog.replay(seedValue));
        }
    }

    static Stream<String> fastBackendNames() {
        return fastBackends().stream().map(Backend::name);
    }

    /** The fused Adam step (the one op with no gradient of its own): w, m and v after one step. */
    @ParameterizedTest(name = "{0} adamUpdate")
    @MethodSource("fastBackendNames")
    void adamStepMatchesReference(String backendName) {
        long seedValue = OpCatalog.seed("adamUpdate@" + backendName);
        Rng rng = new Rng(seedValue);
        double[][] x = new double[4][37 * 5];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < x[k].length; i++) {
                double u = rng.nextDouble();
                x[k][i] = k == 3 ? u * u : 4 * u - 2;   // the second moment is non-negative
            }
        }
        List<double[]> ref = adam(Backends.reference(), x);
        List<double[]> out = adam(Backends.byName(backendName), x);
        String[] what = {"w", "m", "v"};
        for (int i = 0; i < 3; i++) {
            double e = relErr(out.get(i), ref.get(i));
            assertTrue(e <= TOLERANCE, "adamUpdate on " + backendName + ": " + what[i] + " relative error " + e
                    + OpCatalog.replay(seedValue));
        }
    }

    private static List<double[]> adam(Backend backend, double[][] x) {
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
            Tensor[] t = new Tensor[4];
            for (int k = 0; k < 4; k++) {
                t[k] = Tensor.of(x[k], 37, 5).cast(DType.FLOAT32);
            }
            dev.lamina.ops.OptimizerOps.adamUpdate(t[0], t[1], t[2], t[3], 1e-2, 0.9, 0.999, 1e-7);
            assertEquals(backend, t[0].backend());
            return List.of(t[0].toDoubleArray(), t[2].toDoubleArray(), t[3].toDoubleArray());
        }
    }

    static Stream<Arguments> exactOps() {
        List<Arguments> args = new ArrayList<>();
        List<Function<Tensor[], Tensor>> ops = List.of(
                t -> t[0].gt(t[1]),
                t -> t[0].le(t[1]),
                t -> t[0].eq(t[0]),
                t -> t[0].argmax(1),
                t -> t[0].argmin(0),
                t -> t[0].cast(DType.INT32),
                t -> t[0].cast(DType.INT64).mul(t[1].cast(DType.INT64)).sub(t[0].cast(DType.INT64)),
                t -> t[0].cast(DType.INT32).abs().add(t[1].cast(DType.INT32).square()),
                t -> t[0].cast(DType.BOOL),
                t -> t[0].argmax(1).oneHot(7, DType.FLOAT32),
                t -> t[0].cast(DType.INT32).max(new int[] {0}, false),
                t -> t[0].cast(DType.INT64).sum(new int[] {1}, true),
                t -> t[0].transpose().cast(DType.INT32),
                t -> t[0].argmax(1).oneHot(7, DType.INT32).gather(Tensor.of(new int[] {3, 0, 0})));
        String[] names = {"gt", "le", "eq", "argmax", "argmin", "cast-int32", "int64 arithmetic", "int32 abs/square",
                "cast-bool", "oneHot", "int max", "int64 sum", "int transpose", "int gather"};
        for (Backend b : fastBackends()) {
            for (int i = 0; i < ops.size(); i++) {
                args.add(Arguments.of(b.name(), names[i], ops.get(i)));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("exactOps")
    void integerAndBoolOpsMatchExactly(String backendName, String name, Function<Tensor[], Tensor> f) {
        long seedValue = OpCatalog.seed(name + "@" + backendName);
        Rng rng = new Rng(seedValue);
        float[][] x = new float[2][33 * 7];
        for (float[] a : x) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) Math.floor(rng.nextDouble() * 20 - 10) + (rng.nextDouble() < 0.5 ? 0.5f : 0f);
            }
        }
        long[] ref = eval(Backends.reference(), f, x);
        long[] out = eval(Backends.byName(backendName), f, x);
        assertArrayEquals(ref, out, name + " on " + backendName + OpCatalog.replay(seedValue));
    }

    private static long[] eval(Backend b, Function<Tensor[], Tensor> f, float[][] x) {
        try (Backends.Use u = Backends.use(b); Scope s = Scope.open()) {
            Tensor y = f.apply(new Tensor[] {Tensor.of(x[0], 33, 7), Tensor.of(x[1], 33, 7)});
            assertEquals(b, y.backend());
            return y.cast(DType.INT64).toLongArray();
        }
    }
}
