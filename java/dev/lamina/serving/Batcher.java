package dev.lamina.serving;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.models.Model;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that runs a loaded model, with dynamic batching.
 *
 * <p>Every use of the model goes through this worker, so the server is correct whether or not
 * {@link Model#predict} may be called from several threads at once (for a built, stateless model it
 * only reads the weights, but a stateful RNN keeps its last states and a lazily built layer builds on
 * the first call; nothing documents it as thread-safe).
 *
 * <p>Batching: the worker takes the oldest queued request, then keeps taking queued requests of the
 * same sample shape until the batch holds {@code maxBatch} instances or {@code timeoutNanos} have passed
 * since it took the first (with a timeout of 0 it takes only what is already queued, so a lone
 * request never waits). It stacks their instances along axis 0, runs the model once on the batch in
 * inference mode through {@link Model#predictOnBatch}, the path each batch of {@link Model#predict}
 * takes (a traced graph replayed per batch size by default; the signature cache is bounded, so rare
 * batch sizes run eagerly), inside a {@link Scope} (every tensor of the call is freed when it
 * returns), and hands each request its rows. The model is closed only after this worker stopped.
 * A request larger than {@code maxBatch} runs alone. If a batched call fails, each request of the
 * batch is retried alone, so one bad request cannot fail its neighbours.
 */
final class Batcher implements AutoCloseable {
    private final Model model;
    private final Backend backend;
    private final int maxBatch;
    private final long timeoutNanos;
    private final ServingMetrics metrics;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final ArrayDeque<Job> held = new ArrayDeque<>();
    private final Thread worker;
    private volatile boolean closed;

    Batcher(Model model, Backend backend, int maxBatch, long timeoutNanos, ServingMetrics metrics, String name) {
        this.model = model;
        this.backend = backend;
        this.maxBatch = maxBatch;
        this.timeoutNanos = timeoutNanos;
        this.metrics = metrics;
        this.worker = new Thread(this::loop, name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues {@code rows} instances of shape {@code sampleShape} (row-major in {@code data}); the
     * future completes with the model's output rows, row-major, as doubles (exact for float32).
     */
    CompletableFuture<double[]> predict(float[] data, long[] sampleShape, int rows) {
        PredictJob j = new PredictJob(data, sampleShape, rows);
        submit(j);
        return j.result;
    }

    /** Runs {@code task} on the worker thread, alone (for calls that use the model in their own way). */
    <T> CompletableFuture<T> call(Callable<T> task) {
        TaskJob<T> j = new TaskJob<>(task);
        submit(j);
        return j.result;
    }

    private void submit(Job j) {
        if (closed) {
            throw new ServingException(503, "this model version is being unloaded");
        }
        queue.add(j);
    }

    private void loop() {
        try (Backends.Use u = Backends.use(backend)) {
            while (true) {
                Job first = held.isEmpty() ? queue.take() : held.poll();
                if (first == Stop.INSTANCE) {
                    return;
                }
                if (first instanceof TaskJob<?> t) {
                    t.run();
                    continue;
                }
                PredictJob p = (PredictJob) first;
                List<PredictJob> batch = new ArrayList<>();
                batch.add(p);
                int rows = p.rows;
                long deadline = System.nanoTime() + timeoutNanos;
                while (rows < maxBatch && held.isEmpty()) {
                    long wait = deadline - System.nanoTime();
                    Job next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (next instanceof PredictJob q && Arrays.equals(q.sampleShape, p.sampleShape) && rows + q.rows <= maxBatch) {
                        batch.add(q);
                        rows += q.rows;
                    } else {
                        held.add(next);  // runs first next round, so order is kept
                    }
                }
                run(batch, rows);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failPending();
        }
    }

    private void run(List<PredictJob> batch, int rows) {
        try {
            double[] out = predict(batch, rows);
            int perRow = out.length / rows;
            int at = 0;
            for (PredictJob j : batch) {
                j.result.complete(Arrays.copyOfRange(out, at, at + j.rows * perRow));
                at += j.rows * perRow;
            }
        } catch (RuntimeException | Error e) {
            if (batch.size() == 1) {
                batch.get(0).result.completeExceptionally(e);
            } else {
                for (PredictJob j : batch) {
                    run(List.of(j), j.rows);
                }
            }
        }
    }

    private double[] predict(List<PredictJob> batch, int rows) {
        float[] x;
        if (batch.size() == 1) {
            x = batch.get(0).data;
        } else {
            x = new float[batch.stream().mapToInt(j -> j.data.length).sum()];
            int at = 0;
            for (PredictJob j : batch) {
                System.arraycopy(j.data, 0, x, at, j.data.length);
                at += j.data.length;
            }
        }
        long[] shape = new long[batch.get(0).sampleShape.length + 1];
        shape[0] = rows;
        System.arraycopy(batch.get(0).sampleShape, 0, shape, 1, shape.length - 1);
        double[] out;
        try (Scope s = Scope.open()) {
            // What Model.predict(x, rows) runs for one batch (the traced replay by default, eager with
            // -Dlamina.graph.predict=false or -Dlamina.graph=false), without predict's input checks (the
            // codec made them: shape, dtype, finite values) and their extra one-sample forward pass.
            Tensor y = model.predictOnBatch(Tensor.of(x, shape))[0];
            out = y.toDoubleArray();
        }
        metrics.batch(rows);
        return out;
    }

    private void failPending() {
        List<Job> left = new ArrayList<>(held);
        held.clear();
        queue.drainTo(left);
        for (Job j : left) {
            j.fail(new ServingException(503, "the model worker stopped"));
        }
    }

    /** Finishes every queued request, then stops the worker. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(Stop.INSTANCE);
        boolean interrupted = false;
        while (worker.isAlive()) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private abstract static class Job {
        abstract void fail(Throwable t);
    }

    private static final class Stop extends Job {
        static final Stop INSTANCE = new Stop();

        @Override
        void fail(Throwable t) {
        }
    }

    private static final class PredictJob extends Job {
        final float[] data;
        final long[] sampleShape;
        final int rows;
        final CompletableFuture<double[]> result = new CompletableFuture<>();

        PredictJob(float[] data, long[] sampleShape, int rows) {
            this.data = data;
            this.sampleShape = sampleShape;
            this.rows = rows;
        }

        @Override
        void fail(Throwable t) {
            result.completeExceptionally(t);
        }
    }

    private static final class TaskJob<T> extends Job {
        final Callable<T> task;
        final CompletableFuture<T> result = new CompletableFuture<>();

        TaskJob(Callable<T> task) {
            this.task = task;
        }

        void run() {
            try (Scope s = Scope.open()) {
                result.complete(task.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        }

        @Override
        void fail(Throwable t) {
            result.completeExceptionally(t);
        }
    }
}
