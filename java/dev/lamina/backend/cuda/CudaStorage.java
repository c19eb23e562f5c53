package dev.lamina.backend.cuda;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Device memory from {@code cudaMalloc}, freed explicitly through the backend (never by the
 * garbage collector). The device address is only meaningful to CUDA calls.
 */
public final class CudaStorage extends Storage {
    private volatile long address;

    CudaStorage(Backend backend, DType dtype, long numel, long address) {
        super(backend, dtype, numel);
        this.address = address;
    }

    /** The device address (0 once freed). */
    public long address() {
        return address;
    }

    /** Marks the memory as returned; the backend has already called cudaFree. */
    void clearAddress() {
        address = 0;
    }
}
