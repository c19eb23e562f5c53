package dev.lamina.nn;

import dev.lamina.backend.Backends;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Inverted dropout, as {@code keras.layers.Dropout}. In training each element is kept with
 * probability 1 − rate and scaled by 1 / (1 − rate), otherwise zeroed:
 *
 * <pre>
 *   y = x ⊙ m / (1 − rate),   m_i ~ Bernoulli(1 − rate) independently
 * </pre>
 *
 * so E[y] = x; the gradient is dL/dx = dL/dy ⊙ m / (1 − rate). In inference (and when rate is
 * 0) it is the identity. The mask comes from a Philox generator owned by the layer, seeded with
 * {@code seed} or, when none is given, with a seed drawn from the global generator
 * ({@link Rng#setGlobalSeed}) when the layer is made: the same seed gives the same sequence of
 * masks. Masks are drawn on the host (one uniform double per element, kept when u &lt; 1 − rate)
 * and uploaded to the input's backend. Keras's {@code noise_shape} is not supported.
 */
public class Dropout extends Layer {
    private final double rate;
    private Long seed;
    private Rng rng;

    /** Drops a fraction {@code rate} ∈ [0, 1) of the elements in training. */
    public Dropout(double rate) {
        this(rate, null, null);
    }

    /** With a fixed seed for reproducible masks. */
    public Dropout(double rate, Long seed) {
        this(rate, seed, null);
    }

    /** A named layer (null for a default name); a null seed draws one from the global generator. */
    public Dropout(double rate, Long seed, String name) {
        super(name);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
        this.seed = seed;
        this.rng = new Rng(seed != null ? seed : Rng.nextGlobalSeed());
    }

    /**
     * Fixes the seed of the masks (Keras's {@code seed=}); returns this. Set before the layer is built.
     *
     * @param seed the seed of the layer's generator
     * @return this layer
     */
    public Dropout seed(long seed) {
        requireUnbuilt("seed");
        this.seed = seed;
        this.rng = new Rng(seed);
        return this;
    }

    /** The fraction of elements dropped in training. */
    public double rate() {
        return rate;
    }

    /** The seed given at construction or by {@link #seed(long)}, or null. */
    public Long seed() {
        return seed;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(name() + ": expected a float input, got " + x.dtype() + " "
                    + shapeStr(x.shape()));
        }
        if (!training || rate == 0) {
            return x.view(); // recorded on the tape, so gradients pass
        }
        long n = x.numel();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name() + ": input " + shapeStr(x.shape()) + " is too large for a host-side mask");
        }
        double keep = 1 - rate;
        double scale = 1 / keep;
        Tensor mask;
        try (Backends.Use use = Backends.use(x.backend())) {
            Tensor m64 = Tensor.zeros(dev.lamina.types.DType.FLOAT64, x.shape());
            // host-generated data: a traced step draws a fresh mask at every replay
            dev.lamina.backend.HostCalls.upload(m64.storage(), () -> {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) n * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    b.putDouble(rng.nextDouble() < keep ? scale : 0.0);
                }
                b.flip();
                return b;
            });
            if (x.dtype() == m64.dtype()) {
                mask = m64;
            } else {
                mask = m64.cast(x.dtype());
                m64.close();
            }
        }
        return x.mul(mask);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("rate", rate);
        c.put("seed", seed);
        return c;
    }

    /** Rebuilds from {@link #config()}. */
    public static Dropout fromConfig(Map<String, Object> config) {
        Object s = config.get("seed");
        Dropout d = new Dropout(Dense.num(config, "rate", Double.NaN), s == null ? null : ((Number) s).longValue(),
                (String) config.get("name"));
        return Dense.restoreBase(d, config);
    }
}
