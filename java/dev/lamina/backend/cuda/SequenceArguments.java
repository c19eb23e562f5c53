package dev.lamina.backend.cuda;

import dev.lamina.backend.Capability;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * The argument checks the persistent sequence kernels ({@link CudaPersistentLstm},
 * {@link CudaPersistentGru}) run before a launch: the kernel's capability for the dtype and hidden
 * size, non-negative batch and step counts, and each storage's dtype and element count.
 */
final class SequenceArguments {
    private SequenceArguments() {
    }

    /** Refuses a dtype or hidden size the kernel cannot run ({@code c}) and negative batch or step counts. */
    static void checkCounts(String what, Capability c, long batch, long steps) {
        if (!c.available()) {
            throw new IllegalArgumentException(what + ": " + c.reason());
        }
        if (batch < 0 || steps < 0) {
            throw new IllegalArgumentException(what + ": batch and steps must be >= 0, got " + batch + ", " + steps);
        }
    }

    /** Each row of {@code want} is {name, storage, element count}: the storage must be {@code dt} of that count. */
    static void checkStorages(String what, Object[][] want, DType dt, long batch, long steps, long hidden) {
        for (Object[] w : want) {
            Storage s = (Storage) w[1];
            if (s.dtype() != dt || s.numel() != (Long) w[2]) {
                throw new IllegalArgumentException(what + ": " + w[0] + " must be " + dt + " of " + w[2]
                        + " elements for B=" + batch + " T=" + steps + " H=" + hidden + ", got " + s.dtype() + " of "
                        + s.numel());
            }
        }
    }
}
