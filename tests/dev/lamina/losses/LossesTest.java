package dev.lamina.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradCheck;
import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss against a double-precision computation written out here (tolerance 1e-6 relative,
 * float32 tensors on the reference and cpu backends), extreme inputs, gradients by finite
 * differences (float64, reference backend, relative error 1e-6), shape errors and the registry.
 */
class LossesTest {
    static final double TOL = 1e-6;
    static final double EPS = 1e-7;

    static Stream<Backend> backends() {
        return Stream.of(Backends.reference(), Backends.cpu());
    }

    // ---------------------------------------------------------------------------------------
    // double-precision oracles, written independently of the tensor code
    // ---------------------------------------------------------------------------------------

    /** Mean over rows of (mean over the row of f(t, p)). */
    interface Elem {
        double f(double t, double p);
    }

    static double rowMeanThenBatchMean(double[][] t, double[][] p, Elem f) {
        double total = 0;
        for (int i = 0; i < t.length; i++) {
            double row = 0;
            for (int j = 0; j < t[i].length; j++) {
                row += f.f(t[i][j], p[i][j]);
            }
            total += row / t[i].length;
        }
        return total / t.length;
    }

    static double clipD(double x) {
        return Math.min(Math.max(x, EPS), 1 - EPS);
    }

    static double huberD(double t, double p, double delta) {
        double e = Math.abs(p - t);
        return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    }

    static double bceProbD(double t, double p) {
        double q = clipD(p);
        return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
    }

    static double bceLogitD(double t, double z) {
        // -(t log σ(z) + (1-t) log(1-σ(z))) with log σ(z) = -log(1+e^-z), written for large |z|
        double logSig = z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
        double logOneMinusSig = z >= 0 ? -z - Math.log1p(Math.exp(-z)) : -Math.log1p(Math.exp(z));
        return -(t * logSig + (1 - t) * logOneMinusSig);
    }

