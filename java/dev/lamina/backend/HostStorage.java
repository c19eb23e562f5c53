package dev.lamina.backend;

import dev.lamina.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Host memory from {@code calloc} (or {@code malloc} for uninitialized storages), freed explicitly (never by the garbage collector). Java code
 * reads it through {@link #buffer()}, native kernels through {@link #pointer()}.
 */
public final class HostStorage extends Storage {
    private final BytePointer pointer;
    private final ByteBuffer buffer;

    HostStorage(Backend backend, DType dtype, long numel, boolean zeroed) {
        super(backend, dtype, numel);
        long bytes = Math.max(1, numel * dtype.size());
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("host storage of " + numel + " " + dtype
                    + " elements exceeds the 2 GiB limit of one host storage");
        }
        Pointer raw = zeroed ? Pointer.calloc(bytes, 1) : Pointer.malloc(bytes);
        if (raw == null || raw.isNull()) {
            throw new OutOfMemoryError((zeroed ? "calloc" : "malloc") + " of " + bytes + " bytes failed");
        }
        this.pointer = new BytePointer(raw).capacity(bytes);
        this.buffer = pointer.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
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
        Pointer.free(pointer);
        pointer.setNull();
    }
}
