package dev.lamina.backend.cuda;

/**
 * Device memory ran out: the raw allocation failed with {@code cudaErrorMemoryAllocation}, the
 * {@link CachingAllocator} returned every cached block to the device and tried once more, and that
 * failed too. Nothing was allocated and the backend stays usable: free tensors (or ask for less)
 * and go on.
 *
 * <p>The message names the request and the allocator's state, e.g. {@code "cuda.allocate: out of
 * device memory: 3.0 GiB requested (block of 3.0 GiB); 70.1 GiB in use by live tensors, 70.1 GiB
 * reserved (the cache was emptied and the allocation retried once): cudaErrorMemoryAllocation"}.
 */
public final class CudaOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    /** {@code cudaErrorMemoryAllocation}'s value in {@code cudaError_t}. */
    public static final int CODE = 2;
    /** The CUDA error's name. */
    public static final String NAME = "cudaErrorMemoryAllocation";

    private final long requestedBytes;
    private final long blockBytes;
    private final long bytesInUse;
    private final long bytesReserved;

    /**
     * @param op            what failed, e.g. {@code "cuda.allocate"}
     * @param requestedBytes the bytes asked for
     * @param blockBytes    the rounded block size that was asked of the device
     * @param bytesInUse    bytes of blocks held by live storages when the request failed
     * @param bytesReserved bytes held from the device (in use plus cached) when the request failed
     * @param detail        extra words for the message (e.g. the device's free and total memory), or empty
     */
    public CudaOutOfMemoryException(String op, long requestedBytes, long blockBytes, long bytesInUse,
                                    long bytesReserved, String detail) {
        super(op + ": out of device memory: " + CachingAllocator.formatBytes(requestedBytes) + " requested ("
                        + requestedBytes + " bytes, block of " + CachingAllocator.formatBytes(blockBytes) + "); "
                        + CachingAllocator.formatBytes(bytesInUse) + " in use (" + bytesInUse + " bytes), "
                        + CachingAllocator.formatBytes(bytesReserved) + " reserved (" + bytesReserved
                        + " bytes) after the cache was emptied and the allocation retried once"
                        + (detail == null || detail.isEmpty() ? "" : "; " + detail),
                CODE, NAME, "out of memory");
        this.requestedBytes = requestedBytes;
        this.blockBytes = blockBytes;
        this.bytesInUse = bytesInUse;
        this.bytesReserved = bytesReserved;
    }

    /** The bytes asked for. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** The rounded block size asked of the device. */
    public long blockBytes() {
        return blockBytes;
    }

    /** Bytes of blocks held by live storages when the request failed. */
    public long bytesInUse() {
        return bytesInUse;
    }

    /** Bytes held from the device (in use plus cached) when the request failed, after emptying the cache. */
    public long bytesReserved() {
        return bytesReserved;
    }
}
