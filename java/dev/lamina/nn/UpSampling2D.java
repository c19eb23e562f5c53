package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Nearest-neighbour upsampling of NHWC images, as {@code keras.layers.UpSampling2D} with
 * {@code interpolation="nearest"}: each pixel is repeated sh times down and sw times across,
 *
 * <pre>
 *   y[b, h, w, c] = x[b, ⌊h / sh⌋, ⌊w / sw⌋, c]        [B, H, W, C] → [B, H·sh, W·sw, C]
 * </pre>
 *
 * (a broadcast of [B, H, 1, W, 1, C] to [B, H, sh, W, sw, C]; the gradient sums each block).
 * Keras default size 2×2. Only "nearest" interpolation is supported ("bilinear" is rejected).
 */
public class UpSampling2D extends Layer {
    private final int[] size;

    /** Size 2×2. */
    public UpSampling2D() {
        this(null, new int[] {2, 2}, "nearest");
    }

    /** The same factor on both axes. */
    public UpSampling2D(int size) {
        this(null, new int[] {size}, "nearest");
    }

    /** Factors [sh, sw] and interpolation (only "nearest"); null name for a default. */
    public UpSampling2D(String name, int[] size, String interpolation) {
        super(name);
        this.size = Pooling2D.pair("UpSampling2D", "size", size);
        if (interpolation != null && !interpolation.toLowerCase(Locale.ROOT).equals("nearest")) {
            throw new IllegalArgumentException("UpSampling2D: only interpolation \"nearest\" is supported, got "
                    + interpolation);
        }
    }

    public int[] size() {
        return size.clone();
    }

    @Override
    protected String defaultBaseName() {
        return "up_sampling2d";
    }

    @Override
    protected long[] acceptedInputShape(long[] first) {
        return new long[] {-1, -1, -1, -1};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        long[] s = x.shape();
        outputShape(s);
        if (size[0] == 1 && size[1] == 1) {
            return x.view();
        }
        Tensor e = x.reshape(s[0], s[1], 1, s[2], 1, s[3]);
        Tensor b = e.broadcastTo(s[0], s[1], size[0], s[2], size[1], s[3]);
        return b.reshape(s[0], s[1] * size[0], s[2] * size[1], s[3]);
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(className() + " '" + name()
                    + "': expected an input of rank 4 (batch, height, width, channels), got " + shapeStr(in));
        }
        return new long[] {in[0], in[1] < 0 ? -1 : in[1] * size[0], in[2] < 0 ? -1 : in[2] * size[1], in[3]};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("size", BaseConv.ints(size));
        c.put("data_format", "channels_last");
        c.put("interpolation", "nearest");
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static UpSampling2D fromConfig(Map<String, Object> config) {
        int[] s = config.get("size") == null ? new int[] {2, 2} : BaseConv.ints(config.get("size"), "size");
        return Dense.restoreBase(new UpSampling2D((String) config.get("name"), s, (String) config.get("interpolation")),
                config);
    }

    @Override
    public String toString() {
        return "UpSampling2D(" + name() + ", size=" + Arrays.toString(size) + ")";
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
