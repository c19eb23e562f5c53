package dev.lamina.ops;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Backward;
import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Storage;
import java.util.Arrays;
import java.util.Locale;

/**
 * 2-D convolution and pooling on NHWC tensors, with Keras/TensorFlow conventions, differentiable
 * through the {@link GradientTape}.
 *
 * <p>Shapes: x is [B, H, W, C]; a convolution kernel is [kh, kw, C/groups, K] (Keras layout); the
 * result is [B, H', W', K]. Strides [sh, sw] and dilation [dh, dw] are positive. Padding is
 * {@code "valid"} (no padding: H' = ⌈(H − (kh−1)·dh) / sh⌉, which needs H ≥ (kh−1)·dh + 1) or
 * {@code "same"} (TensorFlow's rule: H' = ⌈H / sh⌉, total padding
 * max((H'−1)·sh + (kh−1)·dh + 1 − H, 0), of which ⌊total/2⌋ goes on top and the rest on the
 * bottom; likewise for the width, extra on the right). Padding names are case-insensitive.
 *
 * <p>Convolution (cross-correlation, as in Keras; no bias — the layer adds it):
 * <pre>
 *   y[b,oh,ow,k] = Σ_{i&lt;kh, j&lt;kw, c&lt;C/groups} x[b, oh·sh − padTop + i·dh, ow·sw − padLeft + j·dw, g·C/groups + c]
 *                                       · kernel[i, j, c, k],   g = k / (K/groups)
 * </pre>
 * with zeros outside the image. Pooling uses the same window rule with dilation 1 and the pool
 * size as the window; padding never takes part: max pooling takes the maximum of the real
 * elements, average pooling divides their sum by their count (as TensorFlow's "same").
 *
 * <p>Gradients (rules in {@link ConvGradients}): conv2d records dL/dx (the transposed convolution of dL/dy with the kernel) and
 * dL/dkernel (the correlation of x with dL/dy); max pooling routes each dL/dy to its window's
 * maximum (the first one in row-major window order on ties); average pooling spreads dL/dy / count
 * over the window's real elements. The gradients themselves are not recorded (no second order).
 *
 * <p>Every check happens here, in Java, before a kernel runs; errors are IllegalArgumentExceptions
 * naming the op and the shapes.
 */
public final class ConvOps {
    private ConvOps() {
    }

    // =========================================================================================
    // geometry
    // =========================================================================================

    /** "valid" or "same", lower case; anything else is an IllegalArgumentException naming op. */
    private static String padding(String op, String padding) {
        if (padding == null) {
            throw new IllegalArgumentException(op + ": padding must be \"valid\" or \"same\", got null");
        }
        String p = padding.toLowerCase(Locale.ROOT);
        if (!p.equals("valid") && !p.equals("same")) {
            throw new IllegalArgumentException(op + ": unknown padding '" + padding + "' (expected \"valid\" or \"same\")");
        }
        return p;
    }

    private static int[] pair(String op, String what, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(op + ": " + what + " must have 2 values [height, width], got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        if (v[0] < 1 || v[1] < 1) {
            throw new IllegalArgumentException(op + ": " + what + " must be positive, got " + Arrays.toString(v));
        }
        return v.clone();
    }

