package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The composed path of every optional fused kernel against the fused one: the same tensor op, with
 * its gradients through the tape, on a backend (cpu or reference) and on a {@link
 * DecliningBackend} wrapping it that declines the kernel (all calls, or only some). Tolerances:
 * relative error ‖composed − fused‖/‖fused‖ ≤ 1e-5 in float32 and ≤ 1e-12 in float64 (against the
 * reference backend); max pooling with ties, NaN and −∞ must route exactly as the reference; Adam
 * must agree bitwise. Each case also checks that the declining backend returns to its memory
 * baseline.
 */
class ComposedKernelsTest {
    static final Backend CPU = Backends.cpu();
    static final Backend REF = Backends.reference();
    static final DecliningBackend NO_CPU = DecliningBackend.all(CPU, "declining-cpu");
    static final DecliningBackend NO_REF = DecliningBackend.all(REF, "declining-reference");
    static final DecliningBackend SOME_CPU = DecliningBackend.some(CPU, "partly-declining-cpu");

    private static <T> T on(Backend b, Supplier<T> body) {
        try (Backends.Use u = Backends.use(b)) {
            return body.get();
        }
    }

    private static double[] random(Random r, long n, boolean ties) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = ties ? r.nextInt(3) : r.nextDouble() * 2 - 1;
        }
        return v;
    }

    /** y and the gradients of sum(y ⊙ seed) with respect to each input, on one backend and dtype. */
    static double[][] run(Backend be, DType dt, double[][] in, long[][] shapes, double[] seed,
                          Function<Tensor[], Tensor> f) {
        return on(be, () -> {
            long base = be.bytesInUse();
            double[][] out;
            try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                Tensor[] ts = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    ts[i] = Tensor.of(in[i], shapes[i]).cast(dt);
                }
                tape.watch(ts);
                Tensor y = f.apply(ts);
                double[] sd = seed != null ? seed : new double[Math.toIntExact(y.numel())];
                if (seed == null) {
                    java.util.Arrays.fill(sd, 1);
                }
                Tensor loss = y.mul(Tensor.of(sd, y.shape()).cast(dt)).sum();
                Tensor[] g = tape.gradient(loss, ts);
                out = new double[in.length + 1][];
                out[0] = y.toDoubleArray();
                for (int i = 0; i < g.length; i++) {
                    out[i + 1] = g[i].toDoubleArray();
                }
            }
            assertEquals(base, be.bytesInUse(), be.name() + ": memory back to baseline");
            return out;
        });
    }

    static double relErr(double[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(got[i]) != Double.isNaN(want[i])) {
                return Double.POSITIVE_INFINITY;
            }
            if (Double.isNaN(got[i])) {
                continue;
            }
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static void assertClose(double[][] got, double[][] want, double tol, String what) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length, what + " output " + i);
            double e = relErr(got[i], want[i]);
            assertTrue(e <= tol, what + ": output " + i + " rel. error " + e + " > " + tol);
        }
    }

    /** Runs body with the composed kernels' chunks lowered to 2000 elements (when on), so batches split. */
    static void chunked(boolean on, Runnable body) {
        long before = ComposedWindows.chunkElements;
        ComposedWindows.chunkElements = on ? 2000 : before;
        try {
            body.run();
        } finally {
            ComposedWindows.chunkElements = before;
        }
    }

    /** Runs f on the fused backend and on each declining wrapper of it; compares within tol. */
    static void compare(String what, double[][] in, long[][] shapes, double[] seed, Function<Tensor[], Tensor> f) {
        double[][] cpu32 = run(CPU, DType.FLOAT32, in, shapes, seed, f);
        assertClose(run(NO_CPU, DType.FLOAT32, in, shapes, seed, f), cpu32, 1e-5, what + " float32 all declined");
        assertClose(run(SOME_CPU, DType.FLOAT32, in, shapes, seed, f), cpu32, 1e-5, what + " float32 some declined");
        double[][] ref64 = run(REF, DType.FLOAT64, in, shapes, seed, f);
        assertClose(run(NO_REF, DType.FLOAT64, in, shapes, seed, f), ref64, 1e-12, what + " float64 all declined (ref)");
        assertClose(run(NO_CPU, DType.FLOAT64, in, shapes, seed, f), ref64, 1e-12, what + " float64 all declined (cpu)");
    }

    // ---- convolution ------------------------------------------------------------------------

    record Conv(String name, int b, int h, int w, int c, int kh, int kw, int k, int[] s, String pad, int[] d,
                int groups) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Conv> convs() {
        return List.of(
                new Conv("3x3 valid", 2, 7, 5, 3, 3, 3, 4, new int[] {1, 1}, "valid", new int[] {1, 1}, 1),
                new Conv("3x3 same", 2, 7, 5, 3, 3, 3, 4, new int[] {1, 1}, "same", new int[] {1, 1}, 1),
                new Conv("2x4 same s2", 2, 7, 5, 2, 2, 4, 3, new int[] {2, 2}, "same", new int[] {1, 1}, 1),
                new Conv("3x3 valid s(2,1)", 1, 8, 6, 2, 3, 3, 2, new int[] {2, 1}, "valid", new int[] {1, 1}, 1),
                new Conv("3x3 same dil2", 2, 7, 5, 2, 3, 3, 3, new int[] {1, 1}, "same", new int[] {2, 2}, 1),
                new Conv("3x3 same groups2", 2, 7, 5, 4, 3, 3, 6, new int[] {1, 1}, "same", new int[] {1, 1}, 2),
                new Conv("depthwise 3x3 same s2", 2, 6, 6, 3, 3, 3, 3, new int[] {2, 2}, "same", new int[] {1, 1}, 3),
                new Conv("2x4 valid s(2,1) dil(2,1) groups2", 2, 7, 5, 4, 2, 4, 4, new int[] {2, 1}, "valid",
                        new int[] {2, 1}, 2),
                new Conv("1x1", 2, 4, 3, 3, 1, 1, 5, new int[] {1, 1}, "valid", new int[] {1, 1}, 1),
                // with 2000-element chunks: 5 images of 6×6×3 (972 window elements each), three chunks
                new Conv("3x3 same s1, chunked batch", 5, 6, 6, 3, 3, 3, 4, new int[] {1, 1}, "same",
                        new int[] {1, 1}, 1),
                new Conv("3x3 same s2 groups3, chunked batch", 5, 6, 6, 3, 3, 3, 6, new int[] {2, 2}, "same",
                        new int[] {1, 1}, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void convolutionComposedMatchesFused(Conv c) {
        Random r = new Random(c.name().hashCode());
        long[] xs = {c.b(), c.h(), c.w(), c.c()}, ks = {c.kh(), c.kw(), c.c() / c.groups(), c.k()};
        double[] x = random(r, (long) c.b() * c.h() * c.w() * c.c(), false);
        double[] k = random(r, ks[0] * ks[1] * ks[2] * ks[3], false);
        double[] bias = random(r, c.k(), false);
        Function<Tensor[], Tensor> conv = t -> ConvOps.conv2d(t[0], t[1], c.s(), c.pad(), c.d(), c.groups());
        chunked(c.name().contains("chunked"), () -> {
            compare("conv2d " + c, new double[][] {x, k}, new long[][] {xs, ks}, null, conv);
            compare("conv2d+bias+relu " + c, new double[][] {x, k, bias}, new long[][] {xs, ks, {c.k()}}, null,
                    t -> ConvOps.conv2dBiasAct(t[0], t[1], t[2], true, c.s(), c.pad(), c.d(), c.groups()));
        });
    }

    // ---- pooling ----------------------------------------------------------------------------

    record Pool(String name, int b, int h, int w, int c, int[] size, int[] strides, String pad) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Pool> pools() {
        return List.of(
                new Pool("2x2 valid", 2, 6, 5, 3, new int[] {2, 2}, null, "valid"),
                new Pool("2x2 same", 2, 5, 5, 2, new int[] {2, 2}, null, "same"),
                new Pool("3x3 s1 same (overlapping)", 2, 5, 6, 2, new int[] {3, 3}, new int[] {1, 1}, "same"),
                new Pool("3x2 s(2,1) valid", 1, 7, 5, 3, new int[] {3, 2}, new int[] {2, 1}, "valid"),
                new Pool("3x3 s2 same", 2, 7, 7, 1, new int[] {3, 3}, new int[] {2, 2}, "same"),
                // with 2000-element chunks: 5 images of 7×7×2 (same, 3×3, stride 1: 882 each), three chunks
                new Pool("3x3 s1 same, chunked batch", 5, 7, 7, 2, new int[] {3, 3}, new int[] {1, 1}, "same"));
    }

    /** Inputs in {0, 1, 2}: most windows hold ties, so a wrong choice of maximum moves the gradient. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void poolingComposedMatchesFusedWithTies(Pool p) {
        Random r = new Random(p.name().hashCode());
        long[] xs = {p.b(), p.h(), p.w(), p.c()};
        double[] x = random(r, xs[0] * xs[1] * xs[2] * xs[3], true);
        Function<Tensor[], Tensor> max = t -> ConvOps.maxPool2d(t[0], p.size(), p.strides(), p.pad());
        Function<Tensor[], Tensor> avg = t -> ConvOps.avgPool2d(t[0], p.size(), p.strides(), p.pad());
        chunked(p.name().contains("chunked"), () -> {
            for (DecliningBackend d : new DecliningBackend[] {NO_REF, NO_CPU}) {
            double[][] want = run(REF, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
            double[][] got = run(d, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
            assertArrayEquals(want[0], got[0], "max pool " + p + " on " + d.name());
            assertArrayEquals(want[1], got[1], "max pool gradient (first maximum) " + p + " on " + d.name());
            }
            compare("max pool " + p, new double[][] {x}, new long[][] {xs}, null, max);
            compare("avg pool " + p, new double[][] {x}, new long[][] {xs}, null, avg);
        });
    }

    /**
     * NaN wins its windows (the first NaN takes the gradient), a window of −∞ with "same" padding
     * routes to its first real element (never the padding), and an infinite upstream gradient stays
     * at its maximum: exactly as the reference.
     */
    @Test
    void maxPoolingNanInfinityAndInfiniteGradientsRouteAsTheReference() {
        double n = Double.NaN, inf = Double.NEGATIVE_INFINITY;
        double[] x = {
            inf, inf, 2, 5, 5,
            inf, inf, 3, 1, 0,
            n, 1, 0, 2, 2,
            inf, inf, 4, n, 4,
            inf, inf, 7, 1, 1};
        long[] xs = {1, 5, 5, 1};
        // 3×3 stride 1 "same" pads one row and column before: its first window is padding, then −∞
        for (int[][] ps : new int[][][] {{{2, 2}, null}, {{2, 2}, {1, 1}}, {{3, 3}, {1, 1}}}) {
            Function<Tensor[], Tensor> max = t -> ConvOps.maxPool2d(t[0], ps[0], ps[1], "same");
            double[][] want = run(REF, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
            for (DecliningBackend d : new DecliningBackend[] {NO_REF, NO_CPU}) {
                double[][] got = run(d, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
                assertArrayEquals(want[0], got[0], "forward on " + d.name());
                assertArrayEquals(want[1], got[1], "gradient on " + d.name());
            }
        }
        // an infinite dy: only the chosen element receives it (no 0·∞ = NaN elsewhere)
        PoolGeometry g = ConvOps.pool2dGeometry("max_pool2d", xs, new int[] {3, 3}, new int[] {1, 1}, "same");
        double[] dy = new double[(int) g.outputNumel()];
        java.util.Arrays.fill(dy, Double.POSITIVE_INFINITY);
        double[] want = storageMaxBackward(REF, x, dy, g, false);
        assertArrayEquals(want, storageMaxBackward(NO_REF, x, dy, g, true));
        assertArrayEquals(want, storageMaxBackward(NO_CPU, x, dy, g, true));
    }

    private static double[] storageMaxBackward(Backend be, double[] x, double[] dy, PoolGeometry g, boolean dispatch) {
        return on(be, () -> {
            try (Scope s = Scope.open()) {
                Tensor xt = Tensor.of(x, g.batch(), g.inH(), g.inW(), g.channels());
                Tensor dyt = Tensor.of(dy, g.batch(), g.outH(), g.outW(), g.channels());
                Tensor dx = Tensor.zeros(DType.FLOAT64, xt.shape());
                if (dispatch) {
                    KernelDispatch.maxPool2dBackward(be, xt.storage(), dyt.storage(), dx.storage(), g);
                } else {
                    be.maxPool2dBackward(xt.storage(), dyt.storage(), dx.storage(), g);
                }
                return dx.toDoubleArray();
            }
        });
    }

    // ---- recurrent cells ----------------------------------------------------------------------

    @Test
    void lstmAndGruCellsComposedMatchFused() {
        Random r = new Random(11);
        for (int[] bh : new int[][] {{1, 1}, {3, 5}, {4, 16}}) {
            int b = bh[0], h = bh[1];
            double[] z = random(r, (long) b * 4 * h, false), c = random(r, (long) b * h, false);
            for (int i = 0; i < z.length; i++) {
                z[i] *= 4;   // saturating gates too
            }
            double[] seed = random(r, (long) b * h, false);
            compare("lstmCell.h B" + b + " H" + h, new double[][] {z, c}, new long[][] {{b, 4 * h}, {b, h}}, seed,
                    t -> RecurrentOps.lstmCell(t[0], t[1])[0]);
            compare("lstmCell.c B" + b + " H" + h, new double[][] {z, c}, new long[][] {{b, 4 * h}, {b, h}}, seed,
                    t -> RecurrentOps.lstmCell(t[0], t[1])[1]);
            double[] xz = random(r, (long) b * 3 * h, false), hz = random(r, (long) b * 3 * h, false);
            compare("gruCell B" + b + " H" + h, new double[][] {xz, hz, c},
                    new long[][] {{b, 3 * h}, {b, 3 * h}, {b, h}}, seed, t -> RecurrentOps.gruCell(t[0], t[1], t[2]));
        }
    }

    /** Whole sequences: back-propagation through time runs the composed cell backward at every step. */
    @Test
    void lstmAndGruSequencesComposedMatchFused() {
        Random r = new Random(12);
        int b = 3, t = 5, in = 4, h = 6;
        double[] x = random(r, (long) b * t * in, false);
        double[] k4 = random(r, (long) in * 4 * h, false), rk4 = random(r, (long) h * 4 * h, false);
        double[] b4 = random(r, 4L * h, false);
        compare("lstm sequence", new double[][] {x, k4, rk4, b4}, new long[][] {{b, t, in}, {in, 4 * h}, {h, 4 * h},
            {4 * h}}, null, ts -> RecurrentOps.lstm(ts[0], ts[1], ts[2], ts[3], null, null, true)[0]);
        double[] k3 = random(r, (long) in * 3 * h, false), rk3 = random(r, (long) h * 3 * h, false);
        double[] b3 = random(r, 6L * h, false);
        compare("gru sequence", new double[][] {x, k3, rk3, b3}, new long[][] {{b, t, in}, {in, 3 * h}, {h, 3 * h},
            {2, 3 * h}}, null, ts -> RecurrentOps.gru(ts[0], ts[1], ts[2], ts[3], null, true)[0]);
    }

    // ---- Adam ---------------------------------------------------------------------------------

    /** The composed Adam step is the fused one's arithmetic: bitwise equal over several steps. */
    @Test
    void adamComposedIsBitwiseTheFusedStep() {
        Random r = new Random(13);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            int n = 37;
            double[] w = random(r, n, false), m = new double[n], v = new double[n];
            double[][] grads = {random(r, n, false), random(r, n, false), random(r, n, false)};
            double[][] fused = adamSteps(CPU, dt, w, m, v, grads);
            double[][] composed = adamSteps(NO_CPU, dt, w, m, v, grads);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(fused[i], composed[i], dt + " state " + i);
            }
        }
    }

    private static double[][] adamSteps(Backend be, DType dt, double[] w0, double[] m0, double[] v0, double[][] grads) {
        return on(be, () -> {
            try (Scope s = Scope.open()) {
                Tensor w = Tensor.of(w0, w0.length).cast(dt), m = Tensor.of(m0, m0.length).cast(dt);
                Tensor v = Tensor.of(v0, v0.length).cast(dt);
                for (int step = 1; step <= grads.length; step++) {
                    Tensor g = Tensor.of(grads[step - 1], w0.length).cast(dt);
                    double alpha = 1e-2 * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                    KernelDispatch.adamUpdate(be, w.storage(), g.storage(), m.storage(), v.storage(), alpha, 0.9, 0.999,
                            1e-7);
                }
                return new double[][] {w.toDoubleArray(), m.toDoubleArray(), v.toDoubleArray()};
            }
        });
    }

    // ---- primitives composed for some dtypes (float64 matmul, bool reduce and scatterAdd) -------

    @Test
    void matmulByProductsMatchesTheBackendsMatmul() {
        Random r = new Random(14);
        // batch, m, n, k, transA, transB, broadcast b, product limit (the last ones need row blocks)
        int[][] cases = {{1, 3, 4, 5, 0, 0, 0, 0}, {2, 3, 4, 5, 1, 0, 0, 0}, {2, 3, 4, 5, 0, 1, 1, 0},
            {3, 1, 1, 7, 1, 1, 0, 0}, {2, 2, 3, 0, 0, 0, 0, 0}, {2, 7, 5, 6, 0, 1, 0, 64}, {3, 7, 5, 6, 1, 0, 1, 20}};
        long before = ComposedPrimitives.productElements;
        for (int[] c : cases) {
            ComposedPrimitives.productElements = c[7] > 0 ? c[7] : before;
            int batch = c[0], m = c[1], n = c[2], k = c[3];
            boolean ta = c[4] == 1, tb = c[5] == 1, bcast = c[6] == 1;
            double[] a = random(r, (long) batch * m * k, false), b = random(r, (bcast ? 1L : batch) * k * n, false);
            double[] want = matmulOn(REF, DType.FLOAT64, a, b, c, false);
            double[] got = matmulOn(NO_CPU, DType.FLOAT64, a, b, c, true);
            assertTrue(relErr(got, want) <= 1e-13, java.util.Arrays.toString(c) + ": " + relErr(got, want));
            assertTrue(relErr(matmulOn(NO_CPU, DType.FLOAT32, a, b, c, true), want) <= 1e-5);
            assertEquals(batch * m * n, got.length);
            ComposedPrimitives.productElements = before;
        }
    }

    private static double[] matmulOn(Backend be, DType dt, double[] a, double[] b, int[] c, boolean composed) {
        int batch = c[0], m = c[1], n = c[2], k = c[3];
        boolean ta = c[4] == 1, tb = c[5] == 1, bcast = c[6] == 1;
        return on(be, () -> {
            try (Scope s = Scope.open()) {
                Tensor at = Tensor.of(a, a.length).cast(dt), bt = Tensor.of(b, b.length).cast(dt);
                Tensor out = Tensor.zeros(dt, (long) batch * m * n);
                be.fill(out.storage(), 99);   // k = 0 must overwrite
                if (composed) {
                    ComposedPrimitives.matmul(be, at.storage(), bt.storage(), out.storage(), batch, m, n, k, ta, tb,
                            (long) m * k, bcast ? 0 : (long) k * n);
                } else {
                    be.matmul(at.storage(), bt.storage(), out.storage(), batch, m, n, k, ta, tb, (long) m * k,
                            bcast ? 0 : (long) k * n);
                }
                return out.toDoubleArray();
            }
        });
    }

    @Test
    void boolReductionsAndScatterAddThroughInt32MatchTheCpuBackend() {
        boolean[] x = {true, false, false, false, false, false, true, true, false, true, false, false};
        for (ReduceOp op : ReduceOp.values()) {
            Object want = boolReduce(CPU, op, x, false), got = boolReduce(NO_CPU, op, x, true);
            assertEquals(java.util.Arrays.toString((long[]) want), java.util.Arrays.toString((long[]) got), op.name());
        }
        on(NO_CPU, () -> {
            try (Scope s = Scope.open()) {
                Tensor src = Tensor.of(new boolean[] {true, false, false, false, true, true}, 3, 2);
                Tensor ids = Tensor.of(new long[] {1, 1, 0}, 3);
                Tensor out = Tensor.of(new boolean[] {false, false, false, true}, 2, 2);
                ComposedPrimitives.scatterAddBool(NO_CPU, src.storage(), 2, ids.storage(), out.storage());
                assertArrayEquals(new long[] {1, 1, 1, 1}, out.cast(DType.INT64).toLongArray());
                return null;
            }
        });
    }

    private static long[] boolReduce(Backend be, ReduceOp op, boolean[] x, boolean composed) {
        return on(be, () -> {
            try (Scope s = Scope.open()) {
                Tensor t = Tensor.of(x, 2, 3, 2);
                Tensor out = Tensor.zeros(op.isArg() ? DType.INT64 : DType.BOOL, 2, 2);
                if (composed) {
                    ComposedPrimitives.reduceBool(be, op, t.storage(), 2, 3, 2, out.storage());
                } else {
                    be.reduce(op, t.storage(), 2, 3, 2, out.storage());
                }
                return out.cast(DType.INT64).toLongArray();
            }
        });
    }

    // ---- capabilities -------------------------------------------------------------------------

    @Test
    void capabilitiesAreDeclaredAndPerCall() {
        for (Kernel k : Kernel.values()) {
            // the cpu backend composes the RMSprop/SGD steps and softmax cross-entropy (the LSTM and GRU
            // sequences are native: cpu-kernels/lamina_recurrent_seq.hpp)
            boolean cpuComposes = k == Kernel.RMSPROP_UPDATE || k == Kernel.SGD_UPDATE
                    || k == Kernel.SOFTMAX_CROSS_ENTROPY;
            assertEquals(!cpuComposes, CPU.kernel(k).available(), "cpu has " + k);
            assertTrue(REF.kernel(k).available(), "reference has " + k);
            Capability c = NO_CPU.kernel(k, DType.FLOAT32);
            assertFalse(c.available());
            assertEquals("declined by the test backend", c.reason());
        }
        ConvGeometry plain = ConvOps.conv2dGeometry(new long[] {1, 5, 5, 2}, new long[] {3, 3, 2, 2},
                new int[] {1, 1}, "valid", new int[] {1, 1}, 1);
        ConvGeometry strided = ConvOps.conv2dGeometry(new long[] {1, 5, 5, 2}, new long[] {3, 3, 2, 2},
                new int[] {2, 2}, "valid", new int[] {1, 1}, 1);
        assertTrue(SOME_CPU.kernel(Kernel.CONV2D_FORWARD, DType.FLOAT32, plain).available());
        assertFalse(SOME_CPU.kernel(Kernel.CONV2D_FORWARD, DType.FLOAT32, strided).available());
        assertFalse(SOME_CPU.kernel(Kernel.CONV2D_FORWARD, DType.FLOAT64, plain).available());
        // a backend that inherits a kernel's method from Backend has no kernel of its own
        assertEquals(java.util.EnumSet.allOf(Kernel.class), Kernel.overriddenBy(NO_CPU.getClass()));
        assertThrowsIae(() -> new Capability(false, " "));
        assertThrowsIae(() -> new Capability(true, "why"));
    }

    private static void assertThrowsIae(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return;
        }
        throw new AssertionError("expected an IllegalArgumentException");
    }
}
