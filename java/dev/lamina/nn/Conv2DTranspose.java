package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Transposed 2-D convolution ("deconvolution"), as {@code keras.layers.Conv2DTranspose}: the
 * gradient of a {@link Conv2D} with respect to its input, so every input pixel scatters a
 * kernel-sized patch into the output,
 *
 * <pre>
 *   y[b, i·sh − padTop + p·dh, j·sw − padLeft + q·dw, f] += x[b, i, j, c] · kernel[p, q, f, c]     (then + bias[f], activation)
 * </pre>
 *
 * x [B, H, W, C] → y [B, H', W', filters] with Keras's output size: "valid" H' = H·sh + max(eff − sh, 0)
 * (= (H − 1)·sh + eff when eff ≥ sh), "same" H' = H·sh, where eff = (kh − 1)·dh + 1; padTop is
 * what a "same"/"valid" {@link Conv2D} with these strides would pad on an H' × W' input (so a
 * Conv2D with the same arguments maps y's shape back to x's).
 *
 * <p>It runs as tensor ops: stride − 1 zeros are inserted between the input pixels, the result
 * is zero-padded by eff − 1 − padTop on the top/left (and what completes H' on the bottom/right),
 * and a stride-1 "valid" convolution with the kernel flipped in space and its channel axes
 * swapped ([kh, kw, C, filters]) gives y; gradients come from those ops. Weights (build order):
 * {@code name/kernel} [kh, kw, filters, C] (Keras's layout), then {@code name/bias} [filters].
 * Keras defaults: strides 1, "valid", dilation 1, glorot-uniform kernel, zero bias. Keras's
 * {@code output_padding} is not supported.
 */
public class Conv2DTranspose extends BaseConv<Conv2DTranspose> {
    private final int filters;

    /** {@code filters} outputs, a square kernel, linear activation. */
    public Conv2DTranspose(int filters, int kernelSize) {
        this(null, filters, new int[] {kernelSize}, null);
    }

    /** Kernel [kh, kw], strides [sh, sw], padding and an activation by Keras name. */
    public Conv2DTranspose(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        this(null, filters, kernelSize, Activations.get(activation));
        strides(strides);
        padding(padding);
    }

    /** A named layer (null for {@code conv2d_transpose}, ...). */
    public Conv2DTranspose(String name, int filters, int[] kernelSize, Activation activation) {
        super(name, 2, kernelSize, activation);
        if (filters <= 0) {
            throw new IllegalArgumentException("Conv2DTranspose: filters must be positive, got " + filters);
        }
        this.filters = filters;
    }

    @Override
    protected String defaultBaseName() {
        return "conv2d_transpose";
    }

    public int filters() {
        return filters;
    }

    @Override
    protected long[] kernelShape(long channels) {
        return new long[] {kernelSize[0], kernelSize[1], filters, channels};
    }

    @Override
    protected long outChannels(long channels) {
        return filters;
    }

    private long eff(int axis) {
        return (long) (kernelSize[axis] - 1) * dilation[axis] + 1;
    }

    /** valid: in·s + max(eff − s, 0); same: in·s. */
    @Override
    protected long outputSize(int axis, long in) {
        long s = strides[axis];
        return padding.equals("same") ? in * s : in * s + Math.max(eff(axis) - s, 0);
    }

    @Override
    protected Tensor convolve(Tensor x) {
        long[] xs = x.shape();
        Tensor z = x;
        for (int a = 0; a < 2; a++) {
            long in = xs[a + 1];
            long out = outputSize(a, in);
            long padBefore = ConvOps.outputSizeAndPad((int) out, kernelSize[a], strides[a], dilation[a], padding)[1];
            z = ConvSupport.interleaveZeros(z, a + 1, strides[a]);
            z = ConvSupport.pad(z, a + 1, eff(a) - 1 - padBefore, out + padBefore - in * strides[a]);
        }
        return ConvOps.conv2d(z, flippedKernel(), new int[] {1, 1}, "valid", dilation, 1);
    }

    /**
     * K'[i, j, c, f] = kernel[kh−1−i, kw−1−j, f, c], through slices, concat and permute (on the tape).
     * Not a gather with an index tensor: gather checks its indices' range on the host (in a traced
     * step a host check node, one read back of the indices per replay), which slices do not need.
     */
    private Tensor flippedKernel() {
        int kh = kernelSize[0], kw = kernelSize[1];
        long[] ks = kernel.shape();
        Tensor rows = kernel.reshape((long) kh * kw, ks[2], ks[3]);
        List<Tensor> reversed = new ArrayList<>(kh * kw);
        for (int i = kh * kw - 1; i >= 0; i--) {
            reversed.add(rows.slice(0, i, i + 1));
        }
        Tensor flipped = (reversed.size() == 1 ? rows : Tensor.concat(reversed, 0)).permute(0, 2, 1);
        return flipped.reshape(kh, kw, ks[3], ks[2]);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("filters", (long) filters);
        c.put("output_padding", null);
        return c;
    }

    /** Rebuilds from {@link #config()} (Keras keys; a non-null output_padding is rejected). */
    public static Conv2DTranspose fromConfig(Map<String, Object> config) {
        if (config.get("output_padding") != null) {
            throw new IllegalArgumentException("Conv2DTranspose config: output_padding is not supported, got "
                    + config.get("output_padding"));
        }
        Conv2DTranspose l = new Conv2DTranspose((String) config.get("name"), filtersFrom(config, "Conv2DTranspose", "filters"),
                ints(config.get("kernel_size"), "kernel_size"), Activations.get((String) config.get("activation")));
        return restoreConv(l, config);
    }
}
