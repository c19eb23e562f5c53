package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;

/**
 * One step of a graph: a backend call (or a host-side step) with its storage parameters, each read,
 * written or both, and the scalar arguments it was traced with.
 */
final class Node {
    /** What kind of step; decides which passes may touch it. */
    enum Kind {
        /** a backend kernel call: deterministic in its storages and scalar arguments */
        KERNEL,
        /** the zero fill of a storage allocated zeroed */
        ZEROS,
        /** an upload of bytes that were the same in two traces: a constant */
        UPLOAD_CONST,
        /** a host value recomputed at every replay */
        HOST_SCALAR,
        /** a host effect rerun at every replay */
        HOST_EFFECT,
        /** a host-generated upload regenerated at every replay */
        HOST_UPLOAD,
        /** a check of a storage's values on the host (index ranges), rerun at every replay */
        HOST_CHECK,
        /** a fused element-wise program */
        FUSED
    }

    /** Runs the step on the real backend with the replay's storages and host values. */
    interface Exec {
        void run(Backend backend, Storage[] storages, double[] hostValues);
    }

    final Kind kind;
    final String op;
    /** printable scalar arguments; also the common-subexpression key */
    final String args;
    int[] vals;
    final boolean[] reads;
    final boolean[] writes;
    Exec exec;
    /** set for unary and binary kernels that a fusion may take in */
    Elementwise ew;
    FusedElementwise.Program program;
    /** a scalar argument is bound to a host value (never folded) */
    boolean hostDependent;
    /** the geometry of a convolution node (conv2d), for the fused-kernel pass */
    dev.lamina.backend.ConvGeometry conv;
    /** a binary node's op, operand strides and output shape, for the fused-kernel pass */
    BinaryOp binaryOp;
    long[] aStrides;
    long[] bStrides;
    long[] outShape;
    /** a strided copy's geometry (copyStrided), for the fused-kernel passes */
    Strided copy;

    Node(Kind kind, String op, String args, int[] vals, boolean[] reads, boolean[] writes, Exec exec) {
        this.kind = kind;
        this.op = op;
        this.args = args;
        this.vals = vals;
        this.reads = reads;
        this.writes = writes;
        this.exec = exec;
    }

    boolean isHost() {
        return kind == Kind.HOST_SCALAR || kind == Kind.HOST_EFFECT || kind == Kind.HOST_UPLOAD || kind == Kind.HOST_CHECK;
    }

    /** The geometry of a copyStrided call: source and destination offsets and strides, and the shape. */
    static final class Strided {
        final long srcOffset;
        final long[] srcStrides;
        final long dstOffset;
        final long[] dstStrides;
        final long[] shape;

        Strided(long srcOffset, long[] srcStrides, long dstOffset, long[] dstStrides, long[] shape) {
            this.srcOffset = srcOffset;
            this.srcStrides = srcStrides;
            this.dstOffset = dstOffset;
            this.dstStrides = dstStrides;
            this.shape = shape;
        }
    }

    /** The element-wise description of a unary or binary call (null operands are the other kind). */
    static final class Elementwise {
        final UnaryOp unary;
        final BinaryOp binary;
        /** for binary: whether each operand is a one-element broadcast (all strides 0) */
        final boolean aScalar;
        final boolean bScalar;

        Elementwise(UnaryOp unary, BinaryOp binary, boolean aScalar, boolean bScalar) {
            this.unary = unary;
            this.binary = binary;
            this.aScalar = aScalar;
            this.bScalar = bScalar;
        }
    }
}
