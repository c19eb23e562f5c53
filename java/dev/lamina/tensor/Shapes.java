package dev.lamina.tensor;

import java.util.Arrays;

/** Shape arithmetic: sizes, strides, broadcasting and axis checks, with errors that name the op. */
public final class Shapes {
    private Shapes() {
    }

    /**
     * The most axes a tensor may have, on every backend (the cpu kernels' limit; checked in Java when
     * a tensor is made, so no backend sees more).
     */
    public static final int MAX_RANK = 64;

    /** Product of the dims; every dim must be ≥ 0 and the product fit a long (IllegalArgumentException). */
    public static long numel(long[] shape) {
        return numel("shape", shape);
    }

    /**
     * Product of the dims, or an IllegalArgumentException naming {@code op} for a negative dimension or
     * a product that overflows a long.
     */
    public static long numel(String op, long[] shape) {
        long n = 1;
        boolean overflow = false;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
            }
            if (!overflow) {
                long hi = Math.multiplyHigh(n, d);
                long lo = n * d;
                if (hi != 0 || lo < 0) {
                    overflow = true;   // keep looking for a negative dimension, the clearer message
                } else {
                    n = lo;
                }
            }
        }
        if (overflow) {
            for (long d : shape) {
                if (d == 0) {
                    return 0;   // an empty shape is valid whatever its other dims
                }
            }
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^63 elements");
        }
        return n;
    }

    /**
     * Checks a shape a tensor is about to get: rank at most {@link #MAX_RANK}, dims ≥ 0, element count
     * within a long. Returns the element count; IllegalArgumentException naming {@code op} otherwise.
     */
    public static long checkShape(String op, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape is null");
        }
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(op + ": rank " + shape.length + " exceeds the limit of " + MAX_RANK
                    + " axes");
        }
        return numel(op, shape);
    }

    /** a + b, or an IllegalArgumentException naming op and what overflowed. */
    public static long addExact(String op, String what, long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            throw new IllegalArgumentException(op + ": " + what + " " + a + " + " + b + " overflows a 64-bit integer");
        }
        return r;
    }

    /** a · b, or an IllegalArgumentException naming op and what overflowed. */
    public static long multiplyExact(String op, String what, long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        throw new IllegalArgumentException(op + ": " + what + " " + a + " · " + b + " overflows a 64-bit integer");
    }

    /** numel as an int for Java arrays, or an IllegalArgumentException naming the op. */
    public static int checkedNumel(String op, long[] shape) {
        long n = numel(op, shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has too many elements for a Java array");
        }
        return (int) n;
    }

    /** Row-major strides in elements (meaningless, and never used, for an empty shape whose strides overflow). */
    public static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** "(2, 3)" like TensorFlow prints shapes; "()" for a scalar. */
    public static String str(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    /** NumPy broadcasting of two shapes, or an IllegalArgumentException naming the op. */
    public static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together");
            }
        }
        checkShape(op, out);
        return out;
    }

    /** Strides (in elements) that read a tensor of {@code shape} as if it had {@code target} shape. */
    public static long[] broadcastStrides(long[] shape, long[] target) {
        long[] own = strides(shape);
        long[] s = new long[target.length];
        int off = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            if (i < off || shape[i - off] == 1) {
                s[i] = 0;
            } else {
                s[i] = own[i - off];
            }
        }
        return s;
    }

    /** An axis in [-rank, rank) made non-negative, or an IllegalArgumentException. */
    public static int axis(String op, int axis, int rank) {
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return axis < 0 ? axis + rank : axis;
    }

    /** Sorted, distinct, non-negative axes; null or empty means all axes. */
    public static int[] axes(String op, int[] axes, int rank) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(op, axes[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(op + ": axis " + out[i] + " repeated in " + Arrays.toString(axes));
            }
        }
        return out;
    }

    /** a followed by b (the caller checks the result's rank and size when it makes a tensor of it). */
    static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
