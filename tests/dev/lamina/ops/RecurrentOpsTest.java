package dev.lamina.ops;

import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Rng;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradCheck;
import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RecurrentOps: the fused cells against an independent double computation written here, their
 * gradients and those of the sequences against central differences (float64, reference backend,
 * relative error ≤ 1e-6), the cpu backend against the reference at odd sizes forward and
 * backward (float32, relative error ≤ 1e-5), saturation at ±50, memory and argument checks.
 */
class RecurrentOpsTest {
    static final double GRAD_TOL = 1e-6;
    static final double CPU_TOL = 1e-5;

    static Stream<Backend> backends() {
        return Stream.of(Backends.reference(), Backends.cpu());
    }

    static double[] random(Rng rng, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (rng.nextDouble() * 2 - 1) * scale;
        }
        return v;
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double relErr(double[] a, double[] ref) {
        assertEquals(ref.length, a.length, "lengths");
        double d2 = 0;
        double r2 = 0;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) || Double.isNaN(ref[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d2 += (a[i] - ref[i]) * (a[i] - ref[i]);
            r2 += ref[i] * ref[i];
        }
        return Math.sqrt(d2) / Math.max(Math.sqrt(r2), 1e-30);
    }

    static Tensor t(double[] v, DType dt, long... shape) {
        Tensor x = Tensor.of(v, shape);
        if (dt == DType.FLOAT64) {
            return x;
        }
        Tensor r = x.cast(dt);
        x.close();
        return r;
    }

