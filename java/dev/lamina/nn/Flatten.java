package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Flattens each sample, as {@code keras.layers.Flatten}: [B, d1, ..., dk] → [B, d1·…·dk] in
 * row-major (C) order, so with NHWC images the channel index varies fastest. A rank-1 input [B]
 * becomes [B, 1]. The result shares memory with the input; the layer has no weights.
 */
public class Flatten extends Layer {
    /** A Flatten layer with a default name. */
    public Flatten() {
        this(null);
    }

    /** A named layer (null for a default name {@code flatten}, {@code flatten_1}, ...). */
    public Flatten(String name) {
        super(name);
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        long[] s = x.shape();
        long rest = 1;
        for (int i = 1; i < s.length; i++) {
            rest *= s[i];
        }
        return x.reshape(s[0], rest);
    }

    /** [B, Π rest]; the product is unknown (-1) when a sample axis is. */
    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length == 0) {
            throw new IllegalArgumentException(name() + ": input must have a batch axis, got a scalar shape");
        }
        long rest = 1;
        for (int i = 1; i < inputShape.length; i++) {
            if (inputShape[i] < 0) {
                rest = -1;
                break;
            }
            rest *= inputShape[i];
        }
        return new long[] {inputShape[0], rest};
    }

    /** Rebuilds from {@link #config()}. */
    public static Flatten fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new Flatten((String) config.get("name")), config);
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
