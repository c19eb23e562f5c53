package dev.lamina.nn;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Map;
import java.util.Objects;

/**
 * Batch normalization, as {@code keras.layers.BatchNormalization}, over the feature axis
 * {@code axis} (default -1, the channels of NHWC). With C the size of that axis and the
 * statistics taken over every other axis:
 *
 * <pre>
 *   training:   μ = mean(x),  σ² = mean((x − μ)²)            (population variance, per channel)
 *               y = γ · (x − μ) / √(σ² + ε) + β
 *               moving_mean     ← moving_mean · momentum + μ  · (1 − momentum)
 *               moving_variance ← moving_variance · momentum + σ² · (1 − momentum)
 *   inference:  y = γ · (x − moving_mean) / √(moving_variance + ε) + β
 * </pre>
 *
 * Keras defaults: momentum 0.99, ε = 1e-3, center (β) and scale (γ) on. Weights (build order):
 * {@code gamma} [C] (ones, trainable, when scale), {@code beta} [C] (zeros, trainable, when
 * center), {@code moving_mean} [C] (zeros) and {@code moving_variance} [C] (ones), both
 * non-trainable. In training the gradient flows through μ and σ² (the output is composed of
 * tensor ops on the tape); the moving statistics are updated in place, off the tape. As in Keras
 * 3, a frozen layer ({@code setTrainable(false)}) runs in inference mode even when training.
 * The input is cast to the layer's dtype when it is another float type.
 */
public class BatchNormalization extends Layer {
    private int axis;
    private double momentum;
    private double epsilon;
    private boolean center;
    private boolean scale;
    private Initializer betaInitializer = Initializers.zeros();
    private Initializer gammaInitializer = Initializers.ones();
    private Initializer movingMeanInitializer = Initializers.zeros();
    private Initializer movingVarianceInitializer = Initializers.ones();
    private Regularizer betaRegularizer;
    private Regularizer gammaRegularizer;
    private Variable gamma;
    private Variable beta;
    private Variable movingMean;
    private Variable movingVariance;
    private int resolvedAxis = -1;

    /** Keras defaults: axis -1, momentum 0.99, epsilon 1e-3, center and scale. */
    public BatchNormalization() {
        this(-1, 0.99, 1e-3, true, true, null);
    }

    /** Normalizes over feature axis {@code axis} (negative counts from the end) with Keras's other defaults. */
    public BatchNormalization(int axis) {
        this(axis, 0.99, 1e-3, true, true, null);
    }

    /** Full Keras argument list (initializers and regularizers by setters); null name for a default. */
    public BatchNormalization(int axis, double momentum, double epsilon, boolean center, boolean scale, String name) {
        super(name);
        this.axis = checkedAxis(axis);
        this.momentum = checkedMomentum(momentum);
        this.epsilon = checkedEpsilon(epsilon);
        this.center = center;
        this.scale = scale;
    }

    private static int checkedAxis(int axis) {
        if (axis == 0) {
            throw new IllegalArgumentException("BatchNormalization: axis 0 is the batch axis; pick a feature axis");
        }
        return axis;
    }

