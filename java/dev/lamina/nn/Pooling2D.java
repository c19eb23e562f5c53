package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link MaxPooling2D} and {@link AveragePooling2D} share: a pool window [ph, pw] moved by
 * strides [sh, sw] (default: the pool size, as Keras) over NHWC images, padding "valid"
 * (H' = ⌈(H − ph + 1) / sh⌉) or "same" (H' = ⌈H / sh⌉; the padding never takes part). No weights;
 * any image size, any channel count.
 */
public abstract class Pooling2D extends Layer {
    protected final int[] poolSize;
    protected int[] strides;
    protected String padding;

    protected Pooling2D(String name, int[] poolSize, int[] strides, String padding) {
        super(name);
        String cls = getClass().getSimpleName();
        this.poolSize = pair(cls, "pool_size", poolSize);
        this.strides = strides == null ? this.poolSize.clone() : pair(cls, "strides", strides);
        this.padding = checkedPadding(cls, padding);
    }

    private static String checkedPadding(String cls, String padding) {
        String p = padding == null ? null : padding.toLowerCase(Locale.ROOT);
        if (p == null || !(p.equals("valid") || p.equals("same"))) {
            throw new IllegalArgumentException(cls + ": padding must be \"valid\" or \"same\", got " + padding);
        }
        return p;
    }

    /**
     * Strides of the window (one value for both axes, or [sh, sw]; default the pool size); returns this.
     *
     * @param strides one or two positive values
     * @return this layer
     */
    public Pooling2D strides(int... strides) {
        requireUnbuilt("strides");
        this.strides = pair(getClass().getSimpleName(), "strides", strides);
        return this;
    }

    /**
     * "valid" (default) or "same", case-insensitive; returns this.
     *
     * @param padding the padding mode
     * @return this layer
     */
    public Pooling2D padding(String padding) {
        requireUnbuilt("padding");
        this.padding = checkedPadding(getClass().getSimpleName(), padding);
        return this;
    }

    static int[] pair(String cls, String what, int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException(cls + ": " + what + " must have 1 or 2 values, got "
                    + (v == null ? "null" : Arrays.toString(v)));
        }
        int[] out = v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
        if (out[0] < 1 || out[1] < 1) {
            throw new IllegalArgumentException(cls + ": " + what + " must be positive, got " + Arrays.toString(v));
        }
        return out;
    }

    public int[] poolSize() {
        return poolSize.clone();
    }

    public int[] strides() {
        return strides.clone();
    }

    public String padding() {
        return padding;
    }

    /** The pooling itself on a checked NHWC input. */
    protected abstract Tensor pool(Tensor x);

    @Override
    protected long[] acceptedInputShape(long[] first) {
        return new long[] {-1, -1, -1, -1};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        outputShape(x.shape());
        return pool(x);
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(className() + " '" + name()
                    + "': expected an input of rank 4 (batch, height, width, channels), got " + shapeStr(in));
        }
        long[] out = in.clone();
        for (int a = 0; a < 2; a++) {
            long n = in[a + 1];
            if (n < 0) {
                continue;
            }
            if (n == 0 || (padding.equals("valid") && n < poolSize[a])) {
                throw new IllegalArgumentException(className() + " '" + name() + "': pool_size "
                        + Arrays.toString(poolSize) + " is larger than the input " + shapeStr(in) + " with padding 'valid'");
            }
            out[a + 1] = ConvOps.outputSizeAndPad((int) n, poolSize[a], strides[a], 1, padding)[0];
        }
        return out;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("pool_size", BaseConv.ints(poolSize));
        c.put("strides", BaseConv.ints(strides));
        c.put("padding", padding);
        c.put("data_format", "channels_last");
        return c;
    }

    static int[] poolArg(Map<String, Object> config, String key, int[] dflt) {
        Object v = config.get(key);
        return v == null ? dflt : BaseConv.ints(v, key);
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
