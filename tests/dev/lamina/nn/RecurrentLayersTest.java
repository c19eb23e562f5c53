package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.nn.RecurrentLayer.RecurrentConfig;
import dev.lamina.parity.ParityCase;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.testing.LogCapture;
import dev.lamina.tensor.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The recurrent layers (SimpleRNN, LSTM, GRU): parity with PyTorch-computed cases through the
 * layers, the fused whole-sequence path against the step-by-step path, the generic (unfused)
 * path against finite differences and an independent double computation, masking, the options
 * (go_backwards, states, stateful, dropout, unit_forget_bias), bad input and memory.
 */
class RecurrentLayersTest {
    static final Path CASES = Files.isDirectory(Paths.get("data", "parity", "cases"))
            ? Paths.get("data", "parity", "cases") : Paths.get("..", "shared", "parity", "cases");

    // ---------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------

    /** A layer of kind lstm, gru or simple_rnn. */
    static RecurrentLayer make(String kind, RecurrentConfig c) {
        switch (kind) {
            case "lstm":
                return new LSTM(c);
            case "gru":
                return new GRU(c);
            case "simple_rnn":
                return new SimpleRNN(c);
            default:
                throw new AssertionError(kind);
        }
    }

    static int gates(String kind) {
        return kind.equals("lstm") ? 4 : kind.equals("gru") ? 3 : 1;
    }

    static int stateCount(String kind) {
        return kind.equals("lstm") ? 2 : 1;
    }

    static Tensor rand(long seed, DType dt, double lo, double hi, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        try (Tensor t = Tensor.of(LayerChecks.random(seed, n, lo, hi), shape)) {
            return t.cast(dt);
        }
    }

    /** Builds {@code l} for [*, *, features] and gives it random weights (nonzero bias) from {@code seed}. */
    static void randomWeights(RecurrentLayer l, long features, long seed) {
        l.ensureBuilt(new long[] {-1, -1, features});
        long s = seed;
        for (Variable v : l.weights()) {
            try (Scope sc = Scope.open()) {
                v.assign(rand(s++, v.dtype(), -0.6, 0.6, v.shape()));
            }
        }
    }

    /** Copies the weights of {@code from} into {@code to} (same structure). */
    static void copyWeights(Layer from, Layer to) {
        assertEquals(from.weights().size(), to.weights().size());
        for (int i = 0; i < from.weights().size(); i++) {
            to.weights().get(i).assign(from.weights().get(i));
        }
    }

    static boolean[] allTrue(int n) {
        boolean[] b = new boolean[n];
        java.util.Arrays.fill(b, true);
        return b;
    }

    static double rel(Tensor a, Tensor b) {
        assertArrayEquals(b.shape(), a.shape(), "shapes");
        return LayerChecks.relErr(a.toDoubleArray(), b.toDoubleArray());
    }

    static double rel(double[] a, double[] b) {
        return LayerChecks.relErr(a, b);
    }

    // ---------------------------------------------------------------------------------------
    // parity through the layers
    // ---------------------------------------------------------------------------------------

