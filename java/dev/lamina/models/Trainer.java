package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.metrics.Metric;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loops behind {@link Model#fit}, {@link Model#evaluate} and {@link Model#predict} (Keras's
 * trainer): mini-batches, one optimizer step per batch, metrics, callbacks, validation. The model
 * holds what was compiled; this class holds no state between calls.
 */
final class Trainer {
    private final Model model;
    private dev.lamina.graph.TracedFunction trainGraph; // the traced step of the running fit, or null

    Trainer(Model model) {
        this.model = model;
    }

    History fit(Tensor[] x, Tensor[] y, FitOptions options) {
        if (!model.isCompiled()) {
            throw new IllegalStateException(model.name() + ".fit: call compile(optimizer, loss, metrics) first");
        }
        int n = InputChecks.checkData(model, "fit", x, y);
        Tensor[] trainX = x;
        Tensor[] trainY = y;
        Tensor[] valX = options.validationX;
        Tensor[] valY = options.validationY;
        List<Tensor> owned = new ArrayList<>();
        if (valX != null) {
            InputChecks.checkData(model, "fit (validation data)", valX, valY);
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
                trainY = new Tensor[y.length];
                valY = new Tensor[y.length];
                for (int i = 0; i < y.length; i++) {
                    if (y[i] != null) {
                        trainY[i] = s.keep(y[i].slice(0, 0, nTrain));
                        valY[i] = s.keep(y[i].slice(0, nTrain, n));
                        owned.add(trainY[i]);
                        owned.add(valY[i]);
                    }
                }
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

    private History trainLoop(Tensor[] x, Tensor[] y, int n, Tensor[] valX, Tensor[] valY, FitOptions o) {
        History history = new History();
        ProgressBar bar = new ProgressBar(model.output(), o.verbose, (n + o.batchSize - 1) / o.batchSize,
                ProgressBar.isTerminal());
        Rng shuffleRng = new Rng(o.seed != null ? o.seed : Rng.nextGlobalSeed());
        List<TrainingListener> callbacks = o.callbacks;
        model.resetStopTraining();
        for (TrainingListener c : callbacks) {
            c.setModel(model);
        }
        Map<String, Double> empty = new LinkedHashMap<>();
        for (TrainingListener c : callbacks) {
            c.onTrainBegin(empty);
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        try {
            startGraph(y, o);
            logs = epochs(x, y, n, valX, valY, o, history, bar, shuffleRng, callbacks, logs);
        } finally {
            closeGraph();
        }
        model.optimizer().finalizeVariableValues(model.trainableWeights()); // EMA: weights become their averages (Keras)
        for (TrainingListener c : callbacks) {
            c.onTrainEnd(logs);
        }
        return history;
    }

    /** The epochs of {@link #trainLoop}; returns the last logs. */
    private Map<String, Double> epochs(Tensor[] x, Tensor[] y, int n, Tensor[] valX, Tensor[] valY, FitOptions o,
            History history, ProgressBar bar, Rng shuffleRng, List<TrainingListener> callbacks, Map<String, Double> logs) {
        int steps = (n + o.batchSize - 1) / o.batchSize;
        for (int epoch = o.initialEpoch; epoch < o.epochs && !model.isStopTrainingRequested(); epoch++) {
            for (TrainingListener c : callbacks) {
                c.onEpochBegin(epoch, new LinkedHashMap<>());
            }
            bar.epochBegin(epoch, o.epochs);
            int[] order = shuffleRng.order(n, o.shuffle);
            for (Metric m : model.metrics()) {
                m.reset();
            }
            int outs = model.outputCount();
            double[] lossSums = new double[outs + 1]; // the total, then each output's own loss
            long seen = 0;
            for (int step = 0; step < steps; step++) {
                for (TrainingListener c : callbacks) {
                    c.onBatchBegin(step, new LinkedHashMap<>());
                }
                int start = step * o.batchSize;
                int end = Math.min(n, start + o.batchSize);
                double[] batchLoss;
                try (Scope s = Scope.open()) {
                    Tensor[] xb = new Tensor[x.length];
                    for (int i = 0; i < x.length; i++) {
                        xb[i] = batch(x[i], order, start, end, o.shuffle);
                    }
                    Tensor[] yb = new Tensor[y.length];
                    for (int i = 0; i < y.length; i++) {
                        yb[i] = y[i] == null ? null : batch(y[i], order, start, end, o.shuffle);
                    }
                    batchLoss = trainStep(xb, yb);
                }
                for (int i = 0; i < lossSums.length; i++) {
                    lossSums[i] += batchLoss[i] * (end - start);
                }
                seen += end - start;
                logs = logs(lossSums, seen);
                bar.batchEnd(step + 1, logs);
                for (TrainingListener c : callbacks) {
                    c.onBatchEnd(step, logs);
                }
                if (model.isStopTrainingRequested()) {
                    break; // as Keras: a callback (TerminateOnNaN) ends the epoch after this batch
                }
            }
            if (valX != null) {
                Map<String, Double> val = evaluate(valX, valY, o.batchSize, o.graph);
                for (Map.Entry<String, Double> e : val.entrySet()) {
                    logs.put("val_" + e.getKey(), e.getValue());
                }
            }
            bar.epochEnd(logs);
            history.record(epoch, logs);
            for (TrainingListener c : callbacks) {
                c.onEpochEnd(epoch, logs);
            }
        }
        return logs;
    }

    /**
     * Traces the training step when {@link FitOptions#graph} says so, or by default when the model,
     * its layers, losses and optimizer are library classes ({@link dev.lamina.graph.Graph#defaultFor});
     * a step with an output without target or loss runs eagerly.
     */
    private void startGraph(Tensor[] y, FitOptions o) {
        closeGraph();
        List<Object> parts = new ArrayList<>(model.layers());
        parts.add(model);
        parts.add(model.optimizer());
        for (int i = 0; i < model.outputCount(); i++) {
            if (model.lossOf(i) == null || y[i] == null) {
                return;
            }
            parts.add(model.lossOf(i));
        }
        if (o.graph != null ? o.graph : dev.lamina.graph.Graph.defaultFor(model.name() + ".fit", parts.toArray())) {
            int xs = model.inputCount();
            trainGraph = dev.lamina.graph.Graph.trace(model.name() + ".train_step",
                    in -> trainStepTensors(java.util.Arrays.copyOf(in, xs), java.util.Arrays.copyOfRange(in, xs, in.length)),
                    new dev.lamina.graph.GraphOptions());
        }
    }

    private void closeGraph() {
        if (trainGraph != null) {
            trainGraph.close();
            trainGraph = null;
        }
    }

    /**
     * The logs from running sums over {@code seen} samples: {@code loss}, then with several
     * outputs {@code NAME_loss} for each output with a loss, then the metrics ({@code NAME_METRIC}
     * with several outputs).
     */
    private Map<String, Double> logs(double[] lossSums, long seen) {
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", lossSums[0] / seen);
        int outs = model.outputCount();
        List<String> names = model.outputNames();
        if (outs > 1) {
            for (int i = 0; i < outs; i++) {
                if (model.lossOf(i) != null) {
                    logs.put(names.get(i) + "_loss", lossSums[i + 1] / seen);
                }
            }
        }
        for (int i = 0; i < outs; i++) {
            for (Metric m : model.metricsOf(i)) {
                logs.put(outs > 1 ? names.get(i) + "_" + m.name() : m.name(), m.result());
            }
        }
        return logs;
    }

    /**
     * The compiled loss of a batch: {@code [0]} the total Σ weight·loss (one output with weight 1:
     * its loss as it is), then each output's own loss (null where it has none).
     */
    private Tensor[] losses(Tensor[] yb, Tensor[] preds) {
        Tensor[] out = new Tensor[preds.length + 1];
        for (int i = 0; i < preds.length; i++) {
            if (model.lossOf(i) == null) {
                continue;
            }
            Tensor l = model.lossOf(i).compute(yb[i], preds[i]);
            out[i + 1] = l;
            double w = model.lossWeightOf(i);
            Tensor wl = w == 1 ? l : l.mul(w);
            out[0] = out[0] == null ? wl : out[0].add(wl);
        }
        return out;
    }

    /**
     * One optimizer step on a batch (replayed from the traced step when there is one); returns the
     * batch loss (with regularization), then each output's loss.
     */
    private double[] trainStep(Tensor[] xb, Tensor[] yb) {
        int outs = model.outputCount();
        Tensor[] r;
        if (trainGraph != null) {
            Tensor[] in = java.util.Arrays.copyOf(xb, xb.length + yb.length);
            System.arraycopy(yb, 0, in, xb.length, yb.length);
            r = trainGraph.apply(in);
        } else {
            r = trainStepTensors(xb, yb);
        }
        int lossCount = outs > 1 ? outs + 1 : 1; // the total, then each output's loss when several
        updateMetrics(yb, java.util.Arrays.copyOfRange(r, lossCount, lossCount + outs));
        double[] values = new double[outs + 1];
        values[0] = r[0].item();
        for (int i = 1; i < lossCount; i++) {
            values[i] = r[i] == null ? 0 : r[i].item();
        }
        return values;
    }

    /**
     * Forward, loss (with regularization), backward and update: the traced step. Returns the total
     * loss, then (with several outputs) each output's loss, then the predictions.
     */
    private Tensor[] trainStepTensors(Tensor[] xb, Tensor[] yb) {
        try (GradientTape tape = GradientTape.start()) {
            Tensor[] preds = model.callOutputs(xb, true);
            Tensor[] ls = losses(yb, preds);
            Tensor reg = model.regularizationLoss();
            Tensor total = reg == null ? ls[0] : ls[0].add(reg);
            List<Variable> vars = model.trainableWeights();
            List<Tensor> grads = tape.gradient(total, vars);
            tape.close();
            model.optimizer().apply(grads, vars);
            int lossCount = preds.length > 1 ? preds.length + 1 : 1;
            Tensor[] out = new Tensor[lossCount + preds.length];
            out[0] = total;
            for (int i = 1; i < lossCount; i++) {
                out[i] = ls[i];
            }
            System.arraycopy(preds, 0, out, lossCount, preds.length);
            return out;
        }
    }

    private void updateMetrics(Tensor[] yTrue, Tensor[] yPred) {
        for (int i = 0; i < yPred.length; i++) {
            List<Metric> ms = model.metricsOf(i);
            if (ms.isEmpty() || yTrue[i] == null) {
                continue;
            }
            double[] t = yTrue[i].toDoubleArray();
            double[] p = yPred[i].toDoubleArray();
            for (Metric m : ms) {
                m.update(t, yTrue[i].shape(), p, yPred[i].shape());
            }
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
        Tensor idT;
        try (Backends.Use u = Backends.use(t.backend())) {
            idT = Tensor.of(ids);   // int64 ids on t's backend
        }
        return t.gather(idT);
    }

    /** Loss (weighted by batch size) and metrics over all samples, inference mode. */
    Map<String, Double> evaluate(Tensor[] x, Tensor[] y, int batchSize) {
        return evaluate(x, y, batchSize, null);
    }

    /**
     * As {@link #evaluate(Tensor[], Tensor[], int)}; {@code graph} as {@link FitOptions#graph} (null:
     * traced when {@link dev.lamina.graph.Graph#defaultFor} says so).
     */
    Map<String, Double> evaluate(Tensor[] x, Tensor[] y, int batchSize, Boolean graph) {
        if (!model.isCompiled()) {
            throw new IllegalStateException(model.name() + ".evaluate: call compile(optimizer, loss, metrics) first");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("evaluate: batch size must be positive, got " + batchSize);
        }
        int n = InputChecks.checkData(model, "evaluate", x, y);
        for (Metric m : model.metrics()) {
            m.reset();
        }
        double[] sums = new double[model.outputCount() + 1];
        dev.lamina.graph.TracedFunction traced = evaluateGraph(y, graph);
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            try (Scope s = Scope.open()) {
                Tensor[] xb = new Tensor[x.length];
                for (int i = 0; i < x.length; i++) {
                    xb[i] = x[i].slice(0, start, end);
                }
                Tensor[] yb = new Tensor[y.length];
                for (int i = 0; i < y.length; i++) {
                    yb[i] = y[i] == null ? null : y[i].slice(0, start, end);
                }
                Tensor[] preds;
                Tensor[] ls;
                if (traced != null) {
                    Tensor[] in = java.util.Arrays.copyOf(xb, xb.length + yb.length);
                    System.arraycopy(yb, 0, in, xb.length, yb.length);
                    Tensor[] r = traced.apply(in);
                    ls = new Tensor[model.outputCount() + 1];
                    int k = 0;
                    for (int i = 0; i < ls.length; i++) {
                        if (hasLoss(i)) {
                            ls[i] = r[k++];
                        }
                    }
                    preds = java.util.Arrays.copyOfRange(r, k, r.length);
                } else {
                    preds = GradientTape.noGrad(() -> model.callOutputs(xb, false));
                    ls = GradientTape.noGrad(() -> losses(yb, preds));
                }
                for (int i = 0; i < ls.length; i++) {
                    if (ls[i] != null && (i == 0 || ls.length > 2)) {
                        sums[i] += ls[i].item() * (end - start);
                    }
                }
                updateMetrics(yb, preds);
            }
        }
        return logs(sums, n);
    }

    /** Whether entry i of {@link #losses} is made: the total (0) when any output has a loss, else output i − 1's. */
    private boolean hasLoss(int i) {
        if (i > 0) {
            return model.lossOf(i - 1) != null;
        }
        for (int k = 0; k < model.outputCount(); k++) {
            if (model.lossOf(k) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The traced evaluate step (forward in inference mode and the compiled losses, no gradients),
     * kept on the model across calls while its layers and compiled losses stay the same; null when it runs
     * eagerly: {@code graph} false, or null and {@link dev.lamina.graph.Graph#defaultFor} says no
     * (a user class, {@code -Dlamina.graph=false}), or some output has no target.
     */
    private dev.lamina.graph.TracedFunction evaluateGraph(Tensor[] y, Boolean graph) {
        List<Object> key = new ArrayList<>(model.layers()); // a layer added since: trace again
        List<Object> parts = new ArrayList<>(model.layers());
        parts.add(model);
        for (int i = 0; i < model.outputCount(); i++) {
            if (y[i] == null) {
                return null;
            }
            key.add(model.lossOf(i) == null ? "none" : model.lossOf(i));
            key.add(model.lossWeightOf(i));
            parts.add(model.lossOf(i));
        }
        if (!(graph != null ? graph && dev.lamina.graph.Graph.enabledByDefault()
                : dev.lamina.graph.Graph.defaultFor(model.name() + ".evaluate", parts.toArray()))) {
            return null;
        }
        if (model.evaluateGraph != null && !key.equals(model.evaluateGraphKey)) {
            model.evaluateGraph.close(); // compiled again with other losses
            model.evaluateGraph = null;
        }
        if (model.evaluateGraph == null) {
            int xs = model.inputCount();
            model.evaluateGraph = dev.lamina.graph.Graph.trace(model.name() + ".evaluate", in -> GradientTape.noGrad(() -> {
                Tensor[] preds = model.callOutputs(java.util.Arrays.copyOf(in, xs), false);
                Tensor[] ls = losses(java.util.Arrays.copyOfRange(in, xs, in.length), preds);
                List<Tensor> out = new ArrayList<>();
                for (Tensor l : ls) {
                    if (l != null) {
                        out.add(l);
                    }
                }
                out.addAll(java.util.Arrays.asList(preds));
                return out.toArray(new Tensor[0]);
            }), new dev.lamina.graph.GraphOptions());
            model.evaluateGraphKey = key;
        }
        return model.evaluateGraph;
    }

    /** Predictions for all samples in batches; the result belongs to the caller's scope. */
    Tensor[] predict(Tensor[] x, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("predict: batch size must be positive, got " + batchSize);
        }
        int n = InputChecks.checkInputs(model, "predict", x);
        int outs = model.outputCount();
        List<List<Tensor>> parts = new ArrayList<>();
        for (int k = 0; k < outs; k++) {
            parts.add(new ArrayList<>());
        }
        Tensor[] result = new Tensor[outs];
        try (Scope s = Scope.open()) {
            for (int start = 0; start < n; start += batchSize) {
                int end = Math.min(n, start + batchSize);
                Tensor[] xb = new Tensor[x.length];
                for (int i = 0; i < x.length; i++) {
                    // one batch of all samples: the inputs themselves (a slice would copy them)
                    xb[i] = end - start == n ? x[i] : x[i].slice(0, start, end);
                }
                Tensor[] preds = model.predictBatch(xb);
                if (end - start == n) {
                    for (int k = 0; k < outs; k++) {
                        for (Tensor t : x) {
                            if (preds[k] == t) {
                                preds[k] = t.slice(0, 0, n); // an output that is an input: the caller's tensor stays theirs
                            }
                        }
                    }
                }
                for (int k = 0; k < outs; k++) {
                    parts.get(k).add(preds[k]);
                }
            }
            for (int k = 0; k < outs; k++) {
                List<Tensor> p = parts.get(k);
                result[k] = s.keep(p.size() == 1 ? p.get(0) : Tensor.concat(p, 0));
            }
        }
        return result;
    }
}
