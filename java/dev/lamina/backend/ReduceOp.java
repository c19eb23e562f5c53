package dev.lamina.backend;

/** Reductions over the middle axis of an [outer, n, inner] view. ARGMAX/ARGMIN produce INT64. */
public enum ReduceOp {
    SUM, MAX, MIN, ARGMAX, ARGMIN;

    public boolean isArg() {
        return this == ARGMAX || this == ARGMIN;
    }
}
