package dev.lamina.bench;

import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Eager against traced (graph) execution of the seed LSTM model (LSTM(64), Dense(32, relu),
 * Dense(1); 20 steps of 1 feature) in one process: batch-1 predict latency, one evaluate over 700 samples
 * in batches of 32, and the time per epoch
 * of a 10-epoch fit (700 samples, batches of 32, Adam; tracing and graph builds included). Prints {@code name: value} lines (medians).
 *
 * <p>Run: {@code java -cp target/classes:$(cat target/runtime-classpath.txt) dev.lamina.bench.GraphTiming [backend]}
 */
public final class GraphTiming {
    private GraphTiming() {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "cpu";
        Backends.setDefault(Backends.byName(backend));
        Rng.setGlobalSeed(1);
        Sequential model = new Sequential(new Input(20, 1), new LSTM(64), new Dense(32, "relu"), new Dense(1));
        model.compile(new Adam(), Losses.get("mse"));
        model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        Rng rng = new Rng(2);
        float[] xs = new float[700 * 20];
        float[] ys = new float[700];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < ys.length; i++) {
            ys[i] = (float) rng.nextDouble();
        }
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(xs, 700, 20, 1);
            Tensor y = Tensor.of(ys, 700, 1);
            Tensor x1 = x.slice(0, 0, 1);
            double[] eagerPredict = new double[7];
            double[] tracedPredict = new double[7];
            for (int rep = 0; rep < 7; rep++) {
                eagerPredict[rep] = predictMicros(model, x1, false);
                tracedPredict[rep] = predictMicros(model, x1, true);
            }
            double[] eagerEval = new double[5];
            double[] tracedEval = new double[5];
            for (int rep = 0; rep < 5; rep++) {
                eagerEval[rep] = evaluateMillis(model, x, y, false);
                tracedEval[rep] = evaluateMillis(model, x, y, true);
            }
            double[] eagerFit = new double[3];
            double[] tracedFit = new double[3];
            for (int rep = 0; rep < 3; rep++) {
                eagerFit[rep] = fitSeconds(model, x, y, false);
                tracedFit[rep] = fitSeconds(model, x, y, true);
            }
            double ep = median(eagerPredict);
            double tp = median(tracedPredict);
            double ef = median(eagerFit);
            double tf = median(tracedFit);
            System.out.printf(Locale.ROOT, "backend: %s%n", backend);
            System.out.printf(Locale.ROOT, "predict_b1_eager_us: %.1f%n", ep);
            System.out.printf(Locale.ROOT, "predict_b1_graph_us: %.1f%n", tp);
            System.out.printf(Locale.ROOT, "predict_b1_speedup: %.2f%n", ep / tp);
            double ee = median(eagerEval);
            double te = median(tracedEval);
            System.out.printf(Locale.ROOT, "evaluate_b32_eager_ms: %.2f%n", ee);
            System.out.printf(Locale.ROOT, "evaluate_b32_graph_ms: %.2f%n", te);
            System.out.printf(Locale.ROOT, "evaluate_b32_speedup: %.2f%n", ee / te);
            System.out.printf(Locale.ROOT, "fit_epoch_eager_s: %.3f%n", ef);
            System.out.printf(Locale.ROOT, "fit_epoch_graph_s: %.3f%n", tf);
            System.out.printf(Locale.ROOT, "fit_epoch_speedup: %.2f%n", ef / tf);
        }
        model.close();
    }

    private static double predictMicros(Sequential model, Tensor x1, boolean graph) {
        System.setProperty("lamina.graph.predict", Boolean.toString(graph));
        for (int i = 0; i < 100; i++) {
            try (Scope s = Scope.open()) {
                model.predict(x1, 1);
            }
        }
        int n = 1000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (Scope s = Scope.open()) {
                model.predict(x1, 1);
            }
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    /** One evaluate over the 700 samples in batches of 32 (after 2 warm-up calls: the traces). */
    private static double evaluateMillis(Sequential model, Tensor x, Tensor y, boolean graph) {
        System.setProperty("lamina.graph", Boolean.toString(graph));
        try {
            for (int i = 0; i < 2; i++) {
                model.evaluate(x, y, 32);
            }
            long t0 = System.nanoTime();
            int n = 5;
            for (int i = 0; i < n; i++) {
                model.evaluate(x, y, 32);
            }
            return (System.nanoTime() - t0) / 1e6 / n;
        } finally {
            System.clearProperty("lamina.graph");
        }
    }

    private static double fitSeconds(Sequential model, Tensor x, Tensor y, boolean graph) {
        long t0 = System.nanoTime();
        try (Scope s = Scope.open()) {
            model.fit(x, y, new FitOptions().epochs(10).batchSize(32).seed(5).verbose(0).graph(graph));
        }
        return (System.nanoTime() - t0) / 1e9 / 10;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
