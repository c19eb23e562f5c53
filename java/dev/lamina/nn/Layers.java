package dev.lamina.nn;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The registry that turns saved layer configs back into layers: class name (as Keras writes
 * it) → factory. Built-in layers are registered here; users add their own with {@link #register}.
 */
public final class Layers {
    private static final Map<String, Function<Map<String, Object>, Layer>> FACTORIES = new TreeMap<>();

    static {
        register("InputLayer", Input::fromConfig);
        register("Embedding", Embedding::fromConfig);
        register("LSTM", LSTM::fromConfig);
        register("GRU", GRU::fromConfig);
        register("SimpleRNN", SimpleRNN::fromConfig);
        register("Bidirectional", Bidirectional::fromConfig);
        register("TimeDistributed", TimeDistributed::fromConfig);
        register("Dense", Dense::fromConfig);
        register("Activation", ActivationLayer::fromConfig);
        register("Dropout", Dropout::fromConfig);
        register("Flatten", Flatten::fromConfig);
        register("Reshape", Reshape::fromConfig);
        register("BatchNormalization", BatchNormalization::fromConfig);
        register("Conv1D", Conv1D::fromConfig);
        register("Conv2D", Conv2D::fromConfig);
        register("DepthwiseConv2D", DepthwiseConv2D::fromConfig);
        register("Conv2DTranspose", Conv2DTranspose::fromConfig);
        register("MaxPooling2D", MaxPooling2D::fromConfig);
        register("AveragePooling2D", AveragePooling2D::fromConfig);
        register("GlobalAveragePooling2D", GlobalAveragePooling2D::fromConfig);
        register("GlobalMaxPooling2D", GlobalMaxPooling2D::fromConfig);
        register("UpSampling2D", UpSampling2D::fromConfig);
        register("ZeroPadding2D", ZeroPadding2D::fromConfig);
        register("Add", Add::fromConfig);
        register("Subtract", Subtract::fromConfig);
        register("Multiply", Multiply::fromConfig);
        register("Average", Average::fromConfig);
        register("Concatenate", Concatenate::fromConfig);
        register("Dot", Dot::fromConfig);
    }

    private Layers() {
    }

    /** Makes {@code className} loadable. */
    public static synchronized void register(String className, Function<Map<String, Object>, Layer> factory) {
        FACTORIES.put(className, factory);
    }

    /** A new layer from a saved {class_name, config}; an unknown class is an IllegalArgumentException. */
    public static synchronized Layer fromConfig(String className, Map<String, Object> config) {
        Function<Map<String, Object>, Layer> f = FACTORIES.get(className);
        if (f == null) {
            throw new IllegalArgumentException("unknown layer class '" + className + "' (known: " + FACTORIES.keySet()
                    + "; register custom layers with Layers.register)");
        }
        return f.apply(config);
    }
}
