package dev.lamina.backend.cuda;

import java.nio.ByteBuffer;

/**
 * Host↔device copies through a page-locked staging buffer split in two halves, chunk by chunk,
 * so that copying one chunk between the Java buffer and a half overlaps the DMA of the other
 * half's chunk on the device's stream.
 *
 * <p>Why staging: {@code cudaMemcpyAsync} is asynchronous only from page-locked memory, and Java
 * buffers (heap arrays, direct buffers) are pageable. Copying through a reused page-locked buffer
 * keeps every copy on the backend's stream, in order with its kernels, with one host-side memcpy
 * per byte, and never pins or registers user memory.
 *
 * <p>The device side is an {@link Engine}: the cuda backend's engine queues {@code
 * cudaMemcpyAsync}s and events on its stream; tests use an engine that queues the copies and
 * performs them only when waited for, which is how an asynchronous stream is allowed to behave, so
 * a half that is refilled before its copy has run, or read before it has arrived, shows up as wrong
 * data on the CPU. Both methods return only after the whole transfer has completed.
 *
 * <p>Not thread-safe on its own: the staging buffer is one resource, and callers serialize (the
 * backend calls it under a lock).
 */
final class StagedCopier {
    /** The device side of the copies: asynchronous copies and two events on one stream. */
    interface Engine {
        /** Queues a copy of {@code bytes} from the page-locked host address to the device address. */
        void copyToDeviceAsync(long deviceDst, long hostSrc, long bytes);

        /** Queues a copy of {@code bytes} from the device address to the page-locked host address. */
        void copyToHostAsync(long hostDst, long deviceSrc, long bytes);

        /** Records event {@code slot} (0 or 1) after the work queued so far. */
        void record(int slot);

        /** Waits on the host until event {@code slot}'s work has completed. */
        void await(int slot);

        /** Waits on the host until all queued work has completed. */
        void synchronize();
    }

    private final Engine engine;
    private final ByteBuffer[] halves;
    private final long[] addresses;
    private final int chunk;

    /**
     * @param engine    the device side
     * @param halves    the two halves of the staging buffer as host buffers, each {@code chunk} bytes
     * @param addresses the host addresses of the two halves (what the engine copies from and to)
     * @param chunk     bytes per chunk, at least 1
     */
    StagedCopier(Engine engine, ByteBuffer[] halves, long[] addresses, int chunk) {
        if (halves.length != 2 || addresses.length != 2 || chunk < 1 || halves[0].capacity() < chunk
                || halves[1].capacity() < chunk) {
            throw new IllegalArgumentException("staged copier: two halves of at least " + chunk + " bytes expected");
        }
        this.engine = engine;
        this.halves = halves;
        this.addresses = addresses;
        this.chunk = chunk;
    }

    /** Bytes per chunk. */
    int chunk() {
        return chunk;
    }

    /**
     * Copies {@code bytes} from {@code src} (starting at its position; the position is not changed)
     * to device address {@code dst}, and waits until they have arrived.
     */
    void upload(ByteBuffer src, long dst, long bytes) {
        try {
            uploadChunks(src, dst, bytes);
        } catch (RuntimeException e) {
            drain(e);
            throw e;
        }
    }

    private void uploadChunks(ByteBuffer src, long dst, long bytes) {
        int base = src.position();
        long done = 0;
        int i = 0;
        while (done < bytes) {
            int slot = i & 1;
            int n = (int) Math.min(chunk, bytes - done);
            if (i >= 2) {
                engine.await(slot); // the copy of chunk i - 2 has read this half
            }
            ByteBuffer part = src.duplicate();
            part.limit(base + (int) done + n).position(base + (int) done);
            ByteBuffer half = halves[slot].duplicate();
            half.clear();
            half.put(part);
            engine.copyToDeviceAsync(dst + done, addresses[slot], n);
            engine.record(slot);
            done += n;
            i++;
        }
        engine.synchronize();
    }

    /**
     * Copies {@code bytes} from device address {@code src} into {@code dst} (starting at its
     * position; the position is not changed), and returns when they are there.
     */
    void download(long src, ByteBuffer dst, long bytes) {
        try {
            downloadChunks(src, dst, bytes);
        } catch (RuntimeException e) {
            drain(e);
            throw e;
        }
    }

    /**
     * After a failure part way, copies may still be queued on the halves: wait for them before the
     * staging buffer is used again (a broken stream fails here too; that failure is attached).
     */
    private void drain(RuntimeException cause) {
        try {
            engine.synchronize();
        } catch (RuntimeException e) {
            if (e != cause) {
                cause.addSuppressed(e);
            }
        }
    }

    private void downloadChunks(long src, ByteBuffer dst, long bytes) {
        int base = dst.position();
        long chunks = (bytes + chunk - 1) / chunk;
        for (long c = 0; c < Math.min(2, chunks); c++) {
            queueDownload(src, bytes, c);
        }
        for (long c = 0; c < chunks; c++) {
            int slot = (int) (c & 1);
            engine.await(slot);
            long off = c * chunk;
            int n = (int) Math.min(chunk, bytes - off);
            ByteBuffer half = halves[slot].duplicate();
            half.clear().limit(n);
            ByteBuffer part = dst.duplicate();
            part.limit(base + (int) off + n).position(base + (int) off);
            part.put(half);
            if (c + 2 < chunks) {
                queueDownload(src, bytes, c + 2); // into the half just emptied, while the next one arrives
            }
        }
        engine.synchronize();
    }

    private void queueDownload(long src, long bytes, long c) {
        int slot = (int) (c & 1);
        long off = c * chunk;
        long n = Math.min(chunk, bytes - off);
        engine.copyToHostAsync(addresses[slot], src + off, n);
        engine.record(slot);
    }
}
