package dev.lamina.bench;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Traced against eager {@code model.predict} of the seed-lstm workload in one process, interleaved
 * (the order alternates per round): per round and mode, the min and median latency of single calls at
 * batch 1 and batch 32, with the load average at the start of each; then concurrent predicts (threads
 * calling predict with batch sizes 1-32 drawn from a fixed seed, as a server's callers would) in
 * predicts per second and rows per second per mode. Benchmark only.
 *
 * <p>Run: {@code java -cp target/classes:$(cat target/runtime-classpath.txt) dev.lamina.bench.PredictModes
 * [rounds] [threads] [seconds] [maxBatch] [concurrent-only]}
 */
public final class PredictModes {
    private PredictModes() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        int maxBatch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        boolean latency = args.length <= 4 || !args[4].equals("concurrent-only");
        Backends.setDefault(Backends.cpu());
        try (Scope scope = Scope.open()) {
            Workloads.Workload w = Workloads.build("seed-lstm");
            Sequential model = w.model();
            System.out.printf(Locale.ROOT, "cores: %d%nthreads: %d%n", Runtime.getRuntime().availableProcessors(),
                    CpuBackend.threads());
            for (int batch : latency ? new int[] {1, 32} : new int[0]) {
                Tensor xb = w.x().slice(0, 0, batch);
                int calls = batch == 1 ? 3000 : 1000;
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < 2; k++) {
                        boolean traced = (r + k) % 2 == 0;
                        String load = BenchReport.loadAverage();
                        double[] us = latencies(model, xb, batch, traced, calls);
                        System.out.printf(Locale.ROOT, "batch %d round %d %s: min %.1f us, median %.1f us, p90 %.1f us (load %s)%n",
                                batch, r, traced ? "traced" : "eager ", BenchReport.min(us), BenchReport.median(us),
                                BenchReport.quantile(us, 0.9), load);
                    }
                }
            }
            Tensor x = w.x();
            concurrent(model, x, true, threads, 3, maxBatch); // warm-up of both modes: traces, graph builds, JIT
            concurrent(model, x, false, threads, 3, maxBatch);
            for (int r = 0; r < Math.max(2, rounds / 2); r++) {
                for (int k = 0; k < 2; k++) {
                    boolean traced = (r + k) % 2 == 0;
                    String load = BenchReport.loadAverage();
                    long[] counts = concurrent(model, x, traced, threads, seconds, maxBatch);
                    System.out.printf(Locale.ROOT, "concurrent %d threads, batches 1-%d, round %d %s: %.0f predicts/s, %.0f rows/s (load %s)%n",
                            threads, maxBatch, r, traced ? "traced" : "eager ", counts[0] / seconds, counts[1] / seconds, load);
                }
            }
            model.close();
        }
    }

    private static void mode(boolean traced) {
        System.setProperty("lamina.graph.predict", Boolean.toString(traced));
    }

    private static double[] latencies(Sequential model, Tensor xb, int batch, boolean traced, int calls) {
        mode(traced);
        for (int i = 0; i < 200; i++) {
            try (Scope s = Scope.open()) {
                model.predict(xb, batch);
            }
        }
        double[] us = new double[calls];
        for (int i = 0; i < calls; i++) {
            try (Scope s = Scope.open()) {
                long t0 = System.nanoTime();
                model.predict(xb, batch);
                us[i] = (System.nanoTime() - t0) / 1e3;
            }
        }
        return us;
    }

    /** Predicts and rows done by {@code threads} threads in {@code seconds} (after a warm-up of a second). */
    private static long[] concurrent(Sequential model, Tensor x, boolean traced, int threads, double seconds, int maxBatch)
            throws Exception {
        mode(traced);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long[] total = new long[2];
            for (boolean timed : new boolean[] {false, true}) {
                AtomicBoolean stop = new AtomicBoolean();
                List<Future<long[]>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        java.util.Random rnd = new java.util.Random(seed);
                        long n = 0;
                        long rows = 0;
                        try (var u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
                            while (!stop.get()) {
                                int b = 1 + rnd.nextInt(maxBatch);
                                try (Scope c = Scope.open()) {
                                    model.predict(x.slice(0, 0, b), b);
                                }
                                n++;
                                rows += b;
                            }
                        }
                        return new long[] {n, rows};
                    }));
                }
                Thread.sleep(timed ? (long) (seconds * 1000) : 1000);
                stop.set(true);
                for (Future<long[]> f : done) {
                    long[] c = f.get(60, TimeUnit.SECONDS);
                    if (timed) {
                        total[0] += c[0];
                        total[1] += c[1];
                    }
                }
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }
}
