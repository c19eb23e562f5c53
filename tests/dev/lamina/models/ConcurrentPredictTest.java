package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.graph.TracedFunction;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#predict} traced by default and called from many threads: bitwise the single-threaded
 * eager predictions for every batch size, the signature cache within its bound, the switches that make
 * it eager, and {@link Model#close} while other threads predict.
 */
class ConcurrentPredictTest {
    private static final int[] BATCHES = {1, 32, 7, 3, 1, 16, 5, 2, 9, 4, 11};

    private static Sequential seedLike() {
        Rng.setGlobalSeed(21);
        return new Sequential(new Input(20, 1), new LSTM(16), new Dense(8, "relu"), new Dense(1));
    }

    private static float[][] eager(Sequential m, Tensor x) {
        String before = System.getProperty("lamina.graph.predict");
        System.setProperty("lamina.graph.predict", "false");
        try (Scope s = Scope.open()) {
            float[][] out = new float[BATCHES.length][];
            for (int i = 0; i < BATCHES.length; i++) {
                out[i] = m.predict(x.slice(0, 0, BATCHES[i]), BATCHES[i]).toFloatArray();
            }
            assertNull(m.predictPath.tracedFunction(), "lamina.graph.predict=false predicts eagerly");
            return out;
        } finally {
            restore("lamina.graph.predict", before);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void manyThreadsMixedBatchSizesAreBitwiseSingleThreadedEager() throws Exception {
        Backend cpu = Backends.cpu();
        try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
            Sequential m = seedLike();
            Tensor x = new Rng(4).normal(DType.FLOAT32, 0, 1, 32, 20, 1);
            float[][] expected = eager(m, x);
            String bound = System.getProperty(TracedFunction.MAX_SIGNATURES_PROPERTY);
            System.setProperty(TracedFunction.MAX_SIGNATURES_PROPERTY, "6"); // read when the traced predict is made
            try (Scope s = Scope.open()) {
                m.predict(x.slice(0, 0, 1), 1);
            } finally {
                restore(TracedFunction.MAX_SIGNATURES_PROPERTY, bound);
            }
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        try (var u = Backends.use(cpu); Scope s = Scope.open()) {
                            java.util.Random r = new java.util.Random(seed);
                            for (int c = 0; c < 120; c++) {
                                int i = r.nextInt(BATCHES.length);
                                try (Scope call = Scope.open()) {
                                    float[] got = m.predict(x.slice(0, 0, BATCHES[i]), BATCHES[i]).toFloatArray();
                                    assertArrayEquals(expected[i], got, 0f, "thread " + seed + " batch " + BATCHES[i]);
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> d : done) {
                    d.get(180, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            TracedFunction f = m.predictPath.tracedFunction();
            assertNotNull(f, "predict is traced by default");
            // Only a batch that overlaps no other reaches the traced function, so how many sizes the threads
            // brought to its cache depends on the scheduler. One pass through all ten sizes alone does not:
            // with no eviction and no refusal the cache would end up holding all ten.
            for (int i = 0; i < BATCHES.length; i++) {
                try (Scope s = Scope.open()) {
                    assertArrayEquals(expected[i], m.predict(x.slice(0, 0, BATCHES[i]), BATCHES[i]).toFloatArray(), 0f,
                            "alone, batch " + BATCHES[i]);
                }
            }
            int replays = f.replays();
            for (int i = 0; i < 3; i++) { // alone again: replayed
                try (Scope s = Scope.open()) {
                    assertArrayEquals(expected[0], m.predict(x.slice(0, 0, 1), 1).toFloatArray(), 0f);
                }
            }
            assertTrue(f.replays() > replays, "a lone predict replays its graph");
            assertTrue(f.cachedSignatures() <= f.maxSignatures());
            assertTrue(f.evictions() + f.notAdmittedCalls() > 0, "ten sizes through a cache of " + f.maxSignatures());
            // a multi-batch predict (three full batches and a remainder) is bitwise the eager one too
            float[] all = m.predict(x, 10).toFloatArray();
            String before = System.getProperty("lamina.graph");
            System.setProperty("lamina.graph", "false");
            try {
                assertArrayEquals(m.predict(x, 10).toFloatArray(), all, 0f);
            } finally {
                restore("lamina.graph", before);
            }
            m.close();
        }
    }

    @Test
    void closeWhileOtherThreadsPredictFreesNothingUnderThem() throws Exception {
        Backend cpu = Backends.cpu();
        try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
            Tensor x = new Rng(8).normal(DType.FLOAT32, 0, 1, 32, 20, 1);
            long before = cpu.bytesInUse();
            Sequential m = seedLike();
            float[][] expected = eager(m, x);
            int threads = 3;
            CountDownLatch running = new CountDownLatch(threads);
            AtomicInteger closedErrors = new AtomicInteger();
            AtomicInteger good = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        try (var u = Backends.use(cpu); Scope s = Scope.open()) {
                            java.util.Random r = new java.util.Random(seed);
                            for (int c = 0; ; c++) {
                                if (c == 20) {
                                    running.countDown();
                                }
                                int i = r.nextInt(BATCHES.length);
                                try (Scope call = Scope.open()) {
                                    float[] got = m.predict(x.slice(0, 0, BATCHES[i]), BATCHES[i]).toFloatArray();
                                    assertArrayEquals(expected[i], got, 0f, "batch " + BATCHES[i]);
                                    good.incrementAndGet();
                                } catch (IllegalStateException e) {
                                    // predict after close: the model's weights or its predict path are closed
                                    assertTrue(e.getMessage().contains("closed"), e.getMessage());
                                    closedErrors.incrementAndGet();
                                    return null;
                                }
                            }
                        }
                    }));
                }
                assertTrue(running.await(120, TimeUnit.SECONDS));
                m.close();
                try (Scope s = Scope.open()) {
                    Tensor one = x.slice(0, 0, 1);
                    assertThrows(IllegalStateException.class, () -> m.predict(one, 1));
                }
                for (Future<?> d : done) {
                    d.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads, closedErrors.get(), "every thread stopped on a closed model");
            assertTrue(good.get() >= threads * 20);
            assertEquals(before, cpu.bytesInUse(), "weights and graphs freed once the predicts returned");
        }
    }

    @Test
    void switchesAndUserClassesPredictEagerly() {
        try (var use = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
            Tensor x = new Rng(2).normal(DType.FLOAT32, 0, 1, 4, 20, 1);
            String before = System.getProperty("lamina.graph");
            System.setProperty("lamina.graph", "false");
            try (Sequential m = seedLike()) {
                m.predict(x, 4);
                m.predict(x, 4);
                assertNull(m.predictPath.tracedFunction(), "-Dlamina.graph=false predicts eagerly");
            } finally {
                restore("lamina.graph", before);
            }
            try (Sequential m = seedLike()) {
                for (int i = 0; i < 3; i++) {
                    m.predict(x, 4);
                }
                TracedFunction f = m.predictPath.tracedFunction();
                assertNotNull(f);
                assertEquals(1, f.replays(), "two traces, then replays");
                m.add(new Dense(2)); // a layer added: its old graph would replay the old model
                assertEquals(2, m.predict(x, 4).dim(1));
                assertTrue(m.predictPath.tracedFunction() != f);
            }
            // a user's model class may branch on Java state: eager unless asked (as fit)
            class Mine extends Model {
                final Dense d = track(new Dense(3));

                Mine() {
                    super("mine");
                }

                @Override
                public Tensor call(Tensor[] in, boolean training) {
                    return d.apply(in[0].reshape(in[0].dim(0), -1), training);
                }
            }
            try (Mine m = new Mine()) {
                m.predict(x, 4);
                m.predict(x, 4);
                assertNull(m.predictPath.tracedFunction(), "a user class predicts eagerly by default");
            }
        }
    }

    /** A one-batch predict passes the caller's tensor itself to the model: an output that is it comes back as a copy. */
    @Test
    void anOutputThatIsTheInputStaysTheCallers() {
        try (var use = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
            class Identity extends Model {
                Identity() {
                    super("identity");
                }

                @Override
                public Tensor call(Tensor[] in, boolean training) {
                    return in[0];
                }
            }
            Tensor x = new Rng(1).normal(DType.FLOAT32, 0, 1, 3, 2);
            float[] values = x.toFloatArray();
            try (Identity m = new Identity()) {
                Tensor y;
                try (Scope s = Scope.open()) {
                    y = s.keep(m.predict(x, 8));
                }
                assertTrue(y != x);
                assertArrayEquals(values, y.toFloatArray(), 0f);
                y.close();
                assertArrayEquals(values, x.toFloatArray(), 0f, "the caller's input is still theirs");
            }
        }
    }
}