    private static double checkedMomentum(double momentum) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNormalization: momentum must be in [0, 1], got " + momentum);
        }
        return momentum;
    }

    private static double checkedEpsilon(double epsilon) {
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("BatchNormalization: epsilon must be positive, got " + epsilon);
        }
        return epsilon;
    }

    /**
     * The feature axis (default -1; negative counts from the end, 0 is refused); returns this.
     *
     * @param axis the axis normalized over
     * @return this layer
     */
    public BatchNormalization axis(int axis) {
        checkUnbuilt("axis");
        this.axis = checkedAxis(axis);
        return this;
    }

    /**
     * Weight of the old value in the moving-statistics update (default 0.99); returns this.
     *
     * @param momentum a value in [0, 1]
     * @return this layer
     */
    public BatchNormalization momentum(double momentum) {
        checkUnbuilt("momentum");
        this.momentum = checkedMomentum(momentum);
        return this;
    }

    /**
     * ε added to the variance (default 1e-3); returns this.
     *
     * @param epsilon a positive value
     * @return this layer
     */
    public BatchNormalization epsilon(double epsilon) {
        checkUnbuilt("epsilon");
        this.epsilon = checkedEpsilon(epsilon);
        return this;
    }

    /**
     * Whether to add β (default true); returns this.
     *
     * @param center whether the layer has a β offset
     * @return this layer
     */
    public BatchNormalization center(boolean center) {
        checkUnbuilt("center");
        this.center = center;
        return this;
    }

    /**
     * Whether to multiply by γ (default true); returns this.
     *
     * @param scale whether the layer has a γ scale
     * @return this layer
     */
    public BatchNormalization scale(boolean scale) {
        checkUnbuilt("scale");
        this.scale = scale;
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @param sampleShape the sample shape (without the batch axis)
     * @return this layer
     */
    @Override
    public BatchNormalization inputShape(long... sampleShape) {
        super.inputShape(sampleShape);
        return this;
    }

    private void checkUnbuilt(String what) {
        requireUnbuilt(what);
    }

    /** Initializer of β (default zeros); returns this. */
    public BatchNormalization betaInitializer(Initializer init) {
        checkUnbuilt("beta_initializer");
        betaInitializer = Objects.requireNonNull(init, "beta_initializer");
        return this;
    }

    /** Initializer of γ (default ones); returns this. */
    public BatchNormalization gammaInitializer(Initializer init) {
        checkUnbuilt("gamma_initializer");
        gammaInitializer = Objects.requireNonNull(init, "gamma_initializer");
        return this;
    }

    /** Initial moving mean (default zeros); returns this. */
    public BatchNormalization movingMeanInitializer(Initializer init) {
        checkUnbuilt("moving_mean_initializer");
        movingMeanInitializer = Objects.requireNonNull(init, "moving_mean_initializer");
        return this;
    }

    /** Initial moving variance (default ones); returns this. */
    public BatchNormalization movingVarianceInitializer(Initializer init) {
        checkUnbuilt("moving_variance_initializer");
        movingVarianceInitializer = Objects.requireNonNull(init, "moving_variance_initializer");
        return this;
    }

    /** Penalty on β (null for none); returns this. */
    public BatchNormalization betaRegularizer(Regularizer reg) {
        checkUnbuilt("beta_regularizer");
        betaRegularizer = reg;
        return this;
    }

    /** Penalty on γ (null for none); returns this. */
    public BatchNormalization gammaRegularizer(Regularizer reg) {
        checkUnbuilt("gamma_regularizer");
        gammaRegularizer = reg;
        return this;
    }

    /** The feature axis as given (negative counts from the end). */
    public int axis() {
        return axis;
    }

    /** Weight of the old value in the moving-statistics update. */
    public double momentum() {
        return momentum;
    }

    /** ε added to the variance before the square root. */
    public double epsilon() {
        return epsilon;
    }

    /** γ (null before build or without scale). */
    public Variable gamma() {
        return gamma;
    }

    /** β (null before build or without center). */
    public Variable beta() {
        return beta;
    }

    /** The moving mean [C] (null before build). */
    public Variable movingMean() {
        return movingMean;
    }

    /** The moving variance [C] (null before build). */
    public Variable movingVariance() {
        return movingVariance;
    }

    private int resolve(long[] inputShape) {
        int r = inputShape.length;
        int a = axis < 0 ? axis + r : axis;
        if (r < 2 || a < 1 || a >= r) {
            throw new IllegalArgumentException(name() + ": axis " + axis + " is not a feature axis of input "
                    + shapeStr(inputShape));
        }
        return a;
    }

    @Override
    protected void build(long[] inputShape) {
        int a = resolve(inputShape);
        long c = inputShape[a];
        if (c <= 0) {
            throw new IllegalArgumentException(name() + ": the size of axis " + axis + " must be known, got "
                    + shapeStr(inputShape));
        }
        long[] shape = {c};
        if (scale) {
            gamma = addWeight("gamma", shape, gammaInitializer, true);
        }
        if (center) {
            beta = addWeight("beta", shape, betaInitializer, true);
        }
        movingMean = addWeight("moving_mean", shape, movingMeanInitializer, false);
        movingVariance = addWeight("moving_variance", shape, movingVarianceInitializer, false);
        resolvedAxis = a;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        int a = resolvedAxis;
        long c = movingMean.shape()[0];
        if (x.rank() <= a || x.dim(a) != c) {
            throw new IllegalArgumentException(name() + ": expected " + c + " features on axis " + axis + ", got input "
                    + shapeStr(x.shape()));
        }
        Tensor h = Dense.castInput(x, dtype(), name());
        int rank = h.rank();
        long[] bshape = new long[rank];
        java.util.Arrays.fill(bshape, 1);
        bshape[a] = c;
        int[] reduce = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != a) {
                reduce[j++] = i;
            }
        }
        Tensor mean;
        Tensor var;
        if (training && isTrainable()) {
            mean = h.mean(reduce, true);
            var = h.sub(mean).square().mean(reduce, true);
            Tensor bm = mean;
            Tensor bv = var;
            GradientTape.noGrad(() -> {
                try (Scope s = Scope.open()) {
                    movingMean.assign(movingMean.mul(momentum).add(bm.reshape(c).mul(1 - momentum)));
                    movingVariance.assign(movingVariance.mul(momentum).add(bv.reshape(c).mul(1 - momentum)));
                }
                return null;
            });
        } else {
            mean = movingMean.reshape(bshape);
            var = movingVariance.reshape(bshape);
        }
        Tensor inv = var.add(epsilon).sqrt().reciprocal();
        if (scale) {
            inv = inv.mul(gamma.reshape(bshape));
        }
        Tensor y = h.sub(mean).mul(inv);
        if (center) {
            y = y.add(beta.reshape(bshape));
        }
        return y;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        resolve(inputShape);
        return inputShape.clone();
    }

    /** Sum of the γ and β penalties, or null when there are none. */
    @Override
    public Tensor regularizationLoss() {
        return penalties(gammaRegularizer, gamma, betaRegularizer, beta);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", (long) axis);
        c.put("momentum", momentum);
        c.put("epsilon", epsilon);
        c.put("center", center);
        c.put("scale", scale);
        c.put("beta_initializer", betaInitializer.config());
        c.put("gamma_initializer", gammaInitializer.config());
        c.put("moving_mean_initializer", movingMeanInitializer.config());
        c.put("moving_variance_initializer", movingVarianceInitializer.config());
        c.put("beta_regularizer", betaRegularizer == null ? null : betaRegularizer.config());
        c.put("gamma_regularizer", gammaRegularizer == null ? null : gammaRegularizer.config());
        return c;
    }

    /** Rebuilds from {@link #config()} (missing keys take Keras defaults). */
    @SuppressWarnings("unchecked")
    public static BatchNormalization fromConfig(Map<String, Object> config) {
        Object ax = config.get("axis");
        if (ax instanceof java.util.List<?> l) {
            if (l.size() != 1) {
                throw new IllegalArgumentException("BatchNormalization: only a single axis is supported, got " + l);
            }
            ax = l.get(0);
        }
        int axis = ax == null ? -1 : ((Number) ax).intValue();
        BatchNormalization b = new BatchNormalization(axis, Dense.num(config, "momentum", 0.99),
                Dense.num(config, "epsilon", 1e-3), Dense.bool(config, "center", true), Dense.bool(config, "scale", true),
                (String) config.get("name"));
        if (config.get("beta_initializer") != null) {
            b.betaInitializer = Dense.initializer(config.get("beta_initializer"));
        }
        if (config.get("gamma_initializer") != null) {
            b.gammaInitializer = Dense.initializer(config.get("gamma_initializer"));
        }
        if (config.get("moving_mean_initializer") != null) {
            b.movingMeanInitializer = Dense.initializer(config.get("moving_mean_initializer"));
        }
        if (config.get("moving_variance_initializer") != null) {
            b.movingVarianceInitializer = Dense.initializer(config.get("moving_variance_initializer"));
        }
        b.betaRegularizer = Regularizers.fromConfig((Map<String, Object>) config.get("beta_regularizer"));
        b.gammaRegularizer = Regularizers.fromConfig((Map<String, Object>) config.get("gamma_regularizer"));
        return Dense.restoreBase(b, config);
    }
}
