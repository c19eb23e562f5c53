package dev.lamina.backend;

import dev.lamina.types.DType;

/**
 * The geometry of one 2-D convolution in NHWC layout, as the backend kernels see it. Input
 * x is [batch, inH, inW, inC], the kernel [kh, kw, inC/groups, outC] (Keras layout), the output
 * [batch, outH, outW, outC]. Output element (b, oh, ow, k) of group g = k / (outC/groups) is
 * <pre>
 *   y[b,oh,ow,k] = Σ_{i&lt;kh, j&lt;kw, c&lt;inC/groups} x[b, oh·sh − padTop + i·dh, ow·sw − padLeft + j·dw, g·inC/groups + c]
 *                                            · kernel[i, j, c, k]
 * </pre>
 * where input positions outside [0,inH)×[0,inW) read as zero (implicit zero padding; padding on the
 * bottom/right is whatever the output size implies). The record only checks that every field is
 * in range and that the groups divide the channels; how outH/outW were derived from a padding mode
 * is the tensor layer's business ({@code dev.lamina.ops.ConvOps}). Kernels never index outside
 * the storages whatever consistent geometry they get: input positions are bounds-checked.
 */
public record ConvGeometry(int batch, int inH, int inW, int inC, int outH, int outW, int outC,
                           int kh, int kw, int sh, int sw, int dh, int dw, int padTop, int padLeft, int groups) {

    public ConvGeometry {
        if (batch < 0 || inH < 1 || inW < 1 || inC < 1 || outH < 1 || outW < 1 || outC < 1 || kh < 1 || kw < 1
                || sh < 1 || sw < 1 || dh < 1 || dw < 1 || padTop < 0 || padLeft < 0 || groups < 1
                || inC % groups != 0 || outC % groups != 0) {
            throw new IllegalArgumentException("conv2d: invalid geometry " + describe(batch, inH, inW, inC, outH, outW,
                    outC, kh, kw, sh, sw, dh, dw, padTop, padLeft, groups));
        }
        StorageChecks.exact("conv2d", "tensor size", StorageChecks.exact("conv2d", "tensor size", (long) Math.max(batch, 1) * inH, inW), inC);
        StorageChecks.exact("conv2d", "tensor size", StorageChecks.exact("conv2d", "tensor size", (long) Math.max(batch, 1) * outH, outW), outC);
    }

    /** Input channels per group. */
    public int inCPerGroup() {
        return inC / groups;
    }

    /** Output channels per group. */
    public int outCPerGroup() {
        return outC / groups;
    }

    /** Elements of x: batch·inH·inW·inC. */
    public long inputNumel() {
        return (long) batch * inH * inW * inC;
    }

    /** Elements of the kernel: kh·kw·(inC/groups)·outC. */
    public long kernelNumel() {
        return (long) kh * kw * inCPerGroup() * outC;
    }

    /** Elements of y: batch·outH·outW·outC. */
    public long outputNumel() {
        return (long) batch * outH * outW * outC;
    }

    /**
     * The 16 fields as a long array, in the layout the native kernels read (defined in
     * {@code native/lamina_ops.h}, checked by NativeHeaderTest):
     * batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, dh, dw, padTop, padLeft, groups.
     */
    public long[] toArray() {
        return new long[] {batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, dh, dw, padTop, padLeft, groups};
    }

    /**
     * Checks that x, kernel and y storages (any of them may play the gradient role) have this
     * geometry's sizes and one float dtype; {@code where} names the backend kernel in the message.
     */
    public void checkStorages(String where, Storage x, Storage kernel, Storage y) {
        DType dt = x.dtype();
        if (!dt.isFloating() || kernel.dtype() != dt || y.dtype() != dt) {
            throw new IllegalArgumentException(where + ": needs one float dtype, got x " + x.dtype() + ", kernel "
                    + kernel.dtype() + ", y " + y.dtype());
        }
        if (x.numel() != inputNumel() || kernel.numel() != kernelNumel() || y.numel() != outputNumel()) {
            throw new IllegalArgumentException(where + ": storages of " + x.numel() + ", " + kernel.numel() + " and "
                    + y.numel() + " elements do not fit " + this + " (" + inputNumel() + ", " + kernelNumel() + ", "
                    + outputNumel() + " expected)");
        }
    }

    @Override
    public String toString() {
        return describe(batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, dh, dw, padTop, padLeft, groups);
    }

    private static String describe(int batch, int inH, int inW, int inC, int outH, int outW, int outC, int kh, int kw,
                                   int sh, int sw, int dh, int dw, int padTop, int padLeft, int groups) {
        return "x [" + batch + "," + inH + "," + inW + "," + inC + "] -> y [" + batch + "," + outH + "," + outW + ","
                + outC + "], kernel " + kh + "x" + kw + ", strides [" + sh + "," + sw + "], dilation [" + dh + "," + dw
                + "], pad top/left [" + padTop + "," + padLeft + "], groups " + groups;
    }
}