    private static int dim(String op, String what, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + what + " " + v + " is too large");
        }
        return (int) v;
    }

    /**
     * Output size along one axis and the padding before it: {@code [out, padBefore]}.
     * valid: out = ⌈(in − eff + 1) / stride⌉ with eff = (k−1)·dilation + 1 (caller checks in ≥ eff);
     * same: out = ⌈in / stride⌉, padBefore = ⌊max((out−1)·stride + eff − in, 0) / 2⌋.
     */
    public static int[] outputSizeAndPad(int in, int k, int stride, int dilation, String padding) {
        long eff = (long) (k - 1) * dilation + 1;
        if (padding.equals("valid")) {
            long out = (in - eff + stride) / stride;
            return new int[] {(int) out, 0};
        }
        long out = ((long) in + stride - 1) / stride;
        long total = Math.max((out - 1) * stride + eff - in, 0);
        return new int[] {(int) out, (int) (total / 2)};
    }

    /**
     * The geometry of {@code conv2d(x, kernel, strides, padding, dilation, groups)} for these shapes,
     * fully validated (see {@link #conv2d}); layers use it to compute output shapes.
     */
    public static ConvGeometry conv2dGeometry(long[] xShape, long[] kernelShape, int[] strides, String padding,
                                              int[] dilation, int groups) {
        String op = "conv2d";
        String shapes = "x " + Shapes.str(xShape) + ", kernel " + Shapes.str(kernelShape);
        if (xShape.length != 4) {
            throw new IllegalArgumentException(op + ": x must have rank 4 [batch, height, width, channels] (NHWC), got "
                    + shapes);
        }
        if (kernelShape.length != 4) {
            throw new IllegalArgumentException(op + ": kernel must have rank 4 [kh, kw, in_channels/groups, filters], got "
                    + shapes);
        }
        int[] s = pair(op, "strides", strides);
        int[] d = pair(op, "dilation", dilation);
        String p = padding(op, padding);
        for (int a = 1; a < 4; a++) {
            if (xShape[a] < 1) {
                throw new IllegalArgumentException(op + ": x height, width and channels must be positive, got " + shapes);
            }
            if (kernelShape[a - 1] < 1 || kernelShape[3] < 1) {
                throw new IllegalArgumentException(op + ": kernel dimensions must be positive, got " + shapes);
            }
        }
        if (groups < 1) {
            throw new IllegalArgumentException(op + ": groups must be positive, got " + groups + " (" + shapes + ")");
        }
        long c = xShape[3], k = kernelShape[3];
        if (c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException(op + ": groups " + groups + " must divide the input channels " + c
                    + " and the filters " + k + " (" + shapes + ")");
        }
        if (kernelShape[2] * groups != c) {
            throw new IllegalArgumentException(op + ": channel mismatch: x has " + c + " channels but kernel expects "
                    + kernelShape[2] + " x groups " + groups + " = " + kernelShape[2] * groups + " (" + shapes + ")");
        }
        int b = dim(op, "batch", xShape[0]);
        int h = dim(op, "height", xShape[1]), w = dim(op, "width", xShape[2]);
        int kh = dim(op, "kernel height", kernelShape[0]), kw = dim(op, "kernel width", kernelShape[1]);
        long effH = (long) (kh - 1) * d[0] + 1, effW = (long) (kw - 1) * d[1] + 1;
        if (p.equals("valid") && (effH > h || effW > w)) {
            throw new IllegalArgumentException(op + ": kernel " + kh + "x" + kw + " (dilated to " + effH + "x" + effW
                    + ") is larger than the input " + h + "x" + w + " with padding 'valid' (" + shapes + ")");
        }
        int[] oh = outputSizeAndPad(h, kh, s[0], d[0], p);
        int[] ow = outputSizeAndPad(w, kw, s[1], d[1], p);
        return new ConvGeometry(b, h, w, (int) c, oh[0], ow[0], dim(op, "filters", k), kh, kw, s[0], s[1], d[0], d[1],
                oh[1], ow[1], groups);
    }

    /** The geometry of a 2-D pooling of x (strides null means the pool size, as in Keras). */
    public static PoolGeometry pool2dGeometry(String op, long[] xShape, int[] poolSize, int[] strides, String padding) {
        if (xShape.length != 4) {
            throw new IllegalArgumentException(op + ": x must have rank 4 [batch, height, width, channels] (NHWC), got "
                    + Shapes.str(xShape));
        }
        int[] ps = pair(op, "pool_size", poolSize);
        int[] s = strides == null ? ps : pair(op, "strides", strides);
        String p = padding(op, padding);
        if (xShape[0] < 0 || xShape[1] < 1 || xShape[2] < 1 || xShape[3] < 1) {
            throw new IllegalArgumentException(op + ": x height, width and channels must be positive, got "
                    + Shapes.str(xShape));
        }
        int h = dim(op, "height", xShape[1]), w = dim(op, "width", xShape[2]);
        if (p.equals("valid") && (ps[0] > h || ps[1] > w)) {
            throw new IllegalArgumentException(op + ": pool_size " + ps[0] + "x" + ps[1] + " is larger than the input "
                    + h + "x" + w + " with padding 'valid' (x " + Shapes.str(xShape) + ")");
        }
        int[] oh = outputSizeAndPad(h, ps[0], s[0], 1, p);
        int[] ow = outputSizeAndPad(w, ps[1], s[1], 1, p);
        return new PoolGeometry(dim(op, "batch", xShape[0]), h, w, dim(op, "channels", xShape[3]), oh[0], ow[0],
                ps[0], ps[1], s[0], s[1], oh[1], ow[1]);
    }

    private static void requireFloat(String op, String name, Tensor t) {
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": " + name + " must be float32 or float64, got " + t.dtype() + " "
                    + Shapes.str(t.shape()));
        }
    }

    // =========================================================================================
    // ops
    // =========================================================================================

    /** The checks shared by the convolution ops: live tensors, geometry, one float dtype. */
    private static ConvGeometry checkConv(String op, Tensor x, Tensor kernel, int[] strides, String padding,
                                          int[] dilation, int groups) {
        Tensor.check(op, x, kernel);
        ConvGeometry g = conv2dGeometry(x.shape(), kernel.shape(), strides, padding, dilation, groups);
        requireFloat(op, "x", x);
        if (kernel.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op + ": x is " + x.dtype() + " " + Shapes.str(x.shape()) + " but kernel is "
                    + kernel.dtype() + " " + Shapes.str(kernel.shape()) + "; cast one first");
        }
        return g;
    }

    /** conv2d with dilation [1, 1] and one group. */
    public static Tensor conv2d(Tensor x, Tensor kernel, int[] strides, String padding) {
        return conv2d(x, kernel, strides, padding, new int[] {1, 1}, 1);
    }

    /**
     * 2-D convolution of x [B,H,W,C] with kernel [kh,kw,C/groups,K] (see the class comment for the
     * formula and the padding rule). x and kernel must share one float dtype and backend.
     *
     * @throws IllegalArgumentException for a rank other than 4, C ≠ kernel channels · groups,
     *     groups not dividing C or K, non-positive strides or dilation, an unknown padding, or a
     *     (dilated) kernel larger than the input with "valid" padding
     */
    public static Tensor conv2d(Tensor x, Tensor kernel, int[] strides, String padding, int[] dilation, int groups) {
        String op = "conv2d";
        ConvGeometry g = checkConv(op, x, kernel, strides, padding, dilation, groups);
        Backend be = x.backend();
        Tensor y = Tensor.uninitialized(be, x.dtype(), g.batch(), g.outH(), g.outW(), g.outC());
        if (g.batch() > 0) {
            KernelDispatch.conv2dForward(be, x.storage(), kernel.storage(), y.storage(), g);
        }
        if (GradientTape.isRecording()) {
            GradientTape.record(op, y, ConvGradients.conv2d(x, kernel, g), x, kernel);
        }
        return y;
    }

    /**
     * A Conv2D layer's whole forward in one op: {@code relu ? max(z, 0) : z} with
     * {@code z = conv2d(x, kernel) + bias} ({@link #conv2d} for the convolution; bias [K] broadcast
     * over the last axis, or null for none). Equal to composing {@link #conv2d}, {@link Tensor#add}
     * and {@link Tensor#relu}, forward and backward, but one tape node and one backend call each way
     * ({@link Backend#conv2dForwardFused}, {@link Backend#conv2dBackwardFused}), which lets the cpu
     * backend add the bias and apply the ReLU while the output rows are in cache.
     *
     * @throws IllegalArgumentException as {@link #conv2d}, and for a bias that is not [K] of x's dtype
     */
    public static Tensor conv2dBiasAct(Tensor x, Tensor kernel, Tensor bias, boolean relu, int[] strides, String padding,
                                       int[] dilation, int groups) {
        String op = relu ? "conv2d_bias_relu" : "conv2d_bias";
        ConvGeometry g = checkConv(op, x, kernel, strides, padding, dilation, groups);
        if (bias != null) {
            Tensor.check(op, bias);
            if (bias.dtype() != x.dtype() || bias.rank() != 1 || bias.shape()[0] != g.outC()) {
                throw new IllegalArgumentException(op + ": bias must be " + x.dtype() + " [" + g.outC() + "], got "
                        + bias.dtype() + " " + Shapes.str(bias.shape()));
            }
        }
        Backend be = x.backend();
        Tensor y = Tensor.uninitialized(be, x.dtype(), g.batch(), g.outH(), g.outW(), g.outC());
        if (g.batch() > 0) {
            KernelDispatch.conv2dForwardFused(be, x.storage(), kernel.storage(), bias == null ? null : bias.storage(),
                    relu, y.storage(), g);
        }
        if (GradientTape.isRecording()) {
            Backward rule = ConvGradients.conv2dBiasAct(op, x, kernel, bias, y, relu, g);
            if (bias == null) {
                GradientTape.record(op, y, rule, x, kernel);
            } else {
                GradientTape.record(op, y, rule, x, kernel, bias);
            }
        }
        return y;
    }

    /**
     * Max pooling of x [B,H,W,C] over pool_size windows: y[b,oh,ow,c] = max of the real elements
     * of the window (padding never wins). {@code strides} null means {@code poolSize} (Keras).
     * NaN propagates.
     */
    public static Tensor maxPool2d(Tensor x, int[] poolSize, int[] strides, String padding) {
        return pool2d("max_pool2d", x, poolSize, strides, padding, KernelDispatch::maxPool2dForward,
                KernelDispatch::maxPool2dBackward);
    }

    /**
     * Average pooling of x [B,H,W,C]: y[b,oh,ow,c] = (Σ real window elements) / (their count);
     * with "same" padding the border windows divide by fewer than ph·pw elements, as TensorFlow.
     * {@code strides} null means {@code poolSize} (Keras).
     */
    public static Tensor avgPool2d(Tensor x, int[] poolSize, int[] strides, String padding) {
        return pool2d("avg_pool2d", x, poolSize, strides, padding, KernelDispatch::avgPool2dForward,
                (be, in, dy, dx, g) -> KernelDispatch.avgPool2dBackward(be, dy, dx, g));
    }

    /** A pooling pass forward: out from x. */
    @FunctionalInterface
    private interface PoolForward {
        void run(Backend be, Storage x, Storage out, PoolGeometry g);
    }

    /** A pooling pass backward: dx from x and dy. */
    @FunctionalInterface
    interface PoolBackward {
        void run(Backend be, Storage x, Storage dy, Storage dx, PoolGeometry g);
    }

    /** The checks, output, kernel call and tape record shared by the pooling ops. */
    private static Tensor pool2d(String op, Tensor x, int[] poolSize, int[] strides, String padding, PoolForward forward,
                                 PoolBackward backward) {
        Tensor.check(op, x);
        PoolGeometry g = pool2dGeometry(op, x.shape(), poolSize, strides, padding);
        requireFloat(op, "x", x);
        Backend be = x.backend();
        Tensor y = Tensor.uninitialized(be, x.dtype(), g.batch(), g.outH(), g.outW(), g.channels());
        if (g.batch() > 0) {
            forward.run(be, x.storage(), y.storage(), g);
        }
        if (GradientTape.isRecording()) {
            GradientTape.record(op, y, ConvGradients.pool2d(op, x, g, backward), x);
        }
        return y;
    }
}