    static double[] logSoftmaxD(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - m);
        }
        double lse = m + Math.log(s);
        double[] r = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            r[i] = z[i] - lse;
        }
        return r;
    }

    static double[] logProbsD(double[] p) {
        double s = 0;
        for (double v : p) {
            s += v;
        }
        double[] r = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.log(clipD(p[i] / s));
        }
        return r;
    }

    static double cceD(double[][] t, double[][] pred, boolean logits) {
        double total = 0;
        for (int i = 0; i < t.length; i++) {
            double[] lp = logits ? logSoftmaxD(pred[i]) : logProbsD(pred[i]);
            for (int c = 0; c < t[i].length; c++) {
                total -= t[i][c] * lp[c];
            }
        }
        return total / t.length;
    }

    static double scceD(int[] labels, double[][] pred, boolean logits) {
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] lp = logits ? logSoftmaxD(pred[i]) : logProbsD(pred[i]);
            total -= lp[labels[i]];
        }
        return total / labels.length;
    }

    static float[] flat(double[][] a) {
        float[] r = new float[a.length * a[0].length];
        int k = 0;
        for (double[] row : a) {
            for (double v : row) {
                r[k++] = (float) v;
            }
        }
        return r;
    }

    /** The values the float32 tensors will actually hold. */
    static double[][] f32(double[][] a) {
        double[][] r = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            r[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                r[i][j] = (float) a[i][j];
            }
        }
        return r;
    }

    static double value(Loss loss, double[][] t, double[][] p) {
        try (Scope s = Scope.open()) {
            Tensor yt = Tensor.of(flat(t), t.length, t[0].length);
            Tensor yp = Tensor.of(flat(p), p.length, p[0].length);
            Tensor l = loss.compute(yt, yp);
            assertEquals(0, l.rank(), loss.name() + " must return a scalar");
            assertEquals(DType.FLOAT32, l.dtype());
            return l.item();
        }
    }

    static void assertRel(double expected, double actual, double tol, String what) {
        assertTrue(Double.isFinite(actual), what + ": not finite: " + actual);
        double err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-30);
        assertTrue(err <= tol, what + ": expected " + expected + ", got " + actual + " (relative error " + err + ")");
    }

    static final double[][] T = {{0.0, 1.0, 0.5}, {2.0, -1.0, 0.25}};
    static final double[][] P = {{0.3, 0.4, 2.5}, {1.25, -0.2, -0.5}};

    // ---------------------------------------------------------------------------------------
    // values
    // ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void regressionLossesMatchDouble(Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            double[][] t = f32(T);
            double[][] p = f32(P);
            assertRel(rowMeanThenBatchMean(t, p, (a, b) -> (b - a) * (b - a)), value(new MeanSquaredError(), T, P), TOL, "mse");
            assertRel(rowMeanThenBatchMean(t, p, (a, b) -> Math.abs(b - a)), value(new MeanAbsoluteError(), T, P), TOL, "mae");
            assertRel(rowMeanThenBatchMean(t, p, (a, b) -> huberD(a, b, 1.0)), value(new Huber(), T, P), TOL, "huber 1");
            assertRel(rowMeanThenBatchMean(t, p, (a, b) -> huberD(a, b, 0.5)), value(new Huber(0.5), T, P), TOL, "huber 0.5");
            // hand values: errors (0.3, -0.6, 2.0; -0.75, 0.8, -0.75); mse = (0.09+0.36+4)/3/2 + (0.5625+0.64+0.5625)/3/2
            assertRel((4.45 / 3 + 1.765 / 3) / 2, value(new MeanSquaredError(), T, P), TOL, "mse by hand");
            // huber δ=1: 0.045, 0.18, 1.5 | 0.28125, 0.32, 0.28125
            assertRel((1.725 / 3 + 0.8825 / 3) / 2, value(new Huber(), T, P), TOL, "huber by hand");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void binaryCrossentropyMatchesDouble(Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            double[][] t = {{0, 1, 1}, {1, 0, 0.3}};
            double[][] p = {{0.2, 0.7, 0.95}, {0.5, 0.1, 0.6}};
            assertRel(rowMeanThenBatchMean(f32(t), f32(p), LossesTest::bceProbD), value(new BinaryCrossentropy(), t, p), TOL,
                    "bce probabilities");
            double[][] z = {{-2.0, 0.5, 3.0}, {1.5, -0.25, 0.75}};
            assertRel(rowMeanThenBatchMean(f32(t), f32(z), LossesTest::bceLogitD), value(new BinaryCrossentropy(true), t, z), TOL,
                    "bce logits");
            // the two forms agree: probabilities σ(z) give the logit loss
            double[][] sig = new double[2][3];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    sig[i][j] = 1 / (1 + Math.exp(-z[i][j]));
                }
            }
            assertRel(value(new BinaryCrossentropy(true), t, z), value(new BinaryCrossentropy(false), t, sig), 1e-5,
                    "bce probabilities vs logits");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void extremeLogitsStayFinite(Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            double[][] t = {{0, 1}, {1, 0}};
            double[][] z = {{100, -100}, {100, -100}};
            // y=0,z=100 → 100; y=1,z=-100 → 100; y=1,z=100 → e^-100 ≈ 0; y=0,z=-100 → ≈ 0
            double bce = value(new BinaryCrossentropy(true), t, z);
            assertRel(50.0, bce, TOL, "bce logits ±100");
            assertRel(rowMeanThenBatchMean(t, z, LossesTest::bceLogitD), bce, TOL, "bce logits ±100 vs double");

            double[][] onehot = {{0, 1, 0}, {1, 0, 0}};
            double[][] big = {{100, -100, 0}, {100, -100, 50}};
            double cce = value(new CategoricalCrossentropy(true), onehot, big);
            assertRel(cceD(onehot, big, true), cce, TOL, "cce logits ±100");
            assertRel(100.0, cce, TOL, "cce logits ±100 by hand ((200 + ≈0)/2)");
            try (Scope s = Scope.open()) {
                Tensor logits = Tensor.of(flat(big), 2, 3);
                double scce = new SparseCategoricalCrossentropy(true).compute(Tensor.of(new int[] {1, 0}), logits).item();
                assertRel(scceD(new int[] {1, 0}, big, true), scce, TOL, "scce logits ±100");
            }
        }
    }

    @Test
    void clippedProbabilitiesZeroAndOneAreFinite() {
        // float64 so that 1 − 1e-7 is held exactly enough to compare with the double formula
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            double[] t = {0, 1, 1, 0};
            double[] p = {0, 0, 1, 1};
            double v = new BinaryCrossentropy().compute(Tensor.of(t, 2, 2), Tensor.of(p, 2, 2)).item();
            double expected = 0;
            for (int i = 0; i < 4; i++) {
                expected += bceProbD(t[i], p[i]);
            }
            expected /= 4;
            // clip to 1e-7: log(1e-7) = -16.118...; two of four terms saturate
            assertRel(-Math.log(1e-7) / 2, expected, 1e-6, "oracle");
            assertRel(expected, v, 1e-9, "bce at 0 and 1");

            double[][] onehot = {{0, 1, 0}, {1, 0, 0}};
            double[][] probs = {{1, 0, 0}, {0.5, 0.5, 0}};
            double c = new CategoricalCrossentropy().compute(Tensor.of(onehot), Tensor.of(probs)).item();
            assertRel(cceD(onehot, probs, false), c, 1e-9, "cce with zero probabilities");
            double sc = new SparseCategoricalCrossentropy().compute(Tensor.of(new long[] {1, 0}), Tensor.of(probs)).item();
            assertRel(scceD(new int[] {1, 0}, probs, false), sc, 1e-9, "scce with zero probabilities");
        }
        // float32: finite, and the same clipped-loss size (float32 rounds 1 − 1e-7 to 1 − 1.19e-7)
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            float v = (float) new BinaryCrossentropy().compute(Tensor.of(new float[] {0, 1, 1, 0}, 2, 2),
                    Tensor.of(new float[] {0, 0, 1, 1}, 2, 2)).item();
            assertTrue(Float.isFinite(v) && Math.abs(v - 8.06) < 0.1, "float32 bce at 0 and 1: " + v);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void categoricalCrossentropyMatchesDouble(Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            double[][] t = {{0, 1, 0, 0}, {0.1, 0.2, 0.3, 0.4}, {0, 0, 0, 1}};
            double[][] probs = {{0.1, 0.6, 0.2, 0.1}, {0.25, 0.25, 0.25, 0.25}, {0.3, 0.4, 0.8, 0.5}}; // last row not normalised
            double[][] logits = {{1.0, -0.5, 2.0, 0.3}, {0.0, 0.1, -0.2, 0.7}, {-1.0, 3.0, 0.5, 0.25}};
            assertRel(cceD(f32(t), f32(probs), false), value(new CategoricalCrossentropy(), t, probs), TOL, "cce probabilities");
            assertRel(cceD(f32(t), f32(logits), true), value(new CategoricalCrossentropy(true), t, logits), TOL, "cce logits");
            // hand: row 1 −log 0.6, row 2 −Σ t log 0.25 = log 4, row 3 −log(0.5/2.0) = log 4
            assertRel((-Math.log(0.6) + 2 * Math.log(4)) / 3, value(new CategoricalCrossentropy(), t, probs), TOL, "cce by hand");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sparseCategoricalCrossentropyMatchesDouble(Backend backend) {
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
            double[][] logits = {{1.0, -0.5, 2.0, 0.3}, {0.0, 0.1, -0.2, 0.7}, {-1.0, 3.0, 0.5, 0.25}};
            double[][] probs = {{0.1, 0.6, 0.2, 0.1}, {0.25, 0.25, 0.25, 0.25}, {0.3, 0.4, 0.8, 0.5}};
            int[] labels = {2, 0, 1};
            double expLogits = scceD(labels, f32(logits), true);
            double expProbs = scceD(labels, f32(probs), false);
            Tensor z = Tensor.of(flat(logits), 3, 4);
            Tensor p = Tensor.of(flat(probs), 3, 4);
            SparseCategoricalCrossentropy fromLogits = new SparseCategoricalCrossentropy(true);
            SparseCategoricalCrossentropy fromProbs = new SparseCategoricalCrossentropy();
            assertRel(expLogits, fromLogits.compute(Tensor.of(labels), z).item(), TOL, "scce logits int32 [B]");
            assertRel(expLogits, fromLogits.compute(Tensor.of(new long[] {2, 0, 1}, 3, 1), z).item(), TOL, "scce logits int64 [B,1]");
            assertRel(expLogits, fromLogits.compute(Tensor.of(new float[] {2, 0, 1}), z).item(), TOL, "scce float ids");
            assertRel(expProbs, fromProbs.compute(Tensor.of(labels), p).item(), TOL, "scce probabilities");
            // sparse equals categorical with one-hot targets
            double[][] onehot = {{0, 0, 1, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}};
            assertRel(value(new CategoricalCrossentropy(true), onehot, logits), fromLogits.compute(Tensor.of(labels), z).item(),
                    TOL, "scce vs cce");
            assertEquals(3, fromLogits.perSample(Tensor.of(labels), z).numel());
        }
    }

    @Test
    void rankAlignmentAndPerSampleShapes() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor t1 = Tensor.of(new float[] {1, 2, 3});
            Tensor p2 = Tensor.of(new float[] {1.5f, 2, 2}, 3, 1);
            MeanSquaredError mse = new MeanSquaredError();
            // Keras: a rank-1 y_true against [B,1] predictions gets a trailing axis: per-sample [B]
            assertEquals(3, mse.perSample(t1, p2).numel());
            assertEquals(1, mse.perSample(t1, p2).rank());
            assertRel((0.25 + 0 + 1) / 3, mse.compute(t1, p2).item(), TOL, "[B] vs [B,1]");
            assertRel((0.25 + 0 + 1) / 3, mse.compute(p2, t1).item(), TOL, "[B,1] vs [B]");
            // integer targets are cast to the predictions' dtype
            assertRel((0.25 + 0 + 1) / 3, mse.compute(Tensor.of(new int[] {1, 2, 3}, 3, 1), p2).item(), TOL, "int targets");
            // [B,T,1] vs [B,T]: the trailing 1 is dropped, per-sample [B]
            Tensor t3 = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2, 1);
            Tensor p3 = Tensor.of(new float[] {1, 2, 3, 6}, 2, 2);
            Tensor ps = mse.perSample(t3, p3);
            assertEquals(2, ps.numel());
            assertEquals(2.0, ps.toDoubleArray()[1], 1e-6);
        }
    }

    // ---------------------------------------------------------------------------------------
    // errors and registry
    // ---------------------------------------------------------------------------------------

    @Test
    void shapeMismatchNamesTheLossAndBothShapes() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(DType.FLOAT32, 4, 3);
            Tensor b = Tensor.zeros(DType.FLOAT32, 4, 2);
            for (Loss l : new Loss[] {new MeanSquaredError(), new MeanAbsoluteError(), new Huber(), new BinaryCrossentropy(true),
                    new CategoricalCrossentropy()}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.compute(a, b));
                assertTrue(e.getMessage().contains(l.getClass().getSimpleName()) && e.getMessage().contains("(4, 3)")
                        && e.getMessage().contains("(4, 2)"), e.getMessage());
            }
            SparseCategoricalCrossentropy sc = new SparseCategoricalCrossentropy(true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sc.compute(Tensor.of(new int[] {0, 1, 2}), b));
            assertTrue(e.getMessage().contains("SparseCategoricalCrossentropy") && e.getMessage().contains("(3,)")
                    && e.getMessage().contains("(4, 2)"), e.getMessage());
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> sc.compute(Tensor.of(new int[] {0, 1, 2, 1}), b));
            assertTrue(range.getMessage().contains("SparseCategoricalCrossentropy") && range.getMessage().contains("index 2"),
                    range.getMessage());
            IllegalArgumentException intPred = assertThrows(IllegalArgumentException.class,
                    () -> new MeanSquaredError().compute(Tensor.of(new int[] {1}), Tensor.of(new int[] {1})));
            assertTrue(intPred.getMessage().contains("floating"), intPred.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Huber(0));
        }
    }

    @Test
    void registryKnowsKerasNamesAndAliases() {
        Map<String, Class<?>> names = Map.of("mean_squared_error", MeanSquaredError.class, "mse", MeanSquaredError.class,
                "mean_absolute_error", MeanAbsoluteError.class, "mae", MeanAbsoluteError.class, "huber", Huber.class,
                "binary_crossentropy", BinaryCrossentropy.class, "categorical_crossentropy", CategoricalCrossentropy.class,
                "sparse_categorical_crossentropy", SparseCategoricalCrossentropy.class, "MSE", MeanSquaredError.class);
        for (Map.Entry<String, Class<?>> e : names.entrySet()) {
            Loss l = Losses.get(e.getKey());
            assertInstanceOf(e.getValue(), l, e.getKey());
        }
        for (String n : Losses.NAMES) {
            assertEquals(n, Losses.get(n).name());
        }
        assertEquals("mean_squared_error", Losses.get("mse").name());
        assertEquals(1.0, ((Huber) Losses.get("huber")).delta());
        assertEquals(false, ((BinaryCrossentropy) Losses.get("binary_crossentropy")).fromLogits());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.get("hinge"));
        assertTrue(e.getMessage().contains("hinge") && e.getMessage().contains("sparse_categorical_crossentropy")
                && e.getMessage().contains("mse"), e.getMessage());
        // config round trip
        Loss back = Losses.fromConfig("sparse_categorical_crossentropy", new SparseCategoricalCrossentropy(true).config());
        assertTrue(((SparseCategoricalCrossentropy) back).fromLogits());
        assertEquals(0.25, ((Huber) Losses.fromConfig("huber", new Huber(0.25).config())).delta());
        assertEquals(true, new BinaryCrossentropy(true).config().get("from_logits"));
    }

    // ---------------------------------------------------------------------------------------
    // gradients by finite differences
    // ---------------------------------------------------------------------------------------

    static void gradOk(String what, Function<Tensor[], Tensor> f, double[][] values, long[][] shapes) {
        GradCheck.Result r = GradCheck.check(f, values, shapes);
        assertTrue(r.relativeError() <= 1e-6, what + ": relative gradient error " + r.relativeError());
        assertTrue(r.checkedElements() > 0);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        long[][] two = {{2, 3}, {2, 3}};
        double[] t = {0.0, 1.0, 0.5, 2.0, -1.0, 0.25};
        double[] p = {0.3, 0.4, 2.5, 1.25, -0.2, -0.5}; // |e| = 0.3 .. 2.0, none at 0, δ=1 or δ=0.5
        gradOk("mse", x -> new MeanSquaredError().compute(x[0], x[1]), new double[][] {t.clone(), p.clone()}, two);
        gradOk("mae", x -> new MeanAbsoluteError().compute(x[0], x[1]), new double[][] {t.clone(), p.clone()}, two);
        gradOk("huber", x -> new Huber().compute(x[0], x[1]), new double[][] {t.clone(), p.clone()}, two);
        gradOk("huber 0.6", x -> new Huber(0.6).compute(x[0], x[1]), new double[][] {t.clone(), p.clone()}, two);

        double[] bt = {0, 1, 1, 1, 0, 0.3};
        double[] bp = {0.2, 0.7, 0.95, 0.5, 0.1, 0.6};
        gradOk("bce probabilities", x -> new BinaryCrossentropy().compute(x[0], x[1]), new double[][] {bt.clone(), bp.clone()}, two);
        double[] bz = {-2.0, 0.5, 3.0, 1.5, -0.25, 0.75};
        gradOk("bce logits", x -> new BinaryCrossentropy(true).compute(x[0], x[1]), new double[][] {bt.clone(), bz.clone()}, two);
        gradOk("bce logits ±30", x -> new BinaryCrossentropy(true).compute(x[0], x[1]),
                new double[][] {bt.clone(), {-30, 30, 12, -12, 0.1, -0.1}}, two);

        long[][] cls = {{3, 4}, {3, 4}};
        double[] ct = {0, 1, 0, 0, 0.1, 0.2, 0.3, 0.4, 0, 0, 0, 1};
        double[] cp = {0.1, 0.6, 0.2, 0.1, 0.25, 0.2, 0.3, 0.25, 0.3, 0.4, 0.8, 0.5};
        double[] cz = {1.0, -0.5, 2.0, 0.3, 0.0, 0.1, -0.2, 0.7, -1.0, 3.0, 0.5, 0.25};
        gradOk("cce probabilities", x -> new CategoricalCrossentropy().compute(x[0], x[1]), new double[][] {ct.clone(), cp.clone()}, cls);
        gradOk("cce logits", x -> new CategoricalCrossentropy(true).compute(x[0], x[1]), new double[][] {ct.clone(), cz.clone()}, cls);

        long[][] one = {{3, 4}};
        gradOk("scce logits", x -> new SparseCategoricalCrossentropy(true).compute(Tensor.of(new int[] {2, 0, 1}), x[0]),
                new double[][] {cz.clone()}, one);
        gradOk("scce probabilities", x -> new SparseCategoricalCrossentropy().compute(Tensor.of(new long[] {2, 0, 1}, 3, 1), x[0]),
                new double[][] {cp.clone()}, one);
    }

    // ---------------------------------------------------------------------------------------
    // memory
    // ---------------------------------------------------------------------------------------

    @Test
    void lossesReturnEveryByte() {
        Backend cpu = Backends.cpu();
        try (Backends.Use u = Backends.use(cpu)) {
            Tensor t = Tensor.of(new float[] {0, 1, 1, 0, 1, 0}, 2, 3);
            Tensor p = Tensor.of(new float[] {0.2f, 0.7f, 0.9f, 0.4f, 0.6f, 0.1f}, 2, 3);
            Tensor ids = Tensor.of(new int[] {1, 0});
            long base = cpu.bytesInUse();
            Loss[] all = {new MeanSquaredError(), new MeanAbsoluteError(), new Huber(), new BinaryCrossentropy(),
                    new BinaryCrossentropy(true), new CategoricalCrossentropy(), new CategoricalCrossentropy(true)};
            for (Loss l : all) {
                // outside a tape, only the result stays
                Tensor v = l.compute(t, p);
                v.close();
                assertEquals(base, cpu.bytesInUse(), l.name() + " left bytes behind");
                // under a tape, in a scope
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    tape.watch(p);
                    Tensor g = tape.gradient(l.compute(t, p), p);
                    assertEquals(6, g.numel());
                }
                assertEquals(base, cpu.bytesInUse(), l.name() + " under a tape left bytes behind");
            }
            Tensor v = new SparseCategoricalCrossentropy(true).compute(ids, p);
            v.close();
            assertEquals(base, cpu.bytesInUse());
            t.close();
            p.close();
            ids.close();
        }
    }
}
