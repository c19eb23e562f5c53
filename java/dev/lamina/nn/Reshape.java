package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Reshapes each sample, as {@code keras.layers.Reshape}: [B, ...] → [B, target_shape...] in
 * row-major order, where at most one entry of target_shape is -1 and is inferred so that the
 * sample size Π target_shape equals the input's Π d_i. The result shares memory with the input;
 * the layer has no weights.
 *
 * <pre>{@code
 * new Reshape(4, -1);   // [B, 2, 6] → [B, 4, 3]
 * }</pre>
 */
public class Reshape extends Layer {
    private final long[] targetShape;

    /** The shape of one output sample (batch axis excluded); one -1 may be inferred. */
    public Reshape(long... targetShape) {
        this(null, targetShape);
    }

    /** A named layer (null for a default name {@code reshape}, {@code reshape_1}, ...). */
    public Reshape(String name, long... targetShape) {
        super(name);
        int unknown = 0;
        for (long d : targetShape) {
            if (d == -1) {
                unknown++;
            } else if (d <= 0) {
                throw new IllegalArgumentException("Reshape: target_shape entries must be positive or -1, got "
                        + Arrays.toString(targetShape));
            }
        }
        if (unknown > 1) {
            throw new IllegalArgumentException("Reshape: at most one -1 in target_shape, got " + Arrays.toString(targetShape));
        }
        this.targetShape = targetShape.clone();
    }

    /** The output sample shape as given (may hold one -1). */
    public long[] targetShape() {
        return targetShape.clone();
    }

    /** The output sample shape for an input sample of {@code sampleSize} elements (-1 unknown). */
    private long[] resolve(long sampleSize, long[] inputShape) {
        long[] t = targetShape.clone();
        long known = 1;
        int infer = -1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == -1) {
                infer = i;
            } else {
                known *= t[i];
            }
        }
        if (sampleSize < 0) {
            return t;
        }
        if (infer >= 0 ? sampleSize % known != 0 : sampleSize != known) {
            throw new IllegalArgumentException(name() + ": cannot reshape input " + shapeStr(inputShape) + " ("
                    + sampleSize + " elements per sample) into target_shape " + Arrays.toString(targetShape));
        }
        if (infer >= 0) {
            t[infer] = sampleSize / known;
        }
        return t;
    }

    private static long sampleSize(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            n *= shape[i];
        }
        return n;
    }

    @Override
    protected void build(long[] inputShape) {
        resolve(sampleSize(inputShape), inputShape);
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        long[] s = x.shape();
        long[] t = resolve(sampleSize(s), s);
        long[] out = new long[t.length + 1];
        out[0] = s[0];
        System.arraycopy(t, 0, out, 1, t.length);
        return x.reshape(out);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length == 0) {
            throw new IllegalArgumentException(name() + ": input must have a batch axis, got a scalar shape");
        }
        long[] t = resolve(sampleSize(inputShape), inputShape);
        long[] out = new long[t.length + 1];
        out[0] = inputShape[0];
        System.arraycopy(t, 0, out, 1, t.length);
        return out;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("target_shape", Dense.list(targetShape));
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static Reshape fromConfig(Map<String, Object> config) {
        Reshape r = new Reshape((String) config.get("name"), Dense.longs(config.get("target_shape"), "target_shape"));
        return Dense.restoreBase(r, config);
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
