package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The caching allocator, the stream and the page-locked staging copies on a real device: reuse
 * without cudaMalloc, zeroing of reused blocks, emptyCache lowering the reserved bytes, out of
 * memory on an impossible request with the backend usable afterwards, and copies that round-trip
 * byte for byte at sizes 0, 1, 7, 1M and beyond the staging buffer.
 *
 * <p>Tagged {@code gpu} and skipped without a usable device. Written in a task without a GPU: it
 * has not yet run on one.
 */
@Tag("gpu")
class CudaMemoryGpuTest {
    private final CudaBackend cuda = CudaBackend.instance();

    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    @Test
    void aFreedBlockIsReusedWithoutCudaMalloc() {
        long numel = 3_000_017; // 12,000,068 bytes: a 12 MiB block, unlikely to be cached by other tests
        CudaStorage a = (CudaStorage) cuda.allocate(DType.FLOAT32, numel);
        long address = a.address();
        a.release();
        CachingAllocator.Stats before = cuda.memoryStats();
        CudaStorage b = (CudaStorage) cuda.allocate(DType.FLOAT32, numel - 5);
        try {
            CachingAllocator.Stats after = cuda.memoryStats();
            assertEquals(address, b.address(), "the block just freed is handed out again");
            assertEquals(before.rawAllocations(), after.rawAllocations(), "no cudaMalloc");
            assertEquals(before.cacheHits() + 1, after.cacheHits());
            assertEquals(before.bytesInUse() + 12 * (1L << 20), after.bytesInUse());
        } finally {
            b.release();
        }
    }

