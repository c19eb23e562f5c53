package dev.lamina.graph;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/** One storage of a traced computation: where its memory comes from at replay. */
final class Value {
    /** Where a value's storage comes from when the graph is replayed. */
    enum Kind {
        /** the storage of an input tensor: the caller's new input at each replay */
        INPUT,
        /** a storage that existed before the trace (a weight, an optimizer slot): the same storage */
        EXTERNAL,
        /** made during the trace: a buffer of the memory plan, or fresh for an output */
        INTERNAL,
        /** made during the trace from constants only: computed once when the graph is built */
        CONST
    }

    final int id;
    Kind kind;
    final DType dtype;
    final long numel;
    /** the storage seen while tracing (EXTERNAL: the one replayed; CONST: the folded result) */
    Storage storage;
    int inputIndex = -1;
    /** allocated zero-filled (the graph keeps a zeros node in front of its first writer) */
    boolean zeroed;
    boolean freed;

    Value(int id, Kind kind, DType dtype, long numel) {
        this.id = id;
        this.kind = kind;
        this.dtype = dtype;
        this.numel = numel;
    }

    String label() {
        String p;
        switch (kind) {
            case INPUT: p = "in" + inputIndex + ":"; break;
            case EXTERNAL: p = "w" + id + ":"; break;
            case CONST: p = "c" + id + ":"; break;
            default: p = "t" + id + ":";
        }
        return p + shortName(dtype) + "[" + numel + "]";
    }

    static String shortName(DType d) {
        switch (d) {
            case FLOAT32: return "f32";
            case FLOAT64: return "f64";
            case INT32: return "i32";
            case INT64: return "i64";
            case BOOL: return "bool";
            default: return d.toString().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
