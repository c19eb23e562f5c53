package dev.lamina.models;

import dev.lamina.losses.Loss;
import dev.lamina.metrics.Metric;
import dev.lamina.optim.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link Model#compile} sets, and its checks: the optimizer, the loss and metrics, and per
 * output its loss (null: that output does not train), its weight in the total and its metrics.
 * A failed compile leaves the previous settings as they were. Documented where {@code Model}
 * exposes it.
 */
final class Compilation {
    private Optimizer optimizer;
    private Loss loss;
    private final List<Metric> metrics = new ArrayList<>();
    /** Per output: its loss (null: none), its weight in the total, its metrics. */
    private final List<Loss> outputLosses = new ArrayList<>();
    private double[] lossWeights = new double[0];
    private final List<List<Metric>> outputMetrics = new ArrayList<>();

    /** One loss for every output, the metrics on the first (a model of several outputs takes none). */
    void compile(Model model, Optimizer optimizer, Loss loss, Metric... metrics) {
        if (optimizer == null || loss == null) {
            throw new IllegalArgumentException("compile: optimizer and loss are required");
        }
        int n = model.outputCount();
        if (n > 1 && metrics.length > 0) {
            throw new IllegalArgumentException(model.name() + ".compile: the model has " + n + " outputs "
                    + model.outputNames() + "; give metrics per output with compile(optimizer, losses, lossWeights, metrics)");
        }
        this.optimizer = optimizer;
        this.loss = loss;
        this.metrics.clear();
        this.metrics.addAll(Arrays.asList(metrics));
        outputLosses.clear();
        outputMetrics.clear();
        lossWeights = new double[n];
        for (int i = 0; i < n; i++) {
            outputLosses.add(loss); // as Keras: one loss for every output
            outputMetrics.add(i == 0 ? List.copyOf(this.metrics) : List.of());
            lossWeights[i] = 1;
        }
    }

    /** Losses, weights and metrics by output name. */
    void compile(Model model, Optimizer optimizer, Map<String, Loss> losses, Map<String, Double> lossWeights,
                 Map<String, List<Metric>> metrics) {
        String name = model.name();
        List<String> names = model.outputNames();
        if (optimizer == null || losses == null || losses.isEmpty()) {
            throw new IllegalArgumentException(name + ".compile: an optimizer and at least one output loss are required");
        }
        for (Map<String, ?> m : java.util.Arrays.asList(losses, lossWeights, metrics)) {
            if (m != null) {
                for (String k : m.keySet()) {
                    if (!names.contains(k)) {
                        throw new IllegalArgumentException(name + ".compile: no output named '" + k + "' (outputs: " + names + ")");
                    }
                }
            }
        }
        double[] w = new double[names.size()];
        List<Loss> ls = new ArrayList<>();
        List<List<Metric>> ms = new ArrayList<>();
        List<Metric> flat = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String k = names.get(i);
            ls.add(losses.get(k));
            Double wk = lossWeights == null ? null : lossWeights.get(k);
            if (wk != null && !(wk >= 0 && Double.isFinite(wk))) {
                throw new IllegalArgumentException(name + ".compile: loss weight of '" + k + "' must be finite and >= 0, got " + wk);
            }
            w[i] = wk == null ? 1 : wk;
            List<Metric> mk = metrics == null || metrics.get(k) == null ? List.of() : List.copyOf(metrics.get(k));
            ms.add(mk);
            flat.addAll(mk);
        }
        this.optimizer = optimizer;
        this.loss = names.size() == 1 ? ls.get(0) : null;
        this.metrics.clear();
        this.metrics.addAll(flat);
        outputLosses.clear();
        outputLosses.addAll(ls);
        outputMetrics.clear();
        outputMetrics.addAll(ms);
        this.lossWeights = w;
    }

    /** Metrics by Keras name; "accuracy" and "acc" become the accuracy that fits the loss. */
    static Metric[] metricsByName(String modelName, String loss, String... metrics) {
        Metric[] ms = new Metric[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            String m = metrics[i];
            if (m == null) {
                throw new IllegalArgumentException(modelName + ".compile: metric " + i + " is null");
            }
            String k = m.trim().toLowerCase(Locale.ROOT);
            ms[i] = k.equals("accuracy") || k.equals("acc")
                    ? dev.lamina.metrics.Metrics.accuracyFor(loss.trim())
                    : dev.lamina.metrics.Metrics.get(m);
        }
        return ms;
    }

    Optimizer optimizer() {
        return optimizer;
    }

    Loss loss() {
        return loss;
    }

    boolean isCompiled() {
        return optimizer != null && !outputLosses.isEmpty();
    }

    Loss lossOf(int i) {
        return outputLosses.get(i);
    }

    double lossWeightOf(int i) {
        return lossWeights[i];
    }

    List<Metric> metricsOf(int i) {
        return outputMetrics.get(i);
    }

    List<Metric> metrics() {
        return Collections.unmodifiableList(metrics);
    }
}
