package dev.lamina.nn;

import dev.lamina.ops.ConvOps;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Average pooling over NHWC images, as {@code keras.layers.AveragePooling2D}:
 * y[b,oh,ow,c] = (sum of the real pixels of the window) / (their count); with "same" padding the
 * border windows divide by fewer than ph·pw pixels, as TensorFlow. Keras defaults: pool size 2×2,
 * strides = pool size, "valid".
 */
public class AveragePooling2D extends Pooling2D {
    /** 2×2 windows, strides 2, "valid". */
    public AveragePooling2D() {
        this(new int[] {2, 2}, null, "valid");
    }

    /** Square windows of {@code poolSize}, strides = pool size, "valid". */
    public AveragePooling2D(int poolSize) {
        this(new int[] {poolSize}, null, "valid");
    }

    /** Pool size, strides (null: the pool size) and padding. */
    public AveragePooling2D(int[] poolSize, int[] strides, String padding) {
        this(null, poolSize, strides, padding);
    }

    /** A named layer (null for {@code average_pooling2d}, ...). */
    public AveragePooling2D(String name, int[] poolSize, int[] strides, String padding) {
        super(name, poolSize, strides, padding);
    }

    /**
     * {@inheritDoc}
     *
     * @param strides one or two positive values
     * @return this layer
     */
    @Override
    public AveragePooling2D strides(int... strides) {
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
    public AveragePooling2D padding(String padding) {
        super.padding(padding);
        return this;
    }

    @Override
    protected String defaultBaseName() {
        return "average_pooling2d";
    }

    @Override
    protected Tensor pool(Tensor x) {
        return ConvOps.avgPool2d(x, poolSize, strides, padding);
    }

    /** Rebuilds from {@link #config()}. */
    public static AveragePooling2D fromConfig(Map<String, Object> config) {
        int[] ps = poolArg(config, "pool_size", new int[] {2, 2});
        AveragePooling2D l = new AveragePooling2D((String) config.get("name"), ps, poolArg(config, "strides", null),
                config.get("padding") == null ? "valid" : (String) config.get("padding"));
        return Dense.restoreBase(l, config);
    }
}
