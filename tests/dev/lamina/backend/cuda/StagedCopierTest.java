package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The chunked, double-buffered staging copies on the CPU: the "device" is host memory and the
 * engine behaves like a CUDA stream that is as lazy as it is allowed to be (copies run only when
 * an event or the stream is waited for) or runs a random part of its queue at each call. A half
 * refilled before its copy ran, or read before its copy arrived, gives wrong bytes here.
 */
class StagedCopierTest {
    /** Queued copies between host addresses, run in order when waited for. */
    static final class LazyEngine implements StagedCopier.Engine {
        private final List<long[]> queue = new ArrayList<>(); // {dst, src, bytes}
        private final int[] eventAt = {-1, -1};
        private final SplittableRandom rnd; // null: as lazy as possible
        private final long deviceBase;
        private final long deviceBytes;
        private final long[] halves;
        private final int chunk;
        private int executed;
        int copies;
        int awaits;
        int syncs;

        LazyEngine(SplittableRandom rnd, long deviceBase, long deviceBytes, long[] halves, int chunk) {
            this.rnd = rnd;
            this.deviceBase = deviceBase;
            this.deviceBytes = deviceBytes;
            this.halves = halves;
            this.chunk = chunk;
        }

        @Override
        public void copyToDeviceAsync(long deviceDst, long hostSrc, long bytes) {
            checkDevice(deviceDst, bytes);
            checkHalf(hostSrc, bytes);
            enqueue(deviceDst, hostSrc, bytes);
        }

        @Override
        public void copyToHostAsync(long hostDst, long deviceSrc, long bytes) {
            checkDevice(deviceSrc, bytes);
            checkHalf(hostDst, bytes);
            enqueue(hostDst, deviceSrc, bytes);
        }

        private void enqueue(long dst, long src, long bytes) {
            queue.add(new long[] {dst, src, bytes});
            copies++;
            progress();
        }

        private void checkDevice(long address, long bytes) {
            assertTrue(bytes > 0, "copies are not empty");
            assertTrue(address >= deviceBase && address + bytes <= deviceBase + deviceBytes,
                    "device range inside the storage");
        }

        private void checkHalf(long address, long bytes) {
            assertTrue(address == halves[0] || address == halves[1], "a staging half");
            assertTrue(bytes <= chunk, "at most one chunk per copy");
        }

        @Override
        public void record(int slot) {
            eventAt[slot] = queue.size();
            progress();
        }

        @Override
        public void await(int slot) {
            assertTrue(eventAt[slot] >= 0, "await of an event that was never recorded");
            awaits++;
            runUntil(eventAt[slot]);
        }

        @Override
        public void synchronize() {
            syncs++;
            runUntil(queue.size());
        }

        /** A real stream makes progress on its own: run a random part of the queue. */
        private void progress() {
            if (rnd != null && executed < queue.size()) {
                runUntil(executed + rnd.nextInt(queue.size() - executed + 1));
            }
        }

        private void runUntil(int n) {
            while (executed < n) {
                long[] c = queue.get(executed++);
                Pointer.memcpy(HostAddress.at(c[0]), HostAddress.at(c[1]), c[2]);
            }
        }

        boolean idle() {
            return executed == queue.size();
        }
    }

    static long address(ByteBuffer direct) {
        return new Pointer(direct).address();
    }

