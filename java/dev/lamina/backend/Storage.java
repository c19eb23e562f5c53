package dev.lamina.backend;

import dev.lamina.tensor.DType;

/**
 * A block of memory owned by one backend, holding {@code numel} contiguous elements of one dtype.
 * Storages are reference counted because several tensors (a tensor and its reshaped views) may share
 * one; the memory goes back to the backend when the last reference is released.
 */
public abstract class Storage {
    private final Backend backend;
    private final DType dtype;
    private final long numel;
    private int refs = 1;

    protected Storage(Backend backend, DType dtype, long numel) {
        this.backend = backend;
        this.dtype = dtype;
        this.numel = numel;
    }

    public final Backend backend() {
        return backend;
    }

    public final DType dtype() {
        return dtype;
    }

    public final long numel() {
        return numel;
    }

    public final long bytes() {
        return numel * dtype.size();
    }

    /** True once the last reference was released and the memory returned to the backend. */
    public final synchronized boolean isFreed() {
        return refs == 0;
    }

    public final synchronized void retain() {
        if (refs == 0) {
            throw new IllegalStateException("storage already freed");
        }
        refs++;
    }

    /** Drops one reference; the last one frees the memory. */
    public final void release() {
        boolean free;
        synchronized (this) {
            if (refs == 0) {
                throw new IllegalStateException("storage already freed");
            }
            free = --refs == 0;
        }
        if (free) {
            backend.free(this);
        }
    }
}
