package dev.lamina.optim;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the optimizers (SGD, Adam, RMSprop, Adagrad), with Keras semantics: a learning rate
 * (constant or a {@link LearningRateSchedule} of the step count), optional gradient clipping
 * ({@code clipvalue}: each element to [-v, v]; {@code clipnorm}: each gradient to norm ≤ c;
 * {@code globalClipnorm}: all gradients together to global norm ≤ c), decoupled weight decay
 * ({@link #weightDecay}), an exponential moving average of the weights ({@link #ema}), and
 * per-variable state ("slots") created on first use.
 */
public abstract class Optimizer implements AutoCloseable {
    private double learningRate;
    private LearningRateSchedule schedule;
    private double clipValue = Double.NaN;
    private double clipNorm = Double.NaN;
    private double globalClipNorm = Double.NaN;
    private long iterations;
    private double weightDecay;
    private boolean useEma;
    private double emaMomentum = 0.99;
    private long emaOverwriteFrequency;
    private final Map<Variable, Tensor[]> slots = new IdentityHashMap<>();
    private final Map<Variable, Variable> averages = new IdentityHashMap<>();

    protected Optimizer(double learningRate) {
        setLearningRate(learningRate);
    }

    protected Optimizer(LearningRateSchedule schedule) {
        this.schedule = schedule;
    }

    /** The Keras class name (SGD, Adam, RMSprop, Adagrad). */
    public abstract String name();

    /** Number of {@link #apply} calls so far (Keras's {@code optimizer.iterations}). */
    public long iterations() {
        return iterations;
    }

    /** The learning rate for the next step. */
    public double learningRate() {
        return schedule != null ? schedule.at(iterations) : learningRate;
    }

    /** Sets a constant learning rate (replacing any schedule). */
    public void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(name() + ": learning rate must be a finite non-negative number, got " + lr);
        }
        this.learningRate = lr;
        this.schedule = null;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** Clips every gradient element to [-v, v]; returns this. */
    public Optimizer clipValue(double v) {
        requirePositive("clipvalue", v);
        this.clipValue = v;
        return this;
    }

    /** Rescales each gradient whose L2 norm exceeds c to norm c; returns this. */
    public Optimizer clipNorm(double c) {
        requirePositive("clipnorm", c);
        this.clipNorm = c;
        return this;
    }

    /** Rescales all gradients together when their global L2 norm exceeds c; returns this. */
    public Optimizer globalClipNorm(double c) {
        requirePositive("global_clipnorm", c);
        this.globalClipNorm = c;
        return this;
    }

    /**
     * Decoupled weight decay (AdamW's, Keras 3's {@code weight_decay}): before each update a
     * variable with a gradient shrinks by {@code w ← w − lr·weight_decay·w}, with the step's learning
     * rate; 0 (the default) turns it off. Returns this.
     */
    public Optimizer weightDecay(double wd) {
        if (!(wd >= 0) || Double.isInfinite(wd)) {
            throw new IllegalArgumentException(name() + ": weight_decay must be a finite number >= 0, got " + wd);
        }
        this.weightDecay = wd;
        return this;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /**
     * Keeps an exponential moving average of the trainable variables (Keras 3's {@code use_ema}):
     * after each step {@code avg ← μ·avg + (1 − μ)·w} with μ = {@code momentum} (μ = 0 on the first
     * step, so the average starts at the weights); every {@code overwriteFrequency} steps (0: never)
     * the variables are set to their averages, and {@link #finalizeVariableValues} does so at the end
     * of training (Model.fit calls it). Returns this.
     */
    public Optimizer ema(double momentum, long overwriteFrequency) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name() + ": ema_momentum must be in [0, 1], got " + momentum);
        }
        if (overwriteFrequency < 0) {
            throw new IllegalArgumentException(name() + ": ema_overwrite_frequency must be >= 1 (or 0/null for never), got "
                    + overwriteFrequency);
        }
        this.useEma = true;
        this.emaMomentum = momentum;
        this.emaOverwriteFrequency = overwriteFrequency;
        return this;
    }

    public boolean useEma() {
        return useEma;
    }

    /** With {@link #ema}, sets each variable to its moving average (Keras's finalize_variable_values); else nothing. */
    public void finalizeVariableValues(List<Variable> vars) {
        if (!useEma) {
            return;
        }
        for (Variable v : vars) {
            Variable avg = averages.get(v);
            if (avg != null) {
                Slots.run(() -> v.assign(avg));
            }
        }
    }

    private void requirePositive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name() + ": " + what + " must be positive, got " + v);
        }
    }

    /**
     * One step: clips the gradients, then updates each variable with its gradient (a null
     * gradient leaves its variable alone). Counts one iteration.
     */
    public final void apply(List<Tensor> grads, List<Variable> vars) {
        if (grads.size() != vars.size()) {
            throw new IllegalArgumentException(name() + ".apply: " + grads.size() + " gradients for " + vars.size() + " variables");
        }
        if (useEma) {
            dev.lamina.backend.HostCalls.untraceable("the optimizer keeps moving averages (EMA) with a step-dependent branch");
        }
        // host values: a traced step recomputes them from live state at every replay
        double lr = dev.lamina.backend.HostCalls.scalar(this::learningRate);
        Tensor[] g = grads.toArray(new Tensor[0]);
        Tensor[] clipped = Clipping.clip(g, clipValue, clipNorm, globalClipNorm);
        try {
            for (int i = 0; i < g.length; i++) {
                if (clipped[i] == null) {
                    continue;
                }
                Variable v = vars.get(i);
                if (!java.util.Arrays.equals(v.shape(), clipped[i].shape())) {
                    throw new IllegalArgumentException(name() + ".apply: gradient " + dev.lamina.tensor.Shapes.str(clipped[i].shape())
                            + " does not match variable '" + v.name() + "' " + dev.lamina.tensor.Shapes.str(v.shape()));
                }
                Tensor[] s = slots.get(v);
                if (s == null) {
                    s = createSlots(v);
                    slots.put(v, s);
                }
                if (weightDecay > 0) {
                    double shrink = dev.lamina.backend.HostCalls.scalar(() -> learningRate() * weightDecay);
                    Slots.run(() -> v.assignSub(v.mul(shrink)));
                }
                update(v, clipped[i], s, lr, iterations + 1);
            }
            if (useEma) {
                updateAverages(vars);
            }
        } finally {
            for (int i = 0; i < g.length; i++) {
                if (clipped[i] != null && clipped[i] != g[i]) {
                    clipped[i].close();
                }
            }
        }
        dev.lamina.backend.HostCalls.effect(() -> iterations++);
    }

    private void updateAverages(List<Variable> vars) {
        double mu = iterations == 0 ? 0 : emaMomentum;
        for (Variable v : vars) {
            if (!v.trainable()) {
                continue;
            }
            Variable avg = averages.get(v);
            if (avg == null) {
                avg = Slots.like(v, "average", 0);
                averages.put(v, avg);
            }
            Variable a = avg;
            Slots.run(() -> a.assign(a.mul(mu).add(v.mul(1 - mu))));
        }
        if (emaOverwriteFrequency > 0 && (iterations + 1) % emaOverwriteFrequency == 0) {
            finalizeVariableValues(vars);
        }
    }

    /** The per-variable state tensors (e.g. Adam's m and v), zero-initialised; may be empty. */
    protected abstract Tensor[] createSlots(Variable v);

    /**
     * Updates one variable in place. {@code step} is 1 for the first update (for bias correction).
     * Temporaries created here must be closed (or created in a scope).
     */
    protected abstract void update(Variable v, Tensor grad, Tensor[] slots, double lr, long step);

    /** Constructor arguments for saving, Keras names. */
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        if (schedule != null) {
            c.put("learning_rate", schedule.config());
        } else {
            c.put("learning_rate", learningRate);
        }
        if (!Double.isNaN(clipValue)) {
            c.put("clipvalue", clipValue);
        }
        if (!Double.isNaN(clipNorm)) {
            c.put("clipnorm", clipNorm);
        }
        if (!Double.isNaN(globalClipNorm)) {
            c.put("global_clipnorm", globalClipNorm);
        }
        if (weightDecay > 0) {
            c.put("weight_decay", weightDecay);
        }
        if (useEma) {
            c.put("use_ema", true);
            c.put("ema_momentum", emaMomentum);
            c.put("ema_overwrite_frequency", emaOverwriteFrequency == 0 ? null : (Object) emaOverwriteFrequency);
        }
        return c;
    }

    /** Frees the slots. */
    @Override
    public void close() {
        for (Tensor[] s : slots.values()) {
            for (Tensor t : s) {
                t.close();
            }
        }
        slots.clear();
        for (Variable a : averages.values()) {
            a.close();
        }
        averages.clear();
    }
}