    private static void roundTrip(int bytes, int chunk, boolean heapSource, Long seed) {
        ByteBuffer device = ByteBuffer.allocateDirect(bytes + 64);
        ByteBuffer h0 = ByteBuffer.allocateDirect(chunk);
        ByteBuffer h1 = ByteBuffer.allocateDirect(chunk);
        long[] halves = {address(h0), address(h1)};
        LazyEngine engine = new LazyEngine(seed == null ? null : new SplittableRandom(seed), address(device),
                device.capacity(), halves, chunk);
        StagedCopier copier = new StagedCopier(engine, new ByteBuffer[] {h0, h1}, halves, chunk);

        byte[] data = new byte[bytes];
        new SplittableRandom(bytes * 31L + chunk).nextBytes(data);
        // the source starts at position 5 of its buffer; the storage at byte 32 of the device buffer
        ByteBuffer src = heapSource ? ByteBuffer.allocate(bytes + 9) : ByteBuffer.allocateDirect(bytes + 9);
        src.position(5);
        src.put(data);
        src.position(5);
        for (int i = 0; i < device.capacity(); i++) {
            device.put(i, (byte) 0x5a);
        }
        long dst = address(device) + 32;

        copier.upload(src, dst, bytes);
        assertTrue(engine.idle(), "upload returns after its copies ran");
        assertEquals(5, src.position(), "source position unchanged");
        for (int i = 0; i < bytes; i++) {
            if (device.get(32 + i) != data[i]) {
                throw new AssertionError("upload of " + bytes + " bytes in chunks of " + chunk + ": byte " + i
                        + " is " + device.get(32 + i) + ", expected " + data[i]);
            }
        }
        for (int i = 0; i < 32; i++) {
            assertEquals((byte) 0x5a, device.get(i), "no write before the storage");
            assertEquals((byte) 0x5a, device.get(32 + bytes + i), "no write after the storage");
        }
        assertEquals((bytes + chunk - 1) / chunk, engine.copies, "one copy per chunk");

        ByteBuffer back = heapSource ? ByteBuffer.allocateDirect(bytes + 7) : ByteBuffer.allocate(bytes + 7);
        for (int i = 0; i < back.capacity(); i++) {
            back.put(i, (byte) 0x33);
        }
        back.position(3);
        copier.download(dst, back, bytes);
        assertTrue(engine.idle(), "download returns after its copies ran");
        assertEquals(3, back.position(), "destination position unchanged");
        for (int i = 0; i < bytes; i++) {
            if (back.get(3 + i) != data[i]) {
                throw new AssertionError("download of " + bytes + " bytes in chunks of " + chunk + ": byte " + i
                        + " is " + back.get(3 + i) + ", expected " + data[i]);
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals((byte) 0x33, back.get(i));
        }
        for (int i = 3 + bytes; i < back.capacity(); i++) {
            assertEquals((byte) 0x33, back.get(i), "no write after the destination range");
        }
        assertEquals(2 * ((bytes + chunk - 1) / chunk), engine.copies);
    }

    @ParameterizedTest(name = "{0} bytes, chunk {1}")
    @CsvSource({
        "0, 64", "1, 64", "7, 64", "63, 64", "64, 64", "65, 64", "128, 64", "129, 64", "323, 64", "4099, 64",
        "1, 1", "7, 1", "7, 2", "1000003, 4096", "1048576, 65536", "1048576, 2097152"})
    void roundTripsWithTheLaziestStream(int bytes, int chunk) {
        roundTrip(bytes, chunk, true, null);
        roundTrip(bytes, chunk, false, null);
    }

    @Test
    void roundTripsWhenTheStreamRunsAtRandomPoints() {
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int chunk = 1 + r.nextInt(97);
            int bytes = r.nextInt(chunk * 9 + 5);
            roundTrip(bytes, chunk, seed % 2 == 0, seed);
        }
    }

    @Test
    void waitsOnlyForTheHalfItReuses() {
        int chunk = 16;
        ByteBuffer device = ByteBuffer.allocateDirect(16 * 10);
        ByteBuffer h0 = ByteBuffer.allocateDirect(chunk);
        ByteBuffer h1 = ByteBuffer.allocateDirect(chunk);
        long[] halves = {address(h0), address(h1)};
        LazyEngine engine = new LazyEngine(null, address(device), device.capacity(), halves, chunk);
        StagedCopier copier = new StagedCopier(engine, new ByteBuffer[] {h0, h1}, halves, chunk);
        copier.upload(ByteBuffer.allocate(160), address(device), 160);
        // 10 chunks: chunks 2..9 each wait for the copy that last used their half; one final sync
        assertEquals(8, engine.awaits);
        assertEquals(1, engine.syncs);
        engine.awaits = 0;
        copier.download(address(device), ByteBuffer.allocate(160), 160);
        assertEquals(10, engine.awaits, "each chunk is awaited once before it is read");
    }

    @Test
    void hostViewsSeeTheMemoryAtTheirAddress() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 64; i++) {
            b.put(i, (byte) (i * 3));
        }
        ByteBuffer v = HostAddress.view(address(b) + 8, 16);
        assertEquals(16, v.capacity());
        assertEquals((byte) 24, v.get(0));
        v.put(15, (byte) -1);
        assertEquals((byte) -1, b.get(23));
        assertEquals(address(b) + 8, HostAddress.at(address(b) + 8).address());
        assertThrows(IllegalArgumentException.class, () -> HostAddress.view(0, 4));
    }

    @Test
    void rejectsHalvesSmallerThanTheChunk() {
        ByteBuffer small = ByteBuffer.allocateDirect(8);
        assertThrows(IllegalArgumentException.class, () -> new StagedCopier(null,
                new ByteBuffer[] {small, small}, new long[] {1, 2}, 16));
        assertThrows(IllegalArgumentException.class, () -> new StagedCopier(null,
                new ByteBuffer[] {small}, new long[] {1}, 4));
    }
}
