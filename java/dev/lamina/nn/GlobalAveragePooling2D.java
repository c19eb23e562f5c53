package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Global mean pooling over the spatial axes of NHWC images, as
 * {@code keras.layers.GlobalAveragePooling2D}: y[b,c] = mean_{h,w} x[b,h,w,c]. The gradient
 * spreads dL/dy / (H·W) over every pixel.
 * See {@link GlobalPooling2D} for the shapes.
 */
public class GlobalAveragePooling2D extends GlobalPooling2D {

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
        super(name, keepdims);
    }

    @Override
    protected String defaultBaseName() {
        return "global_average_pooling2d";
    }

    @Override
    protected Tensor pool(Tensor x, int[] axes, boolean keepdims) {
        return x.mean(axes, keepdims);
    }

    /** Rebuilds from {@link #config()}. */
    public static GlobalAveragePooling2D fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new GlobalAveragePooling2D((String) config.get("name"),
                Dense.bool(config, "keepdims", false)), config);
    }
}
