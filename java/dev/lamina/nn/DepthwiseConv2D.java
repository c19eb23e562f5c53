package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Depthwise 2-D convolution, as {@code keras.layers.DepthwiseConv2D}: each input channel is
 * convolved on its own with {@code depth_multiplier} filters,
 *
 * <pre>
 *   y[b,oh,ow,c·M + m] = activation( bias[c·M + m] + Σ_{i&lt;kh, j&lt;kw}
 *                          x[b, oh·sh − padTop + i·dh, ow·sw − padLeft + j·dw, c] · kernel[i, j, c, m] )
 * </pre>
 *
 * x [B, H, W, C] → y [B, H', W', C·M] (output sizes as {@link Conv2D}). It runs as a grouped
 * convolution with C groups (the kernel reshaped to [kh, kw, 1, C·M], no copy). Weights (build
 * order): {@code name/kernel} [kh, kw, C, M] (Keras 3's name and layout), then {@code name/bias}
 * [C·M]. Keras defaults: depth_multiplier 1, strides 1, "valid", glorot-uniform kernel, zero bias.
 */
public class DepthwiseConv2D extends BaseConv<DepthwiseConv2D> {
    private int depthMultiplier;

    /** A square kernel, depth multiplier 1, linear activation. */
    public DepthwiseConv2D(int kernelSize) {
        this(null, new int[] {kernelSize}, 1, null);
    }

    /** Kernel [kh, kw], {@code depthMultiplier} filters per channel and an activation by Keras name. */
    public DepthwiseConv2D(int[] kernelSize, int depthMultiplier, String activation) {
        this(null, kernelSize, depthMultiplier, Activations.get(activation));
    }

    /** A named layer (null for {@code depthwise_conv2d}, ...). */
    public DepthwiseConv2D(String name, int[] kernelSize, int depthMultiplier, Activation activation) {
        super(name, 2, kernelSize, activation);
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException("DepthwiseConv2D: depth_multiplier must be positive, got " + depthMultiplier);
        }
        this.depthMultiplier = depthMultiplier;
    }

    /**
     * Filters per input channel (Keras's {@code depth_multiplier}, default 1); returns this.
     *
     * @param depthMultiplier a positive count
     * @return this layer
     */
    public DepthwiseConv2D depthMultiplier(int depthMultiplier) {
        checkUnbuilt("depth_multiplier");
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException("DepthwiseConv2D: depth_multiplier must be positive, got " + depthMultiplier);
        }
        this.depthMultiplier = depthMultiplier;
        return this;
    }

    @Override
    protected String defaultBaseName() {
        return "depthwise_conv2d";
    }

    public int depthMultiplier() {
        return depthMultiplier;
    }

    @Override
    protected long[] kernelShape(long channels) {
        return new long[] {kernelSize[0], kernelSize[1], channels, depthMultiplier};
    }

    @Override
    protected long outChannels(long channels) {
        return channels < 0 ? -1 : channels * depthMultiplier;
    }

    @Override
    protected long outputSize(int axis, long in) {
        return windowOutput(axis, in, kernelSize[axis], strides[axis], dilation[axis], padding);
    }

    @Override
    protected Tensor convolve(Tensor x) {
        long c = kernel.shape()[2];
        Tensor k = kernel.reshape(kernelSize[0], kernelSize[1], 1, c * depthMultiplier);
        return ConvOps.conv2d(x, k, strides, padding, dilation, (int) c);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("depth_multiplier", (long) depthMultiplier);
        return c;
    }

    /** Rebuilds from {@link #config()} (Keras keys; missing keys take Keras defaults). */
    public static DepthwiseConv2D fromConfig(Map<String, Object> config) {
        DepthwiseConv2D l = new DepthwiseConv2D((String) config.get("name"), ints(config.get("kernel_size"), "kernel_size"),
                (int) Dense.num(config, "depth_multiplier", 1), Activations.get((String) config.get("activation")));
        return restoreConv(l, config);
    }
}
