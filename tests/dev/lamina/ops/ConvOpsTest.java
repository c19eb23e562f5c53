package dev.lamina.ops;

import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Scope;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradCheck;
import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.cpu.CpuBackend;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * conv2d, max_pool2d and avg_pool2d: forward against naive loops written here (independent of the
 * backends), gradients against finite differences (float64, reference, rel. error < 1e-6), the cpu
 * backend against the reference (float32, rel. error ≤ 1e-5) with chunked column buffers, the
 * bound on the column buffer, memory returning to baseline, and the error messages.
 */
class ConvOpsTest {

    /** One convolution configuration. */
    record Conv(String name, int b, int h, int w, int c, int kh, int kw, int k, int[] s, String pad, int[] d, int groups) {
        long[] xShape() {
            return new long[] {b, h, w, c};
        }

        long[] kShape() {
            return new long[] {kh, kw, c / groups, k};
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Conv> convs() {
        return List.of(
                new Conv("7x5 k3x3 valid s1", 2, 7, 5, 3, 3, 3, 4, new int[] {1, 1}, "valid", new int[] {1, 1}, 1),
                new Conv("7x5 k3x3 same s1", 2, 7, 5, 3, 3, 3, 4, new int[] {1, 1}, "same", new int[] {1, 1}, 1),
                new Conv("7x5 k2x4 valid s2", 2, 7, 5, 2, 2, 4, 3, new int[] {2, 2}, "valid", new int[] {1, 1}, 1),
                new Conv("7x5 k2x4 same s2", 2, 7, 5, 2, 2, 4, 3, new int[] {2, 2}, "same", new int[] {1, 1}, 1),
                new Conv("7x5 k3x3 same s2x1", 1, 7, 5, 2, 3, 3, 2, new int[] {2, 1}, "same", new int[] {1, 1}, 1),
                new Conv("7x5 k3x3 valid dil2", 2, 7, 5, 2, 3, 3, 3, new int[] {1, 1}, "valid", new int[] {2, 2}, 1),
                new Conv("7x5 k3x3 same dil2", 2, 7, 5, 2, 3, 3, 3, new int[] {1, 1}, "same", new int[] {2, 2}, 1),
                new Conv("7x5 k3x3 same groups2", 2, 7, 5, 4, 3, 3, 6, new int[] {1, 1}, "same", new int[] {1, 1}, 2),
                new Conv("7x5 k2x4 valid s2 groups2 dil(2,1)", 2, 7, 5, 4, 2, 4, 4, new int[] {2, 1}, "valid",
                        new int[] {2, 1}, 2),
                new Conv("7x5 1x1 s1 (pointwise)", 2, 7, 5, 3, 1, 1, 4, new int[] {1, 1}, "same", new int[] {1, 1}, 1),
                new Conv("7x5 1x1 s1 groups3 (pointwise)", 2, 7, 5, 3, 1, 1, 6, new int[] {1, 1}, "valid",
                        new int[] {1, 1}, 3),
                new Conv("7x5 1x1 s2", 2, 7, 5, 3, 1, 1, 2, new int[] {2, 2}, "same", new int[] {1, 1}, 1));
    }

    private final Random rnd = new Random(7);

    @AfterEach
    void clearBudget() {
        System.clearProperty(CpuBackend.CONV_COLUMN_BUDGET_PROPERTY);
    }

    private double[] random(long n) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static int numel(long[] s) {
        return (int) Shapes.numel(s);
    }

    // ---- naive references (written independently of the backends) -----------------------------

    /** TensorFlow's rule: {out, padBefore}. */
    static int[] tfOut(int in, int k, int s, int d, String pad) {
        int eff = (k - 1) * d + 1;
        if (pad.equals("valid")) {
            return new int[] {(int) Math.ceil((in - eff + 1) / (double) s), 0};
        }
        int out = (int) Math.ceil(in / (double) s);
        int total = Math.max((out - 1) * s + eff - in, 0);
        return new int[] {out, total / 2};
    }

    static double[] naiveConv(double[] x, double[] w, Conv c, int[] outShape) {
        int[] oh = tfOut(c.h, c.kh, c.s[0], c.d[0], c.pad), ow = tfOut(c.w, c.kw, c.s[1], c.d[1], c.pad);
        outShape[0] = oh[0];
        outShape[1] = ow[0];
        int cg = c.c / c.groups, kg = c.k / c.groups;
        double[] y = new double[c.b * oh[0] * ow[0] * c.k];
        for (int b = 0; b < c.b; b++) {
            for (int p = 0; p < oh[0]; p++) {
                for (int q = 0; q < ow[0]; q++) {
                    for (int k = 0; k < c.k; k++) {
                        double acc = 0;
                        for (int i = 0; i < c.kh; i++) {
                            for (int j = 0; j < c.kw; j++) {
                                int r = p * c.s[0] - oh[1] + i * c.d[0], t = q * c.s[1] - ow[1] + j * c.d[1];
                                if (r < 0 || r >= c.h || t < 0 || t >= c.w) {
                                    continue;
                                }
                                for (int ch = 0; ch < cg; ch++) {
                                    int xc = (k / kg) * cg + ch;
                                    acc += x[((b * c.h + r) * c.w + t) * c.c + xc] * w[((i * c.kw + j) * cg + ch) * c.k + k];
                                }
                            }
                        }
                        y[((b * oh[0] + p) * ow[0] + q) * c.k + k] = acc;
                    }
                }
            }
        }
        return y;
    }

    static double[] naivePool(double[] x, long[] xs, int[] ps, int[] st, String pad, boolean max, int[] outShape) {
        int bn = (int) xs[0], h = (int) xs[1], w = (int) xs[2], ch = (int) xs[3];
        int[] oh = tfOut(h, ps[0], st[0], 1, pad), ow = tfOut(w, ps[1], st[1], 1, pad);
        outShape[0] = oh[0];
        outShape[1] = ow[0];
        double[] y = new double[bn * oh[0] * ow[0] * ch];
        for (int b = 0; b < bn; b++) {
            for (int p = 0; p < oh[0]; p++) {
                for (int q = 0; q < ow[0]; q++) {
                    for (int c = 0; c < ch; c++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int i = 0; i < ps[0]; i++) {
                            for (int j = 0; j < ps[1]; j++) {
                                int r = p * st[0] - oh[1] + i, t = q * st[1] - ow[1] + j;
                                if (r < 0 || r >= h || t < 0 || t >= w) {
                                    continue;
                                }
                                double v = x[((b * h + r) * w + t) * ch + c];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        y[((b * oh[0] + p) * ow[0] + q) * ch + c] = max ? acc : acc / count;
                    }
                }
            }
        }
        return y;
    }

    static double relErr(double[] got, double[] want) {
        assertEquals(want.length, got.length, "lengths");
        double d2 = 0, r2 = 0;
        for (int i = 0; i < got.length; i++) {
            if (Double.isNaN(got[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d2 += (got[i] - want[i]) * (got[i] - want[i]);
            r2 += want[i] * want[i];
        }
        return Math.sqrt(d2) / Math.max(Math.sqrt(r2), 1e-300);
    }

    private static <T> T on(Backend b, Supplier<T> body) {
        try (Backends.Use u = Backends.use(b)) {
            return body.get();
        }
    }

    // ---- forward against the naive loops --------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void conv2dForwardMatchesNaiveLoops(Conv c) {
        double[] x = random(Shapes.numel(c.xShape())), w = random(Shapes.numel(c.kShape()));
        int[] os = new int[2];
        double[] want = naiveConv(x, w, c, os);
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            long base = be.bytesInUse();
            on(be, () -> {
                try (Scope s = Scope.open()) {
                    Tensor y = ConvOps.conv2d(Tensor.of(x, c.xShape()), Tensor.of(w, c.kShape()), c.s, c.pad, c.d, c.groups);
                    assertArrayEquals(new long[] {c.b, os[0], os[1], c.k}, y.shape(), be.name());
                    double e = relErr(y.toDoubleArray(), want);
                    assertTrue(e < 1e-12, be.name() + " " + c + ": relative error " + e);
                }
                return null;
            });
            assertEquals(base, be.bytesInUse(), be.name() + " memory back to baseline");
        }
    }

    @Test
    void sameConvolutionPadsTheExtraOnTheBottomRight() {
        // 1x4 input, kernel 1x2 of ones, stride 1, same: total pad 1, all of it on the right
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 1, 4, 1);
            Tensor k = Tensor.of(new double[] {1, 1}, 1, 2, 1, 1);
            assertArrayEquals(new double[] {3, 5, 7, 4}, ConvOps.conv2d(x, k, new int[] {1, 1}, "same").toDoubleArray());
            // 1x4 input, kernel 1x3, stride 2: out ceil(4/2) = 2, total pad (2-1)·2 + 3 - 4 = 1, floor(1/2) = 0
            // on the left and 1 on the right: [1+2+3, 3+4+0]
            Tensor k3 = Tensor.of(new double[] {1, 1, 1}, 1, 3, 1, 1);
            assertArrayEquals(new double[] {6, 7}, ConvOps.conv2d(x, k3, new int[] {1, 2}, "SAME").toDoubleArray());
        }
    }

    static List<Object[]> pools() {
        return List.of(
                new Object[] {"2x2 s2 valid", new long[] {2, 7, 5, 3}, new int[] {2, 2}, new int[] {2, 2}, "valid"},
                new Object[] {"2x2 s2 same", new long[] {2, 7, 5, 3}, new int[] {2, 2}, new int[] {2, 2}, "same"},
                new Object[] {"3x3 s1 same", new long[] {1, 7, 5, 2}, new int[] {3, 3}, new int[] {1, 1}, "same"},
                new Object[] {"3x2 s(2,1) valid", new long[] {2, 7, 5, 2}, new int[] {3, 2}, new int[] {2, 1}, "valid"},
                new Object[] {"3x3 s2 same (overlap)", new long[] {2, 7, 5, 3}, new int[] {3, 3}, new int[] {2, 2}, "same"});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void poolingForwardMatchesNaiveLoops(String name, long[] xs, int[] ps, int[] st, String pad) {
        double[] x = random(Shapes.numel(xs));
        for (boolean max : new boolean[] {true, false}) {
            int[] os = new int[2];
            double[] want = naivePool(x, xs, ps, st, pad, max, os);
            for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
                on(be, () -> {
                    try (Scope s = Scope.open()) {
                        Tensor t = Tensor.of(x, xs);
                        Tensor y = max ? ConvOps.maxPool2d(t, ps, st, pad) : ConvOps.avgPool2d(t, ps, st, pad);
                        assertArrayEquals(new long[] {xs[0], os[0], os[1], xs[3]}, y.shape());
                        double e = relErr(y.toDoubleArray(), want);
                        assertTrue(e < 1e-14, be.name() + " " + name + (max ? " max" : " avg") + ": " + e);
                    }
                    return null;
                });
            }
        }
    }

    @Test
    void sameAveragePoolingDividesByTheRealElements() {
        // 3x3 image 1..9, pool 2x2 stride 2 same: out 2x2, windows {1,2,4,5}, {3,6}, {7,8}, {9}
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            on(be, () -> {
                try (Scope s = Scope.open()) {
                    Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1);
                    assertArrayEquals(new double[] {3, 4.5, 7.5, 9},
                            ConvOps.avgPool2d(x, new int[] {2, 2}, null, "same").toDoubleArray(), be.name());
                    Tensor neg = x.neg();
                    assertArrayEquals(new double[] {-1, -3, -7, -9},
                            ConvOps.maxPool2d(neg, new int[] {2, 2}, null, "same").toDoubleArray(), be.name());
                }
                return null;
            });
        }
    }

