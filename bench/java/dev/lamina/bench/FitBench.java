package dev.lamina.bench;

import dev.lamina.models.FitOptions;
import dev.lamina.tensor.Scope;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * {@code lamina bench fit --workload W}: wall time of {@code model.fit} of one of the
 * {@link Workloads} on the default backend. One untimed fit first (JIT, allocator), then
 * {@code repeats} timed fits of the workload's epochs (each continuing from the weights the last one
 * left: the arithmetic per step does not depend on them). Prints {@code name: value} lines:
 * min and median seconds per fit and optimizer steps per second at the median.
 */
final class FitBench {
    private FitBench() {
    }

    static int run(String workload, Boolean graph, int threads, int repeats, int epochsOverride, PrintStream out) {
        BenchReport.threads(threads);
        try (Scope scope = Scope.open()) {
            Workloads.Workload w = Workloads.build(workload);
            int epochs = epochsOverride > 0 ? epochsOverride : w.epochs();
            try (var model = w.model()) {
                model.setOutput(new PrintStream(OutputStream.nullOutputStream()));
                FitOptions o = new FitOptions().epochs(epochs).batchSize(w.batchSize()).shuffle(false).verbose(0);
                String graphState = GraphSwitch.apply(graph, o);
                BenchReport.line(out, "benchmark", "fit");
                BenchReport.line(out, "workload", workload);
                BenchReport.line(out, "graph", graphState);
                BenchReport.machine(out);
                BenchReport.line(out, "samples", w.x().dim(0));
                BenchReport.line(out, "epochs", epochs);
                BenchReport.line(out, "batch_size", w.batchSize());
                model.fit(w.x(), w.y(), o);  // warm-up
                long steps0 = model.optimizer().iterations();
                double[] sec = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    model.fit(w.x(), w.y(), o);
                    sec[r] = (System.nanoTime() - t0) / 1e9;
                }
                long stepsPerFit = (model.optimizer().iterations() - steps0) / repeats;
                BenchReport.line(out, "repeats", repeats);
                BenchReport.line(out, "fit_seconds_min", BenchReport.min(sec));
                BenchReport.line(out, "fit_seconds_median", BenchReport.median(sec));
                BenchReport.line(out, "steps_per_fit", stepsPerFit);
                BenchReport.line(out, "steps_per_second_median", stepsPerFit / BenchReport.median(sec));
                BenchReport.line(out, "load_average_end", BenchReport.loadAverage());
            }
        }
        return 0;
    }
}
