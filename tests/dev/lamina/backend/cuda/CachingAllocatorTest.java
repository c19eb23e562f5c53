package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The caching allocator's logic on host memory (runs on every machine): size classes, reuse
 * without raw calls, counters, emptyCache, out of memory → emptyCache → retry → exception, double
 * free detection, and that live blocks never overlap. The same class serves the cuda backend with
 * cudaMalloc/cudaFree behind it (CudaMemoryGpuTest checks that on a device).
 */
class CachingAllocatorTest {
    private static final long MiB = 1L << 20;

    /** Real host memory (malloc) with a capacity, counting every call. */
    static final class HostRaw implements RawAllocator {
        long capacity;
        long used;
        int allocateCalls;
        int failedCalls;
        int freeCalls;
        int synchronizeCalls;
        final Map<Long, Long> live = new HashMap<>();

        HostRaw(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long allocate(long bytes) {
            allocateCalls++;
            assertTrue(bytes > 0 && bytes % 512 == 0, "raw sizes are positive multiples of 512: " + bytes);
            if (used + bytes > capacity) {
                failedCalls++;
                return 0;
            }
            Pointer p = Pointer.malloc(bytes);
            assertTrue(p != null && !p.isNull(), "host malloc of " + bytes);
            used += bytes;
            live.put(p.address(), bytes);
            return p.address();
        }

        @Override
        public void free(long address, long bytes) {
            freeCalls++;
            Long size = live.remove(address);
            assertEquals(Long.valueOf(bytes), size, "raw free of 0x" + Long.toHexString(address) + " with its size");
            used -= bytes;
            Pointer.free(HostAddress.at(address));
        }

        @Override
        public void synchronize() {
            synchronizeCalls++;
        }

        @Override
        public String describe() {
            return "host test memory: " + used + " of " + capacity + " bytes used";
        }

        void releaseAll() {
            for (long a : live.keySet()) {
                Pointer.free(HostAddress.at(a));
            }
            live.clear();
            used = 0;
        }
    }

    private final List<HostRaw> raws = new ArrayList<>();

    private HostRaw raw(long capacity) {
        HostRaw r = new HostRaw(capacity);
        raws.add(r);
        return r;
    }

    @AfterEach
    void freeHostMemory() {
        raws.forEach(HostRaw::releaseAll);
    }