    // ---- gradients by finite differences (float64, reference) -----------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void conv2dGradientsMatchFiniteDifferences(Conv c) {
        double[][] v = {random(Shapes.numel(c.xShape())), random(Shapes.numel(c.kShape()))};
        GradCheck.Result r = GradCheck.check(t -> ConvOps.conv2d(t[0], t[1], c.s, c.pad, c.d, c.groups), v,
                new long[][] {c.xShape(), c.kShape()});
        assertEquals(v[0].length + v[1].length, r.checkedElements());
        assertTrue(r.relativeError() < 1e-6, c + ": " + r);
    }

    /** Distinct values 0.1 apart in random order, so no window has a tie within ±h. */
    private double[] distinct(long n) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.1 * i - 0.05 * n;
        }
        for (int i = v.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void poolingGradientsMatchFiniteDifferences(String name, long[] xs, int[] ps, int[] st, String pad) {
        GradCheck.Result m = GradCheck.check(t -> ConvOps.maxPool2d(t[0], ps, st, pad), new double[][] {distinct(
                Shapes.numel(xs))}, new long[][] {xs});
        assertTrue(m.relativeError() < 1e-6, name + " max: " + m);
        GradCheck.Result a = GradCheck.check(t -> ConvOps.avgPool2d(t[0], ps, st, pad), new double[][] {random(
                Shapes.numel(xs))}, new long[][] {xs});
        assertTrue(a.relativeError() < 1e-6, name + " avg: " + a);
        assertEquals(Shapes.numel(xs), a.checkedElements());
    }

    // ---- cpu against reference, forward and backward --------------------------------------------

    /** Forward output and the gradients of sum(y ⊙ seed) on one backend, in float32. */
    private static double[][] runOn(Backend be, float[][] in, long[][] shapes, float[] seed,
                                    Function<Tensor[], Tensor> f) {
        return on(be, () -> {
            try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                Tensor[] ts = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    ts[i] = Tensor.of(in[i], shapes[i]);
                }
                tape.watch(ts);
                Tensor y = f.apply(ts);
                Tensor loss = y.mul(Tensor.of(seed, y.shape())).sum();
                Tensor[] g = tape.gradient(loss, ts);
                double[][] out = new double[in.length + 1][];
                out[0] = y.toDoubleArray();
                for (int i = 0; i < g.length; i++) {
                    out[i + 1] = g[i].toDoubleArray();
                }
                return out;
            }
        });
    }

    private float[] randomF(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    private void compareCpuWithReference(Conv c) {
        float[][] in = {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape()))};
        long[][] shapes = {c.xShape(), c.kShape()};
        Function<Tensor[], Tensor> f = t -> ConvOps.conv2d(t[0], t[1], c.s, c.pad, c.d, c.groups);
        int[] os = new int[2];
        naiveConv(new double[in[0].length], new double[in[1].length], c, os);
        float[] seed = randomF((long) c.b * os[0] * os[1] * c.k);
        long base = Backends.cpu().bytesInUse();
        double[][] ref = runOn(Backends.reference(), in, shapes, seed, f);
        double[][] cpu = runOn(Backends.cpu(), in, shapes, seed, f);
        String[] what = {"y", "dx", "dkernel"};
        for (int i = 0; i < 3; i++) {
            double e = relErr(cpu[i], ref[i]);
            assertTrue(e <= 1e-5, c + " " + what[i] + ": cpu vs reference relative error " + e);
        }
        assertEquals(base, Backends.cpu().bytesInUse(), c + ": cpu memory back to baseline");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void cpuMatchesReferenceForwardAndBackward(Conv c) {
        compareCpuWithReference(c);
    }

    // ---- conv2d + bias + ReLU in one op ------------------------------------------------------------

    /** conv2dBiasAct(x, kernel, bias, relu) as one op, or composed from conv2d, add and relu. */
    private static Function<Tensor[], Tensor> biasAct(Conv c, boolean relu, boolean fused) {
        return t -> {
            Tensor bias = t.length > 2 ? t[2] : null;
            if (fused) {
                return ConvOps.conv2dBiasAct(t[0], t[1], bias, relu, c.s, c.pad, c.d, c.groups);
            }
            Tensor y = ConvOps.conv2d(t[0], t[1], c.s, c.pad, c.d, c.groups);
            y = bias == null ? y : y.add(bias);
            return relu ? y.relu() : y;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void fusedBiasReluMatchesTheComposedOpsOnBothBackends(Conv c) {
        for (boolean relu : new boolean[] {true, false}) {
            for (boolean withBias : new boolean[] {true, false}) {
                String what = c + (relu ? " relu" : " linear") + (withBias ? " bias" : " no bias");
                float[][] in = withBias ? new float[][] {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape())),
                        randomF(c.k)} : new float[][] {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape()))};
                long[][] shapes = withBias ? new long[][] {c.xShape(), c.kShape(), {c.k}}
                        : new long[][] {c.xShape(), c.kShape()};
                int[] os = new int[2];
                naiveConv(new double[in[0].length], new double[in[1].length], c, os);
                float[] seed = randomF((long) c.b * os[0] * os[1] * c.k);
                long base = Backends.cpu().bytesInUse();
                double[][] composed = runOn(Backends.reference(), in, shapes, seed, biasAct(c, relu, false));
                double[][] refFused = runOn(Backends.reference(), in, shapes, seed, biasAct(c, relu, true));
                double[][] cpuFused = runOn(Backends.cpu(), in, shapes, seed, biasAct(c, relu, true));
                String[] names = {"y", "dx", "dkernel", "dbias"};
                for (int i = 0; i < composed.length; i++) {
                    // the reference's fused op is the composition itself (Backend's default methods)
                    assertArrayEquals(composed[i], refFused[i], 0.0, what + " " + names[i] + ": reference fused vs composed");
                    double e = relErr(cpuFused[i], composed[i]);
                    assertTrue(e <= 1e-5, what + " " + names[i] + ": cpu vs reference relative error " + e);
                }
                assertEquals(base, Backends.cpu().bytesInUse(), what + ": cpu memory back to baseline");
            }
        }
    }

    @Test
    void fusedBiasReluGradientsMatchFiniteDifferences() {
        Conv c = new Conv("6x5 k3x3 same s1", 2, 6, 5, 3, 3, 3, 4, new int[] {1, 1}, "same", new int[] {1, 1}, 1);
        // a central difference crosses the ReLU kink only when a pre-activation lies within the step
        // of 0; these fixed-seed random inputs have none that close
        double[] x = random(Shapes.numel(c.xShape())), k = random(Shapes.numel(c.kShape())), b = random(c.k);
        GradCheck.Result r = GradCheck.check(t -> ConvOps.conv2dBiasAct(t[0], t[1], t[2], true, c.s, c.pad, c.d, 1),
                new double[][] {x, k, b}, new long[][] {c.xShape(), c.kShape(), {c.k}});
        assertTrue(r.relativeError() < 1e-6, r.toString());
    }

    @Test
    void fusedConvResultsDoNotDependOnTheThreadCount() {
        // 19 images of 99 output pixels (7 batch parts of 2 or 3), 3x3 same, with bias and ReLU; a
        // small budget gives several chunks per part
        Conv c = new Conv("19x11x9x5 k3x3 same", 19, 11, 9, 5, 3, 3, 7, new int[] {1, 1}, "same", new int[] {1, 1}, 1);
        float[][] in = {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape())), randomF(c.k)};
        long[][] shapes = {c.xShape(), c.kShape(), {c.k}};
        int[] os = new int[2];
        naiveConv(new double[in[0].length], new double[in[1].length], c, os);
        float[] seed = randomF((long) c.b * os[0] * os[1] * c.k);
        System.setProperty(CpuBackend.CONV_COLUMN_BUDGET_PROPERTY, Long.toString(8L * 4 * 9 * 45 * 4));
        assertSameForEveryThreadCount(c, in, shapes, seed);
    }

    /** The fused conv with bias and ReLU, forward and gradients, bitwise equal on 1, 2, 3 and 8 threads. */
    private static void assertSameForEveryThreadCount(Conv c, float[][] in, long[][] shapes, float[] seed) {
        int before = CpuBackend.threads();
        try {
            double[][] first = null;
            for (int t : new int[] {1, 2, 3, 8}) {
                CpuBackend.setThreads(t);
                double[][] r = runOn(Backends.cpu(), in, shapes, seed, biasAct(c, true, true));
                if (first == null) {
                    first = r;
                    continue;
                }
                for (int i = 0; i < r.length; i++) {
                    assertArrayEquals(first[i], r[i], 0.0, c + " output " + i + " with " + t + " threads");
                }
            }
        } finally {
            CpuBackend.setThreads(before);
        }
    }

    /** Geometries the direct float32 kernels serve (few taps, K a multiple of 16, no padding). */
    static List<Conv> directConvs() {
        return List.of(
                new Conv("5x12x11x3 k3x3 valid K32 (direct)", 5, 12, 11, 3, 3, 3, 32, new int[] {1, 1}, "valid",
                        new int[] {1, 1}, 1),
                new Conv("3x13x10x3 k3x3 valid s2 K16 (direct)", 3, 13, 10, 3, 3, 3, 16, new int[] {2, 2}, "valid",
                        new int[] {1, 1}, 1),
                new Conv("2x9x9x1 k3x3 valid K64 (direct)", 2, 9, 9, 1, 3, 3, 64, new int[] {1, 1}, "valid",
                        new int[] {1, 1}, 1),
                new Conv("2x11x10x2 k3x3 valid s(1,2) K48 (direct)", 2, 11, 10, 2, 3, 3, 48, new int[] {1, 2}, "valid",
                        new int[] {1, 1}, 1),
                new Conv("2x10x9x1 k5x5 valid K16 (direct)", 2, 10, 9, 1, 5, 5, 16, new int[] {1, 1}, "valid",
                        new int[] {1, 1}, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directConvs")
    void directKernelsMatchTheReference(Conv c) {
        ConvGeometry g = ConvOps.conv2dGeometry(c.xShape(), c.kShape(), c.s, c.pad, c.d, c.groups);
        if (CpuBackend.cpuTarget().equals("x86-64-v4")) {
            assertTrue(CpuBackend.convDirect(g), c + ": the direct kernels should serve this geometry");
        }
        // the plain conv (dx and dkernel), and the fused op with bias and ReLU (dx, dkernel, dbias)
        compareCpuWithReference(c);
        float[][] in = {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape())), randomF(c.k)};
        long[][] shapes = {c.xShape(), c.kShape(), {c.k}};
        float[] seed = randomF(g.outputNumel());
        double[][] ref = runOn(Backends.reference(), in, shapes, seed, biasAct(c, true, false));
        double[][] cpu = runOn(Backends.cpu(), in, shapes, seed, biasAct(c, true, true));
        for (int i = 0; i < ref.length; i++) {
            double e = relErr(cpu[i], ref[i]);
            assertTrue(e <= 1e-5, c + " output " + i + ": cpu vs reference relative error " + e);
        }
        // the kernel gradient without dx (the first-layer case) equals the one with dx
        on(Backends.cpu(), () -> {
            try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                Tensor x = Tensor.of(in[0], c.xShape()), k = Tensor.of(in[1], c.kShape());
                tape.watch(k);
                Tensor g1 = tape.gradient(ConvOps.conv2dBiasAct(x, k, null, true, c.s, c.pad, c.d, 1).sum(), k);
                try (GradientTape t2 = GradientTape.start()) {
                    t2.watch(x, k);
                    Tensor[] g2 = t2.gradient(ConvOps.conv2dBiasAct(x, k, null, true, c.s, c.pad, c.d, 1).sum(), k, x);
                    assertArrayEquals(g2[0].toDoubleArray(), g1.toDoubleArray(), 0.0, c.toString());
                }
            }
            return null;
        });
    }

    @Test
    void directKernelsDoNotDependOnTheThreadCount() {
        Conv c = directConvs().get(0);
        float[][] in = {randomF(Shapes.numel(c.xShape())), randomF(Shapes.numel(c.kShape())), randomF(c.k)};
        long[][] shapes = {c.xShape(), c.kShape(), {c.k}};
        float[] seed = randomF(ConvOps.conv2dGeometry(c.xShape(), c.kShape(), c.s, c.pad, c.d, 1).outputNumel());
        assertSameForEveryThreadCount(c, in, shapes, seed);
    }

    @Test
    void theInputGradientIsSkippedWhenTheInputIsNotTracked() {
        Conv c = new Conv("4x6x6x3 k3x3 valid", 4, 6, 6, 3, 3, 3, 2, new int[] {1, 1}, "valid", new int[] {1, 1}, 1);
        on(Backends.cpu(), () -> {
            try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                Tensor x = Tensor.of(randomF(Shapes.numel(c.xShape())), c.xShape());
                Tensor k = Tensor.of(randomF(Shapes.numel(c.kShape())), c.kShape());
                tape.watch(k);  // x is data, as the input of a network's first layer
                Tensor y = ConvOps.conv2dBiasAct(x, k, null, true, c.s, c.pad, c.d, 1);
                Tensor[] g = tape.gradient(y.sum(), k, x);
                assertTrue(g[0] != null, "the kernel gradient");
                assertEquals(null, g[1], "no gradient for an untracked input");
                // the kernel gradient still equals the one computed with x tracked
                try (GradientTape t2 = GradientTape.start()) {
                    t2.watch(x, k);
                    Tensor y2 = ConvOps.conv2dBiasAct(x, k, null, true, c.s, c.pad, c.d, 1);
                    Tensor[] g2 = t2.gradient(y2.sum(), k, x);
                    assertArrayEquals(g2[0].toDoubleArray(), g[0].toDoubleArray(), 0.0);
                    assertEquals(Shapes.numel(c.xShape()), g2[1].numel());
                }
            }
            return null;
        });
    }

    @Test
    void fusedConvRejectsABiasOfTheWrongShape() {
        Tensor x = Tensor.zeros(DType.FLOAT32, 1, 5, 5, 2), k = Tensor.zeros(DType.FLOAT32, 3, 3, 2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvOps.conv2dBiasAct(x, k, Tensor.zeros(DType.FLOAT32, 3), true, new int[] {1, 1}, "valid",
                        new int[] {1, 1}, 1));
        assertTrue(e.getMessage().contains("bias must be float32 [4]"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void cpuMatchesReferenceWithOneOutputRowPerChunk(Conv c) {
        // a budget of 1 byte forces chunks of one output row: B·H' chunks, far more than one image
        System.setProperty(CpuBackend.CONV_COLUMN_BUDGET_PROPERTY, "1");
        CpuBackend.resetConvColumnStats();
        compareCpuWithReference(c);
        int[] os = new int[2];
        naiveConv(new double[numel(c.xShape())], new double[numel(c.kShape())], c, os);
        boolean pointwise = c.kh == 1 && c.kw == 1 && c.s[0] == 1 && c.s[1] == 1;
        long oneRow = (long) os[1] * c.kh * c.kw * (c.c / c.groups) * 4;
        // one chunk of one output row per batch part running at once
        assertEquals(pointwise ? 0 : liveChunks(c.b, os[0] * os[1]) * oneRow, CpuBackend.peakConvColumnBytes(),
                c.toString());
    }

    /**
     * Chunks a convolution call holds at once: one per batch part running on the pool; the parts are
     * min(B, 8, B·pixels / 256) (at least 1), pixels being the output pixels of one image.
     */
    private static long liveChunks(int batch, int pixels) {
        long parts = Math.max(1, Math.min(Math.min(batch, 8), (long) batch * pixels / 256));
        return Math.min(parts, CpuBackend.threads());
    }

    @Test
    void cpuMatchesReferenceForALargeBatchInSeveralChunks() {
        // 24 images of 9x8x3, 3x3 same, 5 filters: one image row of columns is 8·27·4 = 864 bytes;
        // a budget of 80,000 bytes gives chunks of 80000 / 8 / 864 = 11 rows; the 6 batch parts
        // (24·72 / 256) of 4 images (36 rows) run in chunks of 11, 11, 11 and 3 rows, which cut
        // across image boundaries
        System.setProperty(CpuBackend.CONV_COLUMN_BUDGET_PROPERTY, "80000");
        CpuBackend.resetConvColumnStats();
        Conv c = new Conv("24x9x8x3 k3x3 same s1", 24, 9, 8, 3, 3, 3, 5, new int[] {1, 1}, "same", new int[] {1, 1}, 1);
        compareCpuWithReference(c);
        assertEquals(liveChunks(24, 72) * 11 * 864, CpuBackend.peakConvColumnBytes());
        Conv g = new Conv("24x9x8x4 k3x3 s2 groups2", 24, 9, 8, 4, 3, 3, 6, new int[] {2, 2}, "same", new int[] {1, 1}, 2);
        compareCpuWithReference(g);
    }

    @Test
    void theColumnBufferStaysWithinTheBudgetForALargeBatch() {
        // 64 images of 32x32x8, 3x3 same, 4 filters: all columns at once would be
        // 64·32·32·72·4 = 18 MiB; with a 256 KiB budget each of the (at most 8) chunks running at once
        // holds 32 KiB / 9216 = 3 output rows, so the columns stay under 256 KiB
        long budget = 256 << 10;
        System.setProperty(CpuBackend.CONV_COLUMN_BUDGET_PROPERTY, Long.toString(budget));
        CpuBackend.resetConvColumnStats();
        long base = Backends.cpu().bytesInUse();
        on(Backends.cpu(), () -> {
            try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                Tensor x = Tensor.full(DType.FLOAT32, 0.5, 64, 32, 32, 8);
                Tensor k = Tensor.full(DType.FLOAT32, 0.25, 3, 3, 8, 4);
                tape.watch(x, k);
                Tensor y = ConvOps.conv2d(x, k, new int[] {1, 1}, "same");
                long rowBytes = 32L * 72 * 4;
                assertEquals(liveChunks(64, 1024) * (budget / 8 / rowBytes) * rowBytes, CpuBackend.lastConvColumnBytes());
                Tensor[] g = tape.gradient(y.sum(), x, k);
                assertTrue(CpuBackend.peakConvColumnBytes() <= budget, "peak " + CpuBackend.peakConvColumnBytes());
                // interior outputs see all 72 taps: 72 · 0.5 · 0.25 = 9; a corner sees 4·8 = 32 taps: 4
                assertEquals(9.0, y.slice(new long[] {63, 16, 16, 3}, new long[] {1, 1, 1, 1}).item(), 1e-6);
                assertEquals(4.0, y.slice(new long[] {40, 31, 31, 0}, new long[] {1, 1, 1, 1}).item(), 1e-6);
                // dkernel[1,1,c,k] = Σ over all 64·32·32 pixels of x = 0.5 · 65536
                assertEquals(32768.0, g[1].slice(new long[] {1, 1, 3, 2}, new long[] {1, 1, 1, 1}).item(), 1e-2);
                // dkernel[0,0,c,k]: the top-left tap sees 31·31 pixels per image: 0.5 · 64 · 961
                assertEquals(30752.0, g[1].slice(new long[] {0, 0, 3, 2}, new long[] {1, 1, 1, 1}).item(), 1e-2);
                // dx at an interior pixel: Σ over the 9 taps and 4 filters of 0.25 = 9
                assertEquals(9.0, g[0].slice(new long[] {50, 10, 10, 5}, new long[] {1, 1, 1, 1}).item(), 1e-6);
            }
            return null;
        });
        assertEquals(base, Backends.cpu().bytesInUse(), "memory back to baseline");
    }

    @Test
    void cpuPoolingMatchesReferenceForwardAndBackward() {
        for (Object[] p : pools()) {
            long[] xs = (long[]) p[1];
            int[] ps = (int[]) p[2], st = (int[]) p[3];
            String pad = (String) p[4];
            float[][] in = {randomF(Shapes.numel(xs))};
            int[] os = new int[2];
            naivePool(new double[numel(xs)], xs, ps, st, pad, true, os);
            float[] seed = randomF(xs[0] * os[0] * os[1] * xs[3]);
            for (boolean max : new boolean[] {true, false}) {
                Function<Tensor[], Tensor> f = t -> max ? ConvOps.maxPool2d(t[0], ps, st, pad)
                        : ConvOps.avgPool2d(t[0], ps, st, pad);
                double[][] ref = runOn(Backends.reference(), in, new long[][] {xs}, seed, f);
                double[][] cpu = runOn(Backends.cpu(), in, new long[][] {xs}, seed, f);
                for (int i = 0; i < 2; i++) {
                    double e = relErr(cpu[i], ref[i]);
                    assertTrue(e <= 1e-6, p[0] + (max ? " max" : " avg") + (i == 0 ? " y" : " dx") + ": " + e);
                }
            }
        }
    }

    @Test
    void maxPoolingTiesGoToTheFirstMaximumOnBothBackends() {
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            double[] dx = on(be, () -> {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor x = Tensor.of(new double[] {1, 3, 3, 2}, 1, 2, 2, 1);
                    tape.watch(x);
                    Tensor y = ConvOps.maxPool2d(x, new int[] {2, 2}, null, "valid");
                    return tape.gradient(y.sum(), x).toDoubleArray();
                }
            });
            assertArrayEquals(new double[] {0, 1, 0, 0}, dx, be.name());
        }
    }

    @Test
    void emptyBatchGivesEmptyOutputsAndZeroKernelGradient() {
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            on(be, () -> {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor x = Tensor.zeros(DType.FLOAT32, 0, 5, 5, 2);
                    Tensor k = Tensor.ones(DType.FLOAT32, 3, 3, 2, 4);
                    tape.watch(x, k);
                    Tensor y = ConvOps.conv2d(x, k, new int[] {1, 1}, "valid");
                    assertArrayEquals(new long[] {0, 3, 3, 4}, y.shape());
                    Tensor gk = tape.gradient(y.sum(), k);
                    assertEquals(0.0, gk.abs().sum().item());
                }
                return null;
            });
        }
    }

    // ---- error messages -------------------------------------------------------------------------

    private static void assertMessage(Runnable r, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.zeros(DType.FLOAT32, 2, 7, 5, 4);
            Tensor k = Tensor.zeros(DType.FLOAT32, 3, 3, 4, 6);
            int[] one = {1, 1};
            assertMessage(() -> ConvOps.conv2d(Tensor.zeros(DType.FLOAT32, 7, 5, 4), k, one, "same"),
                    "conv2d", "rank 4", "(7, 5, 4)");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 4, 6), one, "same"),
                    "conv2d", "kernel must have rank 4", "(3, 4, 6)");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 3, 3, 6), one, "same"),
                    "conv2d", "channel mismatch", "(2, 7, 5, 4)", "(3, 3, 3, 6)");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 3, 1, 6), one, "same", one, 2),
                    "conv2d", "channel mismatch", "1 x groups 2 = 2");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 3, 2, 5), one, "same", one, 2),
                    "conv2d", "groups 2 must divide", "filters 5");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 3, 1, 6), one, "same", one, 3),
                    "conv2d", "groups 3 must divide", "channels 4");
            assertMessage(() -> ConvOps.conv2d(x, k, one, "same", one, 0), "conv2d", "groups must be positive");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT32, 3, 6, 4, 6), one, "valid"),
                    "conv2d", "larger than the input 7x5", "'valid'");
            assertMessage(() -> ConvOps.conv2d(x, k, one, "valid", new int[] {1, 3}, 1),
                    "conv2d", "dilated to 3x7", "larger than the input 7x5");
            assertMessage(() -> ConvOps.conv2d(x, k, new int[] {0, 1}, "same"), "conv2d", "strides", "[0, 1]");
            assertMessage(() -> ConvOps.conv2d(x, k, new int[] {1}, "same"), "conv2d", "strides", "2 values");
            assertMessage(() -> ConvOps.conv2d(x, k, one, "same", new int[] {1, -2}, 1), "conv2d", "dilation",
                    "[1, -2]");
            assertMessage(() -> ConvOps.conv2d(x, k, one, "full"), "conv2d", "unknown padding 'full'");
            assertMessage(() -> ConvOps.conv2d(x, Tensor.zeros(DType.FLOAT64, 3, 3, 4, 6), one, "same"),
                    "conv2d", "float64", "cast one first");
            assertMessage(() -> ConvOps.conv2d(Tensor.zeros(DType.INT32, 2, 7, 5, 4), Tensor.zeros(DType.INT32, 3, 3, 4, 6),
                    one, "same"), "conv2d", "float32 or float64");

            for (String op : new String[] {"max_pool2d", "avg_pool2d"}) {
                java.util.function.BiFunction<Tensor, int[], Tensor> pool = op.startsWith("max")
                        ? (t, ps) -> ConvOps.maxPool2d(t, ps, null, "valid") : (t, ps) -> ConvOps.avgPool2d(t, ps, null, "valid");
                assertMessage(() -> pool.apply(Tensor.zeros(DType.FLOAT32, 7, 5, 4), new int[] {2, 2}), op, "rank 4",
                        "(7, 5, 4)");
                assertMessage(() -> pool.apply(x, new int[] {0, 2}), op, "pool_size", "positive");
                assertMessage(() -> pool.apply(x, new int[] {2, 6}), op, "pool_size 2x6 is larger than the input 7x5");
                assertMessage(() -> pool.apply(x, new int[] {2}), op, "pool_size", "2 values");
            }
            assertMessage(() -> ConvOps.maxPool2d(x, new int[] {2, 2}, new int[] {2, 0}, "valid"), "max_pool2d",
                    "strides", "[2, 0]");
            assertMessage(() -> ConvOps.avgPool2d(x, new int[] {2, 2}, null, "causal"), "avg_pool2d",
                    "unknown padding 'causal'");
        }
    }
}
