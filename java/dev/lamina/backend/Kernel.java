package dev.lamina.backend;

import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.Set;

/**
 * The optional fused kernels of the {@link Backend} SPI: a backend may implement each of them, or
 * not. What a backend lacks runs as a composition of the primitives every backend has
 * (copyStrided, unary, binary, reduce, matmul, scatterAdd, ...) on that same backend; see {@link
 * KernelDispatch}. Each constant names the {@link Backend} method it stands for.
 */
public enum Kernel {
    CONV2D_FORWARD("conv2dForward", Storage.class, Storage.class, Storage.class, ConvGeometry.class),
    CONV2D_BACKWARD_INPUT("conv2dBackwardInput", Storage.class, Storage.class, Storage.class, ConvGeometry.class),
    CONV2D_BACKWARD_FILTER("conv2dBackwardFilter", Storage.class, Storage.class, Storage.class, ConvGeometry.class),
    /** Convolution + bias + ReLU in one call. */
    CONV2D_FORWARD_FUSED("conv2dForwardFused", Storage.class, Storage.class, Storage.class, boolean.class,
            Storage.class, ConvGeometry.class),
    /** The three gradients of the fused convolution in one call. */
    CONV2D_BACKWARD_FUSED("conv2dBackwardFused", Storage.class, Storage.class, Storage.class, Storage.class,
            boolean.class, Storage.class, Storage.class, Storage.class, ConvGeometry.class),
    MAX_POOL2D_FORWARD("maxPool2dForward", Storage.class, Storage.class, PoolGeometry.class),
    MAX_POOL2D_BACKWARD("maxPool2dBackward", Storage.class, Storage.class, Storage.class, PoolGeometry.class),
    AVG_POOL2D_FORWARD("avgPool2dForward", Storage.class, Storage.class, PoolGeometry.class),
    AVG_POOL2D_BACKWARD("avgPool2dBackward", Storage.class, Storage.class, PoolGeometry.class),
    LSTM_CELL_FORWARD("lstmCellForward", Storage.class, Storage.class, Storage.class, Storage.class, Storage.class,
            long.class, long.class),
    LSTM_CELL_BACKWARD("lstmCellBackward", Storage.class, Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, long.class, long.class),
    GRU_CELL_FORWARD("gruCellForward", Storage.class, Storage.class, Storage.class, Storage.class, Storage.class,
            long.class, long.class),
    GRU_CELL_BACKWARD("gruCellBackward", Storage.class, Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, long.class, long.class),
    /** One Adam step in one pass over memory. */
    ADAM_UPDATE("adamUpdate", Storage.class, Storage.class, Storage.class, Storage.class, double.class, double.class,
            double.class, double.class),
    /** One RMSprop step (plain, momentum, centered) in one pass over memory. */
    RMSPROP_UPDATE("rmspropUpdate", Storage.class, Storage.class, Storage.class, Storage.class, Storage.class,
            double.class, double.class, double.class, double.class),
    /** One SGD step (plain, momentum, Nesterov) in one pass over memory. */
    SGD_UPDATE("sgdUpdate", Storage.class, Storage.class, Storage.class, double.class, double.class, boolean.class),
    /** Softmax cross-entropy and its gradient with respect to the logits, one pass over each row. */
    SOFTMAX_CROSS_ENTROPY("softmaxCrossEntropy", Storage.class, Storage.class, Storage.class, Storage.class,
            long.class, long.class),
    /** The forward of a whole LSTM sequence in one call (a persistent kernel for small hidden sizes). */
    LSTM_SEQUENCE_FORWARD("lstmSequenceForward", Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, Storage.class, Storage.class, long.class, long.class, long.class),
    /** The backward through time of a whole LSTM sequence in one call (a persistent kernel for small hidden sizes). */
    LSTM_SEQUENCE_BACKWARD("lstmSequenceBackward", Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, Storage.class, Storage.class, long.class, long.class, long.class),
    /** The forward of a whole GRU sequence in one call (a persistent kernel for small hidden sizes). */
    GRU_SEQUENCE_FORWARD("gruSequenceForward", Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, Storage.class, Storage.class, long.class, long.class, long.class),
    /** The backward through time of a whole GRU sequence in one call (a persistent kernel for small hidden sizes). */
    GRU_SEQUENCE_BACKWARD("gruSequenceBackward", Storage.class, Storage.class, Storage.class, Storage.class,
            Storage.class, Storage.class, Storage.class, Storage.class, long.class, long.class, long.class);

    private final String method;
    private final Class<?>[] parameters;

    Kernel(String method, Class<?>... parameters) {
        this.method = method;
        this.parameters = parameters;
    }

    /** The {@link Backend} method this kernel is. */
    public String method() {
        return method;
    }

    /** True for the convolution kernels (their per-call question carries a {@link ConvGeometry}). */
    public boolean isConv() {
        return name().startsWith("CONV2D");
    }

    /** True for the pooling kernels (their per-call question carries a {@link PoolGeometry}). */
    public boolean isPool() {
        return name().contains("POOL2D");
    }

    /**
     * The kernels whose methods a backend class overrides (a method still inherited from {@link
     * Backend} is the composition: the backend has no kernel of its own). Computed once per class.
     */
    public static Set<Kernel> overriddenBy(Class<? extends Backend> type) {
        return EnumSet.copyOf(OVERRIDDEN.get(type));
    }

    /** Whether the backend class overrides this kernel's method (no allocation: asked on every call). */
    public boolean isOverriddenBy(Class<? extends Backend> type) {
        return OVERRIDDEN.get(type).contains(this);
    }

    private static final ClassValue<Set<Kernel>> OVERRIDDEN = new ClassValue<>() {
        @Override
        protected Set<Kernel> computeValue(Class<?> type) {
            Set<Kernel> s = EnumSet.noneOf(Kernel.class);
            for (Kernel k : values()) {
                try {
                    Method m = type.getMethod(k.method, k.parameters);
                    if (m.getDeclaringClass() != Backend.class) {
                        s.add(k);
                    }
                } catch (NoSuchMethodException e) {
                    throw new IllegalStateException("Kernel " + k + ": Backend has no method " + k.method, e);
                }
            }
            return s;
        }
    };
}
