package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.HostCalls;
import dev.lamina.models.Sequential;
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
import org.junit.jupiter.api.Test;

/**
 * A {@link TracedFunction} called from many threads: results bitwise the eager ones, the signature
 * cache within its bound, and eviction and close while a replay runs never free its buffers under it.
 */
class ConcurrentTracedFunctionTest {
    private static final int[] BATCHES = {1, 2, 3, 5, 8, 13};

    @Test
    void manyThreadsMixedBatchesAreBitwiseEager() throws Exception {
        Backend cpu = Backends.cpu();
        try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(5);
            Sequential model = new Sequential(new Input(20, 1), new LSTM(16), new Dense(8, "relu"), new Dense(1));
            Tensor x = new Rng(9).normal(DType.FLOAT32, 0, 1, 13, 20, 1);
            float[][] eager = new float[BATCHES.length][];
            for (int i = 0; i < BATCHES.length; i++) {
                Tensor xb = x.slice(0, 0, BATCHES[i]);
                eager[i] = GradientTape.noGrad(() -> model.call(xb, false)).toFloatArray();
            }
            long before = cpu.bytesInUse();
            TracedFunction f = new TracedFunction("concurrent", in -> new Tensor[] {
                GradientTape.noGrad(() -> model.call(in[0], false))}, new GraphOptions(), 4);
            int threads = 4;
            int calls = 150;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        try (var u = Backends.use(cpu); Scope s = Scope.open()) {
                            java.util.Random r = new java.util.Random(seed);
                            for (int c = 0; c < calls; c++) {
                                // mostly two sizes (replays, and contention on them), sometimes others (eviction)
                                int i = r.nextInt(10) < 8 ? r.nextInt(2) : r.nextInt(BATCHES.length);
                                try (Scope call = Scope.open()) {
                                    float[] got = f.apply(x.slice(0, 0, BATCHES[i]))[0].toFloatArray();
                                    assertArrayEquals(eager[i], got, 0f, "thread " + seed + " call " + c + " batch " + BATCHES[i]);
                                }
                                assertTrue(f.cachedSignatures() <= 4, "cache over its bound: " + f.cachedSignatures());
                            }
                        }
                        return seed;
                    }));
                }
                for (Future<Integer> d : done) {
                    d.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(f.replays() > 0, "no call replayed a graph");
            assertTrue(f.evictions() + f.notAdmittedCalls() > 0, "six sizes through a cache of four");
            f.close();
            assertEquals(before, cpu.bytesInUse(), "close frees every graph, evicted ones included");
            model.close();
        }
    }

    @Test
    void cacheNeverExceedsItsBoundAndEvictedGraphsAreFreed() {
        Backend cpu = Backends.cpu();
        try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
            Rng rng = new Rng(3);
            Tensor w = rng.normal(DType.FLOAT32, 0, 1, 6, 6);
            Tensor one = rng.normal(DType.FLOAT32, 0, 1, 1, 6);
            long before = cpu.bytesInUse();
            TracedFunction f = new TracedFunction("bounded", in -> new Tensor[] {in[0].matmul(w).tanh().mul(2.0)},
                    new GraphOptions(), 3);
            java.util.function.IntConsumer call = n -> {
                try (Scope s = Scope.open()) {
                    Tensor x = rng.normal(DType.FLOAT32, 0, 1, n, 6);
                    float[] eager = x.matmul(w).tanh().mul(2.0).toFloatArray();
                    assertArrayEquals(eager, f.apply(x)[0].toFloatArray(), 0f, "rows " + n);
                    assertTrue(f.cachedSignatures() <= 3, "cache holds " + f.cachedSignatures());
                }
            };
            for (int n = 1; n <= 3; n++) {
                for (int rep = 0; rep < 3; rep++) {
                    call.accept(n); // two traces, then a replay
                }
            }
            long three = cpu.bytesInUse();
            assertEquals(3, f.replays());
            // a fourth signature called at most twice as often as the least recent one runs eagerly, untraced
            for (int rep = 0; rep < 6; rep++) {
                call.accept(4);
            }
            assertEquals(6, f.notAdmittedCalls());
            assertEquals(0, f.evictions());
            assertEquals(three, cpu.bytesInUse(), "a signature not admitted holds nothing");
            // called more often, it evicts the least recently used (rows 1), whose graph is freed
            call.accept(4);
            assertEquals(1, f.evictions());
            assertEquals(3, f.cachedSignatures());
            assertEquals(null, f.graph(one), "rows 1 was evicted");
            call.accept(4);
            call.accept(4); // traced twice, now replayed
            try (Scope s = Scope.open()) {
                assertNotNull(f.graph(rng.normal(DType.FLOAT32, 0, 1, 4, 6)));
            }
            assertEquals(4, f.replays());
            // many sizes in turn: the bound holds, every result is eager's
            for (int round = 0; round < 6; round++) {
                for (int n = 1; n <= 8; n++) {
                    call.accept(n);
                    call.accept(n);
                }
            }
            f.close();
            assertEquals(before, cpu.bytesInUse(), "evicted and cached graphs all freed");
            assertThrows(IllegalStateException.class, () -> f.apply(one));
        }
    }

    @Test
    void maxSignaturesComesFromTheProperty() {
        String old = System.getProperty(TracedFunction.MAX_SIGNATURES_PROPERTY);
        try {
            System.clearProperty(TracedFunction.MAX_SIGNATURES_PROPERTY);
            assertEquals(TracedFunction.DEFAULT_MAX_SIGNATURES, Graph.trace(in -> in).maxSignatures());
            System.setProperty(TracedFunction.MAX_SIGNATURES_PROPERTY, "5");
            assertEquals(5, Graph.trace(in -> in).maxSignatures());
            System.setProperty(TracedFunction.MAX_SIGNATURES_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, () -> Graph.trace(in -> in));
        } finally {
            if (old == null) {
                System.clearProperty(TracedFunction.MAX_SIGNATURES_PROPERTY);
            } else {
                System.setProperty(TracedFunction.MAX_SIGNATURES_PROPERTY, old);
            }
        }
    }

    /** A replay held inside a host step (mid-graph, its buffers live) while others evict and close. */
    @Test
    void evictionAndCloseWaitForTheRunningReplay() throws Exception {
        Backend cpu = Backends.cpu();
        for (boolean closeIt : new boolean[] {false, true}) {
            try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
                Rng rng = new Rng(4);
                Tensor w = rng.normal(DType.FLOAT32, 0, 1, 8, 8);
                CountDownLatch entered = new CountDownLatch(1);
                CountDownLatch go = new CountDownLatch(1);
                java.util.concurrent.atomic.AtomicBoolean block = new java.util.concurrent.atomic.AtomicBoolean();
                TracedFunction f = new TracedFunction("held", in -> {
                    Tensor a = in[0].matmul(w).tanh();
                    HostCalls.effect(() -> {
                        if (block.getAndSet(false)) {
                            entered.countDown();
                            try {
                                go.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                    return new Tensor[] {a.matmul(w).sigmoid().add(a)};
                }, new GraphOptions(), 1);
                Tensor x4 = rng.normal(DType.FLOAT32, 0, 1, 4, 8);
                long before = cpu.bytesInUse();
                float[] eager4;
                try (Scope s = Scope.open()) {
                    Tensor a = x4.matmul(w).tanh();
                    eager4 = a.matmul(w).sigmoid().add(a).toFloatArray();
                }
                f.apply(x4)[0].close();
                f.apply(x4)[0].close();
                Graph g = f.graph(x4);
                assertNotNull(g, f.eagerReason(x4));
                block.set(true);
                ExecutorService pool = Executors.newSingleThreadExecutor();
                try {
                    Future<float[]> held = pool.submit(() -> {
                        try (var u = Backends.use(cpu); Scope s = Scope.open()) {
                            return f.apply(x4)[0].toFloatArray();
                        }
                    });
                    assertTrue(entered.await(60, TimeUnit.SECONDS), "the replay did not reach its host step");
                    // same signature while held: runs eagerly, bitwise the same
                    try (Scope s = Scope.open()) {
                        assertArrayEquals(eager4, f.apply(x4)[0].toFloatArray(), 0f);
                    }
                    assertEquals(1, f.busyEagerCalls());
                    if (closeIt) {
                        f.close();
                        assertThrows(IllegalStateException.class, () -> f.apply(x4));
                    } else {
                        for (int i = 0; i < 20 && f.evictions() == 0; i++) {
                            try (Scope s = Scope.open()) {
                                f.apply(rng.normal(DType.FLOAT32, 0, 1, 2, 8))[0].close(); // evicts the held signature
                            }
                        }
                        assertEquals(1, f.evictions());
                        assertEquals(1, f.cachedSignatures());
                    }
                    go.countDown();
                    assertArrayEquals(eager4, held.get(60, TimeUnit.SECONDS), 0f, "the held replay ran on freed buffers");
                } finally {
                    go.countDown();
                    pool.shutdownNow();
                }
                assertThrows(IllegalStateException.class, () -> g.run(new Tensor[] {x4}),
                        "the evicted graph is closed once its replay returned");
                if (!closeIt) {
                    f.close();
                }
                assertEquals(before, cpu.bytesInUse(), "every graph freed");
            }
        }
    }
}
