package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph passes. Each keeps the replay bitwise equal to the eager run: nodes are removed only
 * when nothing observable reads what they write, merged only when they compute the same function of
 * the same unchanged values, folded only when they depend on constants alone, and fused only into
 * a program that rounds each step as the unfused kernel stores it.
 */
final class Passes {
    private Passes() {
    }

    /** The nodes, values and outputs a pass works on. */
    static final class Work {
        List<Node> nodes;
        final List<Value> values;
        final int[] outputs;

        Work(List<Node> nodes, List<Value> values, int[] outputs) {
            this.nodes = nodes;
            this.values = values;
            this.outputs = outputs;
        }

        boolean isOutput(int v) {
            for (int o : outputs) {
                if (o == v) {
                    return true;
                }
            }
            return false;
        }

        /** For each value, the indices of the nodes that write it, in order. */
        List<List<Integer>> writers() {
            List<List<Integer>> w = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                w.add(new ArrayList<>());
            }
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                for (int j = 0; j < n.vals.length; j++) {
                    if (n.writes[j] && !w.get(n.vals[j]).contains(i)) {
                        w.get(n.vals[j]).add(i);
                    }
                }
            }
            return w;
        }

        int[] readCounts() {
            int[] r = new int[values.size()];
            for (Node n : nodes) {
                for (int j = 0; j < n.vals.length; j++) {
                    if (n.reads[j]) {
                        r[n.vals[j]]++;
                    }
                }
            }
            return r;
        }
    }

    /**
     * Dead-code elimination: keeps host steps, writes to inputs, external storages and outputs, and
     * (backwards) every write to a value a kept node reads.
     *
     * @return nodes removed
     */
    static int deadCode(Work w) {
        boolean[] needed = new boolean[w.values.size()];
        for (int o : w.outputs) {
            needed[o] = true;
        }
        for (Value v : w.values) {
            if (v.kind == Value.Kind.EXTERNAL || v.kind == Value.Kind.INPUT) {
                needed[v.id] = true;
            }
        }
        boolean[] live = new boolean[w.nodes.size()];
        for (int i = w.nodes.size() - 1; i >= 0; i--) {
            Node n = w.nodes.get(i);
            boolean keep = n.isHost();
            for (int j = 0; j < n.vals.length && !keep; j++) {
                keep = n.writes[j] && needed[n.vals[j]];
            }
            if (keep) {
                live[i] = true;
                for (int j = 0; j < n.vals.length; j++) {
                    if (n.reads[j]) {
                        needed[n.vals[j]] = true;
                    }
                }
            }
        }
        return keepOnly(w, live);
    }

    private static int keepOnly(Work w, boolean[] live) {
        List<Node> kept = new ArrayList<>();
        for (int i = 0; i < live.length; i++) {
            if (live[i]) {
                kept.add(w.nodes.get(i));
            }
        }
        int removed = w.nodes.size() - kept.size();
        w.nodes = kept;
        return removed;
    }

    /**
     * Common-subexpression elimination: a kernel whose op, arguments and read values (at the same
     * version: not written in between) equal an earlier one's, and whose outputs are written by it
     * alone, is dropped and its outputs renamed to the earlier node's.
     *
     * @return nodes removed
     */
    static int commonSubexpressions(Work w) {
        List<List<Integer>> writers = w.writers();
        int[] version = new int[w.values.size()];
        int[] rename = new int[w.values.size()];
        for (int i = 0; i < rename.length; i++) {
            rename[i] = i;
        }
        Map<String, Node> seen = new HashMap<>();
        boolean[] live = new boolean[w.nodes.size()];
        Arrays.fill(live, true);
        for (int i = 0; i < w.nodes.size(); i++) {
            Node n = w.nodes.get(i);
            for (int j = 0; j < n.vals.length; j++) {
                if (n.vals[j] >= 0) {
                    n.vals[j] = rename[n.vals[j]];
                }
            }
            if (cseEligible(w, n, i, writers)) {
                StringBuilder key = new StringBuilder(n.op).append('|').append(n.args);
                for (int j = 0; j < n.vals.length; j++) {
                    key.append('|');
                    if (n.vals[j] < 0) {
                        key.append('-');
                        continue;
                    }
                    Value v = w.values.get(n.vals[j]);
                    if (n.reads[j]) {
                        key.append('r').append(v.id).append('@').append(version[v.id]);
                    } else {
                        key.append('w').append(v.dtype).append(v.numel).append(v.zeroed);
                    }
                }
                Node first = seen.get(key.toString());
                if (first != null) {
                    for (int j = 0; j < n.vals.length; j++) {
                        if (n.writes[j]) {
                            rename[n.vals[j]] = first.vals[j];
                        }
                    }
                    live[i] = false;
                    continue;
                }
                seen.put(key.toString(), n);
            }
            for (int j = 0; j < n.vals.length; j++) {
                if (n.writes[j]) {
                    version[n.vals[j]]++;
                }
            }
        }
        for (int k = 0; k < w.outputs.length; k++) {
            w.outputs[k] = rename[w.outputs[k]];
        }
        return keepOnly(w, live);
    }

    private static boolean cseEligible(Work w, Node n, int index, List<List<Integer>> writers) {
        if (n.kind != Node.Kind.KERNEL || n.hostDependent) {
            return false;
        }
        boolean writesAny = false;
        for (int j = 0; j < n.vals.length; j++) {
            if (!n.writes[j]) {
                continue;
            }
            writesAny = true;
            Value v = w.values.get(n.vals[j]);
            if (n.reads[j] || v.kind != Value.Kind.INTERNAL || w.isOutput(v.id)) {
                return false;
            }
            for (int other : writers.get(v.id)) {
                if (other != index && w.nodes.get(other).kind != Node.Kind.ZEROS) {
                    return false;
                }
            }
        }
        return writesAny;
    }

    /**
     * Constant folding: nodes that depend on nothing but constants (fills, constant uploads and
     * kernels of their results) run once, now, into storages the graph keeps; the nodes go.
     *
     * @return nodes folded
     */
    static int constants(Work w, Backend backend, List<Storage> owned) {
        List<List<Integer>> writers = w.writers();
        boolean[] cand = new boolean[w.nodes.size()];
        for (int i = 0; i < cand.length; i++) {
            Node n = w.nodes.get(i);
            boolean ok = (n.kind == Node.Kind.KERNEL || n.kind == Node.Kind.ZEROS || n.kind == Node.Kind.UPLOAD_CONST)
                    && !n.hostDependent;
            for (int j = 0; j < n.vals.length && ok; j++) {
                if (n.writes[j]) {
                    Value v = w.values.get(n.vals[j]);
                    ok = v.kind == Value.Kind.INTERNAL && !w.isOutput(v.id);
                }
            }
            cand[i] = ok;
        }
        boolean[] isConst = new boolean[w.values.size()];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Value v : w.values) {
                List<Integer> ws = writers.get(v.id);
                boolean c = !ws.isEmpty();
                for (int i : ws) {
                    c &= cand[i];
                }
                isConst[v.id] = c;
            }
            for (int i = 0; i < cand.length; i++) {
                if (!cand[i]) {
                    continue;
                }
                Node n = w.nodes.get(i);
                for (int j = 0; j < n.vals.length; j++) {
                    if ((n.reads[j] || n.writes[j]) && !isConst[n.vals[j]]) {
                        cand[i] = false;
                        changed = true;
                        break;
                    }
                }
            }
        }
        Map<Integer, Storage> storages = new HashMap<>();
        boolean[] live = new boolean[cand.length];
        for (int i = 0; i < cand.length; i++) {
            live[i] = !cand[i];
            if (!cand[i]) {
                continue;
            }
            Node n = w.nodes.get(i);
            Storage[] args = new Storage[n.vals.length];
            for (int j = 0; j < n.vals.length; j++) {
                if (n.vals[j] < 0) {
                    continue;
                }
                Value v = w.values.get(n.vals[j]);
                args[j] = storages.computeIfAbsent(v.id, id -> {
                    Storage s = backend.allocateUninitialized(v.dtype, v.numel);
                    owned.add(s);
                    return s;
                });
            }
            n.exec.run(backend, args, new double[0]);
        }
        for (Map.Entry<Integer, Storage> e : storages.entrySet()) {
            Value v = w.values.get(e.getKey());
            v.kind = Value.Kind.CONST;
            v.storage = e.getValue();
        }
        return keepOnly(w, live);
    }

    /**
     * Fusion of element-wise chains: a unary or binary kernel (same numel and float dtype, operands
     * whole or one broadcast element) whose input was made by another such kernel that nobody else
     * reads becomes one program with it.
     *
     * @return kernels absorbed into fused programs
     */
    static int fuseElementwise(Work w) {
        List<List<Integer>> writers = w.writers();
        int[] reads = w.readCounts();
        Map<Node, FusedElementwise.Expr> exprs = new IdentityHashMap<>();
        boolean[] live = new boolean[w.nodes.size()];
        Arrays.fill(live, true);
        int absorbed = 0;
        for (int i = 0; i < w.nodes.size(); i++) {
            Node c = w.nodes.get(i);
            if (c.ew == null || c.hostDependent) {
                continue;
            }
            Value out = w.values.get(c.vals[c.vals.length - 1]);
            FusedElementwise.Expr e;
            if (c.ew.unary != null) {
                e = new FusedElementwise.Op(c.ew.unary, null, new FusedElementwise.In(c.vals[0], false), null);
            } else {
                e = new FusedElementwise.Op(null, c.ew.binary, new FusedElementwise.In(c.vals[0], c.ew.aScalar),
                        new FusedElementwise.In(c.vals[1], c.ew.bScalar));
            }
            List<Integer> taken = new ArrayList<>();
            FusedElementwise.Op op = (FusedElementwise.Op) e;
            FusedElementwise.Expr a = absorb(w, op.a, c, i, out, writers, reads, exprs, live, taken);
            FusedElementwise.Expr b = op.b == null ? null
                    : absorb(w, op.b, c, i, out, writers, reads, exprs, live, taken);
            FusedElementwise.Expr fusedExpr = new FusedElementwise.Op(op.unary, op.binary, a, b);
            if (!taken.isEmpty() && FusedElementwise.Program.compile(fusedExpr, out.dtype, out.numel).registers()
                    > FusedElementwise.MAX_REGISTERS) {
                for (int k : taken) {
                    live[k] = true; // too long a program: this consumer stays unfused
                }
                taken.clear();
            } else {
                e = fusedExpr;
            }
            if (!taken.isEmpty()) {
                absorbed += taken.size();
                Node f = makeFused(e, out);
                w.nodes.set(i, f);
                exprs.put(f, e);
            } else {
                exprs.put(c, e);
            }
        }
        keepOnly(w, live);
        return absorbed;
    }

    private static FusedElementwise.Expr absorb(Work w, FusedElementwise.Expr leaf, Node c, int ci, Value out,
                                                List<List<Integer>> writers, int[] reads,
                                                Map<Node, FusedElementwise.Expr> exprs, boolean[] live,
                                                List<Integer> taken) {
        FusedElementwise.In in = (FusedElementwise.In) leaf;
        Value r = w.values.get(in.value);
        if (in.scalar || r.kind != Value.Kind.INTERNAL || w.isOutput(r.id) || r.dtype != out.dtype || r.numel != out.numel) {
            return leaf;
        }
        List<Integer> ws = writers.get(r.id);
        if (ws.size() != 1 || ws.get(0) >= ci) {
            return leaf;
        }
        int pi = ws.get(0);
        Node p = w.nodes.get(pi);
        FusedElementwise.Expr pe = exprs.get(p);
        if (pe == null) {
            return leaf;
        }
        if (!live[pi]) {
            // absorbed already by this consumer (it reads the value twice): share the expression;
            // absorbed by another consumer cannot happen (the value has one reader node)
            return pe;
        }
        int readsInC = 0;
        for (int j = 0; j < c.vals.length; j++) {
            if (c.reads[j] && c.vals[j] == r.id) {
                readsInC++;
            }
        }
        if (reads[r.id] != readsInC) {
            return leaf;
        }
        // the producer's inputs must not change between the producer and the consumer
        for (int j = 0; j < p.vals.length; j++) {
            if (!p.reads[j]) {
                continue;
            }
            for (int wi : writers.get(p.vals[j])) {
                if (wi > pi && wi < ci) {
                    return leaf;
                }
            }
        }
        live[pi] = false;
        taken.add(pi);
        return pe;
    }

    private static Node makeFused(FusedElementwise.Expr e, Value out) {
        FusedElementwise.Program prog = FusedElementwise.Program.compile(e, out.dtype, out.numel);
        int n = prog.inputValues.length;
        int[] vals = Arrays.copyOf(prog.inputValues, n + 1);
        vals[n] = out.id;
        boolean[] rd = new boolean[n + 1];
        boolean[] wr = new boolean[n + 1];
        Arrays.fill(rd, 0, n, true);
        wr[n] = true;
        Node f = new Node(Node.Kind.FUSED, "fused", prog.describe(), vals, rd, wr,
                (b, s, h) -> FusedElementwise.run(b, prog, s));
        f.program = prog;
        return f;
    }

    /**
     * Recognises a convolution followed by a bias add over its channels and, optionally, a ReLU —
     * {@code relu(conv2d(x, k) + bias)} written with tensor ops — and replaces the three kernels with
     * the backend's {@code conv2dForwardFused}, which computes exactly that composition (bitwise: the
     * interface's default runs these same three kernels; {@code ComposedKernelsTest} holds the fused
     * kernels to it). Each intermediate must be read by the next step only, and x, the kernel and the
     * bias must not change in between.
     *
     * @return compositions replaced
     */
    static int convBiasRelu(Work w) {
        List<List<Integer>> writers = w.writers();
        int[] reads = w.readCounts();
        boolean[] live = new boolean[w.nodes.size()];
        Arrays.fill(live, true);
        int replaced = 0;
        for (int i = 0; i < w.nodes.size(); i++) {
            Node c = w.nodes.get(i);
            if (c.conv == null || !live[i]) {
                continue;
            }
            int z = c.vals[2];
            int j = soleReader(w, z, i, writers, reads);
            if (j < 0) {
                continue;
            }
            Node add = w.nodes.get(j);
            long k = c.conv.outC();
            if (add.binaryOp != dev.lamina.backend.BinaryOp.ADD || add.vals[0] != z || add.hostDependent
                    || !Arrays.equals(add.aStrides, dev.lamina.tensor.Shapes.strides(add.outShape))
                    || add.outShape.length < 1 || add.outShape[add.outShape.length - 1] != k) {
                continue;
            }
            int bias = add.vals[1];
            Value bv = w.values.get(bias);
            Value zv = w.values.get(z);
            long[] bs = add.bStrides;
            boolean channels = bv.numel == k && bv.dtype == zv.dtype && bs[bs.length - 1] == 1;
            for (int d = 0; d < bs.length - 1; d++) {
                channels &= bs[d] == 0;
            }
            if (!channels || w.values.get(add.vals[2]).numel != zv.numel) {
                continue;
            }
            int last = j;
            int out = add.vals[2];
            boolean relu = false;
            int r = soleReader(w, out, j, writers, reads);
            if (r >= 0) {
                Node n = w.nodes.get(r);
                if (n.ew != null && n.ew.unary == dev.lamina.backend.UnaryOp.RELU && !n.hostDependent) {
                    relu = true;
                    last = r;
                    out = n.vals[1];
                }
            }
            int x = c.vals[0];
            int kernel = c.vals[1];
            if (changedBetween(writers, x, i, last) || changedBetween(writers, kernel, i, last)
                    || changedBetween(writers, bias, i, last)) {
                continue;
            }
            dev.lamina.backend.ConvGeometry g = c.conv;
            boolean act = relu;
            Node f = new Node(Node.Kind.KERNEL, "conv2dBiasAct", c.args + (act ? " relu" : "") + " (recognised)",
                    new int[] {x, kernel, bias, out}, new boolean[] {true, true, true, false},
                    new boolean[] {false, false, false, true},
                    (b, s, h) -> b.conv2dForwardFused(s[0], s[1], s[2], act, s[3], g));
            w.nodes.set(last, f);
            live[i] = false;
            if (last != j) {
                live[j] = false;
            }
            replaced++;
        }
        keepOnly(w, live);
        return replaced;
    }

    /** The one node after {@code from} that reads internal value v (written only at from), or −1. */
    private static int soleReader(Work w, int v, int from, List<List<Integer>> writers, int[] reads) {
        Value val = w.values.get(v);
        if (val.kind != Value.Kind.INTERNAL || w.isOutput(v) || reads[v] != 1 || writers.get(v).size() != 1
                || writers.get(v).get(0) != from) {
            return -1;
        }
        for (int i = from + 1; i < w.nodes.size(); i++) {
            Node n = w.nodes.get(i);
            for (int j = 0; j < n.vals.length; j++) {
                if (n.reads[j] && n.vals[j] == v) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static boolean changedBetween(List<List<Integer>> writers, int v, int from, int to) {
        for (int wi : writers.get(v)) {
            if (wi > from && wi <= to) {
                return true;
            }
        }
        return false;
    }
}
