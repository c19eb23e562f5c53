package dev.lamina.tensor;

import java.lang.reflect.Array;
import java.util.List;

/** {@link Tensor#ofNested}: a rectangular nested Java array to a tensor of the leaf's dtype. */
final class NestedArrays {
    private NestedArrays() {
    }

    static Tensor toTensor(Object nested) {
        if (nested == null || !nested.getClass().isArray()) {
            throw new IllegalArgumentException("ofNested: expected a Java array, got " + nested);
        }
        List<Long> dims = new java.util.ArrayList<>();
        Object cur = nested;
        while (cur != null && cur.getClass().isArray()) {
            int len = Array.getLength(cur);
            dims.add((long) len);
            if (cur.getClass().getComponentType().isPrimitive() || len == 0) {
                break;
            }
            cur = Array.get(cur, 0);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        Class<?> leaf = nested.getClass();
        while (leaf.isArray()) {
            leaf = leaf.getComponentType();
        }
        int n = Shapes.checkedNumel("ofNested", shape);
        double[] flat = new double[n];
        long[] flatLong = leaf == long.class ? new long[n] : null;
        int[] pos = {0};
        flatten(nested, 0, shape, flat, flatLong, pos);
        if (leaf == float.class) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) flat[i];
            }
            return Tensor.of(f, shape);
        } else if (leaf == double.class) {
            return Tensor.of(flat, shape);
        } else if (leaf == int.class) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = (int) flat[i];
            }
            return Tensor.of(v, shape);
        } else if (leaf == long.class) {
            return Tensor.of(flatLong, shape);
        } else if (leaf == boolean.class) {
            boolean[] v = new boolean[n];
            for (int i = 0; i < n; i++) {
                v[i] = flat[i] != 0;
            }
            return Tensor.of(v, shape);
        }
        throw new IllegalArgumentException("ofNested: unsupported element type " + leaf);
    }

    private static void flatten(Object a, int depth, long[] shape, double[] out, long[] outLong, int[] pos) {
        int len = Array.getLength(a);
        if (len != shape[depth]) {
            throw new IllegalArgumentException("ofNested: ragged array: dimension " + depth + " has length " + len
                    + " where " + shape[depth] + " was expected");
        }
        if (depth == shape.length - 1) {
            for (int i = 0; i < len; i++) {
                Object v = Array.get(a, i);
                if (v instanceof Boolean bv) {
                    out[pos[0]++] = bv ? 1 : 0;
                } else if (!(v instanceof Number num)) {
                    // the shape was read from the first element at each level; a null there ends it early
                    throw new IllegalArgumentException("ofNested: ragged array: element " + i + " at dimension " + depth
                            + " is " + (v == null ? "null" : "a " + v.getClass().getSimpleName()) + " in shape "
                            + Shapes.str(shape));
                } else if (outLong != null) {
                    outLong[pos[0]++] = num.longValue();
                } else {
                    out[pos[0]++] = num.doubleValue();
                }
            }
        } else {
            for (int i = 0; i < len; i++) {
                Object sub = Array.get(a, i);
                if (sub == null || !sub.getClass().isArray()) {
                    throw new IllegalArgumentException("ofNested: ragged array at dimension " + (depth + 1));
                }
                flatten(sub, depth + 1, shape, out, outLong, pos);
            }
        }
    }
}