    static Stream<Arguments> parityCases() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(CASES), "no parity cases at " + CASES.toAbsolutePath());
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(CASES)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String n = p.getFileName().toString();
                if ((n.startsWith("lstm_") || n.startsWith("gru_") || n.startsWith("simple_rnn_"))
                        && layerInputs(ParityCase.load(p))) {
                    for (String be : List.of("reference", "cpu")) {
                        out.add(Arguments.of(n, be, false));
                        out.add(Arguments.of(n, be, true));
                    }
                }
            }
        }
        assertTrue(out.size() >= 6 * 4, "expected at least the six shipped lstm/gru/simple_rnn parity cases");
        return out.stream();
    }

    /**
     * Whether a case has exactly the inputs the layer takes here: a bias, and h0 (and c0) for lstm and
     * gru, none for simple_rnn (the cases without a bias or an initial state run in ParityCasesTest).
     */
    static boolean layerInputs(ParityCase c) {
        java.util.Set<String> want = new java.util.HashSet<>(List.of("x", "kernel", "recurrent_kernel", "bias"));
        if (!c.op().equals("simple_rnn")) {
            want.add("h0");
        }
        if (c.op().equals("lstm")) {
            want.add("c0");
        }
        return c.inputs().keySet().equals(want);
    }

    /**
     * Each lstm/gru/simple_rnn case through the layer with the case's weights and initial states
     * (fused path, and the step path forced by an all-ones mask): outputs y, h, c and the
     * gradients of Σ out ⊙ seed for x, kernel, recurrent_kernel, bias, h0, c0 within 1e-5
     * relative error of PyTorch float64.
     */
    @ParameterizedTest(name = "{0} on {1}, step path {2}")
    @MethodSource("parityCases")
    void parityThroughTheLayer(String file, String backendName, boolean stepPath) {
        ParityCase c = ParityCase.load(CASES.resolve(file));
        Backend be = backendName.equals("cpu") ? Backends.cpu() : Backends.reference();
        long base = Backends.cpu().bytesInUse();
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (Map.Entry<String, HostTensor> e : c.inputs().entrySet()) {
                HostTensor h = e.getValue();
                in.put(e.getKey(), Tensor.fromBuffer(h.dtype(), h.shape(), h.data()));
            }
            Tensor x = in.get("x");
            int hid = (int) in.get("recurrent_kernel").dim(0);
            boolean seq = Boolean.TRUE.equals(c.attrs().get("return_sequences"));
            RecurrentLayer l = make(c.op(), new RecurrentConfig(hid).returnSequences(seq));
            try {
                l.ensureBuilt(x.shape());
                l.kernel.assign(in.get("kernel"));
                l.recurrentKernel.assign(in.get("recurrent_kernel"));
                l.bias.assign(in.get("bias"));
                List<Tensor> init = c.op().equals("lstm") ? List.of(in.get("h0"), in.get("c0"))
                        : c.op().equals("gru") ? List.of(in.get("h0")) : null;
                Tensor mask = stepPath ? Tensor.of(allTrue((int) (x.dim(0) * x.dim(1))), x.dim(0), x.dim(1)) : null;
                Map<String, Tensor> sources = new LinkedHashMap<>();
                sources.put("x", x);
                sources.put("kernel", l.kernel);
                sources.put("recurrent_kernel", l.recurrentKernel);
                sources.put("bias", l.bias);
                if (init != null) {
                    sources.put("h0", in.get("h0"));
                    if (init.size() == 2) {
                        sources.put("c0", in.get("c0"));
                    }
                }
                Map<String, Tensor> outs = new LinkedHashMap<>();
                Tensor loss = null;
                List<Tensor> grads;
                try (GradientTape tape = GradientTape.start()) {
                    tape.watch(sources.values().toArray(new Tensor[0]));
                    RecurrentLayer.Result r = l.applyWithState(x, init, mask, false);
                    outs.put("y", r.output());
                    outs.put("h", r.states().get(0));
                    if (r.states().size() > 1) {
                        outs.put("c", r.states().get(1));
                    }
                    for (Map.Entry<String, HostTensor> e : c.seeds().entrySet()) {
                        HostTensor sh = e.getValue();
                        Tensor term = outs.get(e.getKey()).mul(Tensor.fromBuffer(sh.dtype(), sh.shape(), sh.data())).sum();
                        loss = loss == null ? term : loss.add(term);
                    }
                    grads = tape.gradient(loss, new ArrayList<>(sources.values()));
                }
                for (Map.Entry<String, HostTensor> e : c.outputs().entrySet()) {
                    Tensor got = outs.get(e.getKey());
                    assertNotNull(got, "output " + e.getKey());
                    assertArrayEquals(e.getValue().shape(), got.shape(), "out." + e.getKey() + " shape");
                    double err = rel(got.toDoubleArray(), e.getValue().toDoubleArray());
                    assertTrue(err <= 1e-5, file + " out." + e.getKey() + " rel err " + err);
                }
                assertEquals(c.grads().keySet(), sources.keySet(), "the case's gradients are the layer's sources");
                int i = 0;
                for (String name : sources.keySet()) {
                    Tensor g = grads.get(i++);
                    assertNotNull(g, "gradient of " + name);
                    double err = rel(g.toDoubleArray(), c.grads().get(name).toDoubleArray());
                    assertTrue(err <= 1e-5, file + " grad." + name + " rel err " + err);
                }
            } finally {
                l.close();
            }
        }
        assertEquals(base, Backends.cpu().bytesInUse(), "cpu bytes in use after the case");
    }

    // ---------------------------------------------------------------------------------------
    // the fused whole-sequence path equals the step-by-step path
    // ---------------------------------------------------------------------------------------

    static Stream<Arguments> pathCombos() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : List.of("lstm", "gru", "simple_rnn")) {
            for (boolean seq : new boolean[] {false, true}) {
                for (boolean back : new boolean[] {false, true}) {
                    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                        for (String be : List.of("reference", "cpu")) {
                            out.add(Arguments.of(kind, seq, back, dt, be));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    /** One run: {output, final states..., grads of x, h0, [c0], kernel, recurrent_kernel, bias}. */
    static List<double[]> runOnce(RecurrentLayer l, Tensor x, List<Tensor> init, Tensor mask, Tensor seedY, Tensor seedH,
                                  boolean training) {
        List<double[]> r = new ArrayList<>();
        try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
            List<Tensor> sources = new ArrayList<>();
            sources.add(x);
            if (init != null) {
                sources.addAll(init);
            }
            tape.watch(sources.toArray(new Tensor[0]));
            sources.addAll(l.trainableWeights());
            RecurrentLayer.Result res = l.applyWithState(x, init, mask, training);
            r.add(res.output().toDoubleArray());
            for (Tensor st : res.states()) {
                r.add(st.toDoubleArray());
            }
            Tensor loss = res.output().mul(seedY).sum().add(res.states().get(0).mul(seedH).sum());
            for (Tensor g : tape.gradient(loss, sources)) {
                assertNotNull(g, "every source gets a gradient");
                r.add(g.toDoubleArray());
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0} seq={1} backwards={2} {3} {4}")
    @MethodSource("pathCombos")
    void fusedPathEqualsStepPath(String kind, boolean seq, boolean back, DType dt, String backendName) {
        Backend be = backendName.equals("cpu") ? Backends.cpu() : Backends.reference();
        double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-10;
        long bsz = 3, t = 6, f = 4;
        int hid = 5;
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open()) {
            RecurrentLayer l = make(kind, new RecurrentConfig(hid).returnSequences(seq).goBackwards(back));
            l.setDtype(dt);
            randomWeights(l, f, 10);
            try {
                Tensor x = rand(1, dt, -1, 1, bsz, t, f);
                List<Tensor> init = new ArrayList<>();
                for (int i = 0; i < stateCount(kind); i++) {
                    init.add(rand(2 + i, dt, -0.5, 0.5, bsz, hid));
                }
                Tensor seedY = rand(5, dt, -1, 1, seq ? new long[] {bsz, t, hid} : new long[] {bsz, hid});
                Tensor seedH = rand(6, dt, -1, 1, bsz, hid);
                Tensor ones = Tensor.of(allTrue((int) (bsz * t)), bsz, t);
                List<double[]> fused = runOnce(l, x, init, null, seedY, seedH, false);
                List<double[]> step = runOnce(l, x, init, ones, seedY, seedH, false);
                // recurrent_dropout set but in inference: also the fused path
                assertEquals(fused.size(), step.size());
                for (int i = 0; i < fused.size(); i++) {
                    double e = rel(step.get(i), fused.get(i));
                    assertTrue(e <= tol, kind + " item " + i + " (output, states, grads) rel err " + e);
                }
                // the step path really is a different computation: a zero mask step changes the output
                boolean[] m = allTrue((int) (bsz * t));
                m[(int) t - 1] = false;
                List<double[]> masked = runOnce(l, x, init, Tensor.of(m, bsz, t), seedY, seedH, false);
                assertTrue(rel(masked.get(1), fused.get(1)) > 1e-3, "masking the last step of sample 0 changes h");
            } finally {
                l.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // the generic (unfused) path with other activations
    // ---------------------------------------------------------------------------------------

    /**
     * Independent LSTM/GRU/SimpleRNN in plain doubles: x [B][T][F], kernel [F][G·H] etc. as flat
     * row-major arrays; returns {all h per step [B][T][H] flattened, final states...}.
     */
    static double[][] manual(String kind, String act, String recAct, double[] x, int b, int t, int f, int hid,
                             double[] k, double[] rk, double[] bias, double[] h0, double[] c0, boolean backwards) {
        int g = gates(kind) * hid;
        double[] h = h0 == null ? new double[b * hid] : h0.clone();
        double[] c = c0 == null ? new double[b * hid] : c0.clone();
        double[] ys = new double[b * t * hid];
        for (int s = 0; s < t; s++) {
            int step = backwards ? t - 1 - s : s;
            double[] hn = new double[b * hid];
            double[] cn = new double[b * hid];
            for (int n = 0; n < b; n++) {
                double[] xz = new double[g];
                double[] hz = new double[g];
                for (int j = 0; j < g; j++) {
                    double a = 0;
                    for (int i = 0; i < f; i++) {
                        a += x[(n * t + step) * f + i] * k[i * g + j];
                    }
                    double r = 0;
                    for (int i = 0; i < hid; i++) {
                        r += h[n * hid + i] * rk[i * g + j];
                    }
                    xz[j] = a + (bias == null ? 0 : bias[j]);
                    hz[j] = r + (kind.equals("gru") && bias != null ? bias[g + j] : 0);
                }
                for (int u = 0; u < hid; u++) {
                    int o = n * hid + u;
                    if (kind.equals("lstm")) {
                        double ig = fn(recAct, xz[u] + hz[u]);
                        double fg = fn(recAct, xz[hid + u] + hz[hid + u]);
                        double cc = fn(act, xz[2 * hid + u] + hz[2 * hid + u]);
                        double og = fn(recAct, xz[3 * hid + u] + hz[3 * hid + u]);
                        cn[o] = fg * c[o] + ig * cc;
                        hn[o] = og * fn(act, cn[o]);
                    } else if (kind.equals("gru")) {
                        double z = fn(recAct, xz[u] + hz[u]);
                        double r = fn(recAct, xz[hid + u] + hz[hid + u]);
                        double cand = fn(act, xz[2 * hid + u] + r * hz[2 * hid + u]);
                        hn[o] = z * h[o] + (1 - z) * cand;
                    } else {
                        hn[o] = fn(act, xz[u] + hz[u]);
                    }
                }
            }
            h = hn;
            c = cn;
            for (int n = 0; n < b; n++) {
                System.arraycopy(h, n * hid, ys, (n * t + s) * hid, hid);
            }
        }
        return kind.equals("lstm") ? new double[][] {ys, h, c} : new double[][] {ys, h};
    }

    static double fn(String name, double v) {
        switch (name) {
            case "tanh":
                return Math.tanh(v);
            case "sigmoid":
                return 1 / (1 + Math.exp(-v));
            case "relu":
                return Math.max(0, v);
            case "linear":
                return v;
            default:
                throw new AssertionError(name);
        }
    }

    static Stream<Arguments> genericCases() {
        return Stream.of(Arguments.of("lstm", "relu", "sigmoid"), Arguments.of("lstm", "tanh", "tanh"),
                Arguments.of("gru", "relu", "sigmoid"), Arguments.of("gru", "tanh", "tanh"),
                Arguments.of("simple_rnn", "relu", "sigmoid"));
    }

    /** Non-default activations: gradients match central differences (h = 1e-6, float64 reference) within 1e-6. */
    @ParameterizedTest(name = "{0} activation={1} recurrent={2}")
    @MethodSource("genericCases")
    void genericPathMatchesFiniteDifferences(String kind, String act, String recAct) {
        for (boolean seq : new boolean[] {false, true}) {
            double[] r = LayerChecks.gradCheck(() -> make(kind, new RecurrentConfig(3).activation(act).recurrentActivation(recAct)
                    .returnSequences(seq).kernelInitializer(Initializers.glorotUniform(7L))
                    .recurrentInitializer(Initializers.orthogonal(1.0, 8L))
                    .biasInitializer(Initializers.randomUniform(-0.5, 0.5, 9L))), false,
                    LayerChecks.random(3, 2 * 4 * 3, -1, 1), new long[] {2, 4, 3}, 1e-6);
            assertTrue(r[0] < 1e-6, kind + " " + act + "/" + recAct + " seq=" + seq + ": rel err " + r[0]);
            int g = gates(kind) * 3;
            int biasN = kind.equals("gru") ? 2 * g : g;
            assertEquals(2 * 4 * 3 + 3 * g + 3 * g + biasN, (int) r[1], "x and all weights checked");
        }
    }

    /** Non-default activations: output and final states equal the independent double computation within 1e-12 (float64). */
    @ParameterizedTest(name = "{0} activation={1} recurrent={2}")
    @MethodSource("genericCases")
    void genericPathMatchesIndependentComputation(String kind, String act, String recAct) {
        int b = 2, t = 5, f = 3, hid = 4;
        try (Backends.Use u = Backends.use(Backends.reference()); Scope s = Scope.open()) {
            for (boolean back : new boolean[] {false, true}) {
                RecurrentLayer l = make(kind, new RecurrentConfig(hid).activation(act).recurrentActivation(recAct)
                        .returnSequences(true).goBackwards(back));
                l.setDtype(DType.FLOAT64);
                randomWeights(l, f, 20);
                Tensor x = rand(21, DType.FLOAT64, -1, 1, b, t, f);
                List<Tensor> init = new ArrayList<>();
                for (int i = 0; i < stateCount(kind); i++) {
                    init.add(rand(22 + i, DType.FLOAT64, -0.5, 0.5, b, hid));
                }
                RecurrentLayer.Result r = l.applyWithState(x, init, null, false);
                double[][] want = manual(kind, act, recAct, x.toDoubleArray(), b, t, f, hid, l.kernel.toDoubleArray(),
                        l.recurrentKernel.toDoubleArray(), l.bias.toDoubleArray(), init.get(0).toDoubleArray(),
                        init.size() > 1 ? init.get(1).toDoubleArray() : null, back);
                assertTrue(rel(r.output().toDoubleArray(), want[0]) < 1e-12, kind + " output, backwards=" + back);
                for (int i = 0; i < r.states().size(); i++) {
                    assertTrue(rel(r.states().get(i).toDoubleArray(), want[i + 1]) < 1e-12, kind + " state " + i);
                }
                l.close();
            }
        }
    }

    @Test
    void unfusedLayerLogsWhyOnce() {
        List<String> messages = LogCapture.messages(Logger.getLogger("dev.lamina.nn"), () -> {
            try (Scope s = Scope.open()) {
                LSTM unfused = new LSTM(new RecurrentConfig(3).activation("relu").name("lstm_relu_logged"));
                LSTM fused = new LSTM(new RecurrentConfig(3).name("lstm_tanh_quiet"));
                SimpleRNN rnnRelu = new SimpleRNN(new RecurrentConfig(3).activation("relu").name("rnn_relu_logged"));
                Tensor x = rand(1, DType.FLOAT32, -1, 1, 2, 3, 2);
                for (int i = 0; i < 3; i++) {
                    unfused.apply(x);
                    fused.apply(x);
                    rnnRelu.apply(x);
                }
                unfused.close();
                fused.close();
                rnnRelu.close();
            }
        });
        long count = messages.stream().filter(m -> m.contains("lstm_relu_logged")).count();
        assertEquals(1, count, "one message for the unfused layer: " + messages);
        String m = messages.stream().filter(v -> v.contains("lstm_relu_logged")).findFirst().orElseThrow();
        assertTrue(m.contains("relu") && m.contains("tanh"), "the message says why: " + m);
        assertEquals(0, messages.stream().filter(v -> v.contains("lstm_tanh_quiet")).count(), "the fused layer is quiet");
        assertEquals(1, messages.stream().filter(v -> v.contains("rnn_relu_logged")).count(),
                "SimpleRNN with relu says why it leaves the fused sequence: " + messages);
    }

    // ---------------------------------------------------------------------------------------
    // masking
    // ---------------------------------------------------------------------------------------

    /** Embedding(mask_zero) → LSTM on post- and pre-padded ids equals the LSTM on each unpadded sequence. */
    @ParameterizedTest(name = "pre-padding {0}")
    @ValueSource(booleans = {false, true})
    void maskedStepsAreSkipped(boolean prePad) {
        int[][] seqs = {{3, 1, 4, 1, 5}, {9, 2}, {6, 5, 3}, {7}};
        int t = 6;
        int b = seqs.length;
        try (Scope s = Scope.open()) {
            Embedding emb = new Embedding(10, 4, true, Initializers.randomUniform(-1, 1, 3L), null);
            LSTM seqL = new LSTM(new RecurrentConfig(5).returnSequences(true).biasInitializer(Initializers.randomUniform(-0.5, 0.5, 4L)));
            LSTM lastL = new LSTM(new RecurrentConfig(5));
            int[] ids = new int[b * t];
            for (int n = 0; n < b; n++) {
                int off = prePad ? t - seqs[n].length : 0;
                System.arraycopy(seqs[n], 0, ids, n * t + off, seqs[n].length);
            }
            Tensor idT = Tensor.of(ids, b, t);
            Tensor e = emb.apply(idT);
            Tensor mask = emb.computeMask(idT, null);
            assertEquals(DType.BOOL, mask.dtype());
            seqL.ensureBuilt(e.shape());
            lastL.ensureBuilt(e.shape());
            copyWeights(seqL, lastL);
            RecurrentLayer.Result rs = seqL.applyWithState(e, null, mask, false);
            Tensor last = lastL.apply(e, mask, false);
            float[] ys = rs.output().toFloatArray();
            for (int n = 0; n < b; n++) {
                int len = seqs[n].length;
                Tensor en = emb.apply(Tensor.of(seqs[n], 1, len));
                RecurrentLayer.Result ref = seqL.applyWithState(en, null, null, false);
                float[] refY = ref.output().toFloatArray();
                float[] hLast = java.util.Arrays.copyOfRange(refY, (len - 1) * 5, len * 5);
                assertArrayEquals(hLast, java.util.Arrays.copyOfRange(last.toFloatArray(), n * 5, n * 5 + 5), 1e-6f,
                        "last output of sample " + n);
                assertArrayEquals(hLast, java.util.Arrays.copyOfRange(rs.states().get(0).toFloatArray(), n * 5, n * 5 + 5), 1e-6f,
                        "final h of sample " + n);
                assertArrayEquals(ref.states().get(1).toFloatArray(),
                        java.util.Arrays.copyOfRange(rs.states().get(1).toFloatArray(), n * 5, n * 5 + 5), 1e-6f,
                        "final c of sample " + n + " carried over the padding");
                int off = prePad ? t - len : 0;
                for (int step = 0; step < t; step++) {
                    float[] got = java.util.Arrays.copyOfRange(ys, (n * t + step) * 5, (n * t + step + 1) * 5);
                    float[] want;
                    if (step < off) {
                        want = new float[5];   // before any real step: the (zero) initial state
                    } else if (step - off < len) {
                        want = java.util.Arrays.copyOfRange(refY, (step - off) * 5, (step - off + 1) * 5);
                    } else {
                        want = hLast;          // after the end: the previous output carried
                    }
                    assertArrayEquals(want, got, 1e-6f, "sample " + n + " step " + step);
                }
            }
            // the output mask passes on with return_sequences, ends without
            assertEquals(mask, seqL.computeMask(e, mask));
            assertEquals(null, lastL.computeMask(e, mask));
            emb.close();
            seqL.close();
            lastL.close();
        }
    }

    /**
     * With an initial state and leading masked steps, the outputs of those steps are zeros (as
     * Keras) while the states carry the initial state to the first real step; a fully masked
     * sequence returns zeros as output and the initial states as states.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void leadingMaskedStepsOutputZerosAndCarryTheInitialState(String kind) {
        try (Scope s = Scope.open()) {
            RecurrentLayer l = make(kind, new RecurrentConfig(3).returnSequences(true));
            randomWeights(l, 2, 80);
            Tensor x = rand(81, DType.FLOAT32, -1, 1, 1, 4, 2);
            List<Tensor> init = new ArrayList<>();
            for (int i = 0; i < stateCount(kind); i++) {
                init.add(rand(82 + i, DType.FLOAT32, -0.8, 0.8, 1, 3));
            }
            RecurrentLayer.Result masked = l.applyWithState(x, init, Tensor.of(new boolean[] {false, false, true, true}, 1, 4), false);
            RecurrentLayer.Result ref = l.applyWithState(x.slice(1, 2, 4), init, null, false);
            float[] y = masked.output().toFloatArray();
            assertArrayEquals(new float[6], java.util.Arrays.copyOfRange(y, 0, 6), 0f, "outputs of the leading masked steps");
            assertArrayEquals(ref.output().toFloatArray(), java.util.Arrays.copyOfRange(y, 6, 12), 1e-6f, "real steps");
            for (int i = 0; i < init.size(); i++) {
                assertArrayEquals(ref.states().get(i).toFloatArray(), masked.states().get(i).toFloatArray(), 1e-6f, "state " + i);
            }
            RecurrentLayer last = make(kind, new RecurrentConfig(3));
            last.ensureBuilt(new long[] {-1, -1, 2});
            copyWeights(l, last);
            RecurrentLayer.Result none = last.applyWithState(x, init, Tensor.of(new boolean[4], 1, 4), false);
            assertArrayEquals(new float[3], none.output().toFloatArray(), 0f, "fully masked: zero output");
            for (int i = 0; i < init.size(); i++) {
                assertArrayEquals(init.get(i).toFloatArray(), none.states().get(i).toFloatArray(), 0f, "fully masked: state " + i);
            }
            l.close();
            last.close();
        }
    }

    /** A masked model: Sequential(Embedding(mask_zero), LSTM) ignores the padding (same result for any padding length). */
    @Test
    void sequentialPassesTheMask() {
        try (Scope s = Scope.open()) {
            dev.lamina.models.Sequential m = new dev.lamina.models.Sequential(
                    new Embedding(10, 3, true), new LSTM(4, true), new GRU(4));
            Tensor short1 = m.call(Tensor.of(new int[] {5, 2, 8}, 1, 3), false);
            Tensor padded = m.call(Tensor.of(new int[] {5, 2, 8, 0, 0, 0, 0}, 1, 7), false);
            assertArrayEquals(short1.toFloatArray(), padded.toFloatArray(), 1e-6f);
            Tensor other = m.call(Tensor.of(new int[] {5, 2, 8, 1, 0, 0, 0}, 1, 7), false);
            assertTrue(rel(other, short1) > 1e-4, "a real step changes the result");
            m.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // options
    // ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void goBackwardsEqualsRunningOnTheReversedInput(String kind) {
        try (Scope s = Scope.open()) {
            for (boolean seq : new boolean[] {false, true}) {
                RecurrentLayer back = make(kind, new RecurrentConfig(4).goBackwards(true).returnSequences(seq));
                RecurrentLayer fwd = make(kind, new RecurrentConfig(4).returnSequences(seq));
                randomWeights(back, 3, 30);
                fwd.ensureBuilt(new long[] {-1, -1, 3});
                copyWeights(back, fwd);
                Tensor x = rand(31, DType.FLOAT32, -1, 1, 2, 5, 3);
                Tensor y = back.apply(x);
                Tensor want = fwd.apply(RecurrentLayer.reverseTime(x));
                assertArrayEquals(want.shape(), y.shape());
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-6f, kind + " seq=" + seq);
                assertTrue(rel(fwd.apply(x), y) > 1e-3, "the direction matters");
                back.close();
                fwd.close();
            }
        }
    }

    /** return_state: h (and c) are the last step's values; LSTM float64 against the independent computation. */
    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void returnStateAndInitialState(String kind) {
        int b = 3, t = 4, f = 2, hid = 3;
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            RecurrentLayer l = make(kind, new RecurrentConfig(hid).returnSequences(true).returnState(true));
            l.setDtype(DType.FLOAT64);
            randomWeights(l, f, 40);
            Tensor x = rand(41, DType.FLOAT64, -1, 1, b, t, f);
            List<Tensor> init = new ArrayList<>();
            for (int i = 0; i < stateCount(kind); i++) {
                init.add(rand(42 + i, DType.FLOAT64, -0.8, 0.8, b, hid));
            }
            RecurrentLayer.Result withInit = l.applyWithState(x, init, null, false);
            RecurrentLayer.Result zero = l.applyWithState(x, null, null, false);
            assertEquals(stateCount(kind), withInit.states().size());
            double[][] want = manual(kind, "tanh", "sigmoid", x.toDoubleArray(), b, t, f, hid, l.kernel.toDoubleArray(),
                    l.recurrentKernel.toDoubleArray(), l.bias.toDoubleArray(), init.get(0).toDoubleArray(),
                    init.size() > 1 ? init.get(1).toDoubleArray() : null, false);
            double[][] wantZero = manual(kind, "tanh", "sigmoid", x.toDoubleArray(), b, t, f, hid, l.kernel.toDoubleArray(),
                    l.recurrentKernel.toDoubleArray(), l.bias.toDoubleArray(), null, null, false);
            assertTrue(rel(withInit.output().toDoubleArray(), want[0]) < 1e-12, "output with the initial state");
            assertTrue(rel(zero.output().toDoubleArray(), wantZero[0]) < 1e-12, "output from zeros");
            for (int i = 0; i < want.length - 1; i++) {
                assertTrue(rel(withInit.states().get(i).toDoubleArray(), want[i + 1]) < 1e-12, "state " + i);
            }
            assertTrue(rel(withInit.output().toDoubleArray(), zero.output().toDoubleArray()) > 1e-3, "initial state is used");
            // h is the last step of the sequence output
            double[] y = withInit.output().toDoubleArray();
            double[] h = withInit.states().get(0).toDoubleArray();
            for (int n = 0; n < b; n++) {
                for (int j = 0; j < hid; j++) {
                    assertEquals(y[(n * t + t - 1) * hid + j], h[n * hid + j], 0.0);
                }
            }
            l.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void statefulCarriesStateAcrossCalls(String kind) {
        try (Scope s = Scope.open()) {
            RecurrentLayer st = make(kind, new RecurrentConfig(4).stateful(true).returnSequences(true));
            RecurrentLayer plain = make(kind, new RecurrentConfig(4).returnSequences(true));
            randomWeights(st, 3, 50);
            plain.ensureBuilt(new long[] {-1, -1, 3});
            copyWeights(st, plain);
            Tensor x = rand(51, DType.FLOAT32, -1, 1, 2, 6, 3);
            Tensor whole = plain.apply(x);
            Tensor y1 = st.apply(x.slice(1, 0, 3));
            Tensor y2 = st.apply(x.slice(1, 3, 6));
            assertArrayEquals(whole.toFloatArray(), Tensor.concat(List.of(y1, y2), 1).toFloatArray(), 1e-6f,
                    "two stateful halves equal one run over the whole sequence");
            // a different batch size is refused until the state is reset
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> st.apply(rand(52, DType.FLOAT32, -1, 1, 5, 3, 3)));
            assertTrue(ex.getMessage().contains(st.name()) && ex.getMessage().contains("2") && ex.getMessage().contains("5")
                    && ex.getMessage().contains("resetStates"), ex.getMessage());
            st.resetStates();
            Tensor again = st.apply(x.slice(1, 3, 6));
            assertArrayEquals(plain.apply(x.slice(1, 3, 6)).toFloatArray(), again.toFloatArray(), 1e-6f,
                    "after resetStates the layer starts from zeros");
            st.resetStates();
            assertEquals(5, st.apply(rand(52, DType.FLOAT32, -1, 1, 5, 3, 3)).dim(0), "batch size may change after a reset");
            st.close();
            plain.close();
        }
    }

    /** A stateful layer trained batch after batch (gradient taken after the state was replaced) keeps working. */
    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void statefulGradientsAfterTheStateMoves(String kind) {
        long base = Backends.cpu().bytesInUse();
        try (Scope s = Scope.open()) {
            RecurrentLayer st = make(kind, new RecurrentConfig(4).stateful(true));
            RecurrentLayer plain = make(kind, new RecurrentConfig(4));
            randomWeights(st, 3, 60);
            plain.ensureBuilt(new long[] {-1, -1, 3});
            copyWeights(st, plain);
            Tensor x = rand(61, DType.FLOAT32, -1, 1, 2, 3, 3);
            List<Tensor> state = plain.applyWithState(x, null, null, false).states();
            st.apply(x);                                   // stores the same state
            for (int round = 0; round < 2; round++) {
                try (Scope inner = Scope.open()) {
                    Tensor g;
                    Tensor gRef;
                    try (GradientTape tape = GradientTape.start()) {
                        Tensor y = st.apply(x, true);          // replaces the stored state during the taped call
                        g = tape.gradient(y.sum(), st.kernel);
                    }
                    RecurrentLayer.Result ref;
                    try (GradientTape tape = GradientTape.start()) {
                        ref = plain.applyWithState(x, state, null, true);
                        gRef = tape.gradient(ref.output().sum(), plain.kernel);
                    }
                    assertArrayEquals(gRef.toFloatArray(), g.toFloatArray(), 1e-6f, "round " + round);
                    state = new ArrayList<>();
                    for (Tensor t : ref.states()) {
                        state.add(inner.keep(t));
                    }
                }
            }
            st.close();
            plain.close();
        }
        assertEquals(base, Backends.cpu().bytesInUse(), "stored states freed on close");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void dropoutIsIdentityInInferenceAndSeededInTraining(String kind) {
        try (Scope s = Scope.open()) {
            RecurrentConfig c = new RecurrentConfig(4).dropout(0.4).recurrentDropout(0.3).seed(77).returnSequences(true);
            RecurrentLayer d1 = make(kind, c);
            RecurrentLayer d2 = make(kind, new RecurrentConfig(4).dropout(0.4).recurrentDropout(0.3).seed(77).returnSequences(true));
            RecurrentLayer d3 = make(kind, new RecurrentConfig(4).dropout(0.4).recurrentDropout(0.3).seed(78).returnSequences(true));
            RecurrentLayer none = make(kind, new RecurrentConfig(4).returnSequences(true));
            randomWeights(d1, 3, 70);
            for (RecurrentLayer o : List.of(d2, d3, none)) {
                o.ensureBuilt(new long[] {-1, -1, 3});
                copyWeights(d1, o);
            }
            Tensor x = rand(71, DType.FLOAT32, -1, 1, 4, 5, 3);
            float[] inf = none.apply(x, false).toFloatArray();
            assertArrayEquals(inf, d1.apply(x, false).toFloatArray(), 0f, "inference: no dropout");
            float[] t1 = d1.apply(x, true).toFloatArray();
            float[] t2 = d2.apply(x, true).toFloatArray();
            assertArrayEquals(t1, t2, 0f, "training: the same seed gives the same masks");
            assertTrue(LayerChecks.relErr(t1, inf) > 1e-2, "training output differs from inference");
            assertTrue(LayerChecks.relErr(d3.apply(x, true).toFloatArray(), t1) > 1e-3, "another seed, other masks");
            assertTrue(LayerChecks.relErr(d1.apply(x, true).toFloatArray(), t1) > 1e-3, "the next batch draws new masks");
            for (RecurrentLayer l : List.of(d1, d2, d3, none)) {
                l.close();
            }
        }
    }

    /**
     * Input dropout: SimpleRNN(linear) with kernel I, recurrent kernel 0, bias 0 outputs the
     * mask of ones: values 0 or 1/(1-rate), one mask [B, 1, F] for all steps, zero fraction
     * within 0.02 of the rate (20 000 draws: 6 standard deviations).
     */
    @Test
    void dropoutKeepRateAndOneMaskForAllSteps() {
        int b = 2000, t = 3, f = 10;
        double rate = 0.3;
        try (Scope s = Scope.open()) {
            SimpleRNN l = new SimpleRNN(new RecurrentConfig(f).activation("linear").dropout(rate).returnSequences(true).seed(5));
            l.ensureBuilt(new long[] {-1, t, f});
            double[] eye = new double[f * f];
            for (int i = 0; i < f; i++) {
                eye[i * f + i] = 1;
            }
            l.kernel.assign(Tensor.of(eye, f, f).cast(DType.FLOAT32));
            l.recurrentKernel.assign(Tensor.zeros(DType.FLOAT32, f, f));
            float[] y = l.apply(Tensor.ones(DType.FLOAT32, b, t, f), true).toFloatArray();
            float keep = (float) (1 / (1 - rate));
            int zeros = 0;
            for (int n = 0; n < b; n++) {
                for (int j = 0; j < f; j++) {
                    float v0 = y[(n * t) * f + j];
                    assertTrue(v0 == 0f || Math.abs(v0 - keep) < 1e-6, "mask value " + v0);
                    for (int step = 1; step < t; step++) {
                        assertEquals(v0, y[(n * t + step) * f + j], 0f, "the same input mask at every step");
                    }
                    if (v0 == 0f) {
                        zeros++;
                    }
                }
            }
            assertEquals(rate, zeros / (double) (b * f), 0.02, "dropped fraction");
            l.close();
        }
    }

    /**
     * Recurrent dropout: SimpleRNN(linear), kernel 0, recurrent kernel I, bias 1, T = 3:
     * h1 = 1, h2 = m + 1, h3 = m·(m + 1) + 1 with m ∈ {0, k = 1/(1-rate)}; the same m at every
     * step, so h3 is 1 or k² + k + 1; fraction of m = 0 within 0.02 of the rate.
     */
    @Test
    void recurrentDropoutKeepRateAndOneMaskForAllSteps() {
        int b = 2000, f = 10;
        double rate = 0.25;
        double k = 1 / (1 - rate);
        try (Scope s = Scope.open()) {
            SimpleRNN l = new SimpleRNN(new RecurrentConfig(f).activation("linear").recurrentDropout(rate).seed(6)
                    .biasInitializer(Initializers.ones()));
            l.ensureBuilt(new long[] {-1, 3, 1});
            double[] eye = new double[f * f];
            for (int i = 0; i < f; i++) {
                eye[i * f + i] = 1;
            }
            l.kernel.assign(Tensor.zeros(DType.FLOAT32, 1, f));
            l.recurrentKernel.assign(Tensor.of(eye, f, f).cast(DType.FLOAT32));
            float[] y = l.apply(Tensor.zeros(DType.FLOAT32, b, 3, 1), true).toFloatArray();
            int dropped = 0;
            for (float v : y) {
                if (Math.abs(v - 1) < 1e-5) {
                    dropped++;
                } else {
                    assertEquals(k * k + k + 1, v, 1e-4, "kept units see the same mask at every step");
                }
            }
            assertEquals(rate, dropped / (double) (b * f), 0.02, "dropped fraction");
            l.close();
        }
    }

    @Test
    void unitForgetBiasSetsTheForgetSliceToOne() {
        try (Scope s = Scope.open()) {
            LSTM def = new LSTM(3);
            def.ensureBuilt(new long[] {-1, 2, 2});
            assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0}, def.bias.toFloatArray(), 0f);
            LSTM off = new LSTM(new RecurrentConfig(3).unitForgetBias(false));
            off.ensureBuilt(new long[] {-1, 2, 2});
            assertArrayEquals(new float[12], off.bias.toFloatArray(), 0f);
            LSTM withInit = new LSTM(new RecurrentConfig(2).biasInitializer(Initializers.constant(0.5)));
            withInit.ensureBuilt(new long[] {-1, 2, 2});
            assertArrayEquals(new float[] {0.5f, 0.5f, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f}, withInit.bias.toFloatArray(), 0f);
            LSTM f64 = new LSTM(2);
            f64.setDtype(DType.FLOAT64);
            f64.ensureBuilt(new long[] {-1, 2, 2});
            assertEquals(DType.FLOAT64, f64.bias.dtype());
            assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 0, 0}, f64.bias.toDoubleArray(), 0);
            GRU gru = new GRU(2);
            gru.ensureBuilt(new long[] {-1, 2, 2});
            assertArrayEquals(new long[] {2, 6}, gru.bias.shape());
            assertArrayEquals(new float[12], gru.bias.toFloatArray(), 0f);
            for (Layer l : List.of(def, off, withInit, f64, gru)) {
                l.close();
            }
        }
    }

    @Test
    void defaultWeightsAreKerasShaped() {
        try (Scope s = Scope.open()) {
            LSTM l = new LSTM(6);
            l.ensureBuilt(new long[] {-1, 4, 5});
            assertArrayEquals(new long[] {5, 24}, l.kernel.shape());
            assertArrayEquals(new long[] {6, 24}, l.recurrentKernel.shape());
            assertEquals(List.of(l.name() + "/kernel", l.name() + "/recurrent_kernel", l.name() + "/bias"),
                    l.weights().stream().map(Variable::name).toList());
            // orthogonal recurrent kernel: each 6×6 gate block... the whole [6, 24] has orthonormal rows
            float[] r = l.recurrentKernel.toFloatArray();
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    double dot = 0;
                    for (int k = 0; k < 24; k++) {
                        dot += r[i * 24 + k] * r[j * 24 + k];
                    }
                    assertEquals(i == j ? 1 : 0, dot, 1e-5, "rows " + i + ", " + j);
                }
            }
            double limit = Math.sqrt(6.0 / (5 + 24));
            for (float v : l.kernel.toFloatArray()) {
                assertTrue(Math.abs(v) <= limit, "glorot uniform kernel");
            }
            assertArrayEquals(new long[] {-1, 6}, l.outputShape(new long[] {-1, 4, 5}));
            assertArrayEquals(new long[] {-1, 4, 6}, new LSTM(6, true).outputShape(new long[] {-1, 4, 5}));
            assertEquals(5 * 24 + 6 * 24 + 24, l.countParams());
            // any number of time steps
            assertArrayEquals(new long[] {2, 6}, l.apply(Tensor.zeros(DType.FLOAT32, 2, 9, 5)).shape());
            l.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // bad input
    // ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void badInputIsAClearError(String kind) {
        try (Scope s = Scope.open()) {
            RecurrentLayer l = make(kind, new RecurrentConfig(4).name("rnn_under_test_" + kind));
            String n = l.name();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> l.apply(Tensor.zeros(DType.FLOAT32, 2, 3)));
            // built from the first input: Keras prints the batch axis as None
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("(None, 3)")
                    && e.getMessage().contains("[batch, time, features]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> l.applyWithState(Tensor.zeros(DType.FLOAT32, 2, 3), null, null, false));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("(2, 3)"), e.getMessage());
            Tensor x = Tensor.zeros(DType.FLOAT32, 2, 5, 3);
            l.apply(x);
            e = assertThrows(IllegalArgumentException.class, () -> l.apply(Tensor.zeros(DType.FLOAT32, 2, 5, 7)));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("7") && e.getMessage().contains("3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> l.apply(x, Tensor.of(allTrue(8), 2, 4), false));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("mask") && e.getMessage().contains("2, 4")
                    && e.getMessage().contains("2, 5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> l.apply(x, Tensor.of(allTrue(10), 10), false));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("10"), e.getMessage());
            List<Tensor> wrong = new ArrayList<>();
            for (int i = 0; i < stateCount(kind); i++) {
                wrong.add(Tensor.zeros(DType.FLOAT32, 2, i == stateCount(kind) - 1 ? 3 : 4));
            }
            e = assertThrows(IllegalArgumentException.class, () -> l.applyWithState(x, wrong, null, false));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains("2, 4") && e.getMessage().contains("(2, 3)"),
                    e.getMessage());
            List<Tensor> tooMany = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                tooMany.add(Tensor.zeros(DType.FLOAT32, 2, 4));
            }
            e = assertThrows(IllegalArgumentException.class, () -> l.applyWithState(x, tooMany, null, false));
            assertTrue(e.getMessage().contains(n) && e.getMessage().contains(String.valueOf(stateCount(kind)))
                    && e.getMessage().contains("3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> make(kind, new RecurrentConfig(0)));
            assertTrue(e.getMessage().contains("units"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> make(kind, new RecurrentConfig(2).dropout(1.0)));
            assertTrue(e.getMessage().contains("dropout"), e.getMessage());
            l.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // memory
    // ---------------------------------------------------------------------------------------

    /** cpu bytes in use return to the baseline after forward + backward in a scope, fused path and step path. */
    @ParameterizedTest
    @ValueSource(strings = {"lstm", "gru", "simple_rnn"})
    void memoryReturnsToBaseline(String kind) {
        try (Backends.Use u = Backends.use(Backends.cpu())) {
            RecurrentLayer l = make(kind, new RecurrentConfig(6).returnSequences(true).dropout(0.2).recurrentDropout(0.2).seed(3));
            l.ensureBuilt(new long[] {-1, -1, 4});
            long base = Backends.cpu().bytesInUse();
            for (int path = 0; path < 4; path++) {
                try (Scope s = Scope.open()) {
                    Tensor x = rand(1, DType.FLOAT32, -1, 1, 3, 7, 4);
                    Tensor mask = path == 1 ? Tensor.of(allTrue(21), 3, 7) : null;
                    boolean training = path >= 2;      // 2: fused path with input dropout; 3: step path (recurrent dropout)
                    try (GradientTape tape = GradientTape.start()) {
                        tape.watch(x);
                        Tensor y = path == 3 ? l.apply(x, Tensor.of(allTrue(21), 3, 7), true) : l.apply(x, mask, training);
                        List<Tensor> g = tape.gradient(y.square().sum(), List.of(x, l.kernel, l.recurrentKernel, l.bias));
                        for (Tensor t : g) {
                            assertNotNull(t);
                        }
                    }
                }
                assertEquals(base, Backends.cpu().bytesInUse(), kind + " path " + path + ": cpu bytes in use after the scope");
                assertFalse(l.kernel.isClosed());
            }
            l.close();
        }
    }
}
