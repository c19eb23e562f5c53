package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.HostCalls;
import dev.lamina.backend.Kernel;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused-kernel pass on user-written LSTM cells, GRU cells and Adam updates
 * ({@link RecognisedKernels}): traced and replayed on fresh inputs, the graph holds the fused node
 * where the fused kernel is bitwise its composition, and every replay equals the eager run bitwise;
 * near misses (an intermediate used elsewhere, another activation or formula) are left alone and
 * equal the eager run too. Where the fused cell is not bitwise (float32), the rewrite runs only with
 * {@link GraphOptions#inexactFusedKernels}, within a stated tolerance.
 */
class RecognisedCellsTest {
    static final long B = 3;
    static final long T = 4;
    static final long IN = 5;
    static final long H = 6;

    // ---- user-written cells ----------------------------------------------------------------------

    /** Keras's LSTM cell written with tensor ops: gates i, f, c, o sliced from z. */
    static Tensor[] lstmCell(Tensor z, Tensor c) {
        return lstmCellOf(lstmGates(z, false, Tensor::tanh), c);
    }

    /**
     * The activated gates {i, f, g, o} sliced from z in that order (Keras), or with the first two
     * blocks taken the other way round (f from the first); g activated by {@code candidate}.
     */
    static Tensor[] lstmGates(Tensor z, boolean forgetFirst, java.util.function.UnaryOperator<Tensor> candidate) {
        Tensor first = z.slice(1, 0, H).sigmoid();
        Tensor second = z.slice(1, H, 2 * H).sigmoid();
        Tensor g = candidate.apply(z.slice(1, 2 * H, 3 * H));
        Tensor o = z.slice(1, 3 * H, 4 * H).sigmoid();
        return forgetFirst ? new Tensor[] {second, first, g, o} : new Tensor[] {first, second, g, o};
    }

    /** {h, c} of the cell from its activated gates {i, f, g, o}: c' = f·c + i·g, h = o·tanh(c'). */
    static Tensor[] lstmCellOf(Tensor[] ifgo, Tensor c) {
        Tensor c2 = ifgo[1].mul(c).add(ifgo[0].mul(ifgo[2]));
        return new Tensor[] {ifgo[3].mul(c2.tanh()), c2};
    }

    /** The first step's input projection, x_0·kernel + x[3] (the LSTM's bias, the GRU's input bias). */
    static Tensor firstStepZ(Tensor[] x) {
        return x[0].slice(1, 0, 1).reshape(B, IN).matmul(x[1]).add(x[3]);
    }

    /** The same cell with the commuted operands a user may write: c·f, g·i, tanh(c)·o, their sum swapped. */
    static Tensor[] lstmCellCommuted(Tensor z, Tensor c) {
        Tensor o = z.slice(1, 3 * H, 4 * H).sigmoid();
        Tensor g = z.slice(1, 2 * H, 3 * H).tanh();
        Tensor i = z.slice(1, 0, H).sigmoid();
        Tensor f = z.slice(1, H, 2 * H).sigmoid();
        Tensor c2 = g.mul(i).add(c.mul(f));
        return new Tensor[] {c2.tanh().mul(o), c2};
    }

    /** x [B, T, IN], kernel [IN, 4H], recurrent kernel [H, 4H], bias [4H], h0, c0 [B, H]: h and c after T steps. */
    static Tensor[] lstmSteps(Tensor[] t, boolean commuted) {
        Tensor h = t[4];
        Tensor c = t[5];
        for (long s = 0; s < T; s++) {
            Tensor xs = t[0].slice(1, s, s + 1).reshape(B, IN);
            Tensor z = xs.matmul(t[1]).add(h.matmul(t[2])).add(t[3]);
            Tensor[] hc = commuted ? lstmCellCommuted(z, c) : lstmCell(z, c);
            h = hc[0];
            c = hc[1];
        }
        return new Tensor[] {h, c};
    }

    static Tensor[] lstmInputs(Rng rng, DType dt) {
        return new Tensor[] {rng.normal(dt, 0, 1, B, T, IN), rng.normal(dt, 0, 0.5, IN, 4 * H),
            rng.normal(dt, 0, 0.5, H, 4 * H), rng.normal(dt, 0, 0.5, 4 * H), rng.normal(dt, 0, 1, B, H),
            rng.normal(dt, 0, 1, B, H)};
    }

    /** Keras's GRU cell (reset_after): xz = x·W + b_in, hz = h·U + b_rec, gates z, r, ĥ. */
    static Tensor gruCell(Tensor xz, Tensor hz, Tensor hPrev, boolean kerasBlend) {
        return gruCellAndReset(xz, hz, hPrev, kerasBlend)[0];
    }

    /** {@link #gruCell}'s new h and its reset gate r, {h, r}. */
    static Tensor[] gruCellAndReset(Tensor xz, Tensor hz, Tensor hPrev, boolean kerasBlend) {
        Tensor z = xz.slice(1, 0, H).add(hz.slice(1, 0, H)).sigmoid();
        Tensor r = hz.slice(1, H, 2 * H).add(xz.slice(1, H, 2 * H)).sigmoid();
        Tensor hh = xz.slice(1, 2 * H, 3 * H).add(r.mul(hz.slice(1, 2 * H, 3 * H))).tanh();
        Tensor omz = Tensor.scalar(1.0, z.dtype()).sub(z);
        // Keras: h = z·hPrev + (1 − z)·ĥ; the other blend, (1 − z)·hPrev + z·ĥ, is another cell
        Tensor h = kerasBlend ? z.mul(hPrev).add(omz.mul(hh)) : omz.mul(hPrev).add(z.mul(hh));
        return new Tensor[] {h, r};
    }

    /** x [B, T, IN], kernel [IN, 3H], recurrent kernel [H, 3H], input and recurrent biases [3H], h0 [B, H]. */
    static Tensor[] gruSteps(Tensor[] t, boolean kerasBlend) {
        Tensor h = t[6];
        for (long s = 0; s < T; s++) {
            Tensor xs = t[0].slice(1, s, s + 1).reshape(B, IN);
            Tensor xz = xs.matmul(t[1]).add(t[3]);
            Tensor hz = h.matmul(t[2]).add(t[4]);
            h = gruCell(xz, hz, h, kerasBlend);
        }
        return new Tensor[] {h};
    }

    static Tensor[] gruInputs(Rng rng, DType dt) {
        return new Tensor[] {rng.normal(dt, 0, 1, B, T, IN), rng.normal(dt, 0, 0.5, IN, 3 * H),
            rng.normal(dt, 0, 0.5, H, 3 * H), rng.normal(dt, 0, 0.5, 3 * H), rng.normal(dt, 0, 0.5, 3 * H),
            rng.normal(dt, 0, 1, B, H), rng.normal(dt, 0, 1, B, H)};
    }

    // ---- running a function eagerly and traced ---------------------------------------------------

    /** What a traced run found: the graph's stats, node counts and text. */
    record Traced(Graph.Stats stats, java.util.Map<String, Integer> ops, String text, double maxRelError) {
    }

    /**
     * Calls fn eagerly and traced on four sets of fresh inputs (the last two are replays) and
     * compares the outputs: bitwise when tolerance is 0, else by max |a − b| / max |b| per output.
     */
    static Traced compare(String backend, Function<Rng, Tensor[]> inputs, Function<Tensor[], Tensor[]> fn,
                          GraphOptions options, double tolerance) {
        try (var use = Backends.use(Backends.byName(backend)); Scope scope = Scope.open()) {
            Rng rng = new Rng(17);
            TracedFunction f = Graph.trace("cell", fn, options);
            Tensor[] in = null;
            double worst = 0;
            for (int call = 0; call < 4; call++) {
                in = inputs.apply(rng);
                Tensor[] eager = fn.apply(in);
                Tensor[] got = f.apply(in);
                assertEquals(eager.length, got.length);
                for (int k = 0; k < eager.length; k++) {
                    double[] e = eager[k].toDoubleArray();
                    double[] g = got[k].toDoubleArray();
                    if (tolerance == 0) {
                        if (eager[k].dtype() == DType.FLOAT32) {
                            assertArrayEquals(eager[k].toFloatArray(), got[k].toFloatArray(), "call " + call + ", output " + k);
                        } else {
                            assertArrayEquals(e, g, "call " + call + ", output " + k);
                        }
                    } else {
                        double err = relError(g, e);
                        worst = Math.max(worst, err);
                        assertTrue(err <= tolerance, "call " + call + ", output " + k + ": relative error " + err);
                    }
                }
            }
            Graph g = f.graph(in);
            Traced t = new Traced(g.stats(), g.opCounts(), g.toString(), worst);
            f.close();
            return t;
        }
    }

    /** {@link #compare}d bitwise on float64 LSTM inputs with the default options. */
    static Traced lstm64(String backend, Function<Tensor[], Tensor[]> fn) {
        return compare(backend, r -> lstmInputs(r, DType.FLOAT64), fn, new GraphOptions(), 0);
    }

    /** {@link #compare}d bitwise on float64 GRU inputs with the default options. */
    static Traced gru64(String backend, Function<Tensor[], Tensor[]> fn) {
        return compare(backend, r -> gruInputs(r, DType.FLOAT64), fn, new GraphOptions(), 0);
    }

    static double relError(double[] got, double[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            if (Double.isNaN(got[i]) || Double.isNaN(want[i])) {
                return Double.POSITIVE_INFINITY;
            }
            num = Math.max(num, Math.abs(got[i] - want[i]));
            den = Math.max(den, Math.abs(want[i]));
        }
        return den == 0 ? num : num / den;
    }

    // ---- LSTM ------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"cpu, false", "cpu, true", "reference, false", "reference, true"})
    void userLstmCellBecomesTheFusedCellBitwiseInFloat64(String backend, boolean commuted) {
        Traced t = lstm64(backend, x -> lstmSteps(x, commuted));
        assertEquals((int) T, t.stats().recognised, t.text());
        assertEquals((int) T, t.ops().get("lstmCell"), t.text());
        assertTrue(t.ops().getOrDefault("copyStrided", 0) <= T, t.text()); // x's step slices remain, no gate slices
        assertTrue(t.text().contains("lstmCell       batch=" + B + " hidden=" + H + " (recognised)"), t.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void float32LstmCellStaysComposedUnlessInexactIsAllowed(String backend) {
        Traced exact = compare(backend, r -> lstmInputs(r, DType.FLOAT32), x -> lstmSteps(x, false), new GraphOptions(), 0);
        assertEquals(0, exact.stats().recognised, exact.text());
        assertNull(exact.ops().get("lstmCell"), exact.text());
        Traced inexact = compare(backend, r -> lstmInputs(r, DType.FLOAT32), x -> lstmSteps(x, false),
                new GraphOptions().inexactFusedKernels(true), 1e-6);
        assertEquals((int) T, inexact.ops().get("lstmCell"), inexact.text());
        System.out.println("RecognisedCellsTest: float32 LSTM on " + backend + ", fused cell vs eager composition: "
                + "max relative error " + inexact.maxRelError());
    }

    /**
     * A training step through a user-written LSTM cell: the tape's backward reads the activated gates
     * and tanh(c), so they are not intermediates of the cell alone and the cell stays composed (not
     * done: rewriting it would need the gates copied back out of the fused kernel's gate layout); the
     * loss and gradients replay bitwise.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void lstmCellInATrainingStepStaysComposedAndEqual(String backend) {
        Traced t = lstm64(backend, x -> {
            try (var tape = dev.lamina.autograd.GradientTape.start()) {
                tape.watch(x[1], x[2]);
                Tensor[] hc = lstmSteps(x, false);
                Tensor loss = hc[0].mul(hc[0]).mean();
                Tensor[] grads = tape.gradient(loss, x[1], x[2]);
                return new Tensor[] {loss, grads[0], grads[1]};
            }
        });
        assertNull(t.ops().get("lstmCell"), t.text());
        assertEquals(0, t.stats().recognised, t.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void lstmNearMissesAreNotRewritten(String backend) {
        // the input gate is also an output: an intermediate used elsewhere
        Traced observed = lstm64(backend, x -> {
            Tensor z = firstStepZ(x);
            Tensor i = z.slice(1, 0, H).sigmoid();
            Tensor[] hc = lstmCell(z, x[5]);
            return new Tensor[] {hc[0], hc[1], i};
        });
        // the cell written by hand again but with i used twice (its own slice read by another op)
        Traced shared = lstm64(backend, x -> {
            Tensor[] ifgo = lstmGates(firstStepZ(x), false, Tensor::tanh);
            Tensor[] hc = lstmCellOf(ifgo, x[5]);
            return new Tensor[] {hc[0], hc[1], ifgo[0].add(ifgo[3])};
        });
        // another activation for the candidate (ReLU, not tanh)
        Traced relu = lstm64(backend, x -> lstmCellOf(lstmGates(firstStepZ(x), false, Tensor::relu), x[5]));
        // gates in another order (f taken from the first block)
        Traced order = lstm64(backend, x -> lstmCellOf(lstmGates(firstStepZ(x), true, Tensor::tanh), x[5]));
        for (Traced t : List.of(observed, shared, relu, order)) {
            assertEquals(0, t.stats().recognised, t.text());
            assertNull(t.ops().get("lstmCell"), t.text());
        }
        // the pass off: nothing recognised either
        Traced off = compare(backend, r -> lstmInputs(r, DType.FLOAT64), x -> lstmSteps(x, false),
                new GraphOptions().fusedKernels(false), 0);
        assertNull(off.ops().get("lstmCell"), off.text());
    }

    // ---- GRU -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void userGruCellBecomesTheFusedCellBitwiseInFloat64(String backend) {
        Traced t = gru64(backend, x -> gruSteps(x, true));
        assertEquals((int) T, t.stats().recognised, t.text());
        assertEquals((int) T, t.ops().get("gruCell"), t.text());
        assertTrue(t.text().contains("gruCell        batch=" + B + " hidden=" + H + " (recognised)"), t.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void gruNearMissesAndFloat32AreNotRewritten(String backend) {
        Traced blend = gru64(backend, x -> gruSteps(x, false));
        assertEquals(0, blend.stats().recognised, blend.text());
        // the reset gate is also an output
        Traced observed = gru64(backend, x -> gruCellAndReset(firstStepZ(x), x[6].matmul(x[2]).add(x[4]), x[6], true));
        assertEquals(0, observed.stats().recognised, observed.text());
        Traced f32 = compare(backend, r -> gruInputs(r, DType.FLOAT32), x -> gruSteps(x, true), new GraphOptions(), 0);
        assertEquals(0, f32.stats().recognised, f32.text());
        Traced inexact = compare(backend, r -> gruInputs(r, DType.FLOAT32), x -> gruSteps(x, true),
                new GraphOptions().inexactFusedKernels(true), 1e-6);
        assertEquals((int) T, inexact.ops().get("gruCell"), inexact.text());
        System.out.println("RecognisedCellsTest: float32 GRU on " + backend + ", fused cell vs eager composition: "
                + "max relative error " + inexact.maxRelError());
    }

    // ---- Adam ------------------------------------------------------------------------------------

    /** The state of a hand-written Adam: parameters, moments and a step counter. */
    static final class AdamState implements AutoCloseable {
        final List<Variable[]> slots = new ArrayList<>(); // {w, m, v} per parameter
        final long[] step = {0};

        AdamState(Rng rng, DType dt, long... sizes) {
            for (long n : sizes) {
                slots.add(new Variable[] {new Variable(rng.normal(dt, 0, 1, n)), new Variable(Tensor.zeros(dt, n)),
                    new Variable(Tensor.zeros(dt, n))});
            }
        }

        @Override
        public void close() {
            for (Variable[] s : slots) {
                for (Variable v : s) {
                    v.close();
                }
            }
        }
    }

    static final double LR = 0.01;
    static final double B1 = 0.9;
    static final double B2 = 0.999;
    static final double EPS = 1e-7;

    /** Keras 3's Adam written out: m += (g − m)·(1 − β1); v += (g² − v)·(1 − β2); w −= (m·α) / (√v + ε). */
    static Function<Tensor[], Tensor[]> adamStep(AdamState s, int form) {
        return g -> {
            HostCalls.effect(() -> s.step[0]++);
            double alpha = HostCalls.scalar(() -> LR * Math.sqrt(1 - Math.pow(B2, s.step[0])) / (1 - Math.pow(B1, s.step[0])));
            for (int k = 0; k < s.slots.size(); k++) {
                Variable w = s.slots.get(k)[0];
                Variable m = s.slots.get(k)[1];
                Variable v = s.slots.get(k)[2];
                Tensor gk = g[k];
                switch (form) {
                    case 0 -> { // the tensor-level optim.Adam's own form
                        m.assignAdd(gk.sub(m).mul(1 - B1));
                        v.assignAdd(gk.square().sub(v).mul(1 - B2));
                        w.assignSub(m.mul(alpha).div(v.sqrt().add(EPS)));
                    }
                    case 1 -> { // the new moments used directly, g·g, scalar operands first
                        Tensor mNew = m.add(Tensor.scalar(1 - B1, gk.dtype()).mul(gk.sub(m)));
                        Tensor vNew = gk.mul(gk).sub(v).mul(1 - B2).add(v);
                        m.assign(mNew);
                        v.assign(vNew);
                        w.assign(w.sub(Tensor.scalar(alpha, gk.dtype()).mul(mNew).div(Tensor.scalar(EPS, gk.dtype())
                                .add(vNew.sqrt()))));
                    }
                    case 2 -> { // near miss: the textbook moments b1·m + (1 − b1)·g round differently
                        m.assign(m.mul(B1).add(gk.mul(1 - B1)));
                        v.assign(v.mul(B2).add(gk.square().mul(1 - B2)));
                        w.assignSub(m.mul(alpha).div(v.sqrt().add(EPS)));
                    }
                    default -> { // near miss: √v also read elsewhere (returned)
                        m.assignAdd(gk.sub(m).mul(1 - B1));
                        v.assignAdd(gk.square().sub(v).mul(1 - B2));
                        Tensor root = v.sqrt();
                        w.assignSub(m.mul(alpha).div(root.add(EPS)));
                        return new Tensor[] {root};
                    }
                }
            }
            return new Tensor[0];
        };
    }

    /**
     * Five Adam steps eagerly on one state and traced on another (same initial values, same
     * gradients): w, m and v bitwise equal after every step.
     */
    static Traced adamLoop(String backend, DType dt, int form) {
        long[] sizes = {7, 12};
        try (var use = Backends.use(Backends.byName(backend)); Scope scope = Scope.open();
             AdamState eager = new AdamState(new Rng(3), dt, sizes); AdamState traced = new AdamState(new Rng(3), dt, sizes)) {
            Function<Tensor[], Tensor[]> e = adamStep(eager, form);
            TracedFunction f = Graph.trace("adam", adamStep(traced, form), new GraphOptions());
            Rng rng = new Rng(5);
            Tensor[] g = null;
            for (int step = 0; step < 5; step++) {
                g = new Tensor[] {rng.normal(dt, 0, 1, sizes[0]), rng.normal(dt, 0, 1, sizes[1])};
                Tensor[] eo = e.apply(g);
                Tensor[] to = f.apply(g);
                for (int k = 0; k < eo.length; k++) {
                    assertArrayEquals(eo[k].toDoubleArray(), to[k].toDoubleArray(), "step " + step + " output " + k);
                }
                for (int k = 0; k < sizes.length; k++) {
                    for (int j = 0; j < 3; j++) {
                        assertArrayEquals(eager.slots.get(k)[j].toDoubleArray(), traced.slots.get(k)[j].toDoubleArray(),
                                "step " + step + ", parameter " + k + ", slot " + j);
                    }
                }
            }
            assertEquals(5, traced.step[0]);
            Graph gr = f.graph(g);
            Traced t = new Traced(gr.stats(), gr.opCounts(), gr.toString(), 0);
            f.close();
            return t;
        }
    }

    @ParameterizedTest
    @CsvSource({"cpu, FLOAT32", "cpu, FLOAT64", "reference, FLOAT32", "reference, FLOAT64"})
    void userAdamUpdateBecomesTheFusedKernelBitwise(String backend, DType dt) {
        for (int form = 0; form < 2; form++) {
            Traced t = adamLoop(backend, dt, form);
            assertEquals(2, t.stats().recognised, "form " + form + "\n" + t.text());
            assertEquals(2, t.ops().get("adam"), t.text());
            assertTrue(t.text().contains("alpha=$0 b1="), t.text()); // α bound to the host value, recomputed per replay
            assertFalse(t.ops().containsKey("fused"), t.text()); // nothing of the update is left element-wise
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void adamNearMissesAreNotRewritten(String backend) {
        for (int form = 2; form < 4; form++) {
            Traced t = adamLoop(backend, DType.FLOAT32, form);
            assertEquals(0, t.stats().recognised, "form " + form + "\n" + t.text());
            assertNull(t.ops().get("adam"), t.text());
        }
    }

    /**
     * A whole training step traced: forward, loss, gradients from a tape, then the hand-written Adam:
     * the update is recognised among the backward's nodes and the weights stay bitwise the eager ones.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void adamInATracedTrainingStep(String backend) {
        DType dt = DType.FLOAT32;
        try (var use = Backends.use(Backends.byName(backend)); Scope scope = Scope.open();
             AdamState eager = new AdamState(new Rng(3), dt, IN); AdamState traced = new AdamState(new Rng(3), dt, IN)) {
            Function<AdamState, Function<Tensor[], Tensor[]>> step = st -> xy -> {
                Variable w = st.slots.get(0)[0];
                Tensor loss;
                Tensor grad;
                try (var tape = dev.lamina.autograd.GradientTape.start()) {
                    Tensor err = xy[0].matmul(w.reshape(IN, 1)).sub(xy[1]);
                    loss = err.mul(err).mean();
                    grad = tape.gradient(loss, w);
                }
                adamStep(st, 0).apply(new Tensor[] {grad});
                return new Tensor[] {loss};
            };
            Function<Tensor[], Tensor[]> e = step.apply(eager);
            TracedFunction f = Graph.trace("train", step.apply(traced), new GraphOptions());
            Rng rng = new Rng(8);
            Tensor[] xy = null;
            for (int s = 0; s < 5; s++) {
                xy = new Tensor[] {rng.normal(dt, 0, 1, B, IN), rng.normal(dt, 0, 1, B, 1)};
                assertArrayEquals(e.apply(xy)[0].toFloatArray(), f.apply(xy)[0].toFloatArray(), "loss, step " + s);
                for (int j = 0; j < 3; j++) {
                    assertArrayEquals(eager.slots.get(0)[j].toFloatArray(), traced.slots.get(0)[j].toFloatArray(),
                            "step " + s + ", slot " + j);
                }
            }
            Graph g = f.graph(xy);
            assertEquals(1, g.stats().recognised, g.toString());
            assertEquals(1, g.opCounts().get("adam"), g.toString());
            f.close();
        }
    }

    @Test
    void bitwiseTableMatchesTheKernelsDocumentedRounding() {
        Backend cpu = Backends.byName("cpu");
        Backend ref = Backends.byName("reference");
        for (Backend be : List.of(cpu, ref)) {
            for (DType dt : List.of(DType.FLOAT32, DType.FLOAT64)) {
                assertTrue(RecognisedKernels.bitwise(be, Kernel.ADAM_UPDATE, dt));
                assertEquals(dt == DType.FLOAT64, RecognisedKernels.bitwise(be, Kernel.LSTM_CELL_FORWARD, dt));
                assertEquals(dt == DType.FLOAT64, RecognisedKernels.bitwise(be, Kernel.GRU_CELL_FORWARD, dt));
            }
        }
    }
}
