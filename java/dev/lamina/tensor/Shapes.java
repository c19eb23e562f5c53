package dev.lamina.tensor;

import java.util.Arrays;

/** Shape arithmetic: sizes, strides, broadcasting and axis checks, with errors that name the op. */
public final class Shapes {
    private Shapes() {
    }

    /** Product of the dims; every dim must be ≥ 0. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** numel as an int for Java arrays, or an IllegalArgumentException naming the op. */
    public static int checkedNumel(String op, long[] shape) {
        long n;
        try {
            n = numel(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(op + ": invalid shape " + str(shape));
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has too many elements for a Java array");
        }
        return (int) n;
    }

    /** Row-major strides in elements. */
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

    static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
