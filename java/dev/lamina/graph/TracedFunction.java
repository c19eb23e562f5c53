package dev.lamina.graph;

import dev.lamina.backend.TraceHooks;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Thread-safe. A signature's entry (its graph and its buffers, or its trace in progress) serves one
 * call at a time: a call that finds its signature's entry in use by another thread runs the function
 * eagerly instead (on one backend a replay is bitwise the eager run, so a caller cannot tell which
 * ran). No call waits for another, and two running replays never share buffers.
 *
 * <p>The signature cache is bounded: it holds at most {@link #maxSignatures()} entries, by default
 * {@value #DEFAULT_MAX_SIGNATURES} or the system property {@value #MAX_SIGNATURES_PROPERTY}. When it is
 * full, a new signature evicts the entry used least recently only if it was called more than twice as
 * often lately (counts halved every 32 × maxSignatures calls); otherwise it runs eagerly, untraced. So a workload of
 * more signatures than the bound (a server's batch sizes 1-32) replays the frequent ones instead of
 * tracing again on every call. An evicted entry's graph is closed at once, or, when a replay is using
 * it, by that replay as it returns; a later call of its signature traces it again.
 *
 * <p>{@link #close} closes every graph the same way (a running replay finishes on its buffers and the
 * storages it holds, then frees them); a call after close is an {@link IllegalStateException}.
 */
public final class TracedFunction implements Function<Tensor[], Tensor[]>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.lamina.graph");
    private static final Set<String> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_TRACES = 3;
    /** replays by every traced function of the process (tests check that a fit replayed) */
    static final java.util.concurrent.atomic.AtomicLong REPLAYS = new java.util.concurrent.atomic.AtomicLong();

    /** The system property that sets how many input signatures a traced function keeps. */
    public static final String MAX_SIGNATURES_PROPERTY = "lamina.graph.maxSignatures";
    /** How many input signatures a traced function keeps when the property is not set. */
    public static final int DEFAULT_MAX_SIGNATURES = 16;

    private final String name;
    private final Function<Tensor[], Tensor[]> fn;
    private final GraphOptions options;
    private final int maxSignatures;
    /** signature to entry, least recently used first; guarded by this */
    private final LinkedHashMap<String, Entry> cache = new LinkedHashMap<>();
    private boolean closed; // guarded by this
    private final AtomicInteger traces = new AtomicInteger();
    private final AtomicInteger replays = new AtomicInteger();
    private final AtomicInteger busyEager = new AtomicInteger();
    private final AtomicInteger evictions = new AtomicInteger();
    private final AtomicInteger notAdmitted = new AtomicInteger();
    /** calls per signature lately (halved every 32 × maxSignatures calls); guarded by this */
    private final Map<String, Integer> frequency = new java.util.HashMap<>();
    private long calls; // guarded by this

    /** One signature's state. The fields but busy and retired belong to the thread that set busy. */
    private static final class Entry {
        Graph graph;
        Recorder previous;
        String eagerReason;
        int traces;
        /** a call is tracing or replaying this entry (guarded by the function) */
        boolean busy;
        /** evicted or closed while busy: the busy call closes the graph as it returns (guarded by the function) */
        boolean retired;

        void closeGraph() {
            if (graph != null) {
                graph.close();
            }
            previous = null;
        }
    }

    TracedFunction(String name, Function<Tensor[], Tensor[]> fn, GraphOptions options) {
        this(name, fn, options, maxSignaturesFromProperty());
    }

    TracedFunction(String name, Function<Tensor[], Tensor[]> fn, GraphOptions options, int maxSignatures) {
        if (maxSignatures < 1) {
            throw new IllegalArgumentException("traced function " + name + ": at least one signature must be kept, got "
                    + maxSignatures);
        }
        this.name = name;
        this.fn = fn;
        this.options = options;
        this.maxSignatures = maxSignatures;
    }

    /** The bound from {@value #MAX_SIGNATURES_PROPERTY}, else {@value #DEFAULT_MAX_SIGNATURES}. */
    static int maxSignaturesFromProperty() {
        String v = System.getProperty(MAX_SIGNATURES_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_MAX_SIGNATURES;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MAX_SIGNATURES_PROPERTY + " must be a positive integer, got '" + v + "'");
    }

    /**
     * Runs the function: replayed when a graph exists for the inputs' signature, else eagerly (and
     * traced while the signature is new).
     *
     * @param inputs the inputs
     * @return the outputs (new tensors in the current scope)
     */
    @Override
    public Tensor[] apply(Tensor... inputs) {
        if (TraceHooks.active() != null) {
            return fn.apply(inputs); // inside another trace: recorded there
        }
        Entry e = acquire(Graph.signatureOf(inputs));
        if (e == BUSY) {
            busyEager.incrementAndGet();
            return scoped(inputs); // another thread holds this signature's entry
        }
        if (e == NOT_ADMITTED) {
            notAdmitted.incrementAndGet();
            return scoped(inputs); // rarer than every cached signature: not worth a trace
        }
        try {
            return run(e, inputs);
        } finally {
            release(e);
        }
    }

    /** Markers of {@link #acquire}: the entry is held by another call; the signature is not cached. */
    private static final Entry BUSY = new Entry();
    private static final Entry NOT_ADMITTED = new Entry();

    /**
     * The signature's entry, made most recently used and marked busy; {@link #BUSY} when another call
     * holds it; {@link #NOT_ADMITTED} when the cache is full and the signature was not called more than
     * twice as often lately as the least recently used entry (a workload cycling through more signatures than the
     * cache holds then replays the cached ones and runs the others eagerly, instead of tracing again
     * on every call).
     */
    private synchronized Entry acquire(String signature) {
        if (closed) {
            throw new IllegalStateException("traced function " + name + " is closed");
        }
        int seen = frequency.merge(signature, 1, Integer::sum);
        if (++calls % (32L * maxSignatures) == 0) {
            // aging: halve the counts (and forget the ones that drop to 0) so that the cache follows a changing workload
            frequency.replaceAll((k, v) -> v / 2);
            frequency.values().removeIf(v -> v == 0);
        }
        Entry e = cache.remove(signature);
        if (e == null) {
            if (cache.size() >= maxSignatures) {
                Map.Entry<String, Entry> eldest = cache.entrySet().iterator().next();
                if (seen <= 2 * frequency.getOrDefault(eldest.getKey(), 0)) {
                    return NOT_ADMITTED;
                }
                cache.remove(eldest.getKey());
                evictions.incrementAndGet();
                retire(eldest.getValue());
            }
            e = new Entry();
        }
        cache.put(signature, e);
        if (e.busy) {
            return BUSY;
        }
        e.busy = true;
        return e;
    }

    private synchronized void release(Entry e) {
        e.busy = false;
        if (e.retired) {
            e.closeGraph();
        }
    }

    /** Closes a removed entry's graph now, or marks it for its busy call to close. */
    private void retire(Entry e) {
        e.retired = true;
        if (!e.busy) {
            e.closeGraph();
        }
    }

    /** One call on an entry this thread holds: replayed, traced or eager. */
    private Tensor[] run(Entry e, Tensor[] inputs) {
        if (e.graph != null) {
            replays.incrementAndGet();
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
        traces.incrementAndGet();
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
    public synchronized Graph graph(Tensor... inputs) {
        Entry e = cache.get(Graph.signatureOf(inputs));
        return e == null ? null : e.graph;
    }

    /**
     * Why inputs of this signature run eagerly, or null.
     *
     * @param inputs tensors of the signature
     * @return the reason or null
     */
    public synchronized String eagerReason(Tensor... inputs) {
        Entry e = cache.get(Graph.signatureOf(inputs));
        return e == null ? null : e.eagerReason;
    }

    /** @return how many calls were traced */
    public int traces() {
        return traces.get();
    }

    /** @return how many calls were replays of a graph */
    public int replays() {
        return replays.get();
    }

    /** @return how many calls ran eagerly because another call held their signature's entry */
    public int busyEagerCalls() {
        return busyEager.get();
    }

    /** @return how many calls ran eagerly because the cache was full of signatures seen more often */
    public int notAdmittedCalls() {
        return notAdmitted.get();
    }

    /** @return how many signatures were evicted from the cache */
    public int evictions() {
        return evictions.get();
    }

    /** @return how many signatures the cache holds now (at most {@link #maxSignatures()}) */
    public synchronized int cachedSignatures() {
        return cache.size();
    }

    /** @return the bound of the signature cache */
    public int maxSignatures() {
        return maxSignatures;
    }

    /**
     * Closes every graph (their buffers, constants and the storages they held); a graph a running
     * replay uses is closed by that replay as it returns. Later calls throw IllegalStateException.
     */
    @Override
    public synchronized void close() {
        closed = true;
        for (Entry e : cache.values()) {
            retire(e);
        }
        cache.clear();
        frequency.clear();
    }
}
