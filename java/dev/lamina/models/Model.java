package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.Loss;
import dev.lamina.metrics.Metric;
import dev.lamina.nn.Layer;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.optim.Optimizer;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trainable model, as {@code keras.Model}: {@link #compile} with an optimizer, a loss and
 * metrics, then {@link #fit}, {@link #evaluate} and {@link #predict}.
 *
 * <p>{@link Sequential} is a stack of layers. The functional API builds any graph of layers
 * (several inputs or outputs, shared layers, residual connections) from symbolic tensors, as
 * Keras's {@code keras.Model(inputs, outputs)}:
 *
 * <pre>{@code
 * SymbolicTensor a = Input.of("a", 3);
 * SymbolicTensor b = Input.of("b", 2);
 * SymbolicTensor h = new Dense(8, "relu").apply(new Concatenate().apply(a, b));
 * Model model = new Model(List.of(a, b), List.of(new Dense(1).apply(h)));
 * model.compile(new Adam(0.01), "mse");
 * }</pre>
 *
 * <p>A model can also be subclassed: create the layers in the constructor with
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
public class Model implements AutoCloseable {
    private final String name;
    private final List<Layer> layers = new ArrayList<>();
    /** What compile set: optimizer, losses, loss weights and metrics. */
    private final Compilation compiled = new Compilation();
    private volatile boolean stopTraining;
    private PrintStream out = System.out;
    /** predict's batches: traced by default, thread-safe, closed with the model */
    final PredictPath predictPath = new PredictPath(this);
    /** Trainer's traced evaluate step, kept across calls, and the compiled losses it was traced with */
    dev.lamina.graph.TracedFunction evaluateGraph;
    Object evaluateGraphKey;
    /** The layer graph of a functional model; null for Sequential and subclassed models. */
    private final FunctionalGraph graph;

    /**
     * A subclassed model (or Sequential) named {@code name}.
     *
     * @param name the model's name, or null for a default from the class name
     */
    protected Model(String name) {
        this.name = name != null ? name : Layer.uniqueName(snake(getClass().getSimpleName()));
        this.graph = null;
    }

    /**
     * A functional model from one symbolic input to one symbolic output, as
     * {@code keras.Model(inputs, outputs)}.
     *
     * @param input a tensor from {@link dev.lamina.nn.Input#of}
     * @param output a tensor computed from it by layers
     */
    public Model(SymbolicTensor input, SymbolicTensor output) {
        this(null, List.of(input), List.of(output));
    }

    /**
     * A functional model with several inputs and/or outputs. {@link #fit} and friends take the
     * inputs and targets in these orders (or by name: input layer names, output layer names).
     *
     * @param inputs tensors from {@link dev.lamina.nn.Input#of}
     * @param outputs tensors computed from them by layers
     */
    public Model(List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        this(null, inputs, outputs);
    }

    /**
     * A named functional model. Every layer between the inputs and the outputs becomes the
     * model's; layer names must be unique in it. A problem (an output that does not depend on the
     * inputs, an unused input, two layers of one name) is an IllegalArgumentException.
     *
     * @param name the model's name, or null for {@code functional}, {@code functional_1}, ...
     * @param inputs tensors from {@link dev.lamina.nn.Input#of}
     * @param outputs tensors computed from them by layers
     */
    public Model(String name, List<SymbolicTensor> inputs, List<SymbolicTensor> outputs) {
        this.name = name != null ? name : Layer.uniqueName("functional");
        this.graph = new FunctionalGraph(this.name, inputs, outputs);
        for (Layer l : graph.layers) {
            track(l);
        }
    }

    private static String snake(String s) {
        String r = s.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        return r.isEmpty() ? "model" : r;
    }

    /**
     * The model's name (Keras's {@code model.name}).
     *
     * @return the name given, or one made from the class name
     */
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

    /**
     * The model's layers in order, without its {@link dev.lamina.nn.Input} layers (as Keras's
     * {@code Sequential.layers}).
     *
     * @return the layers
     */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        for (Layer l : layers) {
            if (!(l instanceof dev.lamina.nn.Input)) {
                out.add(l);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Every tracked layer, Input layers included (for the architecture and the forward pass). */
    final List<Layer> allLayers() {
        return Collections.unmodifiableList(layers);
    }

    /**
     * The layer named {@code name} (Input layers included), as {@code model.get_layer(name)}.
     *
     * @param name the layer's name
     * @return the layer
     */
    public Layer getLayer(String name) {
        for (Layer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        List<String> names = new ArrayList<>();
        for (Layer l : layers) {
            names.add(l.name());
        }
        throw new IllegalArgumentException(this.name + ": no layer named '" + name + "' (it has " + names + ")");
    }

    /**
     * The layer at {@code index} of {@link #layers()}, as {@code model.get_layer(index=...)}.
     *
     * @param index the position in {@link #layers()}
     * @return the layer
     */
    public Layer getLayer(int index) {
        List<Layer> ls = layers();
        if (index < 0 || index >= ls.size()) {
            throw new IllegalArgumentException(name + ": layer index " + index + " is out of range (the model has " + ls.size()
                    + " layers)");
        }
        return ls.get(index);
    }

    /**
     * Number of input tensors {@link #call} takes (1 unless overridden; a functional model's input count).
     *
     * @return the input count
     */
    public int inputCount() {
        return graph != null ? graph.inputs.size() : 1;
    }

    /**
     * Number of outputs: 1, or a functional model's output count.
     *
     * @return the output count
     */
    public int outputCount() {
        return graph != null ? graph.outputs.size() : 1;
    }

    /**
     * The output names, which key per-output losses, metrics, targets and logs: the producing
     * layers' names for a functional model, else {@code [name of the last layer]} or {@code ["output"]}.
     *
     * @return one name per output
     */
    public List<String> outputNames() {
        if (graph != null) {
            return graph.outputNames();
        }
        List<Layer> ls = layers();
        return List.of(ls.isEmpty() ? "output" : ls.get(ls.size() - 1).name());
    }

    /**
     * The input names (the Input layers' names of a functional model), which key inputs given as a map.
     *
     * @return one name per input
     */
    public List<String> inputNames() {
        if (graph != null) {
            return graph.inputNames();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputCount(); i++) {
            names.add(inputCount() == 1 ? "input" : "input_" + i);
        }
        return names;
    }

    /** The layer graph of a functional model, or null. */
    /**
     * The symbolic inputs of a functional model, in order (Keras's {@code model.inputs}); empty
     * for a Sequential or subclassed model.
     *
     * @return the input tensors
     */
    public final List<SymbolicTensor> inputs() {
        return graph == null ? List.of() : graph.inputs;
    }

    /**
     * The symbolic outputs of a functional model, in order (Keras's {@code model.outputs}); empty
     * for a Sequential or subclassed model.
     *
     * @return the output tensors
     */
    public final List<SymbolicTensor> outputs() {
        return graph == null ? List.of() : graph.outputs;
    }

    final FunctionalGraph graph() {
        return graph;
    }

    /**
     * The forward pass; {@code training} switches dropout and batch-norm statistics. A subclass
     * overrides it; a functional model runs its graph (and needs one output: see
     * {@link #callOutputs}).
     *
     * @param inputs one tensor per input
     * @param training true in training mode
     * @return the output
     */
    public Tensor call(Tensor[] inputs, boolean training) {
        if (graph == null) {
            throw new UnsupportedOperationException(name + ": a subclassed Model must override call(Tensor[], boolean)");
        }
        Tensor[] out = callOutputs(inputs, training);
        if (out.length != 1) {
            throw new IllegalStateException(name + " has " + out.length + " outputs " + outputNames() + "; use callOutputs");
        }
        return out[0];
    }

    /**
     * The forward pass giving every output (one for a model that is not functional).
     *
     * @param inputs one tensor per input
     * @param training true in training mode
     * @return one tensor per output, in {@link #outputNames()} order
     */
    public Tensor[] callOutputs(Tensor[] inputs, boolean training) {
        if (graph == null) {
            return new Tensor[] {call(inputs, training)};
        }
        if (inputs == null || inputs.length != graph.inputs.size()) {
            throw new IllegalArgumentException(name + " takes " + graph.inputs.size() + " input(s) " + inputNames() + ", got "
                    + (inputs == null ? 0 : inputs.length));
        }
        return graph.run(inputs, training);
    }

    /**
     * Single-input forward pass.
     *
     * @param x the input
     * @param training true in training mode
     * @return the output
     */
    public final Tensor call(Tensor x, boolean training) {
        return call(new Tensor[] {x}, training);
    }

    /**
     * Where fit and summary print (System.out by default).
     *
     * @param out the stream
     */
    public void setOutput(PrintStream out) {
        this.out = out;
    }

    // ---- compile -----------------------------------------------------------------------------

    /**
     * Sets the optimizer, the loss and the metrics for fit and evaluate; a model of several outputs
     * gets the loss on every output and takes no metrics here.
     *
     * @param optimizer the optimizer
     * @param loss the loss
     * @param metrics the metrics, logged by their names
     */
    public void compile(Optimizer optimizer, Loss loss, Metric... metrics) {
        compiled.compile(this, optimizer, loss, metrics);
    }

    /**
     * Compiles a model with several outputs, as {@code model.compile(loss={"a": ..., "b": ...},
     * loss_weights={"a": 1.0, "b": 0.2})}: the training loss is Σ weight·loss over the outputs
     * that have a loss (plus regularization); fit logs it as {@code loss} and each output's own
     * loss as {@code NAME_loss}.
     *
     * @param optimizer the optimizer
     * @param losses output name to loss (at least one; outputs left out do not train)
     * @param lossWeights output name to weight (null or missing: 1)
     */
    public void compile(Optimizer optimizer, Map<String, Loss> losses, Map<String, Double> lossWeights) {
        compile(optimizer, losses, lossWeights, Map.of());
    }

    /**
     * {@link #compile(Optimizer, Map, Map)} with metrics per output; fit logs them as
     * {@code NAME_METRIC} ({@code out_mae}). A single-output model logs them by their own names.
     *
     * @param optimizer the optimizer
     * @param losses output name to loss
     * @param lossWeights output name to weight (null or missing: 1)
     * @param metrics output name to its metrics (null or missing: none)
     */
    public void compile(Optimizer optimizer, Map<String, Loss> losses, Map<String, Double> lossWeights,
                        Map<String, List<Metric>> metrics) {
        compiled.compile(this, optimizer, losses, lossWeights, metrics);
    }

    /**
     * Compiles with an optimizer object and Keras names for the loss and metrics, as
     * {@code model.compile(optimizer=Adam(0.01), loss="mse", metrics=["mae"])}; names resolve as
     * in {@link #compile(String, String, String...)}.
     *
     * @param optimizer the optimizer
     * @param loss the loss's Keras name
     * @param metrics the metrics' Keras names
     */
    public void compile(Optimizer optimizer, String loss, String... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException(name + ".compile: optimizer and loss are required, got optimizer="
                    + optimizer + ", loss=" + loss);
        }
        compile(optimizer, dev.lamina.losses.Losses.get(loss), Compilation.metricsByName(name, loss, metrics));
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
     *
     * @param optimizer the optimizer's Keras name
     * @param loss the loss's Keras name
     * @param metrics the metrics' Keras names
     */
    public void compile(String optimizer, String loss, String... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException(name + ".compile: optimizer and loss names are required, got optimizer="
                    + optimizer + ", loss=" + loss);
        }
        Loss l = dev.lamina.losses.Losses.get(loss);
        Metric[] ms = Compilation.metricsByName(name, loss, metrics);
        Optimizer o = dev.lamina.optim.Optimizers.get(optimizer);
        compile(o, l, ms);
    }

    /**
     * The optimizer given to compile.
     *
     * @return the optimizer, or null before compile
     */
    public Optimizer optimizer() {
        return compiled.optimizer();
    }

    /**
     * The loss given to compile.
     *
     * @return the loss (null before compile, or after a per-output compile of several outputs)
     */
    public Loss loss() {
        return compiled.loss();
    }

    /** True once compile has set an optimizer and the losses. */
    final boolean isCompiled() {
        return compiled.isCompiled();
    }

    /** The loss of output {@code i} (null: that output does not train). */
    final Loss lossOf(int i) {
        return compiled.lossOf(i);
    }

    /** The weight of output {@code i}'s loss in the total. */
    final double lossWeightOf(int i) {
        return compiled.lossWeightOf(i);
    }

    /** The metrics of output {@code i}. */
    final List<Metric> metricsOf(int i) {
        return compiled.metricsOf(i);
    }

    /**
     * The metrics given to compile, every output's in output order.
     *
     * @return the metrics (unmodifiable)
     */
    public List<Metric> metrics() {
        return compiled.metrics();
    }

    /**
     * Asks a running fit to stop (used by EarlyStopping, TerminateOnNaN): requested in a batch
     * hook, the epoch ends after that batch (validation and onEpochEnd still run, as Keras); in an
     * epoch hook, training ends after that epoch.
     */
    public void stopTraining() {
        stopTraining = true;
    }

    /**
     * Whether {@link #stopTraining()} was called since the current (or last) fit began.
     *
     * @return true when a stop was requested
     */
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

    /**
     * Every weight of every layer, in layer order (Keras's {@code model.weights}).
     *
     * @return the weights, trainable and not
     */
    public List<Variable> weights() {
        return ModelWeights.weights(layers);
    }

    /**
     * The weights the optimizer updates, in layer order.
     *
     * @return the trainable weights
     */
    public List<Variable> trainableWeights() {
        return ModelWeights.trainableWeights(layers);
    }

    /**
     * The weights fit does not train (batch-norm statistics, frozen layers), in layer order.
     *
     * @return the non-trainable weights
     */
    public List<Variable> nonTrainableWeights() {
        return ModelWeights.nonTrainableWeights(layers);
    }

    /**
     * The number of scalar parameters, trainable and not.
     *
     * @return Σ over the layers of their parameter counts
     */
    public long countParams() {
        return ModelWeights.countParams(layers);
    }

    /**
     * Copies of all weights' values (in the current scope).
     *
     * @return one new tensor per weight, in {@link #weights()} order
     */
    public List<Tensor> getWeights() {
        return ModelWeights.getWeights(weights());
    }

    /**
     * Overwrites all weights, in {@link #weights()} order; shapes must match.
     *
     * @param values one tensor per weight
     */
    public void setWeights(List<Tensor> values) {
        ModelWeights.setWeights(name, weights(), values);
    }

    /**
     * The sum of the layers' regularization penalties, or null.
     *
     * @return the penalty, or null when no layer has a regularizer
     */
    public Tensor regularizationLoss() {
        return ModelWeights.regularizationLoss(layers);
    }

    // ---- fit ---------------------------------------------------------------------------------

    /**
     * Trains on one input tensor; see {@link #fit(Tensor[], Tensor, FitOptions)}.
     *
     * @param x the inputs, samples on axis 0
     * @param y the targets
     * @param options epochs, batch size, validation, callbacks
     * @return the per-epoch logs
     */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(new Tensor[] {x}, y, options);
    }

    /**
     * {@code fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize))}.
     *
     * @param x the inputs, samples on axis 0
     * @param y the targets
     * @param epochs passes over the data
     * @param batchSize samples per optimizer step
     * @return the per-epoch logs
     */
    public History fit(Tensor x, Tensor y, int epochs, int batchSize) {
        return fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize));
    }

    /**
     * Trains for {@code options.epochs} epochs of mini-batch gradient descent and returns the
     * per-epoch loss and metrics (and their val_ forms with validation data). All inputs are
     * checked before training starts: sample counts, feature shapes against the model, NaN in
     * the data, empty data, a missing compile.
     *
     * @param x one tensor per input, samples on axis 0
     * @param y the targets
     * @param options epochs, batch size, validation, callbacks
     * @return the per-epoch logs
     */
    public History fit(Tensor[] x, Tensor y, FitOptions options) {
        return new Trainer(this).fit(x, new Tensor[] {y}, options);
    }

    /**
     * Trains a model with several outputs: one target per output, in {@link #outputNames()}
     * order (null where the output has no loss). Logs {@code loss} (the weighted total),
     * {@code NAME_loss} and {@code NAME_METRIC} per output.
     *
     * @param x one tensor per input
     * @param y one target per output
     * @param options epochs, batch size, validation, callbacks
     * @return the per-epoch logs
     */
    public History fit(Tensor[] x, Tensor[] y, FitOptions options) {
        return new Trainer(this).fit(x, y, options);
    }

    /**
     * Trains with inputs and targets keyed by name ({@link #inputNames()}, {@link #outputNames()}),
     * as Keras's dict inputs.
     *
     * @param x input name to tensor
     * @param y output name to target
     * @param options epochs, batch size, validation, callbacks
     * @return the per-epoch logs
     */
    public History fit(Map<String, Tensor> x, Map<String, Tensor> y, FitOptions options) {
        return fit(InputChecks.byName(this, "fit", "input", x, inputNames()),
                InputChecks.byName(this, "fit", "output", y, outputNames()), options);
    }

    // ---- evaluate and predict ------------------------------------------------------------------

    /**
     * Loss and metrics over all samples, in batches of 32; keys as Keras: loss, then metric names.
     *
     * @param x the inputs
     * @param y the targets
     * @return loss and metric values
     */
    public Map<String, Double> evaluate(Tensor x, Tensor y) {
        return evaluate(new Tensor[] {x}, y, 32);
    }

    /**
     * Loss and metrics over all samples, in batches of {@code batchSize}.
     *
     * @param x the inputs
     * @param y the targets
     * @param batchSize samples per batch
     * @return loss and metric values
     */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        return evaluate(new Tensor[] {x}, y, batchSize);
    }

    /**
     * Loss (weighted by batch size) and metrics over all samples, inference mode.
     *
     * @param x one tensor per input
     * @param y the targets
     * @param batchSize samples per batch
     * @return loss and metric values
     */
    public Map<String, Double> evaluate(Tensor[] x, Tensor y, int batchSize) {
        return new Trainer(this).evaluate(x, new Tensor[] {y}, batchSize);
    }

    /**
     * Loss and metrics of a model with several outputs (keys as fit logs them).
     *
     * @param x one tensor per input
     * @param y one target per output
     * @param batchSize samples per batch
     * @return loss, NAME_loss and NAME_METRIC values
     */
    public Map<String, Double> evaluate(Tensor[] x, Tensor[] y, int batchSize) {
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
        if (outputCount() != 1) {
            throw new IllegalArgumentException("predict: model " + name + " has " + outputCount() + " outputs " + outputNames()
                    + "; use predictOutputs");
        }
        return new Trainer(this).predict(x, batchSize)[0];
    }

    /**
     * Predictions of every output, in batches, inference mode; the tensors belong to the caller's scope.
     *
     * @param x one tensor per input
     * @param batchSize samples per batch
     * @return one tensor per output, in {@link #outputNames()} order
     */
    public Tensor[] predictOutputs(Tensor[] x, int batchSize) {
        return new Trainer(this).predict(x, batchSize);
    }

    /**
     * One batch through the model in inference mode, as each batch of {@link #predict} runs it
     * (replayed from a traced graph by default, eagerly with {@code -Dlamina.graph.predict=false} or
     * {@code -Dlamina.graph=false}), like Keras's {@code predict_on_batch}. Unlike predict it neither
     * splits the batch nor reads the inputs on the host to check for NaN, and it runs no one-sample
     * probe first: for callers that checked the inputs themselves (the model server). Shapes are
     * still checked by the layers.
     *
     * @param x one tensor per input, all with the same sample count
     * @return one tensor per output, in {@link #outputNames()} order, in the caller's scope
     * @throws IllegalArgumentException when the input count or the sample counts do not fit
     * @throws IllegalStateException after {@link #close}
     */
    public Tensor[] predictOnBatch(Tensor... x) {
        if (x == null || x.length != inputCount()) {
            throw new IllegalArgumentException("predictOnBatch: model " + name + " takes " + inputCount() + " input(s), got "
                    + (x == null ? 0 : x.length));
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].rank() < 1 || x[i].dim(0) != x[0].dim(0)) {
                throw new IllegalArgumentException("predictOnBatch: input " + i + " must be a tensor with the sample axis of input 0, got "
                        + (x[i] == null ? "null" : dev.lamina.tensor.Shapes.str(x[i].shape())));
            }
        }
        return predictBatch(x);
    }

    // ---- summary -----------------------------------------------------------------------------

    /**
     * The output shape of each layer, when known (Sequential overrides).
     *
     * @return one shape per layer of {@link #layers()} (an entry null where unknown), or null when unknown
     */
    protected List<long[]> layerOutputShapes() {
        return graph != null ? graph.outputShapes(layers()) : null;
    }

    /** Prints the Keras-style table of layers, output shapes and parameter counts. */
    public void summary() {
        out.print(summaryString());
    }

    /**
     * The text {@link #summary()} prints.
     *
     * @return the summary table
     */
    public String summaryString() {
        return ModelSummary.of(this, layers, layerOutputShapes());
    }

    // ---- saving ------------------------------------------------------------------------------

    /**
     * The arguments that re-create this subclassed model, as Keras's {@code get_config()}: a map of
     * JSON values (strings, numbers, booleans, null, lists and maps of them). {@link #save} writes
     * it with the class name, and {@link #load} passes it (numbers read back as Long or Double) to
     * the class's public constructor taking a {@code Map}, or to its public static
     * {@code fromConfig(Map)}. The default, null, means no config: a subclass is then re-created
     * through its public no-argument constructor. Sequential and functional models save their
     * architecture instead and ignore this.
     *
     * @return the config, or null
     */
    public Map<String, Object> getConfig() {
        return null;
    }

    /**
     * Saves architecture and weights (see {@link ModelIO}); a .safetensors path makes one file.
     *
     * @param path the folder or file to write
     */
    public void save(java.nio.file.Path path) {
        ModelIO.save(this, path);
    }

    /**
     * Loads a model saved with {@link #save}: a {@link Sequential}, a functional model, or a new
     * instance of a saved subclass (see {@link #getConfig()}; its class must be registered with
     * {@link CustomObjects#register} first), as the assignment asks
     * ({@code Sequential m = Model.load(p)}; a mismatch is a ClassCastException).
     *
     * @param <M> the model type expected
     * @param path the saved model
     * @return the model
     */
    public static <M extends Model> M load(java.nio.file.Path path) {
        return ModelIO.load(path);
    }

    /**
     * Saves the weights alone as safetensors with Keras names.
     *
     * @param file the file to write
     */
    public void saveWeights(java.nio.file.Path file) {
        ModelIO.saveWeights(this, file);
    }

    /**
     * Loads weights of the same architecture; a mismatch names the weight and both shapes.
     *
     * @param file a safetensors file written by {@link #saveWeights}
     */
    public void loadWeights(java.nio.file.Path file) {
        ModelIO.loadWeights(this, file);
    }

    // ---- lifetime ----------------------------------------------------------------------------

    /**
     * One batch of predict, all outputs: replayed from a traced graph by default ({@link PredictPath};
     * {@code -Dlamina.graph.predict=false} runs it eagerly), the graphs kept until {@link #close}.
     */
    Tensor[] predictBatch(Tensor[] xb) {
        return predictPath.predictBatch(xb);
    }

    /**
     * Frees the weights and the optimizer state. Predict calls running on other threads finish first
     * (close waits for them); a predict after close is an IllegalStateException.
     */
    @Override
    public void close() {
        predictPath.close();
        if (evaluateGraph != null) {
            evaluateGraph.close();
            evaluateGraph = null;
        }
        for (Layer l : layers) {
            l.close();
        }
        if (compiled.optimizer() != null) {
            compiled.optimizer().close();
        }
    }
}
