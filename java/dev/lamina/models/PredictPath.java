package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.graph.Graph;
import dev.lamina.graph.TracedFunction;
import dev.lamina.nn.Layer;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * How {@link Model#predict} runs one batch: replayed from a traced graph by default, eagerly when
 * {@code -Dlamina.graph.predict=false}, {@code -Dlamina.graph=false}, or when some layer or the model
 * is not library code ({@link Graph#defaultFor}: user code may branch on Java state a replay would not
 * see).
 *
 * <p>Safe from many threads. A batch that starts while another thread's predict batch of this model
 * is running runs eagerly (measured: concurrent traced predicts were not faster than eager ones); and
 * the traced function itself gives each signature's graph to one call at a time, running a concurrent
 * call of the same signature eagerly. On one backend a replay is bitwise the eager run, so a caller
 * cannot tell which ran. The signature cache is bounded ({@link TracedFunction#maxSignatures()}).
 *
 * <p>Closing: {@link #close} waits until the predict batches in flight on other threads have returned,
 * then frees the graphs; a later batch is an IllegalStateException. So {@link Model#close} never frees
 * a weight or a graph buffer under a running predict. Calling it from inside a predict of the same
 * model (from a layer) is an IllegalStateException rather than a deadlock.
 */
final class PredictPath implements AutoCloseable {
    private final Model model;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** predict batches in flight on this model (all threads) */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private boolean closed; // written under the write lock
    /** the traced predict and the layers it was made for; guarded by this */
    private TracedFunction traced;
    private List<Layer> tracedFor;
    /** the layers for which {@link Graph#defaultFor} said no (eager without asking again); guarded by this */
    private List<Layer> eagerFor;

    PredictPath(Model model) {
        this.model = model;
    }

    /** Whether predict is traced: neither {@code lamina.graph.predict} nor {@code lamina.graph} is false. */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty("lamina.graph.predict", "true").trim())
                && Graph.enabledByDefault();
    }

    /**
     * One batch of predict, all outputs, in inference mode.
     *
     * @param xb one tensor per input
     * @return one tensor per output, in the caller's scope
     */
    Tensor[] predictBatch(Tensor[] xb) {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (closed) {
                throw new IllegalStateException("predict: model " + model.name() + " is closed (predict after close)");
            }
            // a batch that overlaps another thread's runs eagerly: measured, concurrent traced predicts were
            // slower than eager ones (bench/RESULTS.md, "traced predict by default")
            boolean alone = inFlight.incrementAndGet() == 1;
            try {
                TracedFunction f = alone && enabled() ? traced() : null;
                return f != null ? f.apply(xb) : eager(model, xb);
            } finally {
                inFlight.decrementAndGet();
            }
        } finally {
            read.unlock();
        }
    }

    static Tensor[] eager(Model model, Tensor[] xb) {
        return GradientTape.noGrad(() -> model.callOutputs(xb, false));
    }

    /** The traced predict for the model's current layers, or null when it runs eagerly by default. */
    private synchronized TracedFunction traced() {
        List<Layer> layers = model.layers();
        if (traced != null) {
            if (layers.equals(tracedFor)) {
                return traced;
            }
            traced.close(); // a layer was added since: its graphs would replay the old model
            traced = null;
        }
        if (layers.equals(eagerFor)) {
            return null;
        }
        List<Object> parts = new ArrayList<>(layers);
        parts.add(model);
        if (!Graph.defaultFor(model.name() + ".predict", parts.toArray())) {
            eagerFor = layers;
            return null;
        }
        traced = Graph.trace(model.name() + ".predict", in -> eager(model, in), new dev.lamina.graph.GraphOptions());
        tracedFor = layers;
        return traced;
    }

    /** The traced predict, or null (tests). */
    synchronized TracedFunction tracedFunction() {
        return traced;
    }

    /**
     * Waits for the predict batches in flight, frees the traced graphs, and makes later batches fail.
     *
     * @throws IllegalStateException when called from inside a predict of this model
     */
    @Override
    public void close() {
        if (lock.getReadHoldCount() > 0) {
            throw new IllegalStateException("model " + model.name() + " cannot be closed from inside its own predict");
        }
        Lock write = lock.writeLock();
        write.lock();
        try {
            closed = true;
            synchronized (this) {
                if (traced != null) {
                    traced.close();
                    traced = null;
                }
            }
        } finally {
            write.unlock();
        }
    }
}
