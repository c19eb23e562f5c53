package dev.lamina.backend;

import dev.lamina.types.DType;
import java.util.Arrays;

/**
 * Argument checks shared by the native backends (cpu, cuda): the cheap re-checks a backend makes
 * before a native call so that no kernel ever reads or writes outside its storages.
 */
public final class StorageChecks {
    private StorageChecks() {
    }

    /** Ids must be int32 or int64. */
    public static void checkIds(String what, Storage ids) {
        if (ids.dtype() != DType.INT32 && ids.dtype() != DType.INT64) {
            throw new IllegalArgumentException(what + ": ids must be int32 or int64, got " + ids.dtype());
        }
    }

    /** x and out hold the same number of elements. */
    public static void sameNumel(String what, Storage x, Storage out) {
        if (x.numel() != out.numel()) {
            throw new IllegalArgumentException(what + ": x has " + x.numel() + " elements, out " + out.numel());
        }
    }

    /** The most axes of a strided view (the cpu kernels' limit, and the tensor layer's). */
    public static final int MAX_RANK = 64;

    /** Product of the dims, which must be ≥ 0; IllegalArgumentException on overflow or rank over {@link #MAX_RANK}. */
    public static long numel(long[] shape, String what) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(what + ": rank " + shape.length + " exceeds the limit of " + MAX_RANK);
        }
        boolean empty = false;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(what + ": negative dimension in " + Arrays.toString(shape));
            }
            empty |= d == 0;
        }
        if (empty) {
            return 0;
        }
        long n = 1;
        for (long d : shape) {
            if (!productFits(n, d)) {  // the message is built only when it is needed (this runs per op)
                exact(what, "element count of " + Arrays.toString(shape), n, d);
            }
            n *= d;
        }
        return n;
    }

    /** Whether a · b fits a long (as {@link #exact} decides it). */
    private static boolean productFits(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) || (hi == -1 && lo < 0);
    }

    /** Whether a + b fits a long (as {@link #add} decides it). */
    private static boolean sumFits(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) >= 0;
    }

    /** a · b, or an IllegalArgumentException naming what overflowed. */
    public static long exact(String what, String quantity, long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        throw new IllegalArgumentException(what + ": " + quantity + " overflows a 64-bit integer (" + a + " · " + b + ")");
    }

    /** a + b, or an IllegalArgumentException naming what overflowed. */
    public static long add(String what, String quantity, long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            throw new IllegalArgumentException(what + ": " + quantity + " overflows a 64-bit integer (" + a + " + " + b + ")");
        }
        return r;
    }

    /**
     * Every element a strided view of a non-empty shape touches lies inside the storage. All index
     * arithmetic is checked: a view whose extent overflows a long is rejected, not wrapped.
     */
    public static void checkRange(String what, String name, Storage s, long offset, long[] strides, long[] shape) {
        if (strides.length != shape.length) {
            throw new IllegalArgumentException(what + ": " + name + " has " + strides.length + " strides for shape "
                    + Arrays.toString(shape));
        }
        if (offset < 0 || offset >= s.numel()) {
            throw new IllegalArgumentException(what + ": " + name + " offset " + offset + " lies outside a storage of "
                    + s.numel() + " elements");
        }
        long lo = offset;
        long hi = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 1) {
                throw new IllegalArgumentException(what + ": " + name + " view of shape " + Arrays.toString(shape)
                        + " is empty or negative");
            }
            // the overflow messages are built only on overflow (this runs for every strided view of every op)
            if (!productFits(strides[d], shape[d] - 1)) {
                exact(what, name + " extent", strides[d], shape[d] - 1);
            }
            long span = strides[d] * (shape[d] - 1);
            if (span < 0) {
                if (!sumFits(lo, span)) {
                    add(what, name + " extent", lo, span);
                }
                lo += span;
            } else {
                if (!sumFits(hi, span)) {
                    add(what, name + " extent", hi, span);
                }
                hi += span;
            }
        }
        if (lo < 0 || hi >= s.numel()) {
            throw new IllegalArgumentException(what + ": " + name + " view (offset " + offset + ", strides "
                    + Arrays.toString(strides) + ", shape " + Arrays.toString(shape) + ") reaches elements [" + lo + ", "
                    + hi + "] of a storage of " + s.numel());
        }
    }

    /**
     * The arguments of {@link Backend#binary}: equal operand dtypes, the output dtype, one stride
     * per axis, out sized for the shape, and both strided views inside their storages. Returns the
     * element count (0: nothing to compute).
     */
    public static long checkBinary(String what, BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                                   Storage out, long[] outShape) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(what + ": dtypes differ, " + a.dtype() + " and " + b.dtype());
        }
        DType expected = op.isComparison() ? DType.BOOL : a.dtype();
        if (out.dtype() != expected) {
            throw new IllegalArgumentException(what + ": out dtype " + out.dtype() + ", expected " + expected);
        }
        int rank = outShape.length;
        if (aStrides.length != rank || bStrides.length != rank) {
            throw new IllegalArgumentException(what + ": out shape " + Arrays.toString(outShape) + " with strides "
                    + Arrays.toString(aStrides) + " and " + Arrays.toString(bStrides));
        }
        long n = numel(outShape, what);
        if (out.numel() != n) {
            throw new IllegalArgumentException(what + ": out has " + out.numel() + " elements, shape "
                    + Arrays.toString(outShape) + " needs " + n);
        }
        if (n > 0) {
            checkRange(what, "a", a, 0, aStrides, outShape);
            checkRange(what, "b", b, 0, bStrides, outShape);
        }
        return n;
    }

    /** The arguments of {@link Backend#reduce}: the [outer, n, inner] view fits x and out, out's dtype. */
    public static void checkReduce(String what, ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        if (n < 1 || outer < 0 || inner < 0) {
            throw new IllegalArgumentException(what + ": bad view [" + outer + ", " + n + ", " + inner + "]");
        }
        if (x.numel() != exact(what, "view size", exact(what, "view size", outer, n), inner)
                || out.numel() != exact(what, "view size", outer, inner)) {
            throw new IllegalArgumentException(what + ": view [" + outer + ", " + n + ", " + inner + "] of x with "
                    + x.numel() + " elements into out with " + out.numel());
        }
        DType expected = op.isArg() ? DType.INT64 : x.dtype();
        if (out.dtype() != expected) {
            throw new IllegalArgumentException(what + ": out dtype " + out.dtype() + ", expected " + expected);
        }
    }

    /** The arguments of {@link Backend#softmax}: float x and out of one dtype, the view fits both. */
    public static void checkSoftmax(String what, Storage x, Storage out, long outer, long n, long inner) {
        if (!x.dtype().isFloating() || out.dtype() != x.dtype()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + x.dtype() + " -> "
                    + out.dtype());
        }
        if (n < 1 || outer < 0 || inner < 0 || x.numel() != exact(what, "view size", exact(what, "view size", outer, n), inner)
                || out.numel() != x.numel()) {
            throw new IllegalArgumentException(what + ": view [" + outer + ", " + n + ", " + inner + "] of x with "
                    + x.numel() + " elements into out with " + out.numel());
        }
    }
}
