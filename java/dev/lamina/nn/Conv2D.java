package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * 2-D convolution over NHWC images, as {@code keras.layers.Conv2D}:
 *
 * <pre>
 *   y[b,oh,ow,k] = activation( bias[k] + Σ_{i&lt;kh, j&lt;kw, c&lt;C/groups}
 *                     x[b, oh·sh − padTop + i·dh, ow·sw − padLeft + j·dw, g·C/groups + c] · kernel[i, j, c, k] ),
 *   g = k / (filters/groups)
 * </pre>
 *
 * with zeros outside the image (see {@link ConvOps} for the padding rule). x [B, H, W, C] →
 * y [B, H', W', filters] with H' = ⌈(H − (kh−1)·dh) / sh⌉ for "valid" and ⌈H / sh⌉ for "same".
 * Weights (build order): {@code name/kernel} [kh, kw, C/groups, filters], then
 * {@code name/bias} [filters]. Once built, the layer takes images of any height and width with C
 * channels. Keras defaults: strides 1, "valid", dilation 1, groups 1, bias on, glorot-uniform
 * kernel, zero bias, linear activation.
 *
 * <pre>{@code
 * new Conv2D(32, 3, "relu");
 * new Conv2D(64, new int[] {3, 3}, "relu").padding("same").strides(2);
 * }</pre>
 */
public class Conv2D extends BaseConv<Conv2D> {
    private final int filters;
    private int groups = 1;

    /** {@code filters} outputs, a square kernel, linear activation. */
    public Conv2D(int filters, int kernelSize) {
        this(null, filters, new int[] {kernelSize}, (Activation) null);
    }

    /** {@code filters} outputs, kernel [kh, kw] (one value for a square kernel), linear activation. */
    public Conv2D(int filters, int[] kernelSize) {
        this(null, filters, kernelSize, (Activation) null);
    }

    /** {@code filters} outputs, a square kernel and an activation by Keras name. */
    public Conv2D(int filters, int kernelSize, String activation) {
        this(null, filters, new int[] {kernelSize}, Activations.get(activation));
    }

    /** {@code filters} outputs, kernel [kh, kw] and an activation by Keras name. */
    public Conv2D(int filters, int[] kernelSize, String activation) {
        this(null, filters, kernelSize, Activations.get(activation));
    }

    /** Kernel [kh, kw], strides [sh, sw], padding "valid"/"same" and an activation by name. */
    public Conv2D(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        this(null, filters, kernelSize, Activations.get(activation));
        strides(strides);
        padding(padding);
    }

    /** A named layer (null for {@code conv2d}, {@code conv2d_1}, ...); a kernel size of one value is square. */
    public Conv2D(String name, int filters, int[] kernelSize, Activation activation) {
        super(name, 2, kernelSize, activation);
        if (filters <= 0) {
            throw new IllegalArgumentException("Conv2D: filters must be positive, got " + filters);
        }
        this.filters = filters;
    }

    /** Number of groups (default 1): input and output channels split into groups convolved apart; returns this. */
    public Conv2D groups(int groups) {
        this.groups = checkedGroups(groups, filters);
        return this;
    }

    @Override
    protected String defaultBaseName() {
        return "conv2d";
    }

    public int filters() {
        return filters;
    }

    public int groups() {
        return groups;
    }

    @Override
    protected long[] kernelShape(long channels) {
        return new long[] {kernelSize[0], kernelSize[1], channelsPerGroup(channels, groups), filters};
    }

    @Override
    protected long outChannels(long channels) {
        return filters;
    }

    @Override
    protected long outputSize(int axis, long in) {
        return windowOutput(axis, in, kernelSize[axis], strides[axis], dilation[axis], padding);
    }

    @Override
    protected Tensor convolve(Tensor x) {
        return ConvOps.conv2d(x, kernel, strides, padding, dilation, groups);
    }

    @Override
    protected Tensor convolveFused(Tensor x, Tensor bias, boolean relu) {
        return ConvOps.conv2dBiasAct(x, kernel, bias, relu, strides, padding, dilation, groups);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("filters", (long) filters);
        c.put("groups", (long) groups);
        return c;
    }

    /** Rebuilds from {@link #config()} (Keras keys; missing keys take Keras defaults). */
    public static Conv2D fromConfig(Map<String, Object> config) {
        Conv2D l = new Conv2D((String) config.get("name"), filtersFrom(config, "Conv2D", "filters"),
                ints(config.get("kernel_size"), "kernel_size"), Activations.get((String) config.get("activation")));
        l.groups((int) Dense.num(config, "groups", 1));
        return restoreConv(l, config);
    }
}
