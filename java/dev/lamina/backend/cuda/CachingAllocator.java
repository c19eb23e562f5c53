package dev.lamina.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator for device memory, after PyTorch's {@code CUDACachingAllocator} but without
 * block splitting: freed blocks go to per-size free lists instead of back to the device, and a
 * later request of a fitting size takes one from there, so a training loop that allocates the same
 * shapes step after step calls {@code cudaMalloc} only in its first step.
 *
 * <h2>Size classes</h2>
 * A request of {@code b} bytes is served by a block of {@link #blockSize(long) blockSize(b)}
 * bytes: up to {@link #SMALL_LIMIT} (1 MiB) rounded up to a multiple of {@link #SMALL_GRANULE}
 * (512 bytes), above that to a multiple of {@link #LARGE_GRANULE} (2 MiB); a request of 0 bytes
 * gets a 512-byte block, so every storage has its own address. A cached block of size {@code s}
 * serves a request whose block size is {@code r} when {@code r <= s <= r + r/4} (the smallest such
 * block; small blocks never serve large requests or the reverse), so at most a quarter of a block
 * is wasted. In practice the rounding makes exact matches the rule.
 *
 * <h2>Out of memory</h2>
 * When the raw allocator reports out of memory, every cached block is returned to it ({@link
 * #emptyCache()}) and the allocation is retried once; when that fails too a {@link
 * CudaOutOfMemoryException} names the request and the counters. Nothing changes otherwise: the
 * allocator, and the backend above it, stay usable.
 *
 * <h2>Counters</h2>
 * {@link Stats#bytesInUse()} counts the blocks held by callers (block sizes, not requested sizes),
 * {@link Stats#bytesReserved()} everything obtained from the raw allocator and not yet returned
 * (in use plus cached), {@link Stats#peakBytesInUse()} the highest in-use count since creation or
 * the last {@link #resetPeak()}.
 *
 * <h2>Ordering</h2>
 * A freed block may be handed out again while work queued on the device still reads or writes it;
 * that is safe because the cuda backend queues all of its work on one stream, in order (PyTorch's
 * reasoning for its per-stream pools). Before blocks go back to the device the raw allocator is
 * asked to {@link RawAllocator#synchronize() synchronize}.
 *
 * <p>Thread-safe: every method is synchronized on the allocator.
 */
public final class CachingAllocator {
    /** Requests up to this many bytes are small: rounded to {@link #SMALL_GRANULE}. */
    public static final long SMALL_LIMIT = 1L << 20;
    /** Rounding of small requests: 512 bytes. */
    public static final long SMALL_GRANULE = 512;
    /** Rounding of large requests: 2 MiB. */
    public static final long LARGE_GRANULE = 2L << 20;

    private final RawAllocator raw;
    /** Cached (free) blocks: block size -> addresses, most recently freed last. */
    private final TreeMap<Long, ArrayDeque<Long>> cached = new TreeMap<>();
    /** Blocks held by callers: address -> block size. */
    private final Map<Long, Long> inUse = new HashMap<>();

    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;
    private long peakBytesReserved;
    private long requests;
    private long cacheHits;
    private long rawAllocations;
    private long rawFrees;
    private long outOfMemoryRetries;
    private int blocksCached;

    /** An allocator over {@code raw}; it holds nothing until the first request. */
    public CachingAllocator(RawAllocator raw) {
        if (raw == null) {
            throw new IllegalArgumentException("CachingAllocator: raw allocator is null");
        }
        this.raw = raw;
    }

    /**
     * The block size serving a request of {@code bytes}: 512-byte multiples up to 1 MiB, 2 MiB
     * multiples above; 512 for 0.
     *
     * @throws IllegalArgumentException for a negative size or one that cannot be rounded in a long
     */
    public static long blockSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cuda allocator: negative size " + bytes);
        }
        if (bytes <= SMALL_LIMIT) {
            return Math.max(SMALL_GRANULE, roundUp(bytes, SMALL_GRANULE));
        }
        if (bytes > Long.MAX_VALUE - LARGE_GRANULE) {
            throw new IllegalArgumentException("cuda allocator: size " + bytes + " is too large");
        }
        return roundUp(bytes, LARGE_GRANULE);
    }

    private static long roundUp(long v, long granule) {
        return (v + granule - 1) / granule * granule;
    }

    /**
     * Returns the address of a block of at least {@code bytes} bytes (contents undefined): a cached
     * block when one fits, else a new one from the raw allocator.
     *
     * @throws CudaOutOfMemoryException when the raw allocator is out of memory even after the cache
     *     was emptied
     * @throws IllegalArgumentException for a negative size
     */
    public synchronized long allocate(long bytes) {
        long size = blockSize(bytes);
        long address = takeCached(size);
        if (address != 0) {
            requests++;
            cacheHits++;
            return address;
        }
        address = raw.allocate(size);
        if (address == 0) {
            outOfMemoryRetries++;
            emptyCache();
            address = raw.allocate(size);
            if (address == 0) {
                throw new CudaOutOfMemoryException("cuda.allocate", bytes, size, bytesInUse, bytesReserved(),
                        raw.describe());
            }
        }
        requests++;
        rawAllocations++;
        hold(address, size);
        peakBytesReserved = Math.max(peakBytesReserved, bytesReserved());
        return address;
    }

    /** The smallest cached block of size in [size, size + size/4] of the same pool, taken off its list; 0 if none. */
    private long takeCached(long size) {
        long limit = size + size / 4;
        if (size <= SMALL_LIMIT) {
            limit = Math.min(limit, SMALL_LIMIT);
        }
        Map.Entry<Long, ArrayDeque<Long>> e = cached.ceilingEntry(size);
        if (e == null || e.getKey() > limit) {
            return 0;
        }
        long blockSize = e.getKey();
        ArrayDeque<Long> list = e.getValue();
        long address = list.pollLast();
        if (list.isEmpty()) {
            cached.remove(blockSize);
        }
        blocksCached--;
        bytesCached -= blockSize;
        hold(address, blockSize);
        return address;
    }

    private void hold(long address, long size) {
        if (inUse.put(address, size) != null) {
            throw new IllegalStateException("cuda allocator: block 0x" + Long.toHexString(address)
                    + " handed out twice (the raw allocator returned an address that is in use)");
        }
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
    }

    /**
     * Returns a block to the cache (not to the device).
     *
     * @throws IllegalStateException when {@code address} is not a block this allocator handed out,
     *     or was already freed (a double free)
     */
    public synchronized void free(long address) {
        Long size = inUse.remove(address);
        if (size == null) {
            throw new IllegalStateException("cuda allocator: free of 0x" + Long.toHexString(address)
                    + ", which is not an allocated block (double free, or an address this allocator never gave out)");
        }
        bytesInUse -= size;
        cached.computeIfAbsent(size, k -> new ArrayDeque<>()).addLast(address);
        blocksCached++;
        bytesCached += size;
    }

    /**
     * Returns every cached block to the raw allocator (after {@link RawAllocator#synchronize()});
     * blocks in use are untouched. Returns the bytes released.
     */
    public synchronized long emptyCache() {
        if (blocksCached == 0) {
            return 0;
        }
        raw.synchronize();
        long released = 0;
        RuntimeException failure = null;
        while (!cached.isEmpty()) {
            Map.Entry<Long, ArrayDeque<Long>> e = cached.firstEntry();
            long size = e.getKey();
            ArrayDeque<Long> list = e.getValue();
            while (!list.isEmpty()) {
                long address = list.pollLast();
                // the block leaves the books before the raw free: a failing free must not leave a
                // block both cached and returned
                blocksCached--;
                bytesCached -= size;
                try {
                    raw.free(address, size);
                    rawFrees++;
                    released += size;
                } catch (RuntimeException ex) {
                    if (failure == null) {
                        failure = ex;
                    } else {
                        failure.addSuppressed(ex);
                    }
                }
            }
            cached.remove(size);
        }
        if (failure != null) {
            throw failure;
        }
        return released;
    }

    /** Sets the peak counters to the current values. */
    public synchronized void resetPeak() {
        peakBytesInUse = bytesInUse;
        peakBytesReserved = bytesReserved();
    }

    private long bytesReserved() {
        return bytesInUse + bytesCached;
    }

    /** A snapshot of the counters. */
    public synchronized Stats stats() {
        return new Stats(bytesInUse, peakBytesInUse, bytesReserved(), peakBytesReserved, bytesCached, inUse.size(),
                blocksCached, requests, cacheHits, rawAllocations, rawFrees, outOfMemoryRetries);
    }

    /**
     * The allocator's counters at one moment.
     *
     * @param bytesInUse         bytes of blocks held by callers (block sizes)
     * @param peakBytesInUse     the highest bytesInUse since creation or {@link #resetPeak()}
     * @param bytesReserved      bytes obtained from the raw allocator and not returned: in use plus cached
     * @param peakBytesReserved  the highest bytesReserved since creation or {@link #resetPeak()}
     * @param bytesCached        bytes of cached (free) blocks
     * @param blocksInUse        blocks held by callers
     * @param blocksCached       blocks in the cache
     * @param requests           allocate calls that returned a block
     * @param cacheHits          requests served from the cache (no raw allocation)
     * @param rawAllocations     raw allocations made
     * @param rawFrees           raw frees made (by emptying the cache)
     * @param outOfMemoryRetries times the raw allocator ran out of memory and the cache was emptied for a retry
     */
    public record Stats(long bytesInUse, long peakBytesInUse, long bytesReserved, long peakBytesReserved,
                        long bytesCached, int blocksInUse, int blocksCached, long requests, long cacheHits,
                        long rawAllocations, long rawFrees, long outOfMemoryRetries) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "in use %s (%d blocks, peak %s), reserved %s (peak %s), cached %s (%d blocks); "
                            + "%d requests, %d from the cache, %d raw allocations, %d raw frees, %d out-of-memory retries",
                    formatBytes(bytesInUse), blocksInUse, formatBytes(peakBytesInUse), formatBytes(bytesReserved),
                    formatBytes(peakBytesReserved), formatBytes(bytesCached), blocksCached, requests, cacheHits,
                    rawAllocations, rawFrees, outOfMemoryRetries);
        }
    }

    /** {@code bytes} in B, KiB, MiB or GiB with one decimal, e.g. "1.5 GiB". */
    public static String formatBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
