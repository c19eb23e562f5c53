package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Max pooling over NHWC images, as {@code keras.layers.MaxPooling2D}:
 * y[b,oh,ow,c] = max over the real pixels of the window starting at (oh·sh − padTop, ow·sw − padLeft).
 * Keras defaults: pool size 2×2, strides = pool size, "valid". The gradient goes to each window's
 * maximum (the first in row-major order on ties).
 */
public class MaxPooling2D extends Pooling2D {
    /** 2×2 windows, strides 2, "valid". */
    public MaxPooling2D() {
        this(new int[] {2, 2}, null, "valid");
    }

    /** Square windows of {@code poolSize}, strides = pool size, "valid". */
    public MaxPooling2D(int poolSize) {
        this(new int[] {poolSize}, null, "valid");
    }

    /** Pool size, strides (null: the pool size) and padding. */
    public MaxPooling2D(int[] poolSize, int[] strides, String padding) {
        this(null, poolSize, strides, padding);
    }

    /** A named layer (null for {@code max_pooling2d}, ...). */
    public MaxPooling2D(String name, int[] poolSize, int[] strides, String padding) {
        super(name, poolSize, strides, padding);
    }

    /**
     * {@inheritDoc}
     *
     * @param strides one or two positive values
     * @return this layer
     */
    @Override
    public MaxPooling2D strides(int... strides) {
        super.strides(strides);
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param padding the padding mode
     * @return this layer
     */
    @Override
    public MaxPooling2D padding(String padding) {
        super.padding(padding);
        return this;
    }

    @Override
    protected String defaultBaseName() {
        return "max_pooling2d";
    }

    @Override
    protected Tensor pool(Tensor x) {
        return ConvOps.maxPool2d(x, poolSize, strides, padding);
    }

    /** Rebuilds from {@link #config()}. */
    public static MaxPooling2D fromConfig(Map<String, Object> config) {
        int[] ps = poolArg(config, "pool_size", new int[] {2, 2});
        MaxPooling2D l = new MaxPooling2D((String) config.get("name"), ps, poolArg(config, "strides", null),
                config.get("padding") == null ? "valid" : (String) config.get("padding"));
        return Dense.restoreBase(l, config);
    }
}
