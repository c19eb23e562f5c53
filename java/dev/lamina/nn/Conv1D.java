package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * 1-D convolution over sequences [B, steps, C], as {@code keras.layers.Conv1D}:
 *
 * <pre>
 *   y[b,t,k] = activation( bias[k] + Σ_{i&lt;k_w, c&lt;C/groups} x[b, t·s − padLeft + i·d, g·C/groups + c] · kernel[i, c, k] )
 * </pre>
 *
 * with zeros outside the sequence, g = k / (filters/groups). Padding: "valid" (none; steps' =
 * ⌈(T − (k−1)·d) / s⌉), "same" (⌈T / s⌉ outputs, TensorFlow's split with the extra zero on the
 * right) or "causal" ((k−1)·d zeros on the left only, so y[t] sees no input after t; ⌈T / s⌉
 * outputs). It runs as {@link ConvOps#conv2d} on a height-1 image (views, no copies). Weights:
 * {@code name/kernel} [k, C/groups, filters], then {@code name/bias} [filters]. Keras defaults:
 * strides 1, "valid", dilation 1, groups 1, glorot-uniform kernel, zero bias.
 */
public class Conv1D extends BaseConv<Conv1D> {
    private final int filters;
    private int groups = 1;

    /** {@code filters} outputs, kernel width {@code kernelSize}, linear activation. */
    public Conv1D(int filters, int kernelSize) {
        this(null, filters, kernelSize, null);
    }

    /** {@code filters} outputs, kernel width and an activation by Keras name. */
    public Conv1D(int filters, int kernelSize, String activation) {
        this(null, filters, kernelSize, Activations.get(activation));
    }

    /** A named layer (null for {@code conv1d}, {@code conv1d_1}, ...). */
    public Conv1D(String name, int filters, int kernelSize, Activation activation) {
        super(name, 1, new int[] {kernelSize}, activation);
        if (filters <= 0) {
            throw new IllegalArgumentException("Conv1D: filters must be positive, got " + filters);
        }
        this.filters = filters;
    }

    @Override
    protected List<String> paddings() {
        return List.of("valid", "same", "causal");
    }

    /** Number of groups (default 1); returns this. */
    public Conv1D groups(int groups) {
        this.groups = checkedGroups(groups, filters);
        return this;
    }

    @Override
    protected String defaultBaseName() {
        return "conv1d";
    }

    public int filters() {
        return filters;
    }

    public int groups() {
        return groups;
    }

    @Override
    protected long[] kernelShape(long channels) {
        return new long[] {kernelSize[0], channelsPerGroup(channels, groups), filters};
    }

    @Override
    protected long outChannels(long channels) {
        return filters;
    }

    @Override
    protected long outputSize(int axis, long in) {
        return windowOutput(axis, in, kernelSize[0], strides[0], dilation[0], padding);
    }

    @Override
    protected Tensor convolve(Tensor x) {
        long[] s = x.shape();
        Tensor img = x.reshape(s[0], 1, s[1], s[2]);
        String pad = padding;
        if (padding.equals("causal")) {
            img = ConvSupport.pad(img, 2, (long) (kernelSize[0] - 1) * dilation[0], 0);
            pad = "valid";
        }
        long[] ks = kernel.shape();
        Tensor k = kernel.reshape(1, ks[0], ks[1], ks[2]);
        Tensor y = ConvOps.conv2d(img, k, new int[] {1, strides[0]}, pad, new int[] {1, dilation[0]}, groups);
        long[] ys = y.shape();
        return y.reshape(ys[0], ys[2], ys[3]);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("filters", (long) filters);
        c.put("groups", (long) groups);
        return c;
    }

    /** Rebuilds from {@link #config()} (Keras keys; missing keys take Keras defaults). */
    public static Conv1D fromConfig(Map<String, Object> config) {
        int[] k = ints(config.get("kernel_size"), "kernel_size");
        Conv1D l = new Conv1D((String) config.get("name"), filtersFrom(config, "Conv1D", "filters"), k[0],
                Activations.get((String) config.get("activation")));
        l.groups((int) Dense.num(config, "groups", 1));
        return restoreConv(l, config);
    }
}
