package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.callbacks.Callback;
import dev.lamina.losses.Loss;
import dev.lamina.metrics.Metric;
import dev.lamina.nn.Layer;
import dev.lamina.optim.Optimizer;
import dev.lamina.tensor.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
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
    private dev.lamina.graph.TracedFunction trainGraph; // the traced step of the running fit, or null
    private dev.lamina.graph.TracedFunction predictGraph; // -Dlamina.graph.predict=true: traced predict

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
        if (optimizer == null) {
            throw new IllegalStateException(name + ".fit: call compile(optimizer, loss, metrics) first");
        }
        int n = checkData("fit", x, y);
        Tensor[] trainX = x;
        Tensor trainY = y;
        Tensor[] valX = options.validationX;
        Tensor valY = options.validationY;
        List<Tensor> owned = new ArrayList<>();
        if (valX != null) {
            checkData("fit (validation data)", valX, valY);
        } else if (options.validationSplit > 0) {
            // as Keras: the first floor(n·(1 − split)) samples train, the rest validate
            int nVal = n - (int) Math.floor(n * (1.0 - options.validationSplit));
            if (nVal == 0 || nVal == n) {
                throw new IllegalArgumentException("fit: validation split " + options.validationSplit + " of " + n
                        + " samples leaves " + (n - nVal) + " for training and " + nVal + " for validation");
            }
            int nTrain = n - nVal;
            trainX = new Tensor[x.length];
            valX = new Tensor[x.length];
            try (Scope s = Scope.open()) {
                for (int i = 0; i < x.length; i++) {
                    trainX[i] = s.keep(x[i].slice(0, 0, nTrain));
                    valX[i] = s.keep(x[i].slice(0, nTrain, n));
                    owned.add(trainX[i]);
                    owned.add(valX[i]);
                }
                trainY = s.keep(y.slice(0, 0, nTrain));
                valY = s.keep(y.slice(0, nTrain, n));
                owned.add(trainY);
                owned.add(valY);
            }
            n = nTrain;
        }
        try {
            return trainLoop(trainX, trainY, n, valX, valY, options);
        } finally {
            for (Tensor t : owned) {
                t.close();
            }
        }
    }

    private History trainLoop(Tensor[] x, Tensor y, int n, Tensor[] valX, Tensor valY, FitOptions o) {
        History history = new History();
        int steps = (n + o.batchSize - 1) / o.batchSize;
        ProgressBar bar = new ProgressBar(out, o.verbose, steps, ProgressBar.isTerminal());
        Rng shuffleRng = new Rng(o.seed != null ? o.seed : Rng.nextGlobalSeed());
        List<Callback> callbacks = o.callbacks;
        stopTraining = false;
        for (Callback c : callbacks) {
            c.setModel(this);
        }
        Map<String, Double> empty = new LinkedHashMap<>();
        for (Callback c : callbacks) {
            c.onTrainBegin(empty);
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        closeGraphs();
        List<Object> parts = new ArrayList<>(layers);
        parts.addAll(List.of(this, loss, optimizer));
        if (o.graph != null ? o.graph : dev.lamina.graph.Graph.defaultFor(name + ".fit", parts.toArray())) {
            trainGraph = dev.lamina.graph.Graph.trace(name + ".train_step",
                    in -> trainStepTensors(Arrays.copyOf(in, in.length - 1), in[in.length - 1]), new dev.lamina.graph.GraphOptions());
        }
        for (int epoch = o.initialEpoch; epoch < o.epochs && !stopTraining; epoch++) {
            for (Callback c : callbacks) {
                c.onEpochBegin(epoch, new LinkedHashMap<>());
            }
            bar.epochBegin(epoch, o.epochs);
            int[] order = shuffleRng.order(n, o.shuffle);
            for (Metric m : metrics) {
                m.reset();
            }
            double lossSum = 0;
            long seen = 0;
            for (int step = 0; step < steps; step++) {
                for (Callback c : callbacks) {
                    c.onBatchBegin(step, new LinkedHashMap<>());
                }
                int start = step * o.batchSize;
                int end = Math.min(n, start + o.batchSize);
                double batchLoss;
                try (Scope s = Scope.open()) {
                    Tensor[] xb = new Tensor[x.length];
                    for (int i = 0; i < x.length; i++) {
                        xb[i] = batch(x[i], order, start, end, o.shuffle);
                    }
                    Tensor yb = batch(y, order, start, end, o.shuffle);
                    batchLoss = trainStep(xb, yb);
                }
                lossSum += batchLoss * (end - start);
                seen += end - start;
                logs = new LinkedHashMap<>();
                logs.put("loss", lossSum / seen);
                for (Metric m : metrics) {
                    logs.put(m.name(), m.result());
                }
                bar.batchEnd(step + 1, logs);
                for (Callback c : callbacks) {
                    c.onBatchEnd(step, logs);
                }
                if (stopTraining) {
                    break; // as Keras: a callback (TerminateOnNaN) ends the epoch after this batch
                }
            }
            if (valX != null) {
                Map<String, Double> val = evaluate(valX, valY, o.batchSize);
                for (Map.Entry<String, Double> e : val.entrySet()) {
                    logs.put("val_" + e.getKey(), e.getValue());
                }
            }
            bar.epochEnd(logs);
            history.record(epoch, logs);
            for (Callback c : callbacks) {
                c.onEpochEnd(epoch, logs);
            }
        }
        closeGraphs();
        optimizer.finalizeVariableValues(trainableWeights()); // EMA: weights become their averages (Keras)
        for (Callback c : callbacks) {
            c.onTrainEnd(logs);
        }
        return history;
    }

    /** One optimizer step on a batch (replayed from the traced step when there is one); returns the batch loss. */
    private double trainStep(Tensor[] xb, Tensor yb) {
        Tensor[] r;
        if (trainGraph != null) {
            Tensor[] in = Arrays.copyOf(xb, xb.length + 1);
            in[xb.length] = yb;
            r = trainGraph.apply(in);
        } else {
            r = trainStepTensors(xb, yb);
        }
        updateMetrics(yb, r[1]);
        return r[0].item();
    }

    /** Forward, loss (with regularization), backward and update; returns {total loss, predictions}. */
    private Tensor[] trainStepTensors(Tensor[] xb, Tensor yb) {
        try (GradientTape tape = GradientTape.start()) {
            Tensor pred = call(xb, true);
            Tensor l = loss.compute(yb, pred);
            Tensor reg = regularizationLoss();
            Tensor total = reg == null ? l : l.add(reg);
            List<Variable> vars = trainableWeights();
            List<Tensor> grads = tape.gradient(total, vars);
            tape.close();
            optimizer.apply(grads, vars);
            return new Tensor[] {total, pred};
        }
    }

    private void closeGraphs() {
        if (trainGraph != null) {
            trainGraph.close();
            trainGraph = null;
        }
    }

    private void updateMetrics(Tensor yTrue, Tensor yPred) {
        if (metrics.isEmpty()) {
            return;
        }
        double[] t = yTrue.toDoubleArray();
        double[] p = yPred.toDoubleArray();
        for (Metric m : metrics) {
            m.update(t, yTrue.shape(), p, yPred.shape());
        }
    }

    /** Rows [start, end) of the epoch order: a slice when in order, a gather when shuffled. */
    private static Tensor batch(Tensor t, int[] order, int start, int end, boolean shuffled) {
        if (!shuffled) {
            return t.slice(0, start, end);
        }
        long[] ids = new long[end - start];
        for (int i = start; i < end; i++) {
            ids[i - start] = order[i];
        }
        Tensor idT = Tensor.zeros(t.backend(), DType.INT64, ids.length);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(ids.length * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(ids);
        t.backend().upload(b, idT.storage());
        return t.gather(idT);
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
        if (loss == null) {
            throw new IllegalStateException(name + ".evaluate: call compile(optimizer, loss, metrics) first");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("evaluate: batch size must be positive, got " + batchSize);
        }
        int n = checkData("evaluate", x, y);
        for (Metric m : metrics) {
            m.reset();
        }
        double sum = 0;
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            try (Scope s = Scope.open()) {
                Tensor[] xb = new Tensor[x.length];
                for (int i = 0; i < x.length; i++) {
                    xb[i] = x[i].slice(0, start, end);
                }
                Tensor yb = y.slice(0, start, end);
                Tensor pred = GradientTape.noGrad(() -> call(xb, false));
                Tensor l = GradientTape.noGrad(() -> loss.compute(yb, pred));
                sum += l.item() * (end - start);
                updateMetrics(yb, pred);
            }
        }
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("loss", sum / n);
        for (Metric m : metrics) {
            result.put(m.name(), m.result());
        }
        return result;
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
        if (batchSize <= 0) {
            throw new IllegalArgumentException("predict: batch size must be positive, got " + batchSize);
        }
        int n = checkInputs("predict", x);
        List<Tensor> parts = new ArrayList<>();
        Tensor result;
        try (Scope s = Scope.open()) {
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                Tensor[] xb = new Tensor[x.length];
                for (int i = 0; i < x.length; i++) {
                    xb[i] = x[i].slice(0, start, end);
                }
                parts.add(predictBatch(xb));
            }
            result = s.keep(parts.size() == 1 ? parts.get(0) : Tensor.concat(parts, 0));
        }
        return result;
    }

    /** One batch of predict: replayed from a traced graph when -Dlamina.graph.predict=true (kept until close). */
    private Tensor predictBatch(Tensor[] xb) {
        if (!Boolean.getBoolean("lamina.graph.predict") || !dev.lamina.graph.Graph.enabledByDefault()) {
            return GradientTape.noGrad(() -> call(xb, false));
        }
        if (predictGraph == null) {
            predictGraph = dev.lamina.graph.Graph.trace(name + ".predict",
                    in -> new Tensor[] {GradientTape.noGrad(() -> call(in, false))}, new dev.lamina.graph.GraphOptions());
        }
        return predictGraph.apply(xb)[0];
    }

    // ---- input checks --------------------------------------------------------------------------

    private int checkInputs(String op, Tensor[] x) {
        if (x == null || x.length != inputCount()) {
            throw new IllegalArgumentException(op + ": model " + name + " takes " + inputCount() + " input(s), got "
                    + (x == null ? 0 : x.length));
        }
        long n = -1;
        for (int i = 0; i < x.length; i++) {
            Tensor t = x[i];
            if (t == null) {
                throw new IllegalArgumentException(op + ": input " + i + " is null");
            }
            if (t.rank() < 1) {
                throw new IllegalArgumentException(op + ": input " + i + " must have a sample axis, got a scalar");
            }
            if (n >= 0 && t.dim(0) != n) {
                throw new IllegalArgumentException(op + ": inputs have different sample counts (" + n + " and " + t.dim(0) + ")");
            }
            n = t.dim(0);
            if (t.backend() != x[0].backend()) {
                throw new IllegalArgumentException(op + ": inputs on different backends");
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException(op + ": no samples (input has shape " + Shapes.str(x[0].shape()) + ")");
        }
        for (int i = 0; i < x.length; i++) {
            checkFinite(op, "x" + (x.length > 1 ? "[" + i + "]" : ""), x[i]);
        }
        // one sample through the model in inference mode: builds it and surfaces shape errors now
        try (Scope s = Scope.open()) {
            Tensor[] first = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                first[i] = x[i].slice(0, 0, 1);
            }
            GradientTape.noGrad(() -> call(first, false));
        } catch (IllegalArgumentException e) {
            StringBuilder shapes = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                shapes.append(i == 0 ? "" : ", ").append(Shapes.str(x[i].shape()));
            }
            throw new IllegalArgumentException(op + ": input" + (x.length > 1 ? "s " : " ") + shapes + " do"
                    + (x.length > 1 ? "" : "es") + " not fit model " + name + ": " + e.getMessage(), e);
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": too many samples: " + n);
        }
        return (int) n;
    }

    private int checkData(String op, Tensor[] x, Tensor y) {
        int n = checkInputs(op, x);
        if (y == null) {
            throw new IllegalArgumentException(op + ": targets y are required");
        }
        if (y.rank() < 1 || y.dim(0) != n) {
            throw new IllegalArgumentException(op + ": x has " + n + " samples but y has "
                    + (y.rank() < 1 ? "none (a scalar)" : y.dim(0)) + " (y shape " + Shapes.str(y.shape()) + ")");
        }
        if (y.backend() != x[0].backend()) {
            throw new IllegalArgumentException(op + ": x is on backend " + x[0].backend().name() + " but y on " + y.backend().name());
        }
        checkFinite(op, "y", y);
        if (loss != null) {
            try (Scope s = Scope.open()) {
                Tensor[] first = new Tensor[x.length];
                for (int i = 0; i < x.length; i++) {
                    first[i] = x[i].slice(0, 0, 1);
                }
                Tensor pred = GradientTape.noGrad(() -> call(first, false));
                Tensor y1 = y.slice(0, 0, 1);
                try {
                    GradientTape.noGrad(() -> loss.compute(y1, pred));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(op + ": targets of shape " + Shapes.str(y.shape())
                            + " do not fit the model's output " + Layer.shapeStr(withBatch(pred.shape())) + " for loss "
                            + loss.name() + ": " + e.getMessage(), e);
                }
            }
        }
        return n;
    }

    private static long[] withBatch(long[] s) {
        long[] r = s.clone();
        if (r.length > 0) {
            r[0] = -1;
        }
        return r;
    }

    private static void checkFinite(String op, String what, Tensor t) {
        if (!t.dtype().isFloating()) {
            return;
        }
        try (Scope s = Scope.open()) {
            // one pass first: a NaN makes the sum NaN (so can inf − inf, which the count then clears)
            if (t.numel() == 0 || !Double.isNaN(t.sum().item())) {
                return;
            }
            Tensor nan = t.ne(t);
            long count = nan.cast(DType.INT64).sum().toLongArray()[0];
            if (count > 0) {
                boolean[] flags = nan.reshape(t.dim(0), -1).toBooleanArray();
                long perSample = t.numel() / t.dim(0);
                long first = 0;
                for (int i = 0; i < flags.length; i++) {
                    if (flags[i]) {
                        first = i / perSample;
                        break;
                    }
                }
                throw new IllegalArgumentException(op + ": " + what + " contains " + count + " NaN value(s), the first in sample "
                        + first);
            }
        }
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
        StringBuilder sb = new StringBuilder();
        String line = "_".repeat(65) + "\n";
        String dline = "=".repeat(65) + "\n";
        sb.append("Model: \"").append(name).append("\"\n").append(line);
        sb.append(String.format(Locale.ROOT, " %-28s%-26s%-9s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append(dline);
        List<long[]> shapes = layerOutputShapes();
        List<Layer> shown = new ArrayList<>();
        for (Layer l : layers) {
            if (!(l instanceof dev.lamina.nn.Input)) {
                shown.add(l);
            }
        }
        for (int i = 0; i < shown.size(); i++) {
            Layer l = shown.get(i);
            String shape = shapes == null || shapes.get(i) == null ? "?" : Layer.shapeStr(shapes.get(i));
            sb.append(String.format(Locale.ROOT, " %-28s%-26s%-9s%n", column(l.name() + " (" + l.className() + ")", 28),
                    column(shape, 26), String.format(Locale.ROOT, "%,d", l.countParams())));
            sb.append(i == shown.size() - 1 ? "" : "\n");
        }
        long trainable = 0;
        for (Variable v : trainableWeights()) {
            trainable += Shapes.numel(v.shape());
        }
        long total = countParams();
        sb.append(dline);
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        sb.append(line);
        return sb.toString();
    }

    /** The text, padded by the format to {@code width}; a longer one keeps a space before the next column. */
    private static String column(String text, int width) {
        return text.length() >= width ? text + " " : text;
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
        closeGraphs();
        if (predictGraph != null) {
            predictGraph.close();
            predictGraph = null;
        }
        for (Layer l : layers) {
            l.close();
        }
        if (optimizer != null) {
            optimizer.close();
        }
    }
}
