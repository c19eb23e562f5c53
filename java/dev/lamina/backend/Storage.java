package dev.lamina.backend;

import dev.lamina.types.DType;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A block of memory owned by one backend, holding {@code numel} contiguous elements of one dtype.
 *
 * <p>Storages are reference counted. A reference is held by every tensor that shares the memory (a
 * tensor and its reshaped views) and, for the duration of one backend call, by the call itself
 * ({@link #pin()} / {@link #unpin()}): the memory goes back to the backend when the last reference
 * is dropped. So a tensor closed on one thread while a kernel on another thread reads it is freed
 * when that kernel returns, never while it runs.
 *
 * <p>Safety net: a storage that holds memory registers with a {@link Cleaner}; when it becomes
 * unreachable from Java while still holding memory (its tensors were never closed), the memory is
 * freed by the cleaner thread and counted in {@link NativeMemory#leaksFreed()}. A backend call keeps
 * its storages reachable until it unpins them, so the cleaner never frees memory a kernel reads.
 */
public abstract class Storage {
    private static final AtomicIntegerFieldUpdater<Storage> REFS =
            AtomicIntegerFieldUpdater.newUpdater(Storage.class, "refs");

    private final Backend backend;
    private final DType dtype;
    private final long numel;
    private volatile int refs = 1;
    private NativeMemory.Release release;   // set by trackMemory; runs the free exactly once

    protected Storage(Backend backend, DType dtype, long numel) {
        this.backend = backend;
        this.dtype = dtype;
        this.numel = numel;
    }

    /**
     * Registers the memory this storage holds with the cleaner safety net. {@code free} returns the
     * memory (and updates the backend's counters); it must not reference this storage. Called once,
     * by subclass constructors, after the memory was obtained.
     */
    protected final void trackMemory(long bytes, Runnable free) {
        if (release != null) {
            throw new IllegalStateException("Storage.trackMemory: called twice");
        }
        release = NativeMemory.track(this, bytes, backend.name(), free);
    }

    /**
     * Returns the memory now through the action given to {@link #trackMemory} (a no-op when it already
     * ran, or when nothing was tracked). Backends call this from {@link Backend#free}.
     */
    protected final void freeTrackedMemory() {
        if (release != null) {
            release.run();
        }
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

    /** numel · dtype size (sizes are checked against overflow when a storage is allocated). */
    public final long bytes() {
        return numel * dtype.size();
    }

    /** True once the last reference was released and the memory returned to the backend. */
    public final boolean isFreed() {
        return refs == 0;
    }

    /** Adds a reference (a new tensor sharing the memory); IllegalStateException once freed. */
    public final void retain() {
        for (;;) {
            int r = refs;
            if (r == 0) {
                throw new IllegalStateException("storage already freed (" + dtype + ", " + numel + " elements on "
                        + backend.name() + "): a tensor was used after close");
            }
            if (r == Integer.MAX_VALUE) {
                throw new IllegalStateException("storage reference count overflow");
            }
            if (REFS.compareAndSet(this, r, r + 1)) {
                return;
            }
        }
    }

    /** Drops one reference; the last one frees the memory. */
    public final void release() {
        for (;;) {
            int r = refs;
            if (r == 0) {
                throw new IllegalStateException("storage already freed");
            }
            if (REFS.compareAndSet(this, r, r - 1)) {
                if (r == 1) {
                    TraceHooks.route(backend).free(this); // a traced function's frees are recorded
                }
                return;
            }
        }
    }

    /**
     * Holds the memory for the duration of one backend call (a reference that {@link #unpin()} drops):
     * a concurrent close cannot free it before then. IllegalStateException when already freed.
     */
    public final void pin() {
        retain();
    }

    /** Ends a {@link #pin()}; frees the memory when the storage was closed meanwhile. */
    public final void unpin() {
        release();
    }
}