    // ---- forward against an independent computation ----------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void lstmCellForwardMatchesHandComputation(Backend backend) {
        int b = 3;
        int h = 5;
        Rng rng = new Rng(11);
        double[] z = random(rng, b * 4 * h, 3);
        double[] cp = random(rng, b * h, 2);
        double[] wantH = new double[b * h];
        double[] wantC = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                double i = sig(z[r * 4 * h + j]);
                double f = sig(z[r * 4 * h + h + j]);
                double g = Math.tanh(z[r * 4 * h + 2 * h + j]);
                double o = sig(z[r * 4 * h + 3 * h + j]);
                wantC[r * h + j] = f * cp[r * h + j] + i * g;
                wantH[r * h + j] = o * Math.tanh(wantC[r * h + j]);
            }
        }
        for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
                Tensor[] out = RecurrentOps.lstmCell(t(z, dt, b, 4 * h), t(cp, dt, b, h));
                assertEquals(dt, out[0].dtype());
                assertTrue(Arrays.equals(new long[] {b, h}, out[0].shape()) && Arrays.equals(new long[] {b, h}, out[1].shape()));
                double tol = dt == DType.FLOAT64 ? 1e-13 : 1e-6;
                assertTrue(relErr(out[0].toDoubleArray(), wantH) < tol, backend.name() + " " + dt + " h");
                assertTrue(relErr(out[1].toDoubleArray(), wantC) < tol, backend.name() + " " + dt + " c");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void gruCellForwardMatchesHandComputation(Backend backend) {
        int b = 3;
        int h = 5;
        Rng rng = new Rng(12);
        double[] xz = random(rng, b * 3 * h, 3);
        double[] hz = random(rng, b * 3 * h, 3);
        double[] hp = random(rng, b * h, 1);
        double[] want = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                int k = r * 3 * h;
                double zg = sig(xz[k + j] + hz[k + j]);
                double rg = sig(xz[k + h + j] + hz[k + h + j]);
                double cand = Math.tanh(xz[k + 2 * h + j] + rg * hz[k + 2 * h + j]);
                want[r * h + j] = zg * hp[r * h + j] + (1 - zg) * cand;
            }
        }
        for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
                Tensor out = RecurrentOps.gruCell(t(xz, dt, b, 3 * h), t(hz, dt, b, 3 * h), t(hp, dt, b, h));
                double tol = dt == DType.FLOAT64 ? 1e-13 : 1e-6;
                assertTrue(relErr(out.toDoubleArray(), want) < tol, backend.name() + " " + dt);
            }
        }
    }

    /** The sequence helpers against the cells composed by hand with ordinary tensor ops (float64). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sequencesMatchStepByStepComposition(Backend backend) {
        int b = 2, steps = 4, in = 3, h = 5;
        Rng rng = new Rng(13);
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
            Tensor x = t(random(rng, b * steps * in, 1), DType.FLOAT64, b, steps, in);
            Tensor h0 = t(random(rng, b * h, 0.5), DType.FLOAT64, b, h);
            Tensor c0 = t(random(rng, b * h, 0.5), DType.FLOAT64, b, h);
            // LSTM
            Tensor k4 = t(random(rng, in * 4 * h, 0.5), DType.FLOAT64, in, 4 * h);
            Tensor r4 = t(random(rng, h * 4 * h, 0.5), DType.FLOAT64, h, 4 * h);
            Tensor b4 = t(random(rng, 4 * h, 0.5), DType.FLOAT64, 4 * h);
            Tensor[] seq = RecurrentOps.lstm(x, k4, r4, b4, h0, c0, true);
            Tensor hh = h0;
            Tensor cc = c0;
            List<Tensor> ys = new ArrayList<>();
            for (int st = 0; st < steps; st++) {
                Tensor xt = x.slice(1, st, st + 1).reshape(b, in);
                Tensor[] hc = RecurrentOps.lstmCell(xt.matmul(k4).add(hh.matmul(r4)).add(b4), cc);
                hh = hc[0];
                cc = hc[1];
                ys.add(hh);
            }
            assertTrue(relErr(seq[0].toDoubleArray(), Tensor.stack(ys, 1).toDoubleArray()) < 1e-13, "lstm y");
            assertTrue(relErr(seq[1].toDoubleArray(), hh.toDoubleArray()) < 1e-13, "lstm h");
            assertTrue(relErr(seq[2].toDoubleArray(), cc.toDoubleArray()) < 1e-13, "lstm c");
            Tensor[] last = RecurrentOps.lstm(x, k4, r4, b4, h0, c0, false);
            assertTrue(Arrays.equals(new long[] {b, h}, last[0].shape()));
            assertTrue(relErr(last[0].toDoubleArray(), hh.toDoubleArray()) < 1e-13, "lstm y last");
            // GRU
            Tensor k3 = t(random(rng, in * 3 * h, 0.5), DType.FLOAT64, in, 3 * h);
            Tensor r3 = t(random(rng, h * 3 * h, 0.5), DType.FLOAT64, h, 3 * h);
            Tensor b3 = t(random(rng, 2 * 3 * h, 0.5), DType.FLOAT64, 2, 3 * h);
            Tensor[] g = RecurrentOps.gru(x, k3, r3, b3, h0, true);
            hh = h0;
            for (int st = 0; st < steps; st++) {
                Tensor xt = x.slice(1, st, st + 1).reshape(b, in);
                Tensor xz = xt.matmul(k3).add(b3.slice(0, 0, 1));
                Tensor hz = hh.matmul(r3).add(b3.slice(0, 1, 2));
                hh = RecurrentOps.gruCell(xz, hz, hh);
                assertTrue(relErr(g[0].slice(1, st, st + 1).reshape(b, h).toDoubleArray(), hh.toDoubleArray()) < 1e-13);
            }
            assertTrue(relErr(g[1].toDoubleArray(), hh.toDoubleArray()) < 1e-13, "gru h");
            // SimpleRNN (h0 = 0 when null)
            Tensor k1 = t(random(rng, in * h, 0.5), DType.FLOAT64, in, h);
            Tensor r1 = t(random(rng, h * h, 0.5), DType.FLOAT64, h, h);
            Tensor b1 = t(random(rng, h, 0.5), DType.FLOAT64, h);
            Tensor[] rn = RecurrentOps.simpleRnn(x, k1, r1, b1, null, false);
            hh = Tensor.zeros(DType.FLOAT64, b, h);
            for (int st = 0; st < steps; st++) {
                Tensor xt = x.slice(1, st, st + 1).reshape(b, in);
                hh = xt.matmul(k1).add(hh.matmul(r1)).add(b1).tanh();
            }
            assertTrue(relErr(rn[0].toDoubleArray(), hh.toDoubleArray()) < 1e-13, "simple rnn");
        }
    }

    // ---- gradients by finite differences ----------------------------------------------------

    @Test
    void lstmCellGradientsWithBothOutputsUsed() {
        int b = 2, h = 3;
        Rng rng = new Rng(21);
        double[][] v = {random(rng, b * 4 * h, 2), random(rng, b * h, 1)};
        long[][] shapes = {{b, 4 * h}, {b, h}};
        // h and c both feed the loss, c also through a nonlinearity
        GradCheck.Result r = GradCheck.check(xs -> {
            Tensor[] hc = RecurrentOps.lstmCell(xs[0], xs[1]);
            return Tensor.concat(List.of(hc[0], hc[1].tanh(), hc[0].mul(hc[1])), 1);
        }, v, shapes);
        assertTrue(r.relativeError() < GRAD_TOL, "lstmCell: " + r);
        assertEquals(b * 5 * h, r.checkedElements());
        // only c used
        GradCheck.Result rc = GradCheck.check(xs -> RecurrentOps.lstmCell(xs[0], xs[1])[1], v, shapes);
        assertTrue(rc.relativeError() < GRAD_TOL, "lstmCell c only: " + rc);
    }

    @Test
    void gruCellGradients() {
        int b = 2, h = 3;
        Rng rng = new Rng(22);
        double[][] v = {random(rng, b * 3 * h, 2), random(rng, b * 3 * h, 2), random(rng, b * h, 1)};
        long[][] shapes = {{b, 3 * h}, {b, 3 * h}, {b, h}};
        GradCheck.Result r = GradCheck.check(xs -> RecurrentOps.gruCell(xs[0], xs[1], xs[2]), v, shapes);
        assertTrue(r.relativeError() < GRAD_TOL, "gruCell: " + r);
    }

    static Stream<Arguments> sequenceCases() {
        return Stream.of(Arguments.of("lstm", true), Arguments.of("lstm", false), Arguments.of("gru", true),
                Arguments.of("gru", false), Arguments.of("simple_rnn", true), Arguments.of("simple_rnn", false));
    }

    /** Builds the named sequence op from (x, kernel, rk, bias, h0[, c0]) and joins its outputs. */
    static Function<Tensor[], Tensor> sequence(String op, boolean returnSequences) {
        return xs -> {
            Tensor[] out;
            switch (op) {
                case "lstm": out = RecurrentOps.lstm(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], returnSequences); break;
                case "gru": out = RecurrentOps.gru(xs[0], xs[1], xs[2], xs[3], xs[4], returnSequences); break;
                default: out = RecurrentOps.simpleRnn(xs[0], xs[1], xs[2], xs[3], xs[4], returnSequences); break;
            }
            List<Tensor> flat = new ArrayList<>();
            for (Tensor o : out) {
                flat.add(o.reshape(-1));
            }
            return Tensor.concat(flat, 0);
        };
    }

    static long[][] sequenceShapes(String op, int b, int steps, int in, int h) {
        int g = op.equals("lstm") ? 4 : op.equals("gru") ? 3 : 1;
        long[] bias = op.equals("gru") ? new long[] {2, 3L * h} : new long[] {(long) g * h};
        List<long[]> s = new ArrayList<>(List.of(new long[] {b, steps, in}, new long[] {in, (long) g * h},
                new long[] {h, (long) g * h}, bias, new long[] {b, h}));
        if (op.equals("lstm")) {
            s.add(new long[] {b, h});
        }
        return s.toArray(new long[0][]);
    }

    @ParameterizedTest(name = "{0} returnSequences={1}")
    @MethodSource("sequenceCases")
    void sequenceGradients(String op, boolean returnSequences) {
        long[][] shapes = sequenceShapes(op, 2, 3, 2, 3);
        Rng rng = new Rng(23);
        double[][] v = new double[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            v[i] = random(rng, (int) Shapes.numel(shapes[i]), 0.8);
        }
        GradCheck.Result r = GradCheck.check(sequence(op, returnSequences), v, shapes);
        assertTrue(r.relativeError() < GRAD_TOL, op + ": " + r);
    }

    // ---- cpu against reference ---------------------------------------------------------------

    /** Outputs and all input gradients of f (float32) on one backend, loss Σ out ⊙ W. */
    static List<double[]> run(Backend backend, Function<Tensor[], Tensor> f, double[][] v, long[][] shapes, double[] w) {
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
            Tensor[] xs = new Tensor[v.length];
            for (int i = 0; i < v.length; i++) {
                xs[i] = t(v[i], DType.FLOAT32, shapes[i]);
            }
            tape.watch(xs);
            Tensor out = f.apply(xs);
            Tensor loss = out.mul(t(w, DType.FLOAT32, out.shape())).sum();
            Tensor[] g = tape.gradient(loss, xs);
            List<double[]> r = new ArrayList<>();
            r.add(out.toDoubleArray());
            for (Tensor gi : g) {
                r.add(gi.toDoubleArray());
            }
            return r;
        }
    }

    static void compare(String what, Function<Tensor[], Tensor> f, double[][] v, long[][] shapes, long outNumel) {
        double[] w = random(new Rng(99), (int) outNumel, 1);
        List<double[]> ref = run(Backends.reference(), f, v, shapes, w);
        List<double[]> cpu = run(Backends.cpu(), f, v, shapes, w);
        for (int i = 0; i < ref.size(); i++) {
            double e = relErr(cpu.get(i), ref.get(i));
            assertTrue(e <= CPU_TOL, what + (i == 0 ? " output" : " gradient of input " + (i - 1)) + ": rel err " + e);
        }
    }

    static Stream<Arguments> oddSizes() {
        List<Arguments> a = new ArrayList<>();
        for (int b : new int[] {1, 3}) {
            for (int h : new int[] {1, 7, 33, 64}) {
                a.add(Arguments.of(b, h));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "B={0} H={1}")
    @MethodSource("oddSizes")
    void cellsCpuMatchReference(int b, int h) {
        Rng rng = new Rng(31L * b + h);
        double[][] lv = {random(rng, b * 4 * h, 3), random(rng, b * h, 2)};
        long[][] ls = {{b, 4L * h}, {b, h}};
        compare("lstmCell B=" + b + " H=" + h, xs -> {
            Tensor[] hc = RecurrentOps.lstmCell(xs[0], xs[1]);
            return Tensor.concat(List.of(hc[0], hc[1]), 1);
        }, lv, ls, 2L * b * h);
        double[][] gv = {random(rng, b * 3 * h, 3), random(rng, b * 3 * h, 3), random(rng, b * h, 1)};
        long[][] gs = {{b, 3L * h}, {b, 3L * h}, {b, h}};
        compare("gruCell B=" + b + " H=" + h, xs -> RecurrentOps.gruCell(xs[0], xs[1], xs[2]), gv, gs, (long) b * h);
    }

    @ParameterizedTest(name = "B={0} H={1}")
    @MethodSource("oddSizes")
    void sequencesCpuMatchReference(int b, int h) {
        int steps = 4;
        int in = 5;
        for (String op : List.of("lstm", "gru", "simple_rnn")) {
            long[][] shapes = sequenceShapes(op, b, steps, in, h);
            Rng rng = new Rng(41L * b + h + op.length());
            double[][] v = new double[shapes.length][];
            for (int i = 0; i < shapes.length; i++) {
                v[i] = random(rng, (int) Shapes.numel(shapes[i]), 0.5);
            }
            long outNumel = (long) b * steps * h + (long) b * h * (op.equals("lstm") ? 2 : 1);
            compare(op + " B=" + b + " H=" + h, sequence(op, true), v, shapes, outNumel);
        }
    }

    // ---- saturation ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void largePreActivationsStayFinite(Backend backend) {
        int b = 2, h = 3;
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            try (Backends.Use u = Backends.use(backend); Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                double[] zv = new double[b * 4 * h];
                for (int i = 0; i < zv.length; i++) {
                    zv[i] = i % 2 == 0 ? 50 : -50;
                }
                Tensor z = t(zv, dt, b, 4 * h);
                Tensor cp = t(new double[b * h], dt, b, h);
                Tensor zp = Tensor.full(dt, 50, b, 4 * h);
                tape.watch(z, cp, zp);
                Tensor[] hc = RecurrentOps.lstmCell(z, cp);
                // all gates +50: i = f = o = 1, g = 1 exactly in float32 and float64: c = 0 + 1, h = tanh(1)
                Tensor[] sat = RecurrentOps.lstmCell(zp, cp);
                for (double c : sat[1].toDoubleArray()) {
                    assertEquals(1.0, c, 0.0, backend.name() + " " + dt);
                }
                for (double hv : sat[0].toDoubleArray()) {
                    assertEquals(Math.tanh(1.0), hv, dt == DType.FLOAT32 ? 1e-7 : 1e-15);
                }
                Tensor xz = Tensor.full(dt, -50, b, 3 * h);
                Tensor hz = Tensor.full(dt, 50, b, 3 * h);
                tape.watch(xz, hz);
                Tensor gh = RecurrentOps.gruCell(xz, hz, cp);
                Tensor loss = hc[0].sum().add(hc[1].sum()).add(sat[0].sum()).add(gh.sum());
                Tensor[] g = tape.gradient(loss, z, cp, zp, xz, hz);
                for (Tensor x : List.of(hc[0], hc[1], gh)) {
                    assertTrue(Arrays.stream(x.toDoubleArray()).allMatch(Double::isFinite), backend.name() + " " + dt);
                }
                for (Tensor x : g) {
                    assertTrue(Arrays.stream(x.toDoubleArray()).allMatch(Double::isFinite), backend.name() + " grads " + dt);
                }
                // tanh(±50) is exactly ±1, so the candidate's gradient vanishes exactly
                double[] dz = g[0].toDoubleArray();
                assertEquals(0.0, dz[2 * h], 0.0);
            }
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sequenceForwardBackwardReturnsToBaseline(Backend backend) {
        try (Backends.Use u = Backends.use(backend)) {
            long base = backend.bytesInUse();
            long[][] shapes = sequenceShapes("lstm", 3, 6, 4, 7);
            Rng rng = new Rng(51);
            for (String op : List.of("lstm", "gru", "simple_rnn")) {
                long[][] sh = sequenceShapes(op, 3, 6, 4, 7);
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor[] xs = new Tensor[sh.length];
                    for (int i = 0; i < sh.length; i++) {
                        xs[i] = t(random(rng, (int) Shapes.numel(sh[i]), 0.5), DType.FLOAT32, sh[i]);
                    }
                    tape.watch(xs);
                    Tensor loss = sequence(op, true).apply(xs).square().sum();
                    Tensor[] g = tape.gradient(loss, xs);
                    assertTrue(Arrays.stream(g).allMatch(x -> x != null), op);
                }
                assertEquals(base, backend.bytesInUse(), op + " after forward+backward in a scope");
            }
            // without a tape and without a scope, only the returned tensors hold memory
            Tensor[] in = new Tensor[shapes.length];
            try (Scope s = Scope.open()) {
                for (int i = 0; i < shapes.length; i++) {
                    in[i] = s.keep(t(random(rng, (int) Shapes.numel(shapes[i]), 0.5), DType.FLOAT32, shapes[i]));
                }
            }
            long withInputs = backend.bytesInUse();
            Tensor[] out = RecurrentOps.lstm(in[0], in[1], in[2], in[3], in[4], in[5], true);
            Tensor zeroZ = Tensor.zeros(DType.FLOAT32, 3, 28);
            Tensor[] cell = RecurrentOps.lstmCell(zeroZ, in[4]);
            long held = 0;
            for (Tensor o : out) {
                held += o.numel() * 4;
            }
            held += 2 * 3 * 7 * 4 + 3 * 28 * 4;  // the cell's h, c and its zero input
            assertEquals(withInputs + held, backend.bytesInUse(), "no-tape lstm keeps only its outputs");
            for (Tensor o : out) {
                o.close();
            }
            cell[0].close();
            cell[1].close();
            assertEquals(withInputs + 3 * 28 * 4, backend.bytesInUse());
            zeroZ.close();
            for (Tensor x : in) {
                x.close();
            }
            assertEquals(base, backend.bytesInUse());
        }
    }

    // ---- argument checks ----------------------------------------------------------------------

    @Test
    void badArgumentsNameTheOpAndShapes() {
        try (Scope s = Scope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RecurrentOps.lstmCell(Tensor.zeros(DType.FLOAT32, 2, 12), Tensor.zeros(DType.FLOAT32, 2, 4)));
            assertTrue(e.getMessage().contains("lstmCell") && e.getMessage().contains("(2, 12)")
                    && e.getMessage().contains("(2, 4)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> RecurrentOps.lstmCell(Tensor.zeros(DType.FLOAT32, 2, 16), Tensor.zeros(DType.FLOAT64, 2, 4)));
            assertTrue(e.getMessage().contains("lstmCell") && e.getMessage().contains("float64 (2, 4)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.gruCell(Tensor.zeros(DType.FLOAT32, 2, 9),
                    Tensor.zeros(DType.FLOAT32, 2, 6), Tensor.zeros(DType.FLOAT32, 2, 3)));
            assertTrue(e.getMessage().contains("gruCell") && e.getMessage().contains("hz (2, 6)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.lstmCell(Tensor.zeros(DType.INT32, 2, 16),
                    Tensor.zeros(DType.INT32, 2, 4)));
            assertTrue(e.getMessage().contains("float"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.lstm(Tensor.zeros(DType.FLOAT32, 2, 5, 3),
                    Tensor.zeros(DType.FLOAT32, 3, 32), Tensor.zeros(DType.FLOAT32, 8, 32), Tensor.zeros(DType.FLOAT32, 24),
                    null, null, true));
            assertTrue(e.getMessage().contains("lstm") && e.getMessage().contains("bias (24,)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.gru(Tensor.zeros(DType.FLOAT32, 2, 5, 3),
                    Tensor.zeros(DType.FLOAT32, 3, 24), Tensor.zeros(DType.FLOAT32, 8, 24), Tensor.zeros(DType.FLOAT32, 24),
                    null, true));
            assertTrue(e.getMessage().contains("gru") && e.getMessage().contains("[2, 3H]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.simpleRnn(Tensor.zeros(DType.FLOAT32, 2, 0, 3),
                    Tensor.zeros(DType.FLOAT32, 3, 8), Tensor.zeros(DType.FLOAT32, 8, 8), null, null, true));
            assertTrue(e.getMessage().contains("simpleRnn") && e.getMessage().contains("T >= 1"), e.getMessage());
            Tensor onCpu = Tensor.zeros(Backends.cpu(), DType.FLOAT32, 2, 4);
            Tensor onRef = Tensor.zeros(Backends.reference(), DType.FLOAT32, 2, 16);
            e = assertThrows(IllegalArgumentException.class, () -> RecurrentOps.lstmCell(onRef, onCpu));
            assertTrue(e.getMessage().contains("lstmCell") && e.getMessage().contains("backends"), e.getMessage());
        }
    }
}
