package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.data.Digits;
import dev.lamina.examples.DigitsMlp;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Training throughput of the digits MLP ({@link DigitsMlp#model()}: 64 → 64 relu → 10 softmax,
 * Adam, sparse categorical cross-entropy, batch 32) on the cpu backend against the reference
 * backend: the same model (same seed, so the same initial weights), the same data and the same
 * batch order (shuffle off). Each backend first trains {@code warmup} epochs (JIT and allocator
 * warm-up, not timed), then {@code epochs} timed epochs; the result is optimizer steps per second.
 *
 * <pre>
 *   java -cp "target/classes:$(cat target/runtime-classpath.txt)" dev.lamina.bench.MlpTrainBench [epochs] [warmup] [data]
 * </pre>
 */
public final class MlpTrainBench {
    private MlpTrainBench() {
    }

    /** Steps per second of {@code epochs} timed epochs on {@code backend}, after {@code warmup} epochs. */
    static double stepsPerSecond(Backend backend, Digits digits, int epochs, int warmup) {
        try (Backends.Use u = Backends.use(backend); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(42);
            Tensor x = digits.featuresTensor().div(16.0);
            Tensor y = digits.labelsTensor();
            try (Sequential model = DigitsMlp.model()) {
                model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
                FitOptions o = new FitOptions().batchSize(32).shuffle(false).verbose(0);
                if (warmup > 0) {
                    model.fit(x, y, o.epochs(warmup));
                }
                long steps0 = model.optimizer().iterations();
                long t0 = System.nanoTime();
                model.fit(x, y, o.epochs(epochs));
                double seconds = (System.nanoTime() - t0) / 1e9;
                long steps = model.optimizer().iterations() - steps0;
                return steps / seconds;
            }
        }
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path data = args.length > 2 ? Path.of(args[2]) : DigitsMlp.DATA;
        Digits digits = Digits.load(data);
        System.out.printf(Locale.ROOT, "digits MLP 64-64-10, Adam, batch 32, %d images, %d timed epochs after %d warm-up%n",
                digits.size(), epochs, warmup);
        double ref = stepsPerSecond(Backends.reference(), digits, epochs, warmup);
        System.out.printf(Locale.ROOT, "reference: %10.1f steps/s%n", ref);
        double cpu = stepsPerSecond(Backends.cpu(), digits, epochs, warmup);
        System.out.printf(Locale.ROOT, "cpu:       %10.1f steps/s%n", cpu);
        System.out.printf(Locale.ROOT, "cpu / reference: %.2fx%n", cpu / ref);
    }
}
