package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The convolution, pooling and image-shape layers: forward against naive double loops (float64 on
 * the reference backend, within 1e-10), input and weight gradients against central differences
 * (relative error below 1e-6, h = 1e-6), cpu against reference forward and backward (1e-5), output
 * shapes, configs and error messages.
 */
class ConvLayersTest {
    private static final double FWD_TOL = 1e-10;
    private static final double GRAD_TOL = 1e-6;
    private static final double CPU_TOL = 1e-5;

    // ---- naive references ------------------------------------------------------------------

    /** [out, padBefore] by TensorFlow's rule, written out independently of ConvOps. */
    private static int[] outPad(int in, int k, int s, int d, String pad) {
        int eff = (k - 1) * d + 1;
        if (pad.equals("valid")) {
            return new int[] {(in - eff) / s + 1, 0};
        }
        int out = (in + s - 1) / s;
        int total = Math.max((out - 1) * s + eff - in, 0);
        return new int[] {out, total / 2};
    }

    /** Naive grouped conv2d, x [B,H,W,C] NHWC, kernel [kh,kw,C/g,F], plus bias. */
    static double[] conv2d(double[] x, int b, int h, int w, int c, double[] k, int kh, int kw, int f, double[] bias,
                           int[] s, String pad, int[] d, int groups) {
        int[] oh = outPad(h, kh, s[0], d[0], pad);
        int[] ow = outPad(w, kw, s[1], d[1], pad);
        int cg = c / groups;
        int fg = f / groups;
        double[] y = new double[b * oh[0] * ow[0] * f];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < oh[0]; i++) {
                for (int j = 0; j < ow[0]; j++) {
                    for (int o = 0; o < f; o++) {
                        int g = o / fg;
                        double acc = bias == null ? 0 : bias[o];
                        for (int p = 0; p < kh; p++) {
                            for (int q = 0; q < kw; q++) {
                                int r = i * s[0] - oh[1] + p * d[0];
                                int col = j * s[1] - ow[1] + q * d[1];
                                if (r < 0 || r >= h || col < 0 || col >= w) {
                                    continue;
                                }
                                for (int ci = 0; ci < cg; ci++) {
                                    acc += x[((n * h + r) * w + col) * c + g * cg + ci] * k[((p * kw + q) * cg + ci) * f + o];
                                }
                            }
                        }
                        y[((n * oh[0] + i) * ow[0] + j) * f + o] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** Naive transposed conv: every input pixel scatters kernel[:, :, f, c]·x into the output. */
    static double[] conv2dTranspose(double[] x, int b, int h, int w, int c, double[] k, int kh, int kw, int f,
                                    double[] bias, int[] s, String pad, int outH, int outW) {
        int padTop = pad.equals("same") ? Math.max((h - 1) * s[0] + kh - outH, 0) / 2 : 0;
        int padLeft = pad.equals("same") ? Math.max((w - 1) * s[1] + kw - outW, 0) / 2 : 0;
        double[] y = new double[b * outH * outW * f];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < outW; j++) {
                    for (int o = 0; o < f; o++) {
                        y[((n * outH + i) * outW + j) * f + o] = bias == null ? 0 : bias[o];
                    }
                }
            }
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    for (int ci = 0; ci < c; ci++) {
                        double v = x[((n * h + i) * w + j) * c + ci];
                        for (int p = 0; p < kh; p++) {
                            for (int q = 0; q < kw; q++) {
                                int r = i * s[0] - padTop + p;
                                int col = j * s[1] - padLeft + q;
                                if (r < 0 || r >= outH || col < 0 || col >= outW) {
                                    continue;
                                }
                                for (int o = 0; o < f; o++) {
                                    y[((n * outH + r) * outW + col) * f + o] += v * k[((p * kw + q) * f + o) * c + ci];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /** Runs a float64 layer on the reference backend; returns {output, kernel, bias (or null)}. */
    private static double[][] run64(BaseConv<?> layer, double[] x, long... shape) {
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            layer.setDtype(DType.FLOAT64);
            Tensor y = layer.apply(Tensor.of(x, shape));
            double[][] out = {y.toDoubleArray(), layer.kernel().toDoubleArray(),
                    layer.bias() == null ? null : layer.bias().toDoubleArray(), toD(y.shape())};
            layer.close();
            return out;
        }
    }

    private static double[] toD(long[] s) {
        double[] d = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = s[i];
        }
        return d;
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double e = LayerChecks.relErr(got, want);
        assertTrue(e <= tol, what + ": relative error " + e);
    }

    private static Initializer biasInit() {
        return Initializers.randomUniform(-0.5, 0.5, 9L);
    }

    // ---- Conv2D ----------------------------------------------------------------------------

    record ConvCase(int h, int w, int c, int f, int kh, int kw, int[] s, String pad, int[] d, int groups) {
    }

    private static final List<ConvCase> CONV_CASES = List.of(
            new ConvCase(5, 6, 2, 3, 3, 3, new int[] {1, 1}, "valid", new int[] {1, 1}, 1),
            new ConvCase(5, 6, 2, 3, 3, 2, new int[] {1, 1}, "same", new int[] {1, 1}, 1),
            new ConvCase(7, 6, 3, 2, 3, 3, new int[] {2, 2}, "same", new int[] {1, 1}, 1),
            new ConvCase(7, 8, 2, 2, 2, 3, new int[] {2, 3}, "valid", new int[] {1, 1}, 1),
            new ConvCase(7, 7, 2, 2, 3, 3, new int[] {1, 1}, "valid", new int[] {2, 2}, 1),
            new ConvCase(6, 6, 4, 6, 3, 3, new int[] {1, 1}, "same", new int[] {1, 1}, 2));

    private static Supplier<Layer> conv2dFactory(ConvCase cc, String activation) {
        return () -> new Conv2D(null, cc.f, new int[] {cc.kh, cc.kw}, Activations.get(activation)).strides(cc.s)
                .padding(cc.pad).dilationRate(cc.d).groups(cc.groups).kernelInitializer(Initializers.glorotUniform(3L))
                .biasInitializer(biasInit());
    }

    @Test
    void conv2dForwardMatchesNaiveLoops() {
        for (ConvCase cc : CONV_CASES) {
            int b = 2;
            double[] x = LayerChecks.random(7, b * cc.h * cc.w * cc.c, -1, 1);
            double[][] r = run64((BaseConv<?>) conv2dFactory(cc, "linear").get(), x, b, cc.h, cc.w, cc.c);
            double[] want = conv2d(x, b, cc.h, cc.w, cc.c, r[1], cc.kh, cc.kw, cc.f, r[2], cc.s, cc.pad, cc.d, cc.groups);
            assertClose(want, r[0], FWD_TOL, "Conv2D " + cc);
            int[] oh = outPad(cc.h, cc.kh, cc.s[0], cc.d[0], cc.pad);
            int[] ow = outPad(cc.w, cc.kw, cc.s[1], cc.d[1], cc.pad);
            assertArrayEquals(new double[] {b, oh[0], ow[0], cc.f}, r[3], 0.0, "shape " + cc);
        }
    }

    @Test
    void conv2dWithReluAndConstantsMatchesHandValues() {
        try (Scope s = Scope.open()) {
            Conv2D l = new Conv2D(1, 2, "relu").kernelInitializer(Initializers.ones()).biasInitializer(Initializers.constant(-10));
            // a 3x3 image 1..9: 2x2 window sums 12, 16, 24, 28; minus 10 → 2, 6, 14, 18
            Tensor y = l.apply(Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1));
            assertArrayEquals(new long[] {1, 2, 2, 1}, y.shape());
            assertArrayEquals(new float[] {2, 6, 14, 18}, y.toFloatArray(), 0f);
            Tensor z = l.apply(Tensor.of(new float[] {1, 1, 1, 1}, 1, 2, 2, 1)); // 4 − 10 → relu 0
            assertArrayEquals(new float[] {0}, z.toFloatArray(), 0f);
            assertEquals(List.of(l.name() + "/kernel", l.name() + "/bias"), l.weights().stream().map(v -> v.name()).toList());
            assertEquals(4 + 1, l.countParams());
            l.close();
        }
    }

    @Test
    void conv2dGradientsMatchFiniteDifferences() {
        for (ConvCase cc : List.of(CONV_CASES.get(1), CONV_CASES.get(2), CONV_CASES.get(4), CONV_CASES.get(5))) {
            double[] r = LayerChecks.gradCheck(conv2dFactory(cc, "tanh"), true,
                    LayerChecks.random(5, 2 * cc.h * cc.w * cc.c, -1, 1), new long[] {2, cc.h, cc.w, cc.c}, 1e-6);
            assertTrue(r[0] < GRAD_TOL, "Conv2D " + cc + ": rel err " + r[0]);
            int kernel = cc.kh * cc.kw * cc.c / cc.groups * cc.f;
            assertEquals(2 * cc.h * cc.w * cc.c + kernel + cc.f, (int) r[1], "checked elements " + cc);
        }
    }

    @Test
    void conv2dCpuMatchesReference() {
        for (ConvCase cc : CONV_CASES) {
            LayerChecks.assertCpuMatchesReference(conv2dFactory(cc, "relu"),
                    LayerChecks.randomFloats(8, 3 * cc.h * cc.w * cc.c, -1, 1), new long[] {3, cc.h, cc.w, cc.c}, true, CPU_TOL);
        }
    }

    @Test
    void conv2dAcceptsAnyImageSizeOnceBuilt() {
        try (Scope s = Scope.open()) {
            Conv2D l = new Conv2D(4, 3, "relu").padding("same");
            assertArrayEquals(new long[] {2, 8, 8, 4}, l.apply(Tensor.zeros(DType.FLOAT32, 2, 8, 8, 3)).shape());
            assertArrayEquals(new long[] {1, 5, 12, 4}, l.apply(Tensor.zeros(DType.FLOAT32, 1, 5, 12, 3)).shape());
            assertArrayEquals(new long[] {-1, -1, -1, 3}, l.builtInputShape());
            assertArrayEquals(new long[] {-1, 16, 16, 4}, l.outputShape(new long[] {-1, 16, 16, 3}));
            l.close();
        }
    }

    // ---- Conv1D ----------------------------------------------------------------------------

    /** Naive 1-D conv on [B,T,C] with kernel [k,C,F] (groups 1); causal pads (k−1)·d on the left. */
    static double[] conv1d(double[] x, int b, int t, int c, double[] k, int kw, int f, double[] bias, int s, String pad,
                           int d) {
        int eff = (kw - 1) * d + 1;
        int out;
        int left;
        if (pad.equals("causal")) {
            out = (t + s - 1) / s;
            left = eff - 1;
        } else {
            int[] op = outPad(t, kw, s, d, pad);
            out = op[0];
            left = op[1];
        }
        double[] y = new double[b * out * f];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < out; i++) {
                for (int o = 0; o < f; o++) {
                    double acc = bias[o];
                    for (int q = 0; q < kw; q++) {
                        int tt = i * s - left + q * d;
                        if (tt < 0 || tt >= t) {
                            continue;
                        }
                        for (int ci = 0; ci < c; ci++) {
                            acc += x[(n * t + tt) * c + ci] * k[(q * c + ci) * f + o];
                        }
                    }
                    y[(n * out + i) * f + o] = acc;
                }
            }
        }
        return y;
    }

    private static Supplier<Layer> conv1dFactory(String pad, int s, int d) {
        return () -> new Conv1D(null, 3, 3, Activations.get("tanh")).padding(pad).strides(s).dilationRate(d)
                .kernelInitializer(Initializers.glorotUniform(4L)).biasInitializer(biasInit());
    }

    @Test
    void conv1dMatchesNaiveLoopsGradientsAndCpu() {
        String[][] cases = {{"valid", "1", "1"}, {"same", "2", "1"}, {"causal", "1", "2"}, {"causal", "2", "1"}};
        for (String[] cs : cases) {
            String pad = cs[0];
            int s = Integer.parseInt(cs[1]);
            int d = Integer.parseInt(cs[2]);
            int b = 2, t = 9, c = 2;
            double[] x = LayerChecks.random(12, b * t * c, -1, 1);
            Conv1D l = new Conv1D(null, 3, 3, null).padding(pad).strides(s).dilationRate(d).biasInitializer(biasInit());
            double[][] r = run64(l, x, b, t, c);
            assertClose(conv1d(x, b, t, c, r[1], 3, 3, r[2], s, pad, d), r[0], FWD_TOL, "Conv1D " + pad + " s" + s + " d" + d);
            double[] g = LayerChecks.gradCheck(conv1dFactory(pad, s, d), true, x, new long[] {b, t, c}, 1e-6);
            assertTrue(g[0] < GRAD_TOL, "Conv1D " + pad + ": rel err " + g[0]);
            LayerChecks.assertCpuMatchesReference(conv1dFactory(pad, s, d), LayerChecks.randomFloats(13, b * t * c, -1, 1),
                    new long[] {b, t, c}, true, CPU_TOL);
        }
    }

    @Test
    void causalConv1dDoesNotSeeTheFuture() {
        try (Scope sc = Scope.open()) {
            Conv1D l = new Conv1D(1, 3).padding("causal").kernelInitializer(Initializers.ones());
            // y[t] = x[t−2] + x[t−1] + x[t] with zeros before the start
            Tensor y = l.apply(Tensor.of(new float[] {1, 2, 3, 4, 100}, 1, 5, 1));
            assertArrayEquals(new float[] {1, 3, 6, 9, 107}, y.toFloatArray(), 0f);
            assertArrayEquals(new long[] {1, 5, 1}, y.shape());
            l.close();
        }
    }

    // ---- DepthwiseConv2D -------------------------------------------------------------------

    private static Supplier<Layer> depthwiseFactory(int m, String pad, int s) {
        return () -> new DepthwiseConv2D(null, new int[] {3, 2}, m, Activations.get("tanh")).padding(pad).strides(s)
                .kernelInitializer(Initializers.glorotUniform(6L)).biasInitializer(biasInit());
    }

    @Test
    void depthwiseMatchesPerChannelNaiveConvGradientsAndCpu() {
        int b = 2, h = 5, w = 6, c = 3;
        for (int m : new int[] {1, 2}) {
            double[] x = LayerChecks.random(14, b * h * w * c, -1, 1);
            DepthwiseConv2D l = new DepthwiseConv2D(null, new int[] {3, 2}, m, null).padding("same").biasInitializer(biasInit());
            double[][] r = run64(l, x, b, h, w, c);
            // kernel [kh,kw,C,M] is the grouped kernel [kh,kw,1,C·M] (output channel c·M + m)
            double[] want = conv2d(x, b, h, w, c, r[1], 3, 2, c * m, r[2], new int[] {1, 1}, "same", new int[] {1, 1}, c);
            assertClose(want, r[0], FWD_TOL, "DepthwiseConv2D m=" + m);
            assertArrayEquals(new double[] {b, h, w, c * m}, r[3], 0.0);
            double[] g = LayerChecks.gradCheck(depthwiseFactory(m, "valid", 2), true, x, new long[] {b, h, w, c}, 1e-6);
            assertTrue(g[0] < GRAD_TOL, "DepthwiseConv2D m=" + m + ": rel err " + g[0]);
            LayerChecks.assertCpuMatchesReference(depthwiseFactory(m, "same", 1),
                    LayerChecks.randomFloats(15, b * h * w * c, -1, 1), new long[] {b, h, w, c}, true, CPU_TOL);
        }
    }

    // ---- Conv2DTranspose -------------------------------------------------------------------

    private static Supplier<Layer> transposeFactory(int k, int s, String pad) {
        return () -> new Conv2DTranspose(null, 2, new int[] {k, k}, Activations.get("tanh")).strides(s).padding(pad)
                .kernelInitializer(Initializers.glorotUniform(8L)).biasInitializer(biasInit());
    }

    @Test
    void conv2dTransposeMatchesNaiveScatterAndKerasShapes() {
        int b = 2, h = 3, w = 4, c = 3, f = 2;
        int[][] ks = {{3, 1}, {3, 2}, {2, 2}, {2, 3}, {4, 2}, {1, 1}};
        for (int[] kv : ks) {
            int k = kv[0], s = kv[1];
            for (String pad : new String[] {"valid", "same"}) {
                double[] x = LayerChecks.random(16, b * h * w * c, -1, 1);
                Conv2DTranspose l = new Conv2DTranspose(null, f, new int[] {k, k}, null).strides(s).padding(pad)
                        .biasInitializer(biasInit());
                double[][] r = run64(l, x, b, h, w, c);
                // Keras: valid → in·s + max(k − s, 0) (= (in − 1)·s + k for k ≥ s), same → in·s
                int oh = pad.equals("same") ? h * s : h * s + Math.max(k - s, 0);
                int ow = pad.equals("same") ? w * s : w * s + Math.max(k - s, 0);
                if (k >= s && pad.equals("valid")) {
                    assertEquals((h - 1) * s + k, oh);
                }
                assertArrayEquals(new double[] {b, oh, ow, f}, r[3], 0.0, "shape k" + k + " s" + s + " " + pad);
                double[] want = conv2dTranspose(x, b, h, w, c, r[1], k, k, f, r[2], new int[] {s, s}, pad, oh, ow);
                assertClose(want, r[0], FWD_TOL, "Conv2DTranspose k" + k + " s" + s + " " + pad);
            }
        }
    }

    @Test
    void conv2dTransposeOutputShapes() {
        Conv2DTranspose v1 = new Conv2DTranspose(4, new int[] {3, 3}, new int[] {1, 1}, "valid", null);
        Conv2DTranspose v2 = new Conv2DTranspose(4, new int[] {3, 3}, new int[] {2, 2}, "valid", null);
        Conv2DTranspose s1 = new Conv2DTranspose(4, new int[] {3, 3}, new int[] {1, 1}, "same", null);
        Conv2DTranspose s2 = new Conv2DTranspose(4, new int[] {3, 3}, new int[] {2, 2}, "same", null);
        assertArrayEquals(new long[] {-1, 7, 9, 4}, v1.outputShape(new long[] {-1, 5, 7, 2}));   // (in−1)·1 + 3
        assertArrayEquals(new long[] {-1, 11, 15, 4}, v2.outputShape(new long[] {-1, 5, 7, 2}));  // (in−1)·2 + 3
        assertArrayEquals(new long[] {-1, 5, 7, 4}, s1.outputShape(new long[] {-1, 5, 7, 2}));   // in
        assertArrayEquals(new long[] {-1, 10, 14, 4}, s2.outputShape(new long[] {-1, 5, 7, 2}));  // in·2
        try (Scope s = Scope.open()) {
            for (Conv2DTranspose l : List.of(v1, v2, s1, s2)) {
                Tensor y = l.apply(Tensor.zeros(DType.FLOAT32, 1, 5, 7, 2));
                assertArrayEquals(l.outputShape(new long[] {1, 5, 7, 2}), y.shape());
                assertArrayEquals(new long[] {3, 3, 4, 2}, l.kernel().shape());
                l.close();
            }
        }
    }

    @Test
    void conv2dTransposeIsTheAdjointOfConv2D() {
        // <conv(u), v> = <u, convT(v)> for the same kernel, strides and padding (no bias)
        for (String pad : new String[] {"valid", "same"}) {
            try (Backends.Use use = Backends.use(Backends.reference()); Scope sc = Scope.open()) {
                int s = 2, k = 3, c = 2, f = 3;
                Conv2DTranspose t = new Conv2DTranspose(null, c, new int[] {k, k}, null).strides(s).padding(pad).useBias(false);
                t.setDtype(DType.FLOAT64);
                Tensor v = Tensor.of(LayerChecks.random(30, 4 * 5 * f, -1, 1), 1, 4, 5, f);
                Tensor tv = t.apply(v);
                long[] ts = tv.shape();
                Tensor u = Tensor.of(LayerChecks.random(31, (int) tv.numel(), -1, 1), ts);
                Tensor cu = dev.lamina.ops.ConvOps.conv2d(u, t.kernel(), new int[] {s, s}, pad);
                assertArrayEquals(v.shape(), cu.shape(), pad);
                double lhs = cu.mul(v).sum().item();
                double rhs = u.mul(tv).sum().item();
                assertEquals(lhs, rhs, 1e-10 * Math.max(1, Math.abs(lhs)), pad);
                t.close();
            }
        }
    }

    @Test
    void conv2dTransposeGradientsAndCpu() {
        int b = 2, h = 3, w = 3, c = 2;
        for (int[] kv : new int[][] {{3, 1}, {3, 2}, {2, 3}}) {
            for (String pad : new String[] {"valid", "same"}) {
                double[] g = LayerChecks.gradCheck(transposeFactory(kv[0], kv[1], pad), true,
                        LayerChecks.random(17, b * h * w * c, -1, 1), new long[] {b, h, w, c}, 1e-6);
                assertTrue(g[0] < GRAD_TOL, "Conv2DTranspose k" + kv[0] + " s" + kv[1] + " " + pad + ": rel err " + g[0]);
                LayerChecks.assertCpuMatchesReference(transposeFactory(kv[0], kv[1], pad),
                        LayerChecks.randomFloats(18, b * h * w * c, -1, 1), new long[] {b, h, w, c}, true, CPU_TOL);
            }
        }
    }

    // ---- pooling and shape layers ----------------------------------------------------------

    /** Naive pooling (max or mean over the real pixels of each window). */
    static double[] pool(double[] x, int b, int h, int w, int c, int[] ps, int[] s, String pad, boolean max) {
        int[] oh = outPad(h, ps[0], s[0], 1, pad);
        int[] ow = outPad(w, ps[1], s[1], 1, pad);
        double[] y = new double[b * oh[0] * ow[0] * c];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < oh[0]; i++) {
                for (int j = 0; j < ow[0]; j++) {
                    for (int ch = 0; ch < c; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int p = 0; p < ps[0]; p++) {
                            for (int q = 0; q < ps[1]; q++) {
                                int r = i * s[0] - oh[1] + p;
                                int col = j * s[1] - ow[1] + q;
                                if (r < 0 || r >= h || col < 0 || col >= w) {
                                    continue;
                                }
                                double v = x[((n * h + r) * w + col) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        y[((n * oh[0] + i) * ow[0] + j) * c + ch] = max ? acc : acc / count;
                    }
                }
            }
        }
        return y;
    }

    private static double[] apply64(Layer l, double[] x, long... shape) {
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            return l.apply(Tensor.of(x, shape)).toDoubleArray();
        }
    }