    @Test
    void allocateZeroesAReusedBlockAndUninitializedDoesNotHaveTo() {
        int n = 4099;
        Storage s = cuda.allocate(DType.FLOAT32, n);
        long address = ((CudaStorage) s).address();
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1.5f);
        cuda.upload(floats(ones, true), s);
        s.release();
        Storage z = cuda.allocate(DType.FLOAT32, n);
        try {
            assertEquals(address, ((CudaStorage) z).address(), "same block");
            float[] got = download(z, n);
            for (int i = 0; i < n; i++) {
                assertEquals(0f, got[i], "element " + i + " of a reused block is zeroed");
            }
        } finally {
            z.release();
        }
        Storage u = cuda.allocateUninitialized(DType.FLOAT32, n);
        u.release();
    }

    @Test
    void emptyCacheLowersReservedBytesAndKeepsLiveStorages() {
        Storage live = cuda.allocate(DType.FLOAT32, 1000);
        cuda.upload(floats(new float[1000], false), live);
        Storage big = cuda.allocate(DType.FLOAT32, 16L << 20); // 64 MiB
        big.release();
        CachingAllocator.Stats before = cuda.memoryStats();
        assertTrue(before.bytesCached() >= 64L << 20, before.toString());
        long released = cuda.emptyCache();
        CachingAllocator.Stats after = cuda.memoryStats();
        assertEquals(before.bytesCached(), released, "everything cached was released");
        assertEquals(0, after.bytesCached());
        assertEquals(0, after.blocksCached());
        assertEquals(before.bytesReserved() - released, after.bytesReserved());
        assertEquals(after.bytesInUse(), after.bytesReserved(), "reserved = in use after emptyCache");
        // the live storage is intact
        float[] v = new float[1000];
        v[999] = 7f;
        cuda.upload(floats(v, true), live);
        assertEquals(7f, download(live, 1000)[999]);
        live.release();
    }

    @Test
    void peakCountsAndResets() {
        cuda.resetPeakMemoryStats();
        long base = cuda.memoryStats().bytesInUse();
        Storage s = cuda.allocate(DType.FLOAT32, 8L << 20); // 32 MiB
        s.release();
        CachingAllocator.Stats st = cuda.memoryStats();
        assertEquals(base + (32L << 20), st.peakBytesInUse());
        assertEquals(base, st.bytesInUse());
        cuda.resetPeakMemoryStats();
        assertEquals(base, cuda.memoryStats().peakBytesInUse());
    }

    @Test
    void anImpossibleAllocationThrowsOutOfMemoryAndTheBackendStaysUsable() {
        long baseline = cuda.bytesInUse();
        long tooMany = CudaBackend.runtime().totalMemory() * 4 / DType.FLOAT32.size(); // 4x the device
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class,
                () -> cuda.allocate(DType.FLOAT32, tooMany));
        assertEquals(tooMany * 4, e.requestedBytes());
        assertEquals("cudaErrorMemoryAllocation", e.errorName());
        assertTrue(e.getMessage().contains(Long.toString(tooMany * 4)), e.getMessage());
        assertTrue(e.getMessage().contains("free of"), "the device's free/total memory: " + e.getMessage());
        assertEquals(baseline, cuda.bytesInUse(), "nothing was allocated");
        assertTrue(cuda.memoryStats().outOfMemoryRetries() >= 1);
        assertEquals(0, cuda.memoryStats().bytesCached(), "the cache was emptied for the retry");

        // usable afterwards: allocate, copy, launch (the failed cudaMalloc must not be reported by
        // the next launch's error check), download
        int n = 1023;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
            b[i] = 0.5f * i;
        }
        Storage da = cuda.allocate(DType.FLOAT32, n);
        Storage db = cuda.allocate(DType.FLOAT32, n);
        Storage out = cuda.allocateUninitialized(DType.FLOAT32, n);
        try {
            cuda.upload(floats(a, true), da);
            cuda.upload(floats(b, false), db);
            cuda.binary(BinaryOp.ADD, da, new long[] {1}, db, new long[] {1}, out, new long[] {n});
            float[] got = download(out, n);
            for (int i = 0; i < n; i++) {
                assertEquals(1.5f * i, got[i]);
            }
        } finally {
            da.release();
            db.release();
            out.release();
        }
        assertEquals(baseline, cuda.bytesInUse());
    }

    /** Sizes in float32 elements: empty, tiny, odd, exactly one staging half (4 MiB), beyond the buffer. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 1 << 20, (2 << 20) + 3, 5_000_001})
    void copiesRoundTripByteForByte(int n) {
        SplittableRandom rnd = new SplittableRandom(n + 17L);
        byte[] data = new byte[4 * n];
        rnd.nextBytes(data);
        Storage s = cuda.allocate(DType.FLOAT32, n);
        try {
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuffer src = direct ? ByteBuffer.allocateDirect(4 * n + 3) : ByteBuffer.allocate(4 * n + 3);
                src.position(3);
                src.put(data);
                src.position(3);
                cuda.upload(src, s);
                assertEquals(3, src.position(), "upload leaves the position");
                ByteBuffer back = direct ? ByteBuffer.allocate(4 * n + 5) : ByteBuffer.allocateDirect(4 * n + 5);
                back.position(5);
                cuda.download(s, back);
                assertEquals(5, back.position(), "download leaves the position");
                for (int i = 0; i < 4 * n; i++) {
                    if (back.get(5 + i) != data[i]) {
                        throw new AssertionError("n=" + n + (direct ? " direct" : " heap") + ": byte " + i + " is "
                                + back.get(5 + i) + ", uploaded " + data[i]);
                    }
                }
            }
        } finally {
            s.release();
        }
    }

    @Test
    void copiesAndKernelsRunInCallOrderWithoutExplicitSynchronize() {
        int n = 1 << 20;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % 1000;
        }
        Storage x = cuda.allocate(DType.FLOAT32, n);
        Storage y = cuda.allocateUninitialized(DType.FLOAT32, n);
        try {
            for (int round = 1; round <= 3; round++) {
                cuda.upload(floats(a, round % 2 == 0), x);
                cuda.binary(BinaryOp.MUL, x, new long[] {1}, x, new long[] {1}, y, new long[] {n});
                cuda.binary(BinaryOp.ADD, y, new long[] {1}, x, new long[] {1}, y, new long[] {n});
                float[] got = download(y, n); // no synchronize(): the download waits for the stream
                for (int i = 0; i < n; i += 997) {
                    assertEquals(a[i] * a[i] + a[i], got[i], "round " + round + " element " + i);
                }
                for (int i = 0; i < n; i++) {
                    a[i] = a[i] + 1;
                }
            }
        } finally {
            x.release();
            y.release();
        }
    }

    @Test
    void readOnlyAndShortBuffersAreRejected() {
        Storage s = cuda.allocate(DType.FLOAT32, 4);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cuda.download(s, ByteBuffer.allocate(16).asReadOnlyBuffer()));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> cuda.download(s, ByteBuffer.allocate(15)));
            assertThrows(IllegalArgumentException.class, () -> cuda.upload(ByteBuffer.allocate(15), s));
        } finally {
            s.release();
        }
        assertThrows(IllegalStateException.class, () -> cuda.upload(ByteBuffer.allocate(16), s), "use after free");
    }

    private static ByteBuffer floats(float[] v, boolean direct) {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(4 * v.length) : ByteBuffer.allocate(4 * v.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }

    private float[] download(Storage s, int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        cuda.download(s, b);
        float[] out = new float[n];
        b.asFloatBuffer().get(out);
        return out;
    }
}
