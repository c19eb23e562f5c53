package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * The shared shape of {@link GlobalAveragePooling2D} and {@link GlobalMaxPooling2D}: a reduction
 * over the spatial axes of NHWC images, [B, H, W, C] → [B, C], or [B, 1, 1, C] with
 * {@code keepdims}. No weights; any image size and channel count.
 */
public abstract class GlobalPooling2D extends Layer {
    private final boolean keepdims;

    protected GlobalPooling2D(String name, boolean keepdims) {
        super(name);
        this.keepdims = keepdims;
    }

    public boolean keepdims() {
        return keepdims;
    }

    /** The reduction over axes {1, 2}. */
    protected abstract Tensor pool(Tensor x, int[] axes, boolean keepdims);

    @Override
    protected long[] acceptedInputShape(long[] first) {
        return new long[] {-1, -1, -1, first.length == 4 ? first[3] : -1};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        outputShape(x.shape());
        return pool(x, new int[] {1, 2}, keepdims);
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

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
