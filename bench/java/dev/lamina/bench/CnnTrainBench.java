package dev.lamina.bench;

import dev.lamina.backend.Backends;
import dev.lamina.data.ImageOps;
import dev.lamina.examples.CifarCnn;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Locale;

/**
 * Training throughput of the workshop CIFAR CNN ({@link CifarCnn}) on the cpu backend: images per
 * second of {@code fit} (forward, backward, Adam step) on random data of CIFAR shape
 * [N, 32, 32, 3], at batch sizes 32 and 64. A warm-up fit runs first and is not timed; then
 * {@code rounds} timed fits of {@code steps} batches each; the best and the median round are printed.
 *
 * <pre>
 *   java -cp "target/classes:$(cat target/runtime-classpath.txt)" dev.lamina.bench.CnnTrainBench [steps] [rounds]
 * </pre>
 */
public final class CnnTrainBench {
    private CnnTrainBench() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Backends.setDefault(Backends.cpu());
        System.out.printf(Locale.ROOT, "CnnTrainBench: workshop CIFAR CNN, cpu backend, %d steps x %d rounds, %d cores%n",
                steps, rounds, Runtime.getRuntime().availableProcessors());
        for (int batch : new int[] {32, 64}) {
            double[] rates = measure(batch, steps, rounds);
            java.util.Arrays.sort(rates);
            System.out.printf(Locale.ROOT, "batch %3d: best %8.1f images/s, median %8.1f images/s%n", batch,
                    rates[rates.length - 1], rates[rates.length / 2]);
        }
    }

    private static double[] measure(int batch, int steps, int rounds) {
        int n = batch * steps;
        Rng rng = new Rng(7);
        double[] rates = new double[rounds];
        try (Scope s = Scope.open(); Sequential model = CifarCnn.buildCompiled(1L)) {
            model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            Tensor x = rng.uniform(DType.FLOAT32, 0, 1, n, 32, 32, 3);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (int) rng.nextLong(10);
            }
            Tensor y = ImageOps.toCategorical(labels, 10);
            FitOptions opts = new FitOptions().epochs(1).batchSize(batch).verbose(0).seed(3L);
            model.fit(x.slice(0, 0, Math.min(n, 3 * batch)), y.slice(0, 0, Math.min(n, 3 * batch)), opts); // warm-up
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                model.fit(x, y, opts);
                double sec = (System.nanoTime() - t0) / 1e9;
                rates[r] = n / sec;
            }
        }
        return rates;
    }
}
