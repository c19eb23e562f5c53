package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A traced, optimized and replayable computation: the backend calls of one run of a function over
 * tensors of fixed shapes and dtypes, as a static list of nodes.
 *
 * <p>Make one with {@link #trace}, which returns a {@link TracedFunction}: a function that traces
 * itself on its first calls for each input signature and replays the graph afterwards:
 *
 * <pre>{@code
 * TracedFunction f = Graph.trace(x -> new Tensor[] {model.call(x[0], false)});
 * Tensor y = f.apply(x)[0];        // traced (runs eagerly while recording)
 * Tensor y2 = f.apply(x2)[0];      // replayed when x2 has x's shape and dtype
 * System.out.println(f.graph(x));  // one line per node
 * }</pre>
 *
 * <p>Building a graph runs the passes: dead-code elimination, common-subexpression elimination,
 * constant folding, recognition of compositions that an existing fused kernel computes bitwise
 * (convolution + bias + ReLU, LSTM and GRU cells, Adam: {@code Graph.Stats#recognised}), fusion of
 * element-wise chains into one kernel (reference, cpu and cuda), and a static
 * memory plan that places every intermediate in a buffer reused when lifetimes do not overlap, so a
 * replay allocates nothing but its outputs. Host values ({@link dev.lamina.backend.HostCalls}) are
 * recomputed at each replay. A replay is bitwise the eager run on the same backend.
 *
 * <p>On the cuda backend of a real device, each run of kernel nodes between two host steps is
 * captured once as a CUDA graph and then launched as one ({@link #capturedSegments()}); on the
 * emulated device, and on the other backends, a replay runs node by node.
 *
 * <p>A graph holds the storages it replays (weights, optimizer slots, its constants and buffers)
 * until {@link #close}. Not thread-safe: replay one graph on one thread at a time.
 */
public final class Graph implements AutoCloseable {
    private final String name;
    private final Backend backend;
    private final List<Value> values;
    private final List<Node> nodes;
    private final int[] inputValues;
    private final int[] outputValues;
    private final long[][] outputShapes;
    private final int hostSlots;
    private final Storage[] base;
    private final List<Storage> owned = new ArrayList<>();
    private final List<Storage> retained = new ArrayList<>();
    private final Stats stats;
    /** the replay through captured segments (CUDA graphs), or null: node by node */
    private CapturedReplay captured;
    /** tests: a capturer used on every backend instead of CUDA graphs (null: CUDA graphs on a real device) */
    static volatile CapturedReplay.Capturer testCapturer;
    private boolean closed;

    /** What the passes did and what the memory plan holds. */
    public static final class Stats {
        /** nodes in the trace */
        public int traced;
        /** nodes removed by dead-code elimination */
        public int deadCode;
        /** nodes removed by common-subexpression elimination */
        public int commonSubexpressions;
        /** nodes folded into constants */
        public int folded;
        /** element-wise kernels absorbed into fused programs */
        public int fused;
        /** compositions replaced by an existing fused kernel (convolution + bias + ReLU, LSTM and GRU cells, Adam) */
        public int recognised;
        /** buffers of the memory plan */
        public int buffers;
        /** bytes of the memory plan's buffers */
        public long bufferBytes;
        /** bytes the intermediates would take without reuse */
        public long unplannedBytes;

        @Override
        public String toString() {
            return "traced " + traced + " nodes; dce -" + deadCode + ", cse -" + commonSubexpressions + ", folded "
                    + folded + ", fused " + fused + ", recognised " + recognised + "; memory plan " + buffers + " buffers, " + bufferBytes
                    + " bytes (" + unplannedBytes + " without reuse)";
        }
    }

    /**
     * A function over tensors that traces itself and replays its graph (see the class comment).
     *
     * @param fn the computation; it must not keep the tensors it is given
     * @return the traced function
     */
    public static TracedFunction trace(Function<Tensor[], Tensor[]> fn) {
        return new TracedFunction("fn", fn, new GraphOptions());
    }

    /**
     * As {@link #trace(Function)} with a name for logs and options.
     *
     * @param name shown in logs and {@link #toString()}
     * @param fn the computation
     * @param options which passes run
     * @return the traced function
     */
    public static TracedFunction trace(String name, Function<Tensor[], Tensor[]> fn, GraphOptions options) {
        return new TracedFunction(name, fn, options);
    }

    /**
     * Whether models use traced steps by default: false when the system property
     * {@code lamina.graph} is {@code false}.
     *
     * @return the default
     */
    public static boolean enabledByDefault() {
        return !"false".equalsIgnoreCase(System.getProperty("lamina.graph", "true").trim());
    }

    /**
     * Whether a computation made of these objects is traced by default: true when the property
     * {@code lamina.graph} is not false and every object's class is Lamina library code (loaded from
     * where this class was). User classes (a custom loss, layer or model) may branch on Java state
     * that a replay would not see, so they are traced only when asked explicitly; the reason is
     * logged once.
     *
     * @param what names the computation in the log
     * @param parts the objects whose code runs in it
     * @return whether to trace it by default
     */
    public static boolean defaultFor(String what, Object... parts) {
        if (!enabledByDefault()) {
            return false;
        }
        java.security.CodeSource lib = Graph.class.getProtectionDomain().getCodeSource();
        for (Object p : parts) {
            if (p == null) {
                continue;
            }
            java.security.CodeSource cs = p.getClass().getProtectionDomain().getCodeSource();
            boolean same = lib == null ? cs == null
                    : cs != null && java.util.Objects.equals(lib.getLocation(), cs.getLocation());
            if (!same) {
                TracedFunction.logOnce(what, "runs eagerly by default: " + p.getClass().getName()
                        + " is not library code (it may branch on Java state a replay would not see); "
                        + "FitOptions.graph(true) traces it anyway");
                return false;
            }
        }
        return true;
    }

    Graph(String name, Recorder trace, int[] outputs, long[][] outputShapes, GraphOptions options) {
        this.name = name;
        this.backend = trace.real;
        this.values = trace.values;
        this.hostSlots = trace.hostSlots;
        this.outputShapes = outputShapes;
        this.stats = new Stats();
        stats.traced = trace.nodes.size();
        Passes.Work w = new Passes.Work(new ArrayList<>(trace.nodes), values, outputs.clone());
        try {
            if (options.deadCode) {
                stats.deadCode += Passes.deadCode(w);
            }
            if (options.commonSubexpressions) {
                stats.commonSubexpressions = Passes.commonSubexpressions(w);
            }
            if (options.constantFolding) {
                stats.folded = Passes.constants(w, backend, owned);
            }
            if (options.fusedKernels) {
                stats.recognised = Passes.convBiasRelu(w);
                stats.recognised += RecognisedKernels.run(w, backend, options.inexactFusedKernels);
            }
            if (options.fusion && FusedElementwise.supports(backend)) {
                stats.fused = Passes.fuseElementwise(w);
            }
            if (options.deadCode) {
                stats.deadCode += Passes.deadCode(w);
            }
            this.nodes = w.nodes;
            this.outputValues = w.outputs;
            List<Integer> ins = new ArrayList<>();
            for (Value v : values) {
                if (v.kind == Value.Kind.INPUT) {
                    ins.add(v.id);
                }
            }
            this.inputValues = ins.stream().mapToInt(Integer::intValue).toArray();
            this.base = new Storage[values.size()];
            plan(options.memoryPlan);
            CapturedReplay.Capturer capturer = capturerFor(backend);
            if (capturer != null) {
                captured = new CapturedReplay(name, backend, values, nodes, base, inputValues, outputValues, outputShapes,
                        hostSlots, capturer);
            }
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /**
     * CUDA graphs on the cuda backend of a real device; none elsewhere, and none on the emulated
     * device, whose launches run synchronously on the CPU (a replay runs node by node there).
     */
    private static CapturedReplay.Capturer capturerFor(Backend backend) {
        CapturedReplay.Capturer t = testCapturer;
        if (t != null) {
            return t;
        }
        if (backend instanceof dev.lamina.backend.cuda.CudaBackend
                && dev.lamina.backend.cuda.CudaGraphCapture.unsupportedReason() == null) {
            return CapturedReplay.CUDA;
        }
        return null;
    }

    /** Retains the external storages and assigns every intermediate a buffer of the plan. */
    private void plan(boolean reuse) {
        int[] first = new int[values.size()];
        int[] last = new int[values.size()];
        java.util.Arrays.fill(first, -1);
        for (int i = 0; i < nodes.size(); i++) {
            for (int v : nodes.get(i).vals) {
                if (v >= 0) {
                    if (first[v] < 0) {
                        first[v] = i;
                    }
                    last[v] = i;
                }
            }
        }
        boolean[] isOut = new boolean[values.size()];
        for (int o : outputValues) {
            isOut[o] = true;
        }
        for (Value v : values) {
            boolean used = first[v.id] >= 0 || isOut[v.id];
            if (!used) {
                continue;
            }
            if (v.kind == Value.Kind.EXTERNAL) {
                v.storage.retain();
                retained.add(v.storage);
                base[v.id] = v.storage;
            } else if (v.kind == Value.Kind.CONST) {
                base[v.id] = v.storage;
            }
        }
        // greedy by liveness: a buffer is reused by a later value of the same dtype and size
        Map<String, List<Storage>> free = new HashMap<>();
        List<List<Integer>> endingAt = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            endingAt.add(new ArrayList<>());
        }
        for (Value v : values) {
            if (v.kind == Value.Kind.INTERNAL && !isOut[v.id] && first[v.id] >= 0) {
                endingAt.get(last[v.id]).add(v.id);
                stats.unplannedBytes += v.numel * v.dtype.size();
            }
        }
        List<List<Integer>> startingAt = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            startingAt.add(new ArrayList<>());
        }
        for (Value v : values) {
            if (v.kind == Value.Kind.INTERNAL && !isOut[v.id] && first[v.id] >= 0) {
                startingAt.get(first[v.id]).add(v.id);
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (int id : startingAt.get(i)) {
                Value v = values.get(id);
                List<Storage> pool = free.computeIfAbsent(v.dtype + ":" + v.numel, k -> new ArrayList<>());
                Storage s;
                if (reuse && !pool.isEmpty()) {
                    s = pool.remove(pool.size() - 1);
                } else {
                    s = backend.allocateUninitialized(v.dtype, v.numel);
                    owned.add(s);
                    stats.buffers++;
                    stats.bufferBytes += s.bytes();
                }
                base[id] = s;
            }
            for (int id : endingAt.get(i)) {
                Value v = values.get(id);
                free.computeIfAbsent(v.dtype + ":" + v.numel, k -> new ArrayList<>()).add(base[id]);
            }
        }
    }

    /**
     * Replays the graph on new inputs (their shapes and dtypes are the traced ones).
     *
     * @param inputs the inputs, in the traced order
     * @return new output tensors (in the current scope)
     */
    Tensor[] run(Tensor[] inputs) {
        if (closed) {
            throw new IllegalStateException("graph " + name + " is closed");
        }
        if (captured != null) {
            return captured.run(inputs);
        }
        Storage[] map = base.clone();
        for (int v : inputValues) {
            map[v] = inputs[values.get(v).inputIndex].storage();
        }
        List<Storage> fresh = new ArrayList<>(outputValues.length);
        for (int o : outputValues) {
            Value v = values.get(o);
            if (v.kind == Value.Kind.INTERNAL && map[o] == null) {
                Storage s = backend.allocateUninitialized(v.dtype, v.numel);
                map[o] = s;
                fresh.add(s);
            }
        }
        double[] host = new double[hostSlots];
        try {
            for (Node n : nodes) {
                Storage[] args = new Storage[n.vals.length];
                for (int j = 0; j < args.length; j++) {
                    args[j] = n.vals[j] < 0 ? null : map[n.vals[j]];
                }
                n.exec.run(backend, args, host);
            }
        } catch (RuntimeException e) {
            for (Storage s : fresh) {
                s.release();
            }
            throw e;
        }
        Tensor[] out = new Tensor[outputValues.length];
        java.util.Set<Storage> handed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int k = 0; k < out.length; k++) {
            Storage s = map[outputValues[k]];
            if (!(fresh.contains(s) && handed.add(s))) {
                s.retain(); // an input, a weight, a constant, or an output given twice
            }
            out[k] = new GraphTensor(s, outputShapes[k]);
        }
        return out;
    }

    /** @return what the passes did and the memory plan's size */
    public Stats stats() {
        return stats;
    }

    /** @return the number of nodes a replay runs */
    public int nodeCount() {
        return nodes.size();
    }

    /**
     * How many runs of kernel nodes a replay launches as captured segments (CUDA graphs), each
     * captured once; 0 when the graph replays node by node (every backend but cuda on a real device).
     *
     * @return the number of captured segments
     */
    public int capturedSegments() {
        return captured == null ? 0 : captured.segmentCount();
    }

    /** The captured replay, or null (tests). */
    CapturedReplay capturedReplay() {
        return captured;
    }

    /** @return the backend the graph replays on */
    public Backend backend() {
        return backend;
    }

    /** @return how many nodes of each op a replay runs, e.g. {@code fused=3} */
    public Map<String, Integer> opCounts() {
        Map<String, Integer> c = new java.util.TreeMap<>();
        for (Node n : nodes) {
            c.merge(n.op, 1, Integer::sum);
        }
        return c;
    }

    /** Frees the graph's buffers and constants and releases the storages it replays. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    private void release() {
        if (captured != null) {
            captured.close();
            captured = null;
        }
        for (Storage s : owned) {
            s.release();
        }
        owned.clear();
        for (Storage s : retained) {
            s.release();
        }
        retained.clear();
    }

    /** One line per node: index, op, arguments, then read values -&gt; written values with dtypes and sizes. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append("graph ").append(name).append(" on ").append(backend.name()).append(": ").append(stats).append('\n');
        b.append("  inputs:");
        for (int v : inputValues) {
            b.append(' ').append(values.get(v).label());
        }
        b.append("\n  outputs:");
        for (int k = 0; k < outputValues.length; k++) {
            b.append(' ').append(values.get(outputValues[k]).label()).append(Shapes.str(outputShapes[k]));
        }
        b.append('\n');
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            b.append(String.format("  %4d %-14s %s  (", i, n.op, n.args));
            String sep = "";
            for (int j = 0; j < n.vals.length; j++) {
                if (n.vals[j] >= 0 && n.reads[j]) {
                    b.append(sep).append(values.get(n.vals[j]).label());
                    sep = ", ";
                }
            }
            b.append(") -> (");
            sep = "";
            for (int j = 0; j < n.vals.length; j++) {
                if (n.vals[j] >= 0 && n.writes[j]) {
                    b.append(sep).append(values.get(n.vals[j]).label());
                    sep = ", ";
                }
            }
            b.append(")\n");
        }
        return b.toString();
    }

    static String signatureOf(Tensor[] inputs) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            DType d = t.dtype();
            int alias = i;
            for (int j = 0; j < i; j++) {
                if (inputs[j].storage() == t.storage()) {
                    alias = j;
                    break;
                }
            }
            s.append(t.backend().name()).append(':').append(d).append(Shapes.str(t.shape())).append('@').append(alias).append(';');
        }
        return s.toString();
    }
}
