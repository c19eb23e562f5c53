package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Tensor-op helpers for the convolution layers; everything here is differentiable through the tape. */
final class ConvSupport {
    private ConvSupport() {
    }

    /** x with {@code before} zeros prepended and {@code after} zeros appended along {@code axis}. */
    static Tensor pad(Tensor x, int axis, long before, long after) {
        if (before < 0 || after < 0) {
            throw new IllegalArgumentException("pad: negative padding " + before + ", " + after);
        }
        if (before == 0 && after == 0) {
            return x;
        }
        List<Tensor> parts = new ArrayList<>(3);
        long[] s = x.shape();
        if (before > 0) {
            s[axis] = before;
            parts.add(Tensor.zeros(x.backend(), x.dtype(), s.clone()));
        }
        parts.add(x);
        if (after > 0) {
            s[axis] = after;
            parts.add(Tensor.zeros(x.backend(), x.dtype(), s.clone()));
        }
        return Tensor.concat(parts, axis);
    }

    /**
     * x with {@code stride − 1} zeros inserted after every element along {@code axis} (the trailing
     * ones included): size n → n·stride, element i at i·stride.
     */
    static Tensor interleaveZeros(Tensor x, int axis, int stride) {
        if (stride == 1) {
            return x;
        }
        long[] s = x.shape();
        long[] split = new long[s.length + 1];
        for (int i = 0, j = 0; i < split.length; i++) {
            split[i] = i == axis + 1 ? 1 : s[j++];
        }
        Tensor e = x.reshape(split);
        long[] z = split.clone();
        z[axis + 1] = stride - 1;
        Tensor joined = Tensor.concat(List.of(e, Tensor.zeros(x.backend(), x.dtype(), z)), axis + 1);
        long[] out = s.clone();
        out[axis] = s[axis] * stride;
        return joined.reshape(out);
    }
}
