package dev.lamina.backend;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Host memory from {@code calloc} (or {@code malloc} for uninitialized storages), freed when the last
 * reference is released, or by the cleaner safety net when the storage becomes unreachable without
 * that ({@link NativeMemory}). Java code reads it through {@link #buffer()}, native kernels through
 * {@link #pointer()}; both only while the storage is pinned by the backend call.
 */
public final class HostStorage extends Storage {
    /** One host storage holds at most this many bytes (Java buffers index with an int). */
    public static final long MAX_BYTES = Integer.MAX_VALUE;

    private final BytePointer pointer;
    private final ByteBuffer buffer;

    /**
     * Allocates {@code numel} elements; {@code onFree} runs once when the memory is returned (the
     * backend's byte count). Sizes are checked first: IllegalArgumentException naming {@code op} for
     * a negative size or one over {@link #MAX_BYTES}, OutOfMemoryError when the native memory limit
     * ({@link NativeMemory}) or the system refuses.
     */
    HostStorage(Backend backend, DType dtype, long numel, boolean zeroed, String op, Runnable onFree) {
        super(backend, dtype, numel);
        long bytes = byteSize(op, dtype, numel);
        NativeMemory.reserve(op, bytes);
        Pointer raw;
        try {
            raw = rawAllocate(Math.max(1, bytes), zeroed);
            if (raw == null) {
                // the system refused: unreachable tensors may still hold memory the cleaner can return
                NativeMemory.collect(0, 50);
                raw = rawAllocate(Math.max(1, bytes), zeroed);
            }
            if (raw == null) {
                throw new OutOfMemoryError(op + ": " + (zeroed ? "calloc" : "malloc") + " of " + bytes + " bytes failed ("
                        + NativeMemory.bytesInUse() + " bytes of tensors in use)");
            }
        } catch (RuntimeException | Error e) {
            NativeMemory.unreserve(bytes);
            throw e;
        }
        this.pointer = new BytePointer(raw).capacity(Math.max(1, bytes));
        this.buffer = pointer.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Pointer owned = raw;
        trackMemory(bytes, () -> {
            Pointer.free(owned);
            NativeMemory.unreserve(bytes);
            onFree.run();
        });
    }

    /** numel · size in bytes, checked: negative, overflowing or over {@link #MAX_BYTES} sizes are rejected. */
    static long byteSize(String op, DType dtype, long numel) {
        if (numel < 0) {
            throw new IllegalArgumentException(op + ": negative size " + numel);
        }
        if (numel > MAX_BYTES / dtype.size()) {
            throw new IllegalArgumentException(op + ": " + numel + " " + dtype + " elements need "
                    + (numel > Long.MAX_VALUE / dtype.size() ? "more than 2^63" : Long.toString(numel * dtype.size()))
                    + " bytes; one host storage holds at most " + MAX_BYTES + " bytes");
        }
        return numel * dtype.size();
    }

    private static Pointer rawAllocate(long bytes, boolean zeroed) {
        Pointer raw = zeroed ? Pointer.calloc(bytes, 1) : Pointer.malloc(bytes);
        return raw == null || raw.isNull() ? null : raw;
    }

    /** The memory, as a pointer for native kernels (JavaCPP). */
    public BytePointer pointer() {
        return pointer;
    }

    /** A little-endian view of the memory, positioned at 0; the caller may move its own duplicate. */
    public ByteBuffer buffer() {
        return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    void freeMemory() {
        freeTrackedMemory();
        pointer.setNull();
    }
}
