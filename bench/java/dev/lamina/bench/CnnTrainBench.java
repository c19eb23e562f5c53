package dev.lamina.bench;

import dev.lamina.backend.Backends;
import dev.lamina.data.ImageOps;
import dev.lamina.examples.CifarCnn;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Locale;

/**
 * Training throughput of the workshop CIFAR CNN ({@link CifarCnn}) on the cpu backend: images per
 * second of {@code fit} (forward, backward, Adam step) on random data of CIFAR shape
 * [N, 32, 32, 3], at batch sizes 32 and 64 ({@code -Dbatches=...} for others). Three warm-up fits
 * of {@code steps} batches run first and are not timed (the JIT compiles the training loop there:
 * with only 3 warm-up batches the first timed rounds ran up to a third slower); then
 * {@code rounds} timed fits of {@code steps} batches each; the best and the median round are printed.
 *
 * <pre>
 *   java -cp "target/classes:$(cat target/runtime-classpath.txt)" dev.lamina.bench.CnnTrainBench [steps] [rounds]
 * </pre>
 */
public final class CnnTrainBench {
    /** Untimed rounds before the timed ones. */
    static final int WARMUP_ROUNDS = 3;

    private CnnTrainBench() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Backends.setDefault(Backends.cpu());
        System.out.printf(Locale.ROOT, "CnnTrainBench: workshop CIFAR CNN, cpu backend, %d steps x %d rounds, %d cores%n",
                steps, rounds, Runtime.getRuntime().availableProcessors());
        for (int batch : batchSizes()) {
            double[] rates = measure(batch, steps, rounds);
            StringBuilder order = new StringBuilder();
            for (double r : rates) {
                order.append(String.format(Locale.ROOT, " %.0f", r));
            }
            System.out.println("batch " + batch + " rounds in order:" + order);
            java.util.Arrays.sort(rates);
            System.out.printf(Locale.ROOT, "batch %3d: best %8.1f images/s, median %8.1f images/s%n", batch,
                    rates[rates.length - 1], rates[rates.length / 2]);
        }
    }

    /** Batch sizes: {@code -Dbatches=8,16,...} or 32 and 64. */
    private static int[] batchSizes() {
        String b = System.getProperty("batches", "32,64");
        return java.util.Arrays.stream(b.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
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
            for (int w = 0; w < WARMUP_ROUNDS; w++) {
                model.fit(x, y, opts); // warm-up, as long as a timed round each
            }
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
