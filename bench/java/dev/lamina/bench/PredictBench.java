package dev.lamina.bench;

import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

import java.io.PrintStream;

/**
 * {@code lamina bench predict --workload W --batch N}: latency of {@code model.predict} on the first
 * N samples of a {@link Workloads} workload (untrained weights: the arithmetic does not depend on
 * them). {@code warmup} untimed calls, then {@code iterations} timed calls; prints min, median and
 * 90th percentile in microseconds.
 */
final class PredictBench {
    private PredictBench() {
    }

    static int run(String workload, int batch, int threads, int warmup, int iterations, PrintStream out) {
        BenchReport.threads(threads);
        try (Scope scope = Scope.open()) {
            Workloads.Workload w = Workloads.build(workload);
            if (batch > w.x().dim(0)) {
                throw new IllegalArgumentException("bench predict: --batch " + batch + " is more than the workload's "
                        + w.x().dim(0) + " samples");
            }
            try (var model = w.model()) {
                Tensor xb = w.x().slice(0, 0, batch);
                BenchReport.line(out, "benchmark", "predict");
                BenchReport.line(out, "workload", workload);
                BenchReport.machine(out);
                BenchReport.line(out, "batch", batch);
                for (int i = 0; i < warmup; i++) {
                    model.predict(xb, batch).close();
                }
                double[] us = new double[iterations];
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    Tensor y = model.predict(xb, batch);
                    us[i] = (System.nanoTime() - t0) / 1e3;
                    y.close();
                }
                BenchReport.line(out, "iterations", iterations);
                BenchReport.line(out, "predict_us_min", BenchReport.min(us));
                BenchReport.line(out, "predict_us_median", BenchReport.median(us));
                BenchReport.line(out, "predict_us_p90", BenchReport.quantile(us, 0.9));
                BenchReport.line(out, "load_average_end", BenchReport.loadAverage());
            }
        }
        return 0;
    }
}
