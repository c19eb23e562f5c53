package dev.lamina.tensor;

import dev.lamina.types.DType;
import java.util.Arrays;
import java.util.List;

/**
 * The shape and indexing ops behind {@link Tensor}'s methods: argument checks (the message names
 * the op and the shapes), the strided copy or view, and the gradient rule from {@link Gradients}.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static Tensor reshape(Tensor x, long[] newShape) {
        x.checkOpen("reshape");
        long[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(newShape));
            }
        }
        if (infer >= 0) {
            long[] rest = s.clone();
            rest[infer] = 1;
            known = Shapes.numel("reshape", rest);
        }
        if (s.length > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("reshape: rank " + s.length + " exceeds the limit of " + Shapes.MAX_RANK
                    + " axes");
        }
        long n = x.numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape) + " (" + n
                        + " elements) into " + Arrays.toString(newShape));
            }
            s[infer] = n / known;
        }
        if (Shapes.numel("reshape", s) != n) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape) + " (" + n
                    + " elements) into " + Shapes.str(s));
        }
        Tensor y = RawOps.reshape(x, s);
        if (RawOps.recording()) {
            Tape.record("reshape", y, Gradients.reshape(x.shape), x);
        }
        return y;
    }

    static Tensor flatten(Tensor x) {
        if (x.rank() == 0) {
            return x.reshape(1);
        }
        return x.reshape(x.shape[0], -1);
    }

    static Tensor unsqueeze(Tensor x, int axis) {
        int a = Shapes.axis("unsqueeze", axis, x.shape.length + 1);
        long[] s = new long[x.shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            s[i] = i == a ? 1 : x.shape[j++];
        }
        return x.reshape(s);
    }

    static Tensor squeeze(Tensor x, int axis) {
        int a = Shapes.axis("squeeze", axis, x.shape.length);
        if (x.shape[a] != 1) {
            throw new IllegalArgumentException("squeeze: axis " + axis + " of shape " + Shapes.str(x.shape) + " has size "
                    + x.shape[a]);
        }
        long[] s = new long[x.shape.length - 1];
        for (int i = 0, j = 0; i < x.shape.length; i++) {
            if (i != a) {
                s[j++] = x.shape[i];
            }
        }
        return x.reshape(s);
    }

    static Tensor squeeze(Tensor x) {
        return x.reshape(Arrays.stream(x.shape).filter(d -> d != 1).toArray());
    }

    static Tensor transpose(Tensor x) {
        int[] perm = new int[x.shape.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = perm.length - 1 - i;
        }
        return x.permute(perm);
    }

    static Tensor permute(Tensor x, int[] perm) {
        x.checkOpen("permute");
        long[] shape = x.shape;
        if (perm.length != shape.length) {
            throw new IllegalArgumentException("permute: permutation " + Arrays.toString(perm) + " does not match rank "
                    + shape.length + " of shape " + Shapes.str(shape));
        }
        boolean[] seen = new boolean[perm.length];
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shapes.axis("permute", perm[i], perm.length);
            if (seen[p]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[p] = true;
            inverse[p] = i;
        }
        long[] inStrides = Shapes.strides(shape);
        long[] outShape = new long[perm.length];
        long[] srcStrides = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = perm[i] < 0 ? perm[i] + perm.length : perm[i];
            outShape[i] = shape[p];
            srcStrides[i] = inStrides[p];
        }
        Tensor y = Tensor.uninitialized("permute", x.backend(), x.dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> x.backend().copyStrided(x.storage, 0, srcStrides, y.storage, 0, Shapes.strides(outShape),
                    outShape));
        }
        if (RawOps.recording()) {
            Tape.record("permute", y, Gradients.permute(inverse), x);
        }
        return y;
    }

    static Tensor broadcastTo(Tensor x, long[] target) {
        Shapes.checkShape("broadcastTo", target);
        if (Shapes.broadcast("broadcastTo", x.shape, target).length != target.length
                || !Arrays.equals(Shapes.broadcast("broadcastTo", x.shape, target), target)) {
            throw new IllegalArgumentException("broadcastTo: cannot broadcast " + Shapes.str(x.shape) + " to "
                    + Shapes.str(target));
        }
        Tensor y = RawOps.broadcast(x, target);
        if (RawOps.recording()) {
            Tape.record("broadcastTo", y, Gradients.broadcastTo(x.shape), x);
        }
        return y;
    }

    static Tensor slice(Tensor x, long[] begin, long[] size) {
        x.checkOpen("slice");
        long[] shape = x.shape;
        if (begin.length != shape.length || size.length != shape.length) {
            throw new IllegalArgumentException("slice: begin " + Arrays.toString(begin) + " and size " + Arrays.toString(size)
                    + " must have one entry per axis of shape " + Shapes.str(shape));
        }
        long[] outShape = new long[shape.length];
        long offset = 0;
        long[] strides = Shapes.strides(shape);
        for (int i = 0; i < shape.length; i++) {
            // compared without forming begin + size, which can overflow
            boolean beginOk = begin[i] >= 0 && begin[i] <= shape[i];
            long sz = size[i] == -1 && beginOk ? shape[i] - begin[i] : size[i];
            if (!beginOk || sz < 0 || sz > shape[i] - begin[i]) {
                throw new IllegalArgumentException("slice: begin " + Arrays.toString(begin) + " size " + Arrays.toString(size)
                        + " is out of bounds for shape " + Shapes.str(shape));
            }
            outShape[i] = sz;
            if (sz > 0) {
                offset += begin[i] * strides[i];   // begin < shape[i], so inside the tensor: no overflow
            }
        }
        long off0 = offset;
        Tensor y = Tensor.uninitialized("slice", x.backend(), x.dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> x.backend().copyStrided(x.storage, off0, strides, y.storage, 0, Shapes.strides(outShape),
                    outShape));
        }
        if (RawOps.recording()) {
            Tape.record("slice", y, Gradients.slice(shape, offset), x);
        }
        return y;
    }

    static Tensor slice(Tensor x, int axis, long start, long end) {
        x.checkOpen("slice");
        long[] shape = x.shape;
        int a = Shapes.axis("slice", axis, shape.length);
        long[] begin = new long[shape.length];
        long[] size = shape.clone();
        if (start < 0 || end < start || end > shape[a]) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") is out of bounds for axis " + axis
                    + " of shape " + Shapes.str(shape));
        }
        begin[a] = start;
        size[a] = end - start;
        return slice(x, begin, size);
    }

    static Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Tensor first = parts.get(0);
        Tensor.check("concat", parts.toArray(new Tensor[0]));
        int a = Shapes.axis("concat", axis, first.rank());
        long total = 0;
        for (Tensor t : parts) {
            if (t.dtype != first.dtype || t.rank() != first.rank()) {
                throw new IllegalArgumentException("concat: " + t.dtype + " " + Shapes.str(t.shape) + " does not match "
                        + first.dtype + " " + Shapes.str(first.shape));
            }
            for (int i = 0; i < first.rank(); i++) {
                if (i != a && t.shape[i] != first.shape[i]) {
                    throw new IllegalArgumentException("concat: shapes " + Shapes.str(first.shape) + " and "
                            + Shapes.str(t.shape) + " differ outside axis " + axis);
                }
            }
            total = Shapes.addExact("concat", "length of axis " + axis, total, t.shape[a]);
        }
        long[] outShape = first.shape.clone();
        outShape[a] = total;
        Tensor y = Tensor.newOnBackend("concat", first.backend(), first.dtype, outShape);
        long[] outStrides = Shapes.strides(outShape);
        long pos = 0;
        long[] starts = new long[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            Tensor t = parts.get(p);
            starts[p] = pos;
            if (t.numel() > 0) {
                long off = pos * outStrides[a];
                y.runOrClose(() -> first.backend().copyStrided(t.storage, 0, Shapes.strides(t.shape), y.storage, off,
                        outStrides, t.shape));
            }
            pos += t.shape[a];
        }
        if (RawOps.recording()) {
            Tensor[] inputs = parts.toArray(new Tensor[0]);
            Tape.record("concat", y, Gradients.concat(inputs, starts, a), inputs);
        }
        return y;
    }

    static Tensor stack(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        long[] s = parts.get(0).shape;
        for (Tensor t : parts) {
            if (!Arrays.equals(t.shape, s)) {
                throw new IllegalArgumentException("stack: shapes " + Shapes.str(s) + " and " + Shapes.str(t.shape)
                        + " differ");
            }
        }
        int a = Shapes.axis("stack", axis, s.length + 1);
        Tensor[] expanded = new Tensor[parts.size()];
        for (int i = 0; i < expanded.length; i++) {
            expanded[i] = parts.get(i).unsqueeze(a);
        }
        return concat(Arrays.asList(expanded), a);
    }

    static Tensor gather(Tensor table, Tensor ids) {
        Tensor.check("gather", table, ids);
        long[] shape = table.shape;
        if (table.rank() < 1) {
            throw new IllegalArgumentException("gather: table must have rank >= 1, got shape " + Shapes.str(shape));
        }
        RawOps.checkIds(ids, "gather", shape[0]);
        long rowSize = table.numel() / Math.max(1, shape[0]);
        if (shape[0] == 0) {
            rowSize = 0;
        }
        long[] outShape = Shapes.concat(ids.shape, Arrays.copyOfRange(shape, 1, shape.length));
        long rs0 = rowSize;
        Tensor y = Tensor.newOnBackend("gather", table.backend(), table.dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> table.backend().gather(table.storage, rs0, ids.storage, y.storage));
        }
        if (RawOps.recording() && table.dtype.isFloating()) {
            Tape.record("gather", y, Gradients.gather(shape, rowSize, ids), table, ids);
        }
        return y;
    }

    static Tensor oneHot(Tensor ids, long depth, DType outType) {
        return oneHot(ids, depth, outType, "");
    }

    /** As {@link #oneHot(Tensor, long, DType)}, its argument errors' messages prefixed by {@code context}. */
    static Tensor oneHot(Tensor ids, long depth, DType outType, String context) {
        long[] outShape;
        try {
            ids.checkOpen("oneHot");
            if (depth < 1) {
                throw new IllegalArgumentException("oneHot: depth must be positive, got " + depth);
            }
            outShape = Shapes.concat(ids.shape, new long[] {depth});
            Shapes.checkShape("oneHot", outShape);
        } catch (IllegalArgumentException e) {
            if (context.isEmpty()) {
                throw e;
            }
            throw new IllegalArgumentException(context + e.getMessage(), e);
        }
        // a host check node inside a trace (context given to it: at a replay no caller can add it)
        RawOps.checkIds(ids, "oneHot", depth, context);
        Tensor y = Tensor.newOnBackend("oneHot", ids.backend(), outType, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> ids.backend().oneHot(ids.storage, depth, y.storage));
        }
        return y;
    }
}
