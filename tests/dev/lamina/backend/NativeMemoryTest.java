package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, leaks: tensors never closed and unreachable are freed by the cleaner; the native memory
 * limit collects garbage before it fails; scopes and worker threads; pinned storages outlive a close.
 */
class NativeMemoryTest {

    private static String cleanerSetting;
    private static long startBytes;

    /** The test build turns the cleaner off (NativeMemory.CLEANER_PROPERTY); these tests need it on. */
    @org.junit.jupiter.api.BeforeAll
    static void cleanerOn() {
        cleanerSetting = System.setProperty(NativeMemory.CLEANER_PROPERTY, "true");
        startBytes = NativeMemory.bytesInUse();
    }

    /** Restores the setting, and waits for the cleaner to free what these tests leaked on purpose. */
    @org.junit.jupiter.api.AfterAll
    static void cleanerRestored() {
        if (cleanerSetting == null) {
            System.clearProperty(NativeMemory.CLEANER_PROPERTY);
        } else {
            System.setProperty(NativeMemory.CLEANER_PROPERTY, cleanerSetting);
        }
        NativeMemory.collect(startBytes, 5_000);
    }

    /** Drops all garbage now so that later frees by the cleaner come from this test only. */
    private static long settledBaseline() {
        long before;
        long after = NativeMemory.bytesInUse();
        do {
            before = after;
            NativeMemory.collect(0, 50);
            after = NativeMemory.bytesInUse();
        } while (after < before);
        return after;
    }

    @Test
    void unreachableTensorsAreFreedByTheCleaner() {
        Backend cpu = Backends.cpu();
        long base = settledBaseline();
        long leaksBefore = NativeMemory.leaksFreed();
        for (int i = 0; i < 200; i++) {
            Tensor.zeros(cpu, DType.FLOAT32, 16_384).add(Tensor.zeros(cpu, DType.FLOAT32, 16_384));   // 64 KiB each, never closed
        }
        assertTrue(NativeMemory.collect(base, 10_000), "unreachable tensors freed: in use " + NativeMemory.bytesInUse()
                + ", baseline " + base);
        assertTrue(NativeMemory.leaksFreed() - leaksBefore >= 500, "leaks counted: " + (NativeMemory.leaksFreed() - leaksBefore));
    }

