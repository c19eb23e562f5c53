package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * The geometry of one 2-D pooling in NHWC layout: x [batch, inH, inW, channels] to
 * y [batch, outH, outW, channels]. The window of output (oh, ow) covers input rows
 * {@code oh·sh − padTop + i} for i &lt; ph and columns {@code ow·sw − padLeft + j} for j &lt; pw;
 * positions outside the input are padding and never take part: max pooling takes the maximum of
 * the real elements, average pooling divides their sum by their count. Every window must hold at
 * least one real element (true for any geometry derived from "valid" or "same" padding; the
 * kernels give NaN for max and 0/0 = NaN for average otherwise, never an out-of-bounds access).
 */
public record PoolGeometry(int batch, int inH, int inW, int channels, int outH, int outW,
                           int ph, int pw, int sh, int sw, int padTop, int padLeft) {

    public PoolGeometry {
        if (batch < 0 || inH < 1 || inW < 1 || channels < 1 || outH < 1 || outW < 1 || ph < 1 || pw < 1 || sh < 1
                || sw < 1 || padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("pool2d: invalid geometry " + describe(batch, inH, inW, channels, outH,
                    outW, ph, pw, sh, sw, padTop, padLeft));
        }
        StorageChecks.exact("pool2d", "tensor size", StorageChecks.exact("pool2d", "tensor size", (long) Math.max(batch, 1) * inH, inW), channels);
        StorageChecks.exact("pool2d", "tensor size", StorageChecks.exact("pool2d", "tensor size", (long) Math.max(batch, 1) * outH, outW), channels);
    }

    /** Elements of x. */
    public long inputNumel() {
        return (long) batch * inH * inW * channels;
    }

    /** Elements of y. */
    public long outputNumel() {
        return (long) batch * outH * outW * channels;
    }

    /**
     * The 12 fields as a long array, in the layout the native kernels read (defined in
     * {@code native/lamina_ops.h}, checked by NativeHeaderTest):
     * batch, inH, inW, channels, outH, outW, ph, pw, sh, sw, padTop, padLeft.
     */
    public long[] toArray() {
        return new long[] {batch, inH, inW, channels, outH, outW, ph, pw, sh, sw, padTop, padLeft};
    }

    /** Checks that x and y storages have this geometry's sizes and one float dtype. */
    public void checkStorages(String where, Storage x, Storage y) {
        if (!x.dtype().isFloating() || y.dtype() != x.dtype()) {
            throw new IllegalArgumentException(where + ": needs one float dtype, got x " + x.dtype() + ", y "
                    + y.dtype());
        }
        if (x.numel() != inputNumel() || y.numel() != outputNumel()) {
            throw new IllegalArgumentException(where + ": storages of " + x.numel() + " and " + y.numel()
                    + " elements do not fit " + this + " (" + inputNumel() + ", " + outputNumel() + " expected)");
        }
    }

    @Override
    public String toString() {
        return describe(batch, inH, inW, channels, outH, outW, ph, pw, sh, sw, padTop, padLeft);
    }

    private static String describe(int batch, int inH, int inW, int channels, int outH, int outW, int ph, int pw,
                                   int sh, int sw, int padTop, int padLeft) {
        return "x [" + batch + "," + inH + "," + inW + "," + channels + "] -> y [" + batch + "," + outH + "," + outW
                + "," + channels + "], pool " + ph + "x" + pw + ", strides [" + sh + "," + sw + "], pad top/left ["
                + padTop + "," + padLeft + "]";
    }
}
