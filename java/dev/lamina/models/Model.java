package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.Loss;
import dev.lamina.metrics.Metric;
import dev.lamina.nn.Layer;
import dev.lamina.optim.Optimizer;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trainable model, as {@code keras.Model}: {@link #compile} with an optimizer, a loss and
 * metrics, then {@link #fit}, {@link #evaluate} and {@link #predict}.
 *
 * <p>{@link Sequential} is a stack of layers. For models that are not a stack (two inputs, a
 * residual connection) subclass Model: create the layers in the constructor with
 * {@link #track}, and write {@link #call} with tensor ops:
 *
 * <pre>{@code
 * class Residual extends Model {
 *     final Dense a = track(new Dense(16, "relu"));
 *     final Dense b = track(new Dense(16));
 *     final Dense out = track(new Dense(1));
 *     public Tensor call(Tensor[] x, boolean training) {
 *         Tensor h = a.apply(x[0], training);
 *         return out.apply(h.add(b.apply(h, training)).relu(), training);
 *     }
 * }
 * }</pre>
 */
public abstract class Model implements AutoCloseable {
    private final String name;
    private final List<Layer> layers = new ArrayList<>();
    private Optimizer optimizer;
    private Loss loss;
    private final List<Metric> metrics = new ArrayList<>();
    private volatile boolean stopTraining;
    private PrintStream out = System.out;

    protected Model(String name) {
        this.name = name != null ? name : Layer.uniqueName(snake(getClass().getSimpleName()));
    }

    private static String snake(String s) {
        String r = s.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        return r.isEmpty() ? "model" : r;
    }

    public final String name() {
        return name;
    }

    /** Registers a sub-layer (its weights become the model's); returns it. */
    protected final <L extends Layer> L track(L layer) {
        for (Layer l : layers) {
            if (l.name().equals(layer.name())) {
                throw new IllegalArgumentException(name + ": two layers named '" + layer.name() + "'");
            }
        }
        layers.add(layer);
        return layer;
    }

    /** The tracked layers in order. */
    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** Number of input tensors {@link #call} takes (1 unless overridden). */
    public int inputCount() {
        return 1;
    }

    /** The forward pass; {@code training} switches dropout and batch-norm statistics. */
    public abstract Tensor call(Tensor[] inputs, boolean training);

    /** Single-input forward pass. */
    public final Tensor call(Tensor x, boolean training) {
        return call(new Tensor[] {x}, training);
    }

    /** Where fit and summary print (System.out by default). */
    public void setOutput(PrintStream out) {
        this.out = out;
    }

    // ---- compile -----------------------------------------------------------------------------

    /** Sets the optimizer, the loss and the metrics for fit and evaluate. */
    public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException("compile: optimizer and loss are required");
        }
        this.optimizer = optimizer;
        this.loss = loss;
        this.metrics.clear();
        this.metrics.addAll(Arrays.asList(metrics));
    }

    /**
     * Compile by Keras names, as {@code model.compile(optimizer="adam",
     * loss="sparse_categorical_crossentropy", metrics=["accuracy"])}: the optimizer comes from
     * {@link dev.lamina.optim.Optimizers#get} (Keras defaults, e.g. Adam lr 0.001, ε 1e-7), the
     * loss from {@link dev.lamina.losses.Losses#get} and each metric from
     * {@link dev.lamina.metrics.Metrics#get}, except {@code "accuracy"} and {@code "acc"}, which
     * become the accuracy that fits the loss ({@link dev.lamina.metrics.Metrics#accuracyFor}:
     * binary, categorical or sparse categorical) and log as {@code accuracy}. An unknown name is
     * an IllegalArgumentException from the lookup, and the model is left as it was.
     */
    public void compile(String optimizer, String loss, String... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException(name + ".compile: optimizer and loss names are required, got optimizer="
                    + optimizer + ", loss=" + loss);
        }
        Loss l = dev.lamina.losses.Losses.get(loss);
        Metric[] ms = new Metric[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            String m = metrics[i];
            if (m == null) {
                throw new IllegalArgumentException(name + ".compile: metric " + i + " is null");
            }
            String k = m.trim().toLowerCase(Locale.ROOT);
            ms[i] = k.equals("accuracy") || k.equals("acc")
                    ? dev.lamina.metrics.Metrics.accuracyFor(loss.trim())
                    : dev.lamina.metrics.Metrics.get(m);
        }
        Optimizer o = dev.lamina.optim.Optimizers.get(optimizer);
        compile(o, l, ms);
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Loss loss() {
        return loss;
    }

    public List<Metric> metrics() {
        return Collections.unmodifiableList(metrics);
    }

    /**
     * Asks a running fit to stop (used by EarlyStopping, TerminateOnNaN): requested in a batch
     * hook, the epoch ends after that batch (validation and onEpochEnd still run, as Keras); in an
     * epoch hook, training ends after that epoch.
     */
    public void stopTraining() {
        stopTraining = true;
    }

    public boolean isStopTrainingRequested() {
        return stopTraining;
    }

    void resetStopTraining() {
        stopTraining = false;
    }

    /** Where fit and summary print. */
    PrintStream output() {
        return out;
    }

    // ---- weights -----------------------------------------------------------------------------

    public List<Variable> weights() {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.weights());
        }
        return w;
    }

    public List<Variable> trainableWeights() {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.trainableWeights());
        }
        return w;
    }

    public List<Variable> nonTrainableWeights() {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.nonTrainableWeights());
        }
        return w;
    }

    public long countParams() {
        long n = 0;
        for (Layer l : layers) {
            n += l.countParams();
        }
        return n;
    }

    /** Copies of all weights' values (in the current scope). */
    public List<Tensor> getWeights() {
        List<Tensor> out = new ArrayList<>();
        for (Variable v : weights()) {
            out.add(GradientTape.noGrad(() -> v.cast(v.dtype()).add(Tensor.zeros(v.backend(), v.dtype()))));
        }
        return out;
    }

    /** Overwrites all weights, in {@link #weights()} order; shapes must match. */
    public void setWeights(List<Tensor> values) {
        List<Variable> w = weights();
        if (values.size() != w.size()) {
            throw new IllegalArgumentException(name + ".setWeights: " + values.size() + " values for " + w.size() + " weights");
        }
        for (int i = 0; i < w.size(); i++) {
            w.get(i).assign(values.get(i));
        }
    }

    /** The sum of the layers' regularization penalties, or null. */
    public Tensor regularizationLoss() {
        Tensor total = null;
        for (Layer l : layers) {
            Tensor r = l.regularizationLoss();
            if (r != null) {
                total = total == null ? r : total.add(r);
            }
        }
        return total;
    }

    // ---- fit ---------------------------------------------------------------------------------

    /** Trains on one input tensor; see {@link #fit(Tensor[], Tensor, FitOptions)}. */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(new Tensor[] {x}, y, options);
    }

    /** {@code fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize))}. */
    public History fit(Tensor x, Tensor y, int epochs, int batchSize) {
        return fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize));
    }

    /**
     * Trains for {@code options.epochs} epochs of mini-batch gradient descent and returns the
     * per-epoch loss and metrics (and their val_ forms with validation data). All inputs are
     * checked before training starts: sample counts, feature shapes against the model, NaN in
     * the data, empty data, a missing compile.
     */
    public History fit(Tensor[] x, Tensor y, FitOptions options) {
        return new Trainer(this).fit(x, y, options);
    }

    // ---- evaluate and predict ------------------------------------------------------------------

    /** Loss and metrics over all samples, in batches of 32; keys as Keras: loss, then metric names. */
    public Map<String, Double> evaluate(Tensor x, Tensor y) {
        return evaluate(new Tensor[] {x}, y, 32);
    }

    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        return evaluate(new Tensor[] {x}, y, batchSize);
    }

    /** Loss (weighted by batch size) and metrics over all samples, inference mode. */
    public Map<String, Double> evaluate(Tensor[] x, Tensor y, int batchSize) {
        return new Trainer(this).evaluate(x, y, batchSize);
    }

    /** Predictions for all samples, in batches of 32, inference mode. */
    public Tensor predict(Tensor x) {
        return predict(new Tensor[] {x}, 32);
    }

    public Tensor predict(Tensor x, int batchSize) {
        return predict(new Tensor[] {x}, batchSize);
    }

    /** Predictions for all samples in batches; the result belongs to the caller's scope. */
    public Tensor predict(Tensor[] x, int batchSize) {
        return new Trainer(this).predict(x, batchSize);
    }

    // ---- summary -----------------------------------------------------------------------------

    /** The output shape of each layer, when known (Sequential overrides); null when unknown. */
    protected List<long[]> layerOutputShapes() {
        return null;
    }

    /** Prints the Keras-style table of layers, output shapes and parameter counts. */
    public void summary() {
        out.print(summaryString());
    }

    /** The text {@link #summary()} prints. */
    public String summaryString() {
        return ModelSummary.of(this, layers, layerOutputShapes());
    }

    // ---- saving ------------------------------------------------------------------------------

    /** Saves architecture and weights (see {@link ModelIO}); a .safetensors path makes one file. */
    public void save(java.nio.file.Path path) {
        ModelIO.save(this, path);
    }

    /** Loads a model saved with {@link #save}. */
    public static Sequential load(java.nio.file.Path path) {
        return ModelIO.load(path);
    }

    /** Saves the weights alone as safetensors with Keras names. */
    public void saveWeights(java.nio.file.Path file) {
        ModelIO.saveWeights(this, file);
    }

    /** Loads weights of the same architecture; a mismatch names the weight and both shapes. */
    public void loadWeights(java.nio.file.Path file) {
        ModelIO.loadWeights(this, file);
    }

    // ---- lifetime ----------------------------------------------------------------------------

    /** Frees the weights and the optimizer state. */
    @Override
    public void close() {
        for (Layer l : layers) {
            l.close();
        }
        if (optimizer != null) {
            optimizer.close();
        }
    }
}
