package dev.lamina.nn;

import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Turns integer ids into dense vectors, as {@code keras.layers.Embedding}: output[..., :] =
 * embeddings[id, :] with a trainable table embeddings [input_dim, output_dim] (initialised
 * uniformly in [-0.05, 0.05] as Keras's "uniform"). Ids outside [0, input_dim) are an
 * IllegalArgumentException naming the id. Float inputs holding whole numbers are accepted and cast.
 *
 * <p>With {@code mask_zero} id 0 is padding: the layer emits a mask (ids ≠ 0) that recurrent
 * layers after it respect, and input_dim must count the padding id.
 */
public final class Embedding extends Layer {
    private final long inputDim;
    private final long outputDim;
    private boolean maskZero;
    private Initializer initializer;
    private dev.lamina.tensor.Variable embeddings;

    /**
     * {@code Embedding(input_dim, output_dim)} with Keras's defaults.
     *
     * @param inputDim number of ids (the largest id + 1)
     * @param outputDim length of each vector
     */
    public Embedding(long inputDim, long outputDim) {
        this(inputDim, outputDim, false, null, null);
    }

    /**
     * With {@code mask_zero}.
     *
     * @param inputDim number of ids (the largest id + 1, padding included)
     * @param outputDim length of each vector
     * @param maskZero whether id 0 is padding
     */
    public Embedding(long inputDim, long outputDim, boolean maskZero) {
        this(inputDim, outputDim, maskZero, null, null);
    }

    /**
     * The full argument list.
     *
     * @param inputDim number of ids
     * @param outputDim length of each vector
     * @param maskZero whether id 0 is padding
     * @param initializer the table's initializer (null: uniform in [-0.05, 0.05])
     * @param name the layer name (null for a default)
     */
    public Embedding(long inputDim, long outputDim, boolean maskZero, Initializer initializer, String name) {
        super(name);
        if (inputDim <= 0 || outputDim <= 0) {
            throw new IllegalArgumentException("Embedding: input_dim and output_dim must be positive, got " + inputDim + " and " + outputDim);
        }
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.maskZero = maskZero;
        this.initializer = initializer != null ? initializer : Initializers.randomUniform(-0.05, 0.05, null);
    }

    /**
     * Whether id 0 is padding (and the layer emits a mask).
     *
     * @return mask_zero
     */
    public boolean maskZero() {
        return maskZero;
    }

    /**
     * Number of ids (rows of the table).
     *
     * @return input_dim
     */
    public long inputDim() {
        return inputDim;
    }

    /**
     * Length of each embedding vector.
     *
     * @return output_dim
     */
    public long outputDim() {
        return outputDim;
    }

    /**
     * Treats id 0 as padding and emits a mask for the recurrent layers after it (Keras's
     * {@code mask_zero=}); returns this.
     *
     * @param maskZero whether id 0 is padding
     * @return this layer
     */
    public Embedding maskZero(boolean maskZero) {
        requireUnbuilt("mask_zero");
        this.maskZero = maskZero;
        return this;
    }

    /**
     * Initializer of the table (default uniform in [-0.05, 0.05]); returns this.
     *
     * @param init the initializer
     * @return this layer
     */
    public Embedding embeddingsInitializer(Initializer init) {
        requireUnbuilt("embeddings_initializer");
        this.initializer = java.util.Objects.requireNonNull(init, "embeddings_initializer");
        return this;
    }

    /**
     * Initializer of the table by Keras name ("uniform", "glorot_uniform", ...); returns this.
     *
     * @param init the Keras name
     * @return this layer
     */
    public Embedding embeddingsInitializer(String init) {
        return embeddingsInitializer(Initializers.get(init));
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (without the batch axis), e.g. the sequence length
     * @return this layer
     */
    @Override
    public Embedding inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return this;
    }

    @Override
    protected void build(long[] inputShape) {
        embeddings = addWeight("embeddings", new long[] {inputDim, outputDim}, initializer, true);
    }

    /** Any number of ids per sample. */
    @Override
    protected long[] acceptedInputShape(long[] firstInputShape) {
        long[] s = firstInputShape.clone();
        java.util.Arrays.fill(s, -1);
        return s;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        if (x.dtype().isInteger()) {
            return embeddings.gather(x);
        }
        if (x.dtype() == DType.BOOL) {
            throw new IllegalArgumentException(name() + ": ids must be integers, got bool");
        }
        // not closed here: the gather's backward reads the ids (the caller's scope frees them)
        return embeddings.gather(x.cast(DType.INT64));
    }

    @Override
    public Tensor computeMask(Tensor x, Tensor mask) {
        if (!maskZero) {
            return mask;
        }
        return x.ne(Tensor.zeros(x.backend(), x.dtype()));
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = java.util.Arrays.copyOf(inputShape, inputShape.length + 1);
        s[inputShape.length] = outputDim;
        return s;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("input_dim", inputDim);
        c.put("output_dim", outputDim);
        c.put("mask_zero", maskZero);
        c.put("embeddings_initializer", initializer.config());
        return c;
    }

    /**
     * Rebuilds from {@link #config()}.
     *
     * @param c the config (Keras keys)
     * @return a new, unbuilt layer
     */
    @SuppressWarnings("unchecked")
    public static Embedding fromConfig(Map<String, Object> c) {
        Object init = c.get("embeddings_initializer");
        return Dense.restoreBase(new Embedding(((Number) c.get("input_dim")).longValue(), ((Number) c.get("output_dim")).longValue(),
                Boolean.TRUE.equals(c.get("mask_zero")),
                init == null ? null : Initializers.fromConfig((Map<String, Object>) init), (String) c.get("name")), c);
    }
}