    @Test
    void leakTraceLogsWhereTheLeakedTensorWasMade() throws InterruptedException {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("dev.lamina.memory");
        List<java.util.logging.LogRecord> records = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        String old = System.setProperty(NativeMemory.LEAKS_PROPERTY, "trace");
        try {
            settledBaseline();
            leakOne();
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && records.stream().noneMatch(NativeMemoryTest::fromLeakOne)) {
                System.gc();
                Thread.sleep(20);
            }
            assertTrue(records.stream().anyMatch(NativeMemoryTest::fromLeakOne),
                    "a leaked tensor is logged with the stack of its allocation");
        } finally {
            log.removeHandler(h);
            if (old == null) {
                System.clearProperty(NativeMemory.LEAKS_PROPERTY);
            } else {
                System.setProperty(NativeMemory.LEAKS_PROPERTY, old);
            }
        }
    }

    private static void leakOne() {
        Tensor.zeros(Backends.cpu(), DType.FLOAT32, 333);
    }

    private static boolean fromLeakOne(java.util.logging.LogRecord r) {
        return r.getThrown() != null && r.getMessage().contains("1332 bytes")
                && java.util.Arrays.stream(r.getThrown().getStackTrace()).anyMatch(e -> e.getMethodName().equals("leakOne"));
    }

    @Test
    void soakTenThousandUnscopedOpsStayUnderAFixedBound() {
        Backend cpu = Backends.cpu();
        long base = settledBaseline();
        long bound = 48L << 20;                   // 48 MiB above the baseline; leaking all would need 640 MiB
        long old = NativeMemory.setLimit(base + bound);
        try {
            NativeMemory.resetPeak();
            Tensor x = Tensor.zeros(cpu, DType.FLOAT32, 8192);   // 32 KiB
            for (int i = 0; i < 10_000; i++) {
                x.add(1.0).mul(x);                // two 32 KiB tensors (and a scalar) per step, never closed
            }
            x.close();
            assertTrue(NativeMemory.peakBytes() <= base + bound, "peak " + NativeMemory.peakBytes() + " over the bound "
                    + (base + bound));
            assertTrue(NativeMemory.collect(base, 10_000), "back to the baseline: " + NativeMemory.bytesInUse() + " vs " + base);
        } finally {
            NativeMemory.setLimit(old);
        }
    }

    @Test
    void theLimitCollectsGarbageFirstThenFailsClearly() {
        Backend ref = Backends.reference();
        long base = settledBaseline();
        long old = NativeMemory.setLimit(base + (8L << 20));
        try {
            long gcs = NativeMemory.forcedCollections();
            for (int i = 0; i < 40; i++) {
                Tensor.zeros(ref, DType.FLOAT64, 131_072);   // 1 MiB each, never closed: 40 MiB in all
            }
            assertTrue(NativeMemory.forcedCollections() > gcs, "allocation over the limit ran the garbage collector");
            List<Tensor> live = new ArrayList<>();
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> {
                for (int i = 0; i < 40; i++) {
                    live.add(Tensor.zeros(ref, DType.FLOAT64, 131_072));   // live: the limit must hold
                }
            });
            assertTrue(e.getMessage().contains("native memory limit") && e.getMessage().contains(NativeMemory.MAX_BYTES_PROPERTY),
                    e.getMessage());
            assertTrue(live.size() >= 5 && live.size() < 9, "about 8 MiB of live tensors fit, got " + live.size());
            live.forEach(Tensor::close);
            OutOfMemoryError tooBig = assertThrows(OutOfMemoryError.class,
                    () -> Tensor.zeros(ref, DType.FLOAT32, 16L << 20));
            assertTrue(tooBig.getMessage().contains("limit"), tooBig.getMessage());
        } finally {
            NativeMemory.setLimit(old);
        }
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.setLimit(0));
        assertEquals(512L << 20, NativeMemory.parseBytes("512m"));
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.parseBytes("lots"));
    }

    @Test
    void aStorageClosedWhilePinnedIsFreedAtUnpin() {
        Backend cpu = Backends.cpu();
        Tensor t = Tensor.zeros(cpu, DType.FLOAT32, 1024);
        Storage s = t.storage();
        long held = cpu.bytesInUse();
        s.pin();                                  // as a backend call on another thread does
        t.close();
        assertTrue(!s.isFreed() && cpu.bytesInUse() == held, "still held by the running kernel");
        assertThrows(IllegalStateException.class, () -> t.add(1.0), "use after close");
        s.unpin();
        assertTrue(s.isFreed());
        assertEquals(held - 4096, cpu.bytesInUse());
        assertThrows(IllegalStateException.class, s::pin, "a freed storage cannot be pinned");
    }

    @Test
    void workerThreadsOfAParallelStreamJoinAScopeThroughAttach() {
        Backend cpu = Backends.cpu();
        long base = settledBaseline();
        try (Scope scope = Scope.open()) {
            IntStream.range(0, 64).parallel().forEach(i -> {
                try (Scope.Attachment a = scope.attach()) {
                    Tensor.zeros(cpu, DType.FLOAT32, 16_384).add(1.0);   // 64 KiB, owned by scope
                    try (Scope inner = Scope.open()) {
                        inner.keep(Tensor.zeros(cpu, DType.FLOAT32, 1024));   // kept: moves to scope
                    }
                }
            });
        }
        assertEquals(base, NativeMemory.bytesInUse(), "everything the workers made was closed with the scope");
        // without attach the workers' tensors belong to no scope; the cleaner frees them once unreachable
        try (Scope scope = Scope.open()) {
            IntStream.range(0, 64).parallel().forEach(i -> Tensor.zeros(cpu, DType.FLOAT32, 16_384).add(1.0));
        }
        assertTrue(NativeMemory.collect(base, 10_000), "unowned worker tensors freed by the cleaner");
        Scope closed = Scope.open();
        closed.close();
        assertThrows(IllegalStateException.class, closed::attach);
    }
}
