package dev.lamina.backend;

/**
 * Reductions over the middle axis of an [outer, n, inner] view. ARGMAX/ARGMIN produce INT64. Each
 * constant's {@link #code()} is its number in {@code native/lamina_ops.h} (checked by NativeHeaderTest).
 */
public enum ReduceOp {
    /** Σ */ SUM(0),
    /** maximum */ MAX(1),
    /** minimum */ MIN(2),
    /** index of the first maximum */ ARGMAX(3),
    /** index of the first minimum */ ARGMIN(4);

    private final int code;

    ReduceOp(int code) {
        this.code = code;
    }

    /** @return the op code the native kernels take ({@code native/lamina_ops.h}) */
    public int code() {
        return code;
    }

    /** @return whether the result is an index (int64) */
    public boolean isArg() {
        return this == ARGMAX || this == ARGMIN;
    }
}