    @Test
    void poolingLayersMatchNaiveLoopsGradientsAndCpu() {
        int b = 2, h = 5, w = 7, c = 3;
        Object[][] cases = {{new int[] {2, 2}, null, "valid"}, {new int[] {3, 2}, new int[] {2, 1}, "same"},
                {new int[] {2, 3}, new int[] {1, 2}, "valid"}};
        for (Object[] cs : cases) {
            int[] ps = (int[]) cs[0];
            int[] st = (int[]) cs[1];
            String pad = (String) cs[2];
            int[] eff = st == null ? ps : st;
            double[] x = LayerChecks.random(19, b * h * w * c, -1, 1);  // distinct values: no ties
            assertClose(pool(x, b, h, w, c, ps, eff, pad, true), apply64(new MaxPooling2D(ps, st, pad), x, b, h, w, c),
                    FWD_TOL, "MaxPooling2D " + pad);
            assertClose(pool(x, b, h, w, c, ps, eff, pad, false), apply64(new AveragePooling2D(ps, st, pad), x, b, h, w, c),
                    FWD_TOL, "AveragePooling2D " + pad);
            for (Supplier<Layer> f : List.<Supplier<Layer>>of(() -> new MaxPooling2D(ps, st, pad),
                    () -> new AveragePooling2D(ps, st, pad))) {
                double[] g = LayerChecks.gradCheck(f, true, x, new long[] {b, h, w, c}, 1e-6);
                assertTrue(g[0] < GRAD_TOL, f.get() + " " + pad + ": rel err " + g[0]);
                LayerChecks.assertCpuMatchesReference(f, LayerChecks.randomFloats(20, b * h * w * c, -1, 1),
                        new long[] {b, h, w, c}, true, CPU_TOL);
            }
        }
        assertArrayEquals(new long[] {-1, 16, 16, 8}, new MaxPooling2D().outputShape(new long[] {-1, 32, 32, 8}));
        assertArrayEquals(new long[] {-1, 11, 11, 8}, new AveragePooling2D(new int[] {3}, new int[] {3}, "same")
                .outputShape(new long[] {-1, 32, 32, 8}));
    }

