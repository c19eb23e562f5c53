package dev.lamina.graph;

import dev.lamina.backend.TraceHooks;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A function over tensors that runs as a replayed {@link Graph} once it has been traced.
 *
 * <p>Per input signature (backend, dtypes, shapes, which inputs share memory): the first calls run
 * eagerly while recording; when two consecutive traces are the same graph (same nodes, arguments and
 * storages), the graph is built and every later call replays it. Traces that differ are how values
 * computed in Java per call show up (a scalar argument or uploaded bytes that change): after three
 * traces without two alike, or when the function reads a tensor on the host, frees a tensor it did
 * not make or calls {@link dev.lamina.backend.HostCalls#untraceable}, that signature runs eagerly
 * for good and the reason is logged once. A trace that leaves a tensor it made alive (a layer built,
 * optimizer slots made on the first call) is not used and the next call traces again.
 *
 * <p>Calls are serialized (a graph's buffers serve one replay at a time). Close it to free the
 * graphs' buffers.
 */
public final class TracedFunction implements Function<Tensor[], Tensor[]>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.lamina.graph");
    private static final Set<String> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_TRACES = 3;
    /** replays by every traced function of the process (tests check that a fit replayed) */
    static final java.util.concurrent.atomic.AtomicLong REPLAYS = new java.util.concurrent.atomic.AtomicLong();

    private final String name;
    private final Function<Tensor[], Tensor[]> fn;
    private final GraphOptions options;
    private final Map<String, Entry> cache = new HashMap<>();
    private int traces;
    private int replays;

    private static final class Entry {
        Graph graph;
        Recorder previous;
        String eagerReason;
        int traces;
    }

    TracedFunction(String name, Function<Tensor[], Tensor[]> fn, GraphOptions options) {
        this.name = name;
        this.fn = fn;
        this.options = options;
    }

    /**
     * Runs the function: replayed when a graph exists for the inputs' signature, else eagerly (and
     * traced while the signature is new).
     *
     * @param inputs the inputs
     * @return the outputs (new tensors in the current scope)
     */
    @Override
    public synchronized Tensor[] apply(Tensor... inputs) {
        if (TraceHooks.active() != null) {
            return fn.apply(inputs); // inside another trace: recorded there
        }
        Entry e = cache.computeIfAbsent(Graph.signatureOf(inputs), k -> new Entry());
        if (e.graph != null) {
            replays++;
            REPLAYS.incrementAndGet();
            return e.graph.run(inputs);
        }
        if (e.eagerReason == null) {
            for (Tensor t : inputs) {
                if (!traceable(t.backend())) {
                    giveUp(e, "capture on the " + t.backend().name() + " backend is not implemented");
                }
            }
            if (inputs.length == 0 && !traceable(dev.lamina.backend.Backends.current())) {
                giveUp(e, "capture on the " + dev.lamina.backend.Backends.current().name() + " backend is not implemented");
            }
        }
        if (e.eagerReason != null) {
            return scoped(inputs);
        }
        Recorder r = new Recorder();
        r.inputs(inputs);
        Tensor[] out;
        TraceHooks.install(r);
        try {
            out = scoped(inputs);
        } finally {
            TraceHooks.install(null);
        }
        traces++;
        e.traces++;
        int[] outVals = finish(r, out);
        if (r.failure != null) {
            e.previous = null;
            if (!r.retry || e.traces >= MAX_TRACES) {
                giveUp(e, r.failure);
            }
            return out;
        }
        if (e.previous != null) {
            String diff = difference(e.previous, r);
            if (diff == null) {
                long[][] shapes = new long[out.length][];
                for (int i = 0; i < out.length; i++) {
                    shapes[i] = out[i].shape();
                }
                try {
                    e.graph = new Graph(name, r, outVals, shapes, options);
                } catch (RuntimeException ex) {
                    giveUp(e, "building the graph failed: " + ex);
                }
                e.previous = null;
                return out;
            }
            if (e.traces >= MAX_TRACES) {
                giveUp(e, diff);
                e.previous = null;
                return out;
            }
        }
        e.previous = r;
        return out;
    }

    /** Backends whose calls a graph replays: the host backends and cuda (graph buffers, fusion, capture). */
    static boolean traceable(dev.lamina.backend.Backend b) {
        return b instanceof dev.lamina.backend.HostBackend || b instanceof dev.lamina.backend.cuda.CudaBackend;
    }

    /** The function in a scope of its own: its temporaries are freed when it returns, as in a replay. */
    private Tensor[] scoped(Tensor[] inputs) {
        try (Scope s = Scope.open()) {
            Tensor[] out = fn.apply(inputs);
            s.keep(out);
            return out;
        }
    }

    private void giveUp(Entry e, String reason) {
        e.eagerReason = reason;
        logOnce(name, "cannot be traced: " + reason + "; it runs eagerly");
    }

    static void logOnce(String what, String message) {
        if (REPORTED.add(what + '\u0000' + message)) {
            LOG.log(Level.INFO, what + " " + message);
        }
    }

    /** The output values; fails the trace when a tensor it made outlives it without being an output. */
    private static int[] finish(Recorder r, Tensor[] out) {
        int[] vals = new int[out.length];
        Set<Integer> outs = new HashSet<>();
        for (int i = 0; i < out.length; i++) {
            vals[i] = r.valueOf(out[i].storage());
            outs.add(vals[i]);
        }
        for (Value v : r.values) {
            if (v.kind == Value.Kind.INTERNAL && !v.freed && !outs.contains(v.id)) {
                r.fail("the function kept a tensor it made that is not an output (" + v.label()
                        + "): state made on a first call, or a temporary never closed", true);
                break;
            }
        }
        return vals;
    }

    /** Null when the two traces are one graph, else the first difference. */
    private static String difference(Recorder a, Recorder b) {
        List<String> sa = a.signature();
        List<String> sb = b.signature();
        for (int i = 0; i < Math.min(sa.size(), sb.size()); i++) {
            if (!sa.get(i).equals(sb.get(i))) {
                return "the computation differs between calls at node " + i + " (" + sa.get(i) + " vs " + sb.get(i)
                        + "): a value computed in Java per call; pass it through HostCalls";
            }
        }
        if (sa.size() != sb.size()) {
            return "the number of backend calls differs between calls (" + sa.size() + " vs " + sb.size() + ")";
        }
        if (a.values.size() != b.values.size()) {
            return "the storages differ between calls";
        }
        for (int i = 0; i < a.values.size(); i++) {
            Value va = a.values.get(i);
            Value vb = b.values.get(i);
            if (va.kind == Value.Kind.EXTERNAL && va.storage != vb.storage) {
                return "the function reads a different existing tensor on each call (" + va.label() + ")";
            }
        }
        return null;
    }

    /**
     * The graph replayed for inputs of this signature, or null when there is none (yet, or the
     * signature runs eagerly).
     *
     * @param inputs tensors of the signature
     * @return the graph or null
     */
    public Graph graph(Tensor... inputs) {
        Entry e = cache.get(Graph.signatureOf(inputs));
        return e == null ? null : e.graph;
    }

    /**
     * Why inputs of this signature run eagerly, or null.
     *
     * @param inputs tensors of the signature
     * @return the reason or null
     */
    public String eagerReason(Tensor... inputs) {
        Entry e = cache.get(Graph.signatureOf(inputs));
        return e == null ? null : e.eagerReason;
    }

    /** @return how many calls were traced */
    public int traces() {
        return traces;
    }

    /** @return how many calls were replays of a graph */
    public int replays() {
        return replays;
    }

    /** Closes every graph (their buffers, constants and the storages they held). */
    @Override
    public synchronized void close() {
        for (Entry e : cache.values()) {
            if (e.graph != null) {
                e.graph.close();
            }
        }
        cache.clear();
    }
}