    @Test
    void blockSizesRoundTo512BytesThen2MiB() {
        assertEquals(512, CachingAllocator.blockSize(0));
        assertEquals(512, CachingAllocator.blockSize(1));
        assertEquals(512, CachingAllocator.blockSize(512));
        assertEquals(1024, CachingAllocator.blockSize(513));
        assertEquals(MiB, CachingAllocator.blockSize(MiB));
        assertEquals(MiB, CachingAllocator.blockSize(MiB - 511));
        assertEquals(2 * MiB, CachingAllocator.blockSize(MiB + 1));
        assertEquals(4 * MiB, CachingAllocator.blockSize(3 * MiB));
        assertEquals(4 * MiB, CachingAllocator.blockSize(4 * MiB));
        assertEquals(6 * MiB, CachingAllocator.blockSize(4 * MiB + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CachingAllocator.blockSize(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.blockSize(Long.MAX_VALUE));
    }

    @Test
    void freedBlockIsReusedWithoutRawCalls() {
        HostRaw r = raw(64 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long p = a.allocate(1000);
        assertEquals(1, r.allocateCalls);
        a.free(p);
        assertEquals(0, r.freeCalls, "free goes to the cache, not to the raw allocator");
        long q = a.allocate(900); // same 1024-byte class
        assertEquals(p, q);
        assertEquals(1, r.allocateCalls, "served from the cache");
        a.free(q);
        // many steps of the same shapes: no raw calls after the first step
        for (int step = 0; step < 100; step++) {
            long x = a.allocate(3 * MiB);
            long y = a.allocate(100);
            long z = a.allocate(7 * 4);
            a.free(y);
            a.free(x);
            a.free(z);
        }
        // the 1024 B block, then in the first step a 4 MiB block and two 512 B blocks (y and z are
        // live together; the cached 1024 B block is too large for them)
        assertEquals(4, r.allocateCalls);
        CachingAllocator.Stats s = a.stats();
        assertEquals(302, s.requests());
        assertEquals(298, s.cacheHits());
        assertEquals(4, s.rawAllocations());
        assertEquals(0, s.bytesInUse());
        assertEquals(1024 + 4 * MiB + 512 + 512, s.bytesReserved());
        assertEquals(s.bytesReserved(), s.bytesCached());
        assertEquals(4, s.blocksCached());
    }

    @Test
    void aCachedBlockServesOnlyRequestsWithinAQuarterOfItsSize() {
        HostRaw r = raw(256 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long big = a.allocate(10 * MiB);
        a.free(big);
        long small = a.allocate(4 * MiB); // 10 MiB > 4 + 1 MiB: a new block
        assertNotEquals(big, small);
        assertEquals(2, r.allocateCalls);
        long eight = a.allocate(8 * MiB); // 8 <= 10 <= 8 + 2: the cached 10 MiB block
        assertEquals(big, eight);
        assertEquals(2, r.allocateCalls);
        assertEquals(14 * MiB, a.stats().bytesInUse(), "in use counts block sizes");

        long twoMiB = a.allocate(2 * MiB);
        a.free(twoMiB);
        long oneMiB = a.allocate(MiB); // small requests never take large blocks
        assertNotEquals(twoMiB, oneMiB);
        a.free(oneMiB);
        long k512 = a.allocate(400 * 1024); // 512 KiB block: the cached 1 MiB block is more than 25% larger
        assertNotEquals(oneMiB, k512);
        assertEquals(5, r.allocateCalls);
    }

    @Test
    void countersTrackInUseReservedAndPeak() {
        HostRaw r = raw(256 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long p1 = a.allocate(3 * MiB); // 4 MiB block
        long p2 = a.allocate(1000); // 1024
        CachingAllocator.Stats s = a.stats();
        assertEquals(4 * MiB + 1024, s.bytesInUse());
        assertEquals(4 * MiB + 1024, s.peakBytesInUse());
        assertEquals(4 * MiB + 1024, s.bytesReserved());
        assertEquals(2, s.blocksInUse());
        a.free(p1);
        s = a.stats();
        assertEquals(1024, s.bytesInUse());
        assertEquals(4 * MiB + 1024, s.peakBytesInUse(), "the peak stays");
        assertEquals(4 * MiB + 1024, s.bytesReserved(), "the freed block is cached, still reserved");
        assertEquals(4 * MiB, s.bytesCached());
        a.resetPeak();
        assertEquals(1024, a.stats().peakBytesInUse());
        assertEquals(4 * MiB + 1024, a.stats().peakBytesReserved());
        long p3 = a.allocate(2 * MiB);
        assertEquals(1024 + 2 * MiB, a.stats().peakBytesInUse());
        a.free(p2);
        a.free(p3);
        assertEquals(0, a.stats().bytesInUse());
        assertEquals(r.used, a.stats().bytesReserved(), "reserved = what the raw allocator handed out");
    }

    @Test
    void emptyCacheReturnsCachedBlocksOnly() {
        HostRaw r = raw(256 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long keep = a.allocate(5 * MiB); // 6 MiB block, stays in use
        List<Long> freed = new ArrayList<>();
        for (long b : new long[] {100, 100, 5000, 3 * MiB}) {
            freed.add(a.allocate(b));
        }
        freed.forEach(a::free);
        assertEquals(512 + 512 + 5120 + 4 * MiB, a.emptyCache(), "bytes released");
        assertEquals(4, r.freeCalls);
        assertEquals(1, r.synchronizeCalls, "synchronized once before returning blocks");
        CachingAllocator.Stats s = a.stats();
        assertEquals(6 * MiB, s.bytesInUse());
        assertEquals(6 * MiB, s.bytesReserved(), "reserved falls to what is in use");
        assertEquals(0, s.bytesCached());
        assertEquals(0, s.blocksCached());
        assertEquals(4, s.rawFrees());
        assertEquals(6 * MiB, r.used);
        assertEquals(0, a.emptyCache(), "nothing left to release");
        assertEquals(1, r.synchronizeCalls, "no synchronize when the cache is empty");
        a.free(keep);
        // after emptyCache a request needs the raw allocator again
        int before = r.allocateCalls;
        a.free(a.allocate(100));
        assertEquals(before + 1, r.allocateCalls);
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        HostRaw r = raw(10 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long six = a.allocate(6 * MiB);
        a.free(six); // cached: 6 MiB reserved, nothing in use
        long eight = a.allocate(8 * MiB); // 6 + 8 > 10: fails, cache emptied, retry succeeds
        assertTrue(eight != 0);
        assertEquals(3, r.allocateCalls);
        assertEquals(1, r.failedCalls);
        assertEquals(1, r.freeCalls);
        CachingAllocator.Stats s = a.stats();
        assertEquals(1, s.outOfMemoryRetries());
        assertEquals(8 * MiB, s.bytesInUse());
        assertEquals(8 * MiB, s.bytesReserved());
        a.free(eight);
    }

    @Test
    void outOfMemoryAfterTheRetryThrowsAndLeavesTheAllocatorUsable() {
        HostRaw r = raw(10 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long held = a.allocate(5 * MiB); // 6 MiB block in use
        long cachedBlock = a.allocate(1000);
        a.free(cachedBlock); // 1 KiB cached
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> a.allocate(7 * MiB));
        assertEquals(2, r.failedCalls, "tried, emptied the cache, tried once more");
        assertEquals(1, r.freeCalls, "the cached block went back before the retry");
        assertEquals(7 * MiB, e.requestedBytes());
        assertEquals(8 * MiB, e.blockBytes());
        assertEquals(6 * MiB, e.bytesInUse());
        assertEquals(6 * MiB, e.bytesReserved());
        assertEquals("cudaErrorMemoryAllocation", e.errorName());
        assertEquals(2, e.code());
        String m = e.getMessage();
        assertTrue(m.startsWith("cuda.allocate: out of device memory"), m);
        assertTrue(m.contains("7.0 MiB requested (7340032 bytes"), m);
        assertTrue(m.contains("6.0 MiB in use (6291456 bytes)"), m);
        assertTrue(m.contains("reserved (6291456 bytes)"), m);
        assertTrue(m.contains("host test memory"), "the raw allocator's description: " + m);
        assertTrue(m.endsWith("cudaErrorMemoryAllocation (out of memory)"), m);
        assertTrue(e instanceof CudaException);

        CachingAllocator.Stats s = a.stats();
        assertEquals(6 * MiB, s.bytesInUse(), "nothing changed for the live block");
        assertEquals(1, s.blocksInUse());
        assertEquals(1, s.outOfMemoryRetries());
        // still usable: what fits is allocated, and after freeing the big block the request fits
        long small = a.allocate(3 * MiB);
        a.free(small);
        a.free(held);
        long again = a.allocate(7 * MiB);
        a.free(again);
        assertEquals(0, a.stats().bytesInUse());
    }

    @Test
    void doubleFreeAndForeignAddressesAreRejected() {
        HostRaw r = raw(64 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        long p = a.allocate(64);
        a.free(p);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.free(p));
        assertTrue(e.getMessage().contains("double free"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> a.free(12345));
        assertEquals(1, a.stats().blocksCached(), "the rejected frees changed nothing");
        assertEquals(p, a.allocate(64), "the block was cached exactly once");
        assertThrows(IllegalArgumentException.class, () -> a.allocate(-5));
        assertThrows(IllegalArgumentException.class, () -> new CachingAllocator(null));
    }

    @Test
    void otherRawFailuresPropagateAndCountNothing() {
        CudaException boom = new CudaException("cuda.allocate: cudaMalloc", 700, "cudaErrorIllegalAddress", "");
        RawAllocator failing = new RawAllocator() {
            @Override
            public long allocate(long bytes) {
                throw boom;
            }

            @Override
            public void free(long address, long bytes) {
                throw new AssertionError("nothing to free");
            }
        };
        CachingAllocator a = new CachingAllocator(failing);
        assertSame(boom, assertThrows(CudaException.class, () -> a.allocate(10)));
        CachingAllocator.Stats s = a.stats();
        assertEquals(0, s.requests());
        assertEquals(0, s.bytesReserved());
        assertEquals(0, s.outOfMemoryRetries());
    }

    @Test
    void liveBlocksNeverOverlap() {
        HostRaw r = raw(512 * MiB);
        CachingAllocator a = new CachingAllocator(r);
        SplittableRandom rnd = new SplittableRandom(6);
        Map<Long, long[]> live = new HashMap<>(); // address -> {bytes, tag}
        for (int i = 0; i < 3000; i++) {
            if (!live.isEmpty() && rnd.nextBoolean()) {
                long addr = live.keySet().iterator().next();
                long[] v = live.remove(addr);
                check(addr, v[0], (byte) v[1]);
                a.free(addr);
            } else {
                long bytes = rnd.nextInt(4) == 0 ? rnd.nextLong(3 * MiB) : rnd.nextLong(5000);
                long addr = a.allocate(bytes);
                byte tag = (byte) i;
                new BytePointer(HostAddress.at(addr)).capacity(Math.max(1, bytes)).fill(tag);
                live.put(addr, new long[] {bytes, tag});
            }
        }
        for (Map.Entry<Long, long[]> e : live.entrySet()) {
            check(e.getKey(), e.getValue()[0], (byte) e.getValue()[1]);
            a.free(e.getKey());
        }
        assertEquals(0, a.stats().bytesInUse());
        assertTrue(a.stats().cacheHits() > 1000, "most requests are served from the cache: " + a.stats());
        a.emptyCache();
        assertEquals(0, r.used);
    }

    private static void check(long addr, long bytes, byte tag) {
        BytePointer p = new BytePointer(HostAddress.at(addr));
        for (long i = 0; i < bytes; i += Math.max(1, bytes / 64)) {
            assertEquals(tag, p.get(i), "block 0x" + Long.toHexString(addr) + " byte " + i + " was overwritten");
        }
        if (bytes > 0) {
            assertEquals(tag, p.get(bytes - 1));
        }
    }

    @Test
    void concurrentUseKeepsTheBooksStraight() throws Exception {
        HostRaw r = raw(1L << 40);
        CachingAllocator a = new CachingAllocator(new RawAllocator() {
            @Override
            public synchronized long allocate(long bytes) {
                return r.allocate(bytes);
            }

            @Override
            public synchronized void free(long address, long bytes) {
                r.free(address, bytes);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                fs.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < 5000; i++) {
                        if (!mine.isEmpty() && rnd.nextBoolean()) {
                            a.free(mine.remove(mine.size() - 1));
                        } else {
                            mine.add(a.allocate(rnd.nextLong(20_000)));
                        }
                        if (i % 1000 == 999) {
                            a.emptyCache();
                        }
                    }
                    mine.forEach(a::free);
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        CachingAllocator.Stats s = a.stats();
        assertEquals(0, s.bytesInUse());
        assertEquals(0, s.blocksInUse());
        assertEquals(r.used, s.bytesReserved());
        assertEquals(s.rawAllocations() - s.rawFrees(), s.blocksCached());
    }

    @Test
    void formatsBytes() {
        assertEquals("0 B", CachingAllocator.formatBytes(0));
        assertEquals("1023 B", CachingAllocator.formatBytes(1023));
        assertEquals("1.0 KiB", CachingAllocator.formatBytes(1024));
        assertEquals("1.5 MiB", CachingAllocator.formatBytes(3 * MiB / 2));
        assertEquals("80.0 GiB", CachingAllocator.formatBytes(80L << 30));
    }
}
