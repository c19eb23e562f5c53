package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Global max pooling over the spatial axes of NHWC images, as
 * {@code keras.layers.GlobalMaxPooling2D}: y[b,c] = max_{h,w} x[b,h,w,c]. The gradient goes to
 * the maximum of each channel (shared equally on ties, as the tensor max).
 * See {@link GlobalPooling2D} for the shapes.
 */
public class GlobalMaxPooling2D extends GlobalPooling2D {

    /** keepdims false (Keras's default). */
    public GlobalMaxPooling2D() {
        this(null, false);
    }

    /** Keep the pooled axes as size 1 ([B, 1, 1, C]) or drop them ([B, C]). */
    public GlobalMaxPooling2D(boolean keepdims) {
        this(null, keepdims);
    }

    /** A named layer (null for {@code global_max_pooling2d}, ...). */
    public GlobalMaxPooling2D(String name, boolean keepdims) {
        super(name, keepdims);
    }

    @Override
    protected String defaultBaseName() {
        return "global_max_pooling2d";
    }

    @Override
    protected Tensor pool(Tensor x, int[] axes, boolean keepdims) {
        return x.max(axes, keepdims);
    }

    /** Rebuilds from {@link #config()}. */
    public static GlobalMaxPooling2D fromConfig(Map<String, Object> config) {
        return Dense.restoreBase(new GlobalMaxPooling2D((String) config.get("name"),
                Dense.bool(config, "keepdims", false)), config);
    }
}
