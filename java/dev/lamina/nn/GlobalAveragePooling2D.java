package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Global mean pooling over the spatial axes of NHWC images, as
 * {@code keras.layers.GlobalAveragePooling2D}: y[b,c] = mean_{h,w} x[b,h,w,c], so [B, H, W, C] →
 * [B, C], or [B, 1, 1, C] with {@code keepdims}. No weights; any image size and channel count.
 * The gradient spreads dL/dy / (H·W) over every pixel.
 */
public class GlobalAveragePooling2D extends Layer {
    private final boolean keepdims;

    /** keepdims false (Keras's default). */
    public GlobalAveragePooling2D() {
        this(null, false);
    }

    /** Keep the pooled axes as size 1 ([B, 1, 1, C]) or drop them ([B, C]). */
    public GlobalAveragePooling2D(boolean keepdims) {
        this(null, keepdims);
    }

    /** A named layer (null for {@code global_average_pooling2d}, ...). */
    public GlobalAveragePooling2D(String name, boolean keepdims) {
        super(name);
        this.keepdims = keepdims;
    }

    @Override
    protected String defaultBaseName() {
        return "global_average_pooling2d";
    }

    public boolean keepdims() {
        return keepdims;
    }

    @Override
    protected long[] acceptedInputShape(long[] first) {
        return new long[] {-1, -1, -1, first.length == 4 ? first[3] : -1};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        outputShape(x.shape());
        return x.mean(new int[] {1, 2}, keepdims);
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(className() + " '" + name()
                    + "': expected an input of rank 4 (batch, height, width, channels), got " + shapeStr(in));
        }
        if (in[1] == 0 || in[2] == 0) {
            throw new IllegalArgumentException(className() + " '" + name() + "': cannot pool an empty image "
                    + shapeStr(in));
        }
        return keepdims ? new long[] {in[0], 1, 1, in[3]} : new long[] {in[0], in[3]};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("data_format", "channels_last");
        c.put("keepdims", keepdims);
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static GlobalAveragePooling2D fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new GlobalAveragePooling2D((String) config.get("name"),
                Dense.bool(config, "keepdims", false)), config);
    }
}
