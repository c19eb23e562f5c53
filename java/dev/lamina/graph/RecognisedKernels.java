package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.UnaryOp;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.reference.ReferenceBackend;
import dev.lamina.tensor.Shapes;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The fused-kernel pass for user-written recurrent cells and Adam steps: an LSTM cell, a GRU cell
 * (reset_after) and an Adam update written with tensor ops (slices, σ, tanh, +, −, ·, ÷, √) are
 * replaced by the backend's {@code lstmCellForward}, {@code gruCellForward} and {@code adamUpdate}.
 *
 * <p>The shapes matched are those of {@link dev.lamina.backend.Backend}'s compositions:
 * <pre>
 *   LSTM  i, f, g, o = σ(z[:, 0:H]), σ(z[:, H:2H]), tanh(z[:, 2H:3H]), σ(z[:, 3H:4H])
 *         c = f·cPrev + i·g;   h = o·tanh(c)
 *   GRU   z = σ(xz_z + hz_z);  r = σ(xz_r + hz_r);  ĥ = tanh(xz_h + r·hz_h)
 *         h = z·hPrev + (1 − z)·ĥ          (xz, hz [B, 3H], sliced into the three blocks)
 *   Adam  m += (g − m)·c1;  v += (g·g − v)·c2;  w −= (m·α) / (√v + ε)   (in place, each a copy back)
 * </pre>
 * with the operands of every + and · in either order (IEEE addition and multiplication commute
 * bitwise). A match needs every intermediate to be read by the pattern alone, the inputs unchanged
 * and the results untouched by other nodes between the pattern's first and last node, one float
 * dtype throughout, and the scalars (c1, c2, ε, the 1 of 1 − z) constant; α may be a host value
 * ({@link dev.lamina.backend.HostCalls#scalar}).
 *
 * <p>A rewrite keeps the replay bitwise equal to the eager run only where the fused kernel is
 * bitwise its composition ({@link #bitwise}); elsewhere it runs only when asked with
 * {@link GraphOptions#inexactFusedKernels}.
 */
final class RecognisedKernels {
    private RecognisedKernels() {
    }

    /**
     * Whether {@code be}'s fused kernel {@code k} computes, for {@code dtype}, bitwise what the
     * composition of primitives it replaces computes on the same backend. Adam: on cpu, reference
     * and cuda (each step rounded to the dtype, no contraction: documented on the kernels). The
     * cells: float64 on cpu and reference only: their float32 kernels round differently (cpu: a
     * clamped σ of another form than the unary kernel's; reference: the cell keeps double
     * intermediates), and nvcc contracts the cuda cell's {@code f·cPrev + i·g} into an FMA.
     *
     * @param be the backend
     * @param k the fused kernel
     * @param dtype the dtype of the call
     * @return whether a rewrite keeps results bitwise
     */
    static boolean bitwise(Backend be, Kernel k, DType dtype) {
        boolean host = be instanceof CpuBackend || be instanceof ReferenceBackend;
        switch (k) {
            case ADAM_UPDATE:
                return host || be instanceof CudaBackend;
            case LSTM_CELL_FORWARD:
            case GRU_CELL_FORWARD:
                return host && dtype == DType.FLOAT64;
            default:
                return false;
        }
    }

    private static boolean allowed(Backend be, Kernel k, DType dtype, boolean inexact) {
        return dtype.isFloating() && be.kernel(k, dtype).available() && (inexact || bitwise(be, k, dtype));
    }

    /**
     * Replaces every recognised LSTM cell, GRU cell and Adam update.
     *
     * @param w the graph being built
     * @param be the backend the graph replays on
     * @param inexact whether to rewrite also where the fused kernel is not bitwise its composition
     * @return compositions replaced
     */
    static int run(Passes.Work w, Backend be, boolean inexact) {
        int replaced = 0;
        boolean found = true;
        while (found) {
            found = false;
            Ctx c = new Ctx(w, be);
            for (int i = 0; i < w.nodes.size() && !found; i++) {
                Match m = lstm(c, i, inexact);
                if (m == null) {
                    m = gru(c, i, inexact);
                }
                if (m == null) {
                    m = adam(c, i, inexact);
                }
                if (m != null) {
                    c.apply(m);
                    replaced++;
                    found = true;
                }
            }
        }
        return replaced;
    }

    // ---- the graph around a candidate ----------------------------------------------------------

    /** Writers and readers of every value, and matching helpers. */
    private static final class Ctx {
        final Passes.Work w;
        final Backend be;
        final List<List<Integer>> writers;
        final List<List<Integer>> readers = new ArrayList<>();

        Ctx(Passes.Work w, Backend be) {
            this.w = w;
            this.be = be;
            this.writers = w.writers();
            for (int i = 0; i < w.values.size(); i++) {
                readers.add(new ArrayList<>());
            }
            for (int i = 0; i < w.nodes.size(); i++) {
                Node n = w.nodes.get(i);
                for (int j = 0; j < n.vals.length; j++) {
                    if (n.reads[j] && !readers.get(n.vals[j]).contains(i)) {
                        readers.get(n.vals[j]).add(i);
                    }
                }
            }
        }

        Node node(int i) {
            return w.nodes.get(i);
        }

        Value value(int v) {
            return w.values.get(v);
        }

        /** The one node that writes v, or −1. */
        int producer(int v) {
            List<Integer> ws = writers.get(v);
            return ws.size() == 1 ? ws.get(0) : -1;
        }

        /** The node writing v as {@code op(x)}, or −1. */
        int unary(int v, UnaryOp op) {
            int p = producer(v);
            if (p < 0) {
                return -1;
            }
            Node n = node(p);
            return n.kind == Node.Kind.KERNEL && !n.hostDependent && n.ew != null && n.ew.unary == op ? p : -1;
        }

        /** The node writing v as {@code op(a, b)} with both operands whole, or −1. */
        int binary(int v, BinaryOp op) {
            int p = producer(v);
            if (p < 0) {
                return -1;
            }
            Node n = node(p);
            return n.kind == Node.Kind.KERNEL && !n.hostDependent && n.ew != null && n.ew.binary == op
                    && !n.ew.aScalar && !n.ew.bScalar ? p : -1;
        }

        /** The node writing v as {@code op(a, b)} with exactly one operand a broadcast element, or −1. */
        int binaryWithScalar(int v, BinaryOp op) {
            int p = producer(v);
            if (p < 0) {
                return -1;
            }
            Node n = node(p);
            return n.kind == Node.Kind.KERNEL && !n.hostDependent && n.ew != null && n.ew.binary == op
                    && n.ew.aScalar != n.ew.bScalar ? p : -1;
        }

        /** Column block {@code block} of a [batch, width·hidden] value copied out densely into v, or null. */
        Slice slice(int v) {
            int p = producer(v);
            if (p < 0) {
                return null;
            }
            Node n = node(p);
            Node.Strided s = n.copy;
            if (n.kind != Node.Kind.KERNEL || s == null || s.shape.length != 2 || s.dstOffset != 0) {
                return null;
            }
            long batch = s.shape[0];
            long hidden = s.shape[1];
            if (batch < 1 || hidden < 1 || !Arrays.equals(s.dstStrides, Shapes.strides(s.shape))
                    || s.srcStrides[1] != 1 || s.srcStrides[0] % hidden != 0 || s.srcOffset % hidden != 0) {
                return null;
            }
            long width = s.srcStrides[0] / hidden;
            long block = s.srcOffset / hidden;
            Value src = value(n.vals[0]);
            if (block >= width || src.numel != batch * width * hidden || value(v).numel != batch * hidden) {
                return null;
            }
            return new Slice(p, n.vals[0], batch, hidden, width, block);
        }

        /** A dense whole copy of one value into another (an in-place assignment), or false. */
        boolean wholeCopy(int i) {
            Node n = node(i);
            Node.Strided s = n.copy;
            if (n.kind != Node.Kind.KERNEL || s == null || s.srcOffset != 0 || s.dstOffset != 0) {
                return false;
            }
            long[] dense = Shapes.strides(s.shape);
            long numel = 1;
            for (long d : s.shape) {
                numel *= d;
            }
            return Arrays.equals(s.srcStrides, dense) && Arrays.equals(s.dstStrides, dense) && n.vals[0] != n.vals[1]
                    && value(n.vals[0]).numel == numel && value(n.vals[1]).numel == numel;
        }

        /**
         * The value of a one-element operand read at node {@code at}, as it was stored (rounded to
         * its dtype): a folded constant, or the one fill before it. A fill bound to a host value gives
         * its slot when {@code hostOk}, else null; anything else null.
         */
        Scalar scalar(int v, int at, boolean hostOk) {
            Value val = value(v);
            if (val.numel != 1 || !val.dtype.isFloating()) {
                return null;
            }
            if (val.kind == Value.Kind.CONST) {
                if (!writers.get(v).isEmpty()) {
                    return null;
                }
                ByteBuffer b = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
                be.download(val.storage, b);
                return new Scalar(val.dtype == DType.FLOAT32 ? b.getFloat(0) : b.getDouble(0), -1);
            }
            if (val.kind != Value.Kind.INTERNAL || w.isOutput(v)) {
                return null;
            }
            Node fill = null;
            for (int i : writers.get(v)) {
                Node n = node(i);
                if (i >= at || n.kind != Node.Kind.ZEROS && !"fill".equals(n.op) || fill != null) {
                    return null; // written after the read, by something else, or filled twice
                }
                if ("fill".equals(n.op)) {
                    fill = n;
                }
            }
            if (fill == null) {
                return writers.get(v).isEmpty() ? null : new Scalar(0.0, -1);
            }
            if (fill.hostDependent) {
                return hostOk && fill.args.startsWith("$") ? new Scalar(Double.NaN, Integer.parseInt(fill.args.substring(1)))
                        : null;
            }
            double d = Double.parseDouble(fill.args);
            return new Scalar(val.dtype == DType.FLOAT32 ? (double) (float) d : d, -1);
        }

        /**
         * Checks a match's values (see the class comment) and, when it holds, replaces its nodes with
         * its fused node at the place of the last one.
         */
        boolean valid(Match m) {
            Set<Integer> in = new HashSet<>(m.nodes);
            if (in.size() != m.nodes.size()) {
                return false; // one node in two roles
            }
            int first = Integer.MAX_VALUE;
            int last = -1;
            for (int i : m.nodes) {
                first = Math.min(first, i);
                last = Math.max(last, i);
                if (node(i).kind != Node.Kind.KERNEL) {
                    return false;
                }
            }
            Set<Integer> inter = new HashSet<>(m.intermediates);
            Set<Integer> results = new HashSet<>(m.results);
            if (inter.size() != m.intermediates.size() || results.size() != m.results.size()) {
                return false;
            }
            for (int v : m.results) {
                if (inter.contains(v)) {
                    return false;
                }
            }
            for (int v : m.inputs) {
                if (inter.contains(v) || results.contains(v)) {
                    return false;
                }
            }
            // pattern nodes write intermediates and results only
            for (int i : m.nodes) {
                Node n = node(i);
                for (int j = 0; j < n.vals.length; j++) {
                    if (n.writes[j] && !inter.contains(n.vals[j]) && !results.contains(n.vals[j])) {
                        return false;
                    }
                }
            }
            for (int v : m.intermediates) {
                Value val = value(v);
                if (val.kind != Value.Kind.INTERNAL || w.isOutput(v) || writers.get(v).size() != 1
                        || !in.contains(writers.get(v).get(0)) || !in.containsAll(readers.get(v))) {
                    return false;
                }
            }
            for (int v : m.results) {
                if (touchedBetween(v, in, first, last, true)) {
                    return false;
                }
            }
            for (int v : m.inputs) {
                if (touchedBetween(v, in, first, last, false)) {
                    return false;
                }
            }
            m.last = last;
            return true;
        }

        /** Whether a node outside the pattern writes (or, with reads, reads) v within [first, last]. */
        private boolean touchedBetween(int v, Set<Integer> pattern, int first, int last, boolean reads) {
            for (int i : writers.get(v)) {
                if (i >= first && i <= last && !pattern.contains(i)) {
                    return true;
                }
            }
            if (reads) {
                for (int i : readers.get(v)) {
                    if (i >= first && i <= last && !pattern.contains(i)) {
                        return true;
                    }
                }
            }
            return false;
        }

        void apply(Match m) {
            boolean[] live = new boolean[w.nodes.size()];
            Arrays.fill(live, true);
            for (int i : m.nodes) {
                live[i] = false;
            }
            w.nodes.set(m.last, m.fused);
            live[m.last] = true;
            List<Node> kept = new ArrayList<>();
            for (int i = 0; i < live.length; i++) {
                if (live[i]) {
                    kept.add(w.nodes.get(i));
                }
            }
            w.nodes = kept;
        }

        /** A new intermediate value (the saved gates a fused cell writes besides its results). */
        int newValue(DType dtype, long numel) {
            Value v = new Value(w.values.size(), Value.Kind.INTERNAL, dtype, numel);
            w.values.add(v);
            return v.id;
        }
    }

    private record Slice(int node, int src, long batch, long hidden, long width, long block) {
    }

    /** A scalar operand: its value, or the host slot it is bound to (slot ≥ 0). */
    private record Scalar(double value, int slot) {
    }

    /** A candidate: its nodes, what it computes through, what it writes, what it reads, and the fused node. */
    private static final class Match {
        final List<Integer> nodes = new ArrayList<>();
        final List<Integer> intermediates = new ArrayList<>();
        final List<Integer> results = new ArrayList<>();
        final List<Integer> inputs = new ArrayList<>();
        Node fused;
        int last;

        /** Adds a node and the value it writes (its last parameter) as an intermediate. */
        void step(Ctx c, int node) {
            nodes.add(node);
            Node n = c.node(node);
            intermediates.add(n.vals[n.vals.length - 1]);
        }
    }

    /** v as {@code act(block b of src)}: adds the slice and the activation to m; false if not. */
    private static boolean gate(Ctx c, Match m, int v, UnaryOp act, Slice shape, long block, int[] src) {
        int a = c.unary(v, act);
        if (a < 0) {
            return false;
        }
        Slice s = c.slice(c.node(a).vals[0]);
        if (s == null || s.block != block || s.batch != shape.batch || s.hidden != shape.hidden || s.width != shape.width
                || src[0] >= 0 && s.src != src[0]) {
            return false;
        }
        src[0] = s.src;
        m.step(c, s.node);
        m.step(c, a);
        return true;
    }

    /** The first slice feeding v through one activation, for the shape of a cell, or null. */
    private static Slice gateShape(Ctx c, int v, UnaryOp act) {
        int a = c.unary(v, act);
        return a < 0 ? null : c.slice(c.node(a).vals[0]);
    }

    // ---- LSTM ------------------------------------------------------------------------------------

    /** An LSTM cell whose {@code c = f·cPrev + i·g} is node i, or null. */
    private static Match lstm(Ctx c, int i, boolean inexact) {
        Node add = c.node(i);
        if (add.kind != Node.Kind.KERNEL || add.ew == null || add.ew.binary != BinaryOp.ADD || add.ew.aScalar
                || add.ew.bScalar || add.hostDependent) {
            return null;
        }
        for (int swap = 0; swap < 2; swap++) {
            Match m = lstmWith(c, i, add.vals[swap], add.vals[1 - swap], inexact);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    private static Match lstmWith(Ctx c, int addNode, int fc, int ig, boolean inexact) {
        int pFc = c.binary(fc, BinaryOp.MUL);
        int pIg = c.binary(ig, BinaryOp.MUL);
        if (pFc < 0 || pIg < 0) {
            return null;
        }
        int cv = c.node(addNode).vals[2];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                int iv = c.node(pIg).vals[a];
                int gv = c.node(pIg).vals[1 - a];
                int fv = c.node(pFc).vals[b];
                int cPrev = c.node(pFc).vals[1 - b];
                Slice shape = gateShape(c, iv, UnaryOp.SIGMOID);
                if (shape == null || shape.width != 4) {
                    continue;
                }
                Match m = new Match();
                int[] z = {-1};
                if (!gate(c, m, iv, UnaryOp.SIGMOID, shape, 0, z) || !gate(c, m, fv, UnaryOp.SIGMOID, shape, 1, z)
                        || !gate(c, m, gv, UnaryOp.TANH, shape, 2, z)) {
                    continue;
                }
                m.step(c, pFc);
                m.step(c, pIg);
                m.nodes.add(addNode);
                // h = o·tanh(c): a TANH reading c, its result read once, by o · it
                for (int t : c.readers.get(cv)) {
                    Node tn = c.node(t);
                    if (c.unary(tn.vals[tn.vals.length - 1], UnaryOp.TANH) != t || tn.vals[0] != cv) {
                        continue;
                    }
                    int tc = tn.vals[1];
                    if (c.readers.get(tc).size() != 1) {
                        continue;
                    }
                    int hm = c.readers.get(tc).get(0);
                    Node hn = c.node(hm);
                    int h = hn.vals[hn.vals.length - 1];
                    if (c.binary(h, BinaryOp.MUL) != hm) {
                        continue;
                    }
                    int ov = hn.vals[0] == tc ? hn.vals[1] : hn.vals[0];
                    Match full = new Match();
                    full.nodes.addAll(m.nodes);
                    full.intermediates.addAll(m.intermediates);
                    int[] z2 = {z[0]};
                    if (!gate(c, full, ov, UnaryOp.SIGMOID, shape, 3, z2)) {
                        continue;
                    }
                    full.step(c, t);
                    full.nodes.add(hm);
                    full.results.add(cv);
                    full.results.add(h);
                    full.inputs.add(z[0]);
                    full.inputs.add(cPrev);
                    Match done = lstmNode(c, full, z[0], cPrev, h, cv, shape, inexact);
                    if (done != null) {
                        return done;
                    }
                }
            }
        }
        return null;
    }

    private static Match lstmNode(Ctx c, Match m, int z, int cPrev, int h, int cv, Slice s, boolean inexact) {
        DType dt = c.value(z).dtype;
        long n = s.batch * s.hidden;
        for (int v : new int[] {cPrev, h, cv}) {
            if (c.value(v).dtype != dt || c.value(v).numel != n) {
                return null;
            }
        }
        if (!allowed(c.be, Kernel.LSTM_CELL_FORWARD, dt, inexact) || !c.valid(m)) {
            return null;
        }
        int gates = c.newValue(dt, 4 * n);
        long batch = s.batch;
        long hidden = s.hidden;
        m.fused = new Node(Node.Kind.KERNEL, "lstmCell", "batch=" + batch + " hidden=" + hidden + " (recognised)",
                new int[] {z, cPrev, h, cv, gates}, new boolean[] {true, true, false, false, false},
                new boolean[] {false, false, true, true, true},
                (b, st, hv) -> b.lstmCellForward(st[0], st[1], st[2], st[3], st[4], batch, hidden));
        return m;
    }

    // ---- GRU -------------------------------------------------------------------------------------

    /** A GRU cell whose {@code h = z·hPrev + (1 − z)·ĥ} is node i, or null. */
    private static Match gru(Ctx c, int i, boolean inexact) {
        Node add = c.node(i);
        if (add.kind != Node.Kind.KERNEL || add.ew == null || add.ew.binary != BinaryOp.ADD || add.ew.aScalar
                || add.ew.bScalar || add.hostDependent) {
            return null;
        }
        for (int swap = 0; swap < 2; swap++) {
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 2; b++) {
                    Match m = gruWith(c, i, add.vals[swap], add.vals[1 - swap], a, b, inexact);
                    if (m != null) {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /** q1 = z·hPrev (z the operand a), q2 = (1 − z)·ĥ (1 − z the operand b). */
    private static Match gruWith(Ctx c, int addNode, int q1, int q2, int a, int b, boolean inexact) {
        int p1 = c.binary(q1, BinaryOp.MUL);
        int p2 = c.binary(q2, BinaryOp.MUL);
        if (p1 < 0 || p2 < 0) {
            return null;
        }
        int zv = c.node(p1).vals[a];
        int hPrev = c.node(p1).vals[1 - a];
        int omz = c.node(p2).vals[b];
        int hh = c.node(p2).vals[1 - b];
        // 1 − z
        int sub = c.binaryWithScalar(omz, BinaryOp.SUB);
        if (sub < 0 || !c.node(sub).ew.aScalar || c.node(sub).vals[1] != zv) {
            return null;
        }
        Scalar one = c.scalar(c.node(sub).vals[0], sub, false);
        if (one == null || one.value() != 1.0) {
            return null;
        }
        // ĥ = tanh(xz_h + r·hz_h)
        int tAct = c.unary(hh, UnaryOp.TANH);
        if (tAct < 0) {
            return null;
        }
        int aH = c.binary(c.node(tAct).vals[0], BinaryOp.ADD);
        if (aH < 0) {
            return null;
        }
        for (int x = 0; x < 2; x++) {
            Slice xzh = c.slice(c.node(aH).vals[x]);
            int pv = c.node(aH).vals[1 - x];
            int pm = c.binary(pv, BinaryOp.MUL);
            if (xzh == null || xzh.width != 3 || xzh.block != 2 || pm < 0) {
                continue;
            }
            for (int y = 0; y < 2; y++) {
                int rv = c.node(pm).vals[y];
                Slice hzh = c.slice(c.node(pm).vals[1 - y]);
                if (hzh == null || hzh.block != 2 || !sameShape(hzh, xzh)) {
                    continue;
                }
                Match m = new Match();
                m.step(c, xzh.node);
                m.step(c, hzh.node);
                int[] xz = {xzh.src};
                int[] hz = {hzh.src};
                if (!sumGate(c, m, zv, xz, hz, xzh, 0) || !sumGate(c, m, rv, xz, hz, xzh, 1)) {
                    continue;
                }
                m.step(c, pm);
                m.step(c, aH);
                m.step(c, tAct);
                m.step(c, p1);
                m.step(c, sub);
                m.step(c, p2);
                m.nodes.add(addNode);
                int h = c.node(addNode).vals[2];
                m.results.add(h);
                m.inputs.add(xz[0]);
                m.inputs.add(hz[0]);
                m.inputs.add(hPrev);
                Match done = gruNode(c, m, xz[0], hz[0], hPrev, h, xzh, inexact);
                if (done != null) {
                    return done;
                }
            }
        }
        return null;
    }

    private static boolean sameShape(Slice a, Slice b) {
        return a.batch == b.batch && a.hidden == b.hidden && a.width == b.width;
    }

    /** v = σ(xz block k + hz block k), the sum's operands in either order; adds its nodes. */
    private static boolean sumGate(Ctx c, Match m, int v, int[] xz, int[] hz, Slice shape, long block) {
        int act = c.unary(v, UnaryOp.SIGMOID);
        if (act < 0) {
            return false;
        }
        int sum = c.binary(c.node(act).vals[0], BinaryOp.ADD);
        if (sum < 0) {
            return false;
        }
        for (int x = 0; x < 2; x++) {
            Slice sx = c.slice(c.node(sum).vals[x]);
            Slice sh = c.slice(c.node(sum).vals[1 - x]);
            if (sx != null && sh != null && sx.src == xz[0] && sh.src == hz[0] && sx.block == block && sh.block == block
                    && sameShape(sx, shape) && sameShape(sh, shape)) {
                m.step(c, sx.node);
                m.step(c, sh.node);
                m.step(c, sum);
                m.step(c, act);
                return true;
            }
        }
        return false;
    }

    private static Match gruNode(Ctx c, Match m, int xz, int hz, int hPrev, int h, Slice s, boolean inexact) {
        DType dt = c.value(xz).dtype;
        long n = s.batch * s.hidden;
        if (c.value(hz).dtype != dt || c.value(hz).numel != 3 * n) {
            return null;
        }
        for (int v : new int[] {hPrev, h}) {
            if (c.value(v).dtype != dt || c.value(v).numel != n) {
                return null;
            }
        }
        if (!allowed(c.be, Kernel.GRU_CELL_FORWARD, dt, inexact) || !c.valid(m)) {
            return null;
        }
        int gates = c.newValue(dt, 3 * n);
        long batch = s.batch;
        long hidden = s.hidden;
        m.fused = new Node(Node.Kind.KERNEL, "gruCell", "batch=" + batch + " hidden=" + hidden + " (recognised)",
                new int[] {xz, hz, hPrev, h, gates}, new boolean[] {true, true, true, false, false},
                new boolean[] {false, false, false, true, true},
                (b, st, hv) -> b.gruCellForward(st[0], st[1], st[2], st[3], st[4], batch, hidden));
        return m;
    }

    // ---- Adam ------------------------------------------------------------------------------------

    /** An Adam update whose copy of the new w into w is node i, or null. */
    private static Match adam(Ctx c, int i, boolean inexact) {
        if (!c.wholeCopy(i)) {
            return null;
        }
        Node cw = c.node(i);
        int wNew = cw.vals[0];
        int w = cw.vals[1];
        int sw = c.binary(wNew, BinaryOp.SUB);
        if (sw < 0 || c.node(sw).vals[0] != w) {
            return null;
        }
        int dv = c.node(sw).vals[1];
        int div = c.binary(dv, BinaryOp.DIV);
        if (div < 0) {
            return null;
        }
        int pv = c.node(div).vals[0];
        int rv = c.node(div).vals[1];
        int pm = c.binaryWithScalar(pv, BinaryOp.MUL);
        int ra = c.binaryWithScalar(rv, BinaryOp.ADD);
        if (pm < 0 || ra < 0) {
            return null;
        }
        Node pn = c.node(pm);
        Node rn = c.node(ra);
        int mRead = pn.ew.aScalar ? pn.vals[1] : pn.vals[0];
        int alphaV = pn.ew.aScalar ? pn.vals[0] : pn.vals[1];
        int qv = rn.ew.aScalar ? rn.vals[1] : rn.vals[0];
        int epsV = rn.ew.aScalar ? rn.vals[0] : rn.vals[1];
        int sq = c.unary(qv, UnaryOp.SQRT);
        if (sq < 0) {
            return null;
        }
        Match m = new Match();
        int[] g = {-1};
        double[] coef = new double[2];
        int[] mv = moment(c, m, mRead, pm, g, coef, 0);
        if (mv == null) {
            return null;
        }
        int[] vv = moment(c, m, c.node(sq).vals[0], sq, g, coef, 1);
        if (vv == null) {
            return null;
        }
        int mSlot = mv[0];
        int vSlot = vv[0];
        if (mSlot == w || vSlot == w || mSlot == vSlot || g[0] == w || g[0] == mSlot || g[0] == vSlot) {
            return null;
        }
        Scalar alpha = c.scalar(alphaV, pm, true);
        Scalar eps = c.scalar(epsV, ra, false);
        if (alpha == null || eps == null) {
            return null;
        }
        m.step(c, pm);
        m.step(c, sq);
        m.step(c, ra);
        m.step(c, div);
        m.step(c, sw);
        m.nodes.add(i);
        m.results.add(w);
        m.results.add(mSlot);
        m.results.add(vSlot);
        m.inputs.add(g[0]);
        DType dt = c.value(w).dtype;
        long n = c.value(w).numel;
        for (int v : new int[] {g[0], mSlot, vSlot, wNew}) {
            if (c.value(v).dtype != dt || c.value(v).numel != n) {
                return null;
            }
        }
        // the kernel forms c1 = 1 − β1 in double and rounds it to the dtype: choose β1 to give c1 back
        double beta1 = 1 - coef[0];
        double beta2 = 1 - coef[1];
        if (!sameRounded(1 - beta1, coef[0], dt) || !sameRounded(1 - beta2, coef[1], dt)
                || !allowed(c.be, Kernel.ADAM_UPDATE, dt, inexact) || !c.valid(m)) {
            return null;
        }
        double e = eps.value();
        int slot = alpha.slot();
        double a = alpha.value();
        m.fused = new Node(Node.Kind.KERNEL, "adam", "alpha=" + (slot >= 0 ? "$" + slot : Double.toString(a)) + " b1="
                + beta1 + " b2=" + beta2 + " eps=" + e + " (recognised)", new int[] {w, g[0], mSlot, vSlot},
                new boolean[] {true, true, true, true}, new boolean[] {true, false, true, true},
                (b, s, h) -> b.adamUpdate(s[0], s[1], s[2], s[3], slot >= 0 ? h[slot] : a, beta1, beta2, e));
        m.fused.hostDependent = slot >= 0;
        return m;
    }

    private static boolean sameRounded(double x, double y, DType dt) {
        return dt == DType.FLOAT32 ? Float.floatToRawIntBits((float) x) == Float.floatToRawIntBits((float) y)
                : Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y);
    }

    /**
     * A moment's update read at node {@code at} through value {@code read}: either the new moment
     * itself or the slot after its copy back. m: {@code slot + (g − slot)·c}; v (which = 1):
     * {@code slot + (g·g − slot)·c}, the square as SQUARE or g·g. Adds its nodes to the match and
     * records g and c.
     *
     * @return {slot} or null
     */
    private static int[] moment(Ctx c, Match m, int read, int at, int[] g, double[] coef, int which) {
        int copy = -1;
        int slot;
        int fresh;
        // the new moment read directly, copied back into its slot by one whole copy
        if (c.binary(read, BinaryOp.ADD) >= 0) {
            for (int r : c.readers.get(read)) {
                if ("copyStrided".equals(c.node(r).op) && c.wholeCopy(r) && c.node(r).vals[0] == read) {
                    if (copy >= 0) {
                        return null;
                    }
                    copy = r;
                }
            }
            if (copy < 0) {
                return null;
            }
            fresh = read;
            slot = c.node(copy).vals[1];
        } else {
            // the slot read after its copy back: the last write before the read is that copy
            int lastWrite = -1;
            for (int wi : c.writers.get(read)) {
                if (wi < at) {
                    lastWrite = Math.max(lastWrite, wi);
                }
            }
            if (lastWrite < 0 || !"copyStrided".equals(c.node(lastWrite).op) || !c.wholeCopy(lastWrite)) {
                return null;
            }
            copy = lastWrite;
            slot = read;
            fresh = c.node(copy).vals[0];
        }
        int add = c.binary(fresh, BinaryOp.ADD);
        if (add < 0) {
            return null;
        }
        Node an = c.node(add);
        int delta = an.vals[0] == slot ? an.vals[1] : an.vals[1] == slot ? an.vals[0] : -1;
        if (delta < 0 || delta == slot) {
            return null;
        }
        int mul = c.binaryWithScalar(delta, BinaryOp.MUL);
        if (mul < 0) {
            return null;
        }
        Node mn = c.node(mul);
        int diff = mn.ew.aScalar ? mn.vals[1] : mn.vals[0];
        Scalar k = c.scalar(mn.ew.aScalar ? mn.vals[0] : mn.vals[1], mul, false);
        int sub = c.binary(diff, BinaryOp.SUB);
        if (k == null || sub < 0 || c.node(sub).vals[1] != slot) {
            return null;
        }
        int first = c.node(sub).vals[0];
        int grad;
        int sq = -1;
        if (which == 0) {
            grad = first;
        } else {
            sq = c.unary(first, UnaryOp.SQUARE);
            int mg = c.binary(first, BinaryOp.MUL);
            if (sq >= 0) {
                grad = c.node(sq).vals[0];
            } else if (mg >= 0 && c.node(mg).vals[0] == c.node(mg).vals[1]) {
                sq = mg;
                grad = c.node(mg).vals[0];
            } else {
                return null;
            }
        }
        if (grad == slot || g[0] >= 0 && g[0] != grad) {
            return null;
        }
        g[0] = grad;
        coef[which] = k.value();
        if (sq >= 0) {
            m.step(c, sq);
        }
        m.step(c, sub);
        m.step(c, mul);
        m.step(c, add);
        m.nodes.add(copy);
        return new int[] {slot};
    }
}
