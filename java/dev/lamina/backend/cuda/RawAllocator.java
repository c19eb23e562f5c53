package dev.lamina.backend.cuda;

/**
 * Where {@link CachingAllocator} gets its memory from: a raw allocate/free pair. The cuda backend
 * plugs in {@code cudaMalloc}/{@code cudaFree}; tests plug in host memory with a capacity, so the
 * allocator's logic (size classes, reuse, out-of-memory retry, counters) runs on any machine.
 *
 * <p>Out of memory is a normal answer, not an exception: {@link #allocate} returns {@code 0}. Any
 * other failure (a broken device, an invalid argument) is thrown.
 */
public interface RawAllocator {
    /**
     * Allocates {@code bytes} (always a positive multiple of 512) and returns the block's address,
     * never 0; returns 0 when the memory is exhausted.
     *
     * @throws RuntimeException for any failure other than running out of memory
     */
    long allocate(long bytes);

    /** Returns a block that {@link #allocate} gave out, with the size it was allocated with. */
    void free(long address, long bytes);

    /**
     * Waits until no queued work can still touch memory that is about to be freed. Called once
     * before the cache is emptied; the cuda backend synchronizes its stream here. Default: nothing.
     */
    default void synchronize() {
    }

    /** A short description of the memory behind this allocator for error messages (e.g. free/total). */
    default String describe() {
        return "";
    }
}
