package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory and stream half of the cuda backend ({@link CudaBackend} holds the kernels): the one
 * stream, the caching allocator and the page-locked staging buffer, created on first use for the
 * life of the process, and the memory operations on them (allocate, free, upload, download, the
 * allocator's statistics). {@link CudaBackend}'s public memory methods delegate here.
 */
final class CudaDevice {
    private final CudaBackend backend;
    private final AtomicLong bytesInUse = new AtomicLong();

    CudaDevice(CudaBackend backend) {
        this.backend = backend;
    }

    /** The CUDA-graph capture in progress on this thread ({@link CudaGraphCapture}), or null. */
    private final ThreadLocal<CudaGraphCapture.Session> capture = new ThreadLocal<>();

    /**
     * The stream this thread's launches go to: the backend's stream, or the capture stream while
     * this thread captures a CUDA graph (other threads keep launching on the backend's stream).
     */
    long stream() {
        CudaGraphCapture.Session c = capture.get();
        return c != null ? c.stream() : state().stream;
    }

    /** The backend's stream itself, whatever this thread is capturing (graphs launch on it). */
    long mainStream() {
        return state().stream;
    }

    /** Starts (session non-null) or ends (null) routing this thread's launches to a capture. */
    void capturing(CudaGraphCapture.Session session) {
        if (session == null) {
            capture.remove();
        } else {
            capture.set(session);
        }
    }

    /** Fails a host transfer or synchronization attempted while this thread captures a CUDA graph. */
    private void notCapturing(String op) {
        if (capture.get() != null) {
            throw new IllegalStateException(op + " during CUDA-graph capture: a captured replay cannot read or write"
                    + " host memory");
        }
    }

    // ---- device state: stream, allocator, staging ---------------------------------------------

    /** Bytes of the page-locked staging buffer (two halves), property {@code lamina.cuda.stagingBytes}. */
    static final long DEFAULT_STAGING_BYTES = 8L << 20;

    /**
     * What the backend holds on the device once it is first used: the stream every kernel, memset
     * and copy is queued on, the caching allocator, and the page-locked staging buffer with its two
     * events. Created once, lazily, and kept for the life of the process.
     */
    private static final class Device {
        final long stream;
        final CachingAllocator allocator;
        final StagedCopier copier;

        Device(long stream, CachingAllocator allocator, StagedCopier copier) {
            this.stream = stream;
            this.allocator = allocator;
            this.copier = copier;
        }
    }

    private volatile Device device;

    /** The device state, created on first use (call after {@code requireAvailable}). */
    private Device state() {
        Device d = device;
        if (d == null) {
            synchronized (this) {
                d = device;
                if (d == null) {
                    d = createDevice();
                    device = d;
                }
            }
        }
        return d;
    }

    private static long stagingBytes() {
        String v = System.getProperty("lamina.cuda.stagingBytes");
        if (v == null || v.isBlank()) {
            return DEFAULT_STAGING_BYTES;
        }
        long b;
        try {
            b = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            b = -1;
        }
        if (b < 1024 || b > (1L << 30)) {
            throw new IllegalArgumentException("lamina.cuda.stagingBytes must be a byte count from 1024 to 1073741824, got '"
                    + v + "'");
        }
        return b & ~1L;
    }

    /** Creates the stream, the two events and the staging buffer; on failure releases what was made. */
    private static Device createDevice() {
        long half = stagingBytes() / 2;
        long[] out = new long[1];
        CudaRuntime.check(CudaNative.lamina_cuda_stream_create(out), "cuda: cudaStreamCreate");
        long stream = out[0];
        long[] events = new long[2];
        long pinned = 0;
        try {
            for (int i = 0; i < 2; i++) {
                CudaRuntime.check(CudaNative.lamina_cuda_event_create(out), "cuda: cudaEventCreate");
                events[i] = out[0];
            }
            CudaRuntime.check(CudaNative.lamina_cuda_malloc_host(2 * half, out),
                    "cuda: cudaMallocHost of the " + 2 * half + "-byte staging buffer");
            pinned = out[0];
            long[] addresses = {pinned, pinned + half};
            ByteBuffer[] halves = {HostAddress.view(addresses[0], (int) half), HostAddress.view(addresses[1], (int) half)};
            StagedCopier copier = new StagedCopier(new StreamEngine(stream, events), halves, addresses, (int) half);
            return new Device(stream, new CachingAllocator(new DeviceMemory(stream)), copier);
        } catch (RuntimeException e) {
            if (pinned != 0) {
                CudaNative.lamina_cuda_free_host(pinned);
            }
            for (long ev : events) {
                if (ev != 0) {
                    CudaNative.lamina_cuda_event_destroy(ev);
                }
            }
            CudaNative.lamina_cuda_stream_destroy(stream);
            throw e;
        }
    }

    /** cudaMalloc/cudaFree behind the caching allocator. */
    private static final class DeviceMemory implements RawAllocator {
        private final long stream;

        DeviceMemory(long stream) {
            this.stream = stream;
        }

        @Override
        public long allocate(long bytes) {
            long[] ptr = new long[1];
            int code = CudaNative.lamina_cuda_malloc(bytes, ptr);
            if (code == CudaOutOfMemoryException.CODE) {
                return 0;
            }
            CudaRuntime.check(code, "cuda.allocate: cudaMalloc of " + bytes + " bytes");
            return ptr[0];
        }

        @Override
        public void free(long address, long bytes) {
            CudaRuntime.check(CudaNative.lamina_cuda_free(address), "cuda.emptyCache: cudaFree of " + bytes + " bytes");
        }

        @Override
        public void synchronize() {
            CudaRuntime.check(CudaNative.lamina_cuda_stream_synchronize(stream),
                    "cuda.emptyCache: cudaStreamSynchronize");
        }

        @Override
        public String describe() {
            long[] free = new long[1];
            long[] total = new long[1];
            if (CudaNative.lamina_cuda_mem_info(free, total) != 0) {
                return "";
            }
            return "the device has " + CachingAllocator.formatBytes(free[0]) + " free of "
                    + CachingAllocator.formatBytes(total[0]);
        }
    }

    /** The staging copies' engine: cudaMemcpyAsync and events on the backend's stream. */
    private static final class StreamEngine implements StagedCopier.Engine {
        private final long stream;
        private final long[] events;

        StreamEngine(long stream, long[] events) {
            this.stream = stream;
            this.events = events;
        }

        @Override
        public void copyToDeviceAsync(long deviceDst, long hostSrc, long bytes) {
            CudaRuntime.check(CudaNative.lamina_cuda_memcpy_h2d_async(deviceDst, hostSrc, bytes, stream),
                    "cuda.upload: cudaMemcpyAsync host to device of " + bytes + " bytes");
        }

        @Override
        public void copyToHostAsync(long hostDst, long deviceSrc, long bytes) {
            CudaRuntime.check(CudaNative.lamina_cuda_memcpy_d2h_async(hostDst, deviceSrc, bytes, stream),
                    "cuda.download: cudaMemcpyAsync device to host of " + bytes + " bytes");
        }

        @Override
        public void record(int slot) {
            CudaRuntime.check(CudaNative.lamina_cuda_event_record(events[slot], stream), "cuda copy: cudaEventRecord");
        }

        @Override
        public void await(int slot) {
            CudaRuntime.check(CudaNative.lamina_cuda_event_synchronize(events[slot]), "cuda copy: cudaEventSynchronize");
        }

        @Override
        public void synchronize() {
            CudaRuntime.check(CudaNative.lamina_cuda_stream_synchronize(stream), "cuda copy: cudaStreamSynchronize");
        }
    }

    // ---- memory ----------------------------------------------------------------------------

    /**
     * Device memory from the caching allocator (a cached block when one fits; cudaMalloc otherwise),
     * zeroed by a cudaMemsetAsync on the stream when {@code zero}.
     */


    Storage allocate(DType dtype, long numel, boolean zero, String op) {
        CudaRuntime.get().requireAvailable(op);
        if (numel < 0) {
            throw new IllegalArgumentException(op + ": negative size " + numel);
        }
        long bytes = dev.lamina.backend.StorageChecks.exact(op, "byte count", numel, dtype.size());
        Device d = state();
        long address = d.allocator.allocate(bytes);
        if (zero && bytes > 0) {
            int code = CudaNative.lamina_cuda_memset_async(address, 0, bytes, stream());
            if (code != 0) {
                d.allocator.free(address);
                CudaRuntime.check(code, op + ": cudaMemsetAsync of " + bytes + " bytes");
            }
        }
        bytesInUse.addAndGet(bytes);
        return new CudaStorage(backend, dtype, numel, address);
    }

    /** Returns the storage's block to the allocator's cache (no cudaFree). A second free does nothing. */
    void free(Storage storage) {
        CudaRuntime.get().requireAvailable("cuda.free");
        if (storage.backend() != backend || !(storage instanceof CudaStorage)) {
            throw new IllegalArgumentException("cuda.free: storage belongs to backend " + storage.backend().name());
        }
        CudaStorage s = (CudaStorage) storage;
        CudaGraphCapture.Session c = capture.get();
        if (c != null) {
            c.hold(s); // a captured kernel's workspace: the graph keeps using its address
            return;
        }
        long address;
        synchronized (s) {
            address = s.address();
            s.clearAddress();
        }
        if (address == 0) {
            return;
        }
        bytesInUse.addAndGet(-s.bytes());
        state().allocator.free(address);
    }

    /** Bytes of the live storages (their requested sizes, as the other backends count). */
    long bytesInUse() {
        CudaRuntime.get().requireAvailable("cuda.bytesInUse");
        return bytesInUse.get();
    }

    /**
     * The caching allocator's counters: bytes in use (block sizes), peak, reserved (in use plus
     * cached), cache hits, raw allocations and frees, out-of-memory retries.
     */
    CachingAllocator.Stats memoryStats() {
        CudaRuntime.get().requireAvailable("cuda.memoryStats");
        return state().allocator.stats();
    }

    /**
     * Returns every cached (free) block to the device with cudaFree, after waiting for the stream;
     * live storages are untouched. Returns the bytes released.
     */
    long emptyCache() {
        CudaRuntime.get().requireAvailable("cuda.emptyCache");
        notCapturing("cuda.emptyCache");
        return state().allocator.emptyCache();
    }

    /** Sets the allocator's peak counters to their current values. */
    void resetPeakMemoryStats() {
        CudaRuntime.get().requireAvailable("cuda.resetPeakMemoryStats");
        state().allocator.resetPeak();
    }

    /**
     * Copies the storage's bytes from {@code src} (from its position; the position is unchanged)
     * through the page-locked staging buffer, in chunks, with cudaMemcpyAsync on the backend's
     * stream; returns when the bytes are on the device.
     */
    void upload(ByteBuffer src, Storage dst) {
        CudaRuntime.get().requireAvailable("cuda.upload");
        notCapturing("cuda.upload");
        CudaStorage d = backend.device(dst, "cuda.upload");
        long bytes = d.bytes();
        if (src.remaining() < bytes) {
            throw new IllegalArgumentException("cuda.upload: source has " + src.remaining()
                    + " bytes, storage needs " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        StagedCopier copier = state().copier;
        synchronized (copier) {
            copier.upload(src, d.address(), bytes);
        }
    }

    /**
     * Copies the storage's bytes into {@code dst} (from its position; the position is unchanged)
     * through the page-locked staging buffer, after the work queued before it on the stream.
     */
    void download(Storage src, ByteBuffer dst) {
        CudaRuntime.get().requireAvailable("cuda.download");
        notCapturing("cuda.download");
        CudaStorage s = backend.device(src, "cuda.download");
        long bytes = s.bytes();
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cuda.download: the destination buffer is read-only");
        }
        if (dst.remaining() < bytes) {
            throw new IllegalArgumentException("cuda.download: destination has " + dst.remaining()
                    + " bytes, storage holds " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        StagedCopier copier = state().copier;
        synchronized (copier) {
            copier.download(s.address(), dst, bytes);
        }
    }
}