    @Test
    void globalPoolingMatchesHandValues() {
        int b = 2, h = 3, w = 4, c = 2;
        double[] x = LayerChecks.random(22, b * h * w * c, -1, 1);
        double[] mean = new double[b * c];
        double[] max = new double[b * c];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int n = 0; n < b; n++) {
            for (int p = 0; p < h * w; p++) {
                for (int ch = 0; ch < c; ch++) {
                    double v = x[(n * h * w + p) * c + ch];
                    mean[n * c + ch] += v / (h * w);
                    max[n * c + ch] = Math.max(max[n * c + ch], v);
                }
            }
        }
        assertClose(mean, apply64(new GlobalAveragePooling2D(), x, b, h, w, c), FWD_TOL, "GlobalAveragePooling2D");
        assertClose(max, apply64(new GlobalMaxPooling2D(), x, b, h, w, c), FWD_TOL, "GlobalMaxPooling2D");
        assertArrayEquals(new long[] {-1, 1, 1, 5}, new GlobalMaxPooling2D(true).outputShape(new long[] {-1, 7, 7, 5}));
        assertArrayEquals(new long[] {-1, 5}, new GlobalAveragePooling2D().outputShape(new long[] {-1, 7, 7, 5}));
        try (Scope s = Scope.open()) {
            assertArrayEquals(new long[] {2, 1, 1, 2},
                    new GlobalAveragePooling2D(true).apply(Tensor.zeros(DType.FLOAT32, 2, 3, 4, 2)).shape());
        }
        for (Supplier<Layer> f : List.<Supplier<Layer>>of(GlobalAveragePooling2D::new, GlobalMaxPooling2D::new,
                () -> new GlobalMaxPooling2D(true))) {
            double[] g = LayerChecks.gradCheck(f, true, x, new long[] {b, h, w, c}, 1e-6);
            assertTrue(g[0] < GRAD_TOL, f.get() + ": rel err " + g[0]);
            LayerChecks.assertCpuMatchesReference(f, LayerChecks.randomFloats(23, b * h * w * c, -1, 1),
                    new long[] {b, h, w, c}, true, CPU_TOL);
        }
    }

    @Test
    void upSamplingRepeatsPixels() {
        try (Scope s = Scope.open()) {
            Tensor y = new UpSampling2D(null, new int[] {2, 3}, "nearest").apply(Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1));
            assertArrayEquals(new long[] {1, 4, 6, 1}, y.shape());
            assertArrayEquals(new float[] {
                1, 1, 1, 2, 2, 2,
                1, 1, 1, 2, 2, 2,
                3, 3, 3, 4, 4, 4,
                3, 3, 3, 4, 4, 4}, y.toFloatArray(), 0f);
        }
        Supplier<Layer> f = () -> new UpSampling2D(null, new int[] {2, 3}, "nearest");
        double[] g = LayerChecks.gradCheck(f, true, LayerChecks.random(24, 2 * 2 * 3 * 2, -1, 1), new long[] {2, 2, 3, 2}, 1e-6);
        assertTrue(g[0] < GRAD_TOL, "UpSampling2D rel err " + g[0]);
        LayerChecks.assertCpuMatchesReference(f, LayerChecks.randomFloats(25, 2 * 2 * 3 * 2, -1, 1), new long[] {2, 2, 3, 2},
                true, CPU_TOL);
        assertThrows(IllegalArgumentException.class, () -> new UpSampling2D(null, new int[] {2, 2}, "bilinear"));
    }

    @Test
    void zeroPaddingPlacesTheImage() {
        try (Scope s = Scope.open()) {
            Tensor y = new ZeroPadding2D(null, 1, 0, 2, 1).apply(Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1));
            assertArrayEquals(new long[] {1, 3, 5, 1}, y.shape());
            assertArrayEquals(new float[] {
                0, 0, 0, 0, 0,
                0, 0, 1, 2, 0,
                0, 0, 3, 4, 0}, y.toFloatArray(), 0f);
        }
        Supplier<Layer> f = () -> new ZeroPadding2D(null, 1, 2, 0, 1);
        double[] g = LayerChecks.gradCheck(f, true, LayerChecks.random(26, 2 * 2 * 3 * 2, -1, 1), new long[] {2, 2, 3, 2}, 1e-6);
        assertTrue(g[0] < GRAD_TOL, "ZeroPadding2D rel err " + g[0]);
        LayerChecks.assertCpuMatchesReference(f, LayerChecks.randomFloats(27, 2 * 2 * 3 * 2, -1, 1), new long[] {2, 2, 3, 2},
                true, CPU_TOL);
        assertThrows(IllegalArgumentException.class, () -> new ZeroPadding2D(-1));
    }

    @Test
    void batchNormalizationNormalizesEachChannelOfAConvFeatureMap() {
        int b = 4, h = 3, w = 5, c = 3;
        double[] x = LayerChecks.random(28, b * h * w * c, -1, 1);
        for (int i = 0; i < x.length; i++) {
            int ch = i % c;
            x[i] = 3 * ch - 2 + (1 + ch) * x[i];   // channel offsets and spreads differ
        }
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            BatchNormalization bn = new BatchNormalization();
            bn.setDtype(DType.FLOAT64);
            double[] y = bn.apply(Tensor.of(x, b, h, w, c), true).toDoubleArray();
            assertArrayEquals(new long[] {3}, bn.gamma().shape());
            int per = b * h * w;
            for (int ch = 0; ch < c; ch++) {
                double m = 0, v = 0;
                for (int i = ch; i < x.length; i += c) {
                    m += x[i] / per;
                }
                for (int i = ch; i < x.length; i += c) {
                    v += (x[i] - m) * (x[i] - m) / per;
                }
                for (int i = ch; i < x.length; i += c) {
                    assertEquals((x[i] - m) / Math.sqrt(v + 1e-3), y[i], 1e-10, "channel " + ch + " element " + i);
                }
                assertEquals(0.01 * m, bn.movingMean().toDoubleArray()[ch], 1e-12, "moving mean " + ch);
            }
            bn.close();
        }
        double[] g = LayerChecks.gradCheck(BatchNormalization::new, true, LayerChecks.random(29, 2 * 2 * 3 * 2, -1, 1),
                new long[] {2, 2, 3, 2}, 1e-6);
        assertTrue(g[0] < GRAD_TOL, "BatchNormalization on NHWC rel err " + g[0]);
    }

    // ---- configs ---------------------------------------------------------------------------

    @Test
    void configsRoundTripThroughTheRegistryAndJson() {
        List<Layer> layers = List.of(
                new Conv2D(8, new int[] {3, 5}, "relu").strides(2, 1).padding("same").dilationRate(1, 1).groups(2)
                        .useBias(false).kernelInitializer("he_normal").kernelRegularizer(Regularizers.l2(1e-4)),
                new Conv1D(4, 3, "tanh").padding("causal").dilationRate(2),
                new DepthwiseConv2D(new int[] {3, 3}, 2, "relu").strides(2),
                new Conv2DTranspose(5, new int[] {4, 4}, new int[] {2, 2}, "same", "sigmoid"),
                new MaxPooling2D(new int[] {3, 3}, new int[] {2, 2}, "same"),
                new AveragePooling2D(new int[] {2, 1}, null, "valid"),
                new GlobalAveragePooling2D(true), new GlobalMaxPooling2D(),
                new UpSampling2D(null, new int[] {3, 2}, "nearest"), new ZeroPadding2D(null, 1, 2, 3, 4));
        for (Layer l : layers) {
            Map<String, Object> cfg = l.config();
            Map<String, Object> parsed = Json.parseObject(Json.write(cfg));
            Layer back = Layers.fromConfig(l.className(), parsed);
            assertEquals(l.getClass(), back.getClass());
            assertEquals(Json.write(cfg), Json.write(back.config()), l.className());
            assertArrayEquals(l.outputShape(new long[] {-1, 12, 12, 4}.length == 4 && l instanceof Conv1D
                    ? new long[] {-1, 12, 4} : new long[] {-1, 12, 12, 4}),
                    back.outputShape(l instanceof Conv1D ? new long[] {-1, 12, 4} : new long[] {-1, 12, 12, 4}), l.className());
        }
        Map<String, Object> keras = Json.parseObject("{\"name\": \"c\", \"filters\": 6, \"kernel_size\": 3, \"strides\": 2}");
        Conv2D c = (Conv2D) Layers.fromConfig("Conv2D", keras);
        assertArrayEquals(new int[] {3, 3}, c.kernelSize());
        assertArrayEquals(new int[] {2, 2}, c.strides());
        assertEquals("valid", c.padding());
    }

    @Test
    void restoredConvComputesTheSameOutput() {
        try (Scope s = Scope.open()) {
            Conv2D a = new Conv2D(3, 3, "relu").padding("same").biasInitializer(biasInit());
            Tensor x = Tensor.of(LayerChecks.randomFloats(32, 2 * 5 * 5 * 2, -1, 1), 2, 5, 5, 2);
            float[] ya = a.apply(x).toFloatArray();
            Conv2D b = (Conv2D) Layers.fromConfig("Conv2D", Json.parseObject(Json.write(a.config())));
            b.ensureBuilt(new long[] {-1, 5, 5, 2});
            b.kernel().assign(a.kernel());
            b.bias().assign(a.bias());
            assertArrayEquals(ya, b.apply(x).toFloatArray(), 0f);
            a.close();
            b.close();
        }
    }

    // ---- errors ----------------------------------------------------------------------------

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void badInputsRaiseClearErrors() {
        try (Scope s = Scope.open()) {
            Conv2D big = new Conv2D(null, 2, new int[] {5, 5}, null);
            String m = message(() -> big.apply(Tensor.zeros(DType.FLOAT32, 1, 4, 6, 1)));
            assertTrue(m.contains(big.name()) && m.contains("larger than the input") && m.contains("valid"), m);

            Conv2D conv = new Conv2D(2, 3);
            conv.apply(Tensor.zeros(DType.FLOAT32, 1, 5, 5, 3));
            m = message(() -> conv.apply(Tensor.zeros(DType.FLOAT32, 1, 5, 5, 4)));
            assertTrue(m.contains(conv.name()) && m.contains("(None, None, None, 3)") && m.contains("(1, 5, 5, 4)"), m);

            Conv2D rank = new Conv2D(2, 3);
            m = message(() -> rank.apply(Tensor.zeros(DType.FLOAT32, 5, 5, 3)));
            assertTrue(m.contains(rank.name()) && m.contains("rank 4") && m.contains("(None, 5, 3)"), m);

            m = message(() -> new Conv2D(2, 3).strides(0, 1));
            assertTrue(m.contains("Conv2D") && m.contains("strides must be positive") && m.contains("[0, 1]"), m);
            m = message(() -> new MaxPooling2D(new int[] {2, 2}, new int[] {-1, 2}, "valid"));
            assertTrue(m.contains("MaxPooling2D") && m.contains("strides must be positive"), m);
            m = message(() -> new Conv2D(2, 0));
            assertTrue(m.contains("kernel_size must be positive"), m);
            m = message(() -> new Conv2D(6, 3).groups(4));
            assertTrue(m.contains("groups") && m.contains("divide filters 6"), m);
            Conv2D grouped = new Conv2D(6, 3).groups(2);
            m = message(() -> grouped.apply(Tensor.zeros(DType.FLOAT32, 1, 5, 5, 3)));
            assertTrue(m.contains(grouped.name()) && m.contains("groups 2 must divide the input channels 3"), m);
            m = message(() -> new Conv2D(2, 3).padding("full"));
            assertTrue(m.contains("padding") && m.contains("full"), m);
            m = message(() -> new Conv2D(0, 3));
            assertTrue(m.contains("filters must be positive"), m);

            MaxPooling2D pool = new MaxPooling2D(3);
            m = message(() -> pool.apply(Tensor.zeros(DType.FLOAT32, 1, 2, 5, 1)));
            assertTrue(m.contains(pool.name()) && m.contains("pool_size [3, 3] is larger than the input (1, 2, 5, 1)"), m);

            Conv1D c1 = new Conv1D(2, 4);
            m = message(() -> c1.apply(Tensor.zeros(DType.FLOAT32, 1, 3, 2)));
            assertTrue(m.contains(c1.name()) && m.contains("larger than the input (steps 3)"), m);
            big.close();
            conv.close();
            rank.close();
            grouped.close();
            c1.close();
        }
    }

    @Test
    void noMemoryLeftBehindByATrainingStep() {
        long base = Backends.cpu().bytesInUse();
        try (Backends.Use u = Backends.use(Backends.cpu())) {
            List<Layer> layers = List.of(new Conv2D(4, 3, "relu"), new Conv2DTranspose(2, 3), new ZeroPadding2D(1),
                    new UpSampling2D(), new AveragePooling2D(), new DepthwiseConv2D(3), new GlobalMaxPooling2D());
            try (Scope s = Scope.open(); dev.lamina.autograd.GradientTape tape = dev.lamina.autograd.GradientTape.start()) {
                Tensor x = Tensor.of(LayerChecks.randomFloats(33, 2 * 6 * 6 * 2, -1, 1), 2, 6, 6, 2);
                tape.watch(x);
                Tensor h = x;
                for (Layer l : layers) {
                    h = l.apply(h, true);
                }
                assertArrayEquals(new long[] {2, 2}, h.shape());
                List<Tensor> sources = new java.util.ArrayList<>();
                for (Layer l : layers) {
                    sources.addAll(l.trainableWeights());
                }
                for (Tensor g : tape.gradient(h.sum(), sources)) {
                    assertTrue(g != null && Double.isFinite(g.abs().sum().item()));
                }
            }
            for (Layer l : layers) {
                l.close();
            }
        }
        assertEquals(base, Backends.cpu().bytesInUse(), "cpu bytes in use after the step");
    }
}
