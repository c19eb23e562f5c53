package dev.lamina.examples;

import dev.lamina.data.Digits;
import dev.lamina.data.Utils;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.CategoricalAccuracy;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Conv2D;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.Input;
import dev.lamina.nn.MaxPooling2D;
import dev.lamina.optim.Adam;
import dev.lamina.plot.DesktopModule;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small CNN on the bundled handwritten digits (8×8, {@code data/digits/digits.csv.gz}):
 *
 * <pre>
 *   Input(8, 8, 1) → Conv2D(16, 3×3, relu, same) → MaxPooling2D(2×2) → Conv2D(32, 3×3, relu, same)
 *   → Flatten → Dense(64, relu) → Dense(10, softmax)
 * </pre>
 *
 * trained with Adam (learning rate 3e-3) on categorical cross-entropy, on a seeded stratified
 * 80/20 split with pixels scaled to [0, 1]. It prints the test accuracy and writes
 * {@code misclassified.png}: up to 16 misclassified test digits, each 8× enlarged and captioned
 * "true→predicted".
 *
 * <pre>
 *   java -cp ... dev.lamina.examples.DigitsCnn [OUTPUT_DIR] [EPOCHS] [SEED]
 * </pre>
 */
public final class DigitsCnn {
    /** The bundled data file. */
    public static final Path DATA = Path.of("data", "digits", "digits.csv.gz");

    private DigitsCnn() {
    }

    /** Outcome of {@link #run}. */
    public record Result(double testAccuracy, int testSize, int misclassified, double trainSeconds, Path png) {
    }

    /** The model, built for [N, 8, 8, 1] inputs (weights drawn from the global seed). */
    public static Sequential build() {
        return new Sequential(
                new Input(8, 8, 1),
                new Conv2D(16, 3).padding("same").activation("relu"),
                new MaxPooling2D(2),
                new Conv2D(32, 3).padding("same").activation("relu"),
                new Flatten(),
                new Dense(64, "relu"),
                new Dense(10, "softmax"));
    }

    /**
     * Trains on the 80 % split for {@code epochs} epochs (batch 32) and evaluates on the other 20 %.
     * Writes {@code misclassified.png} into {@code outDir} when it is not null and the runtime has
     * {@code java.desktop} ({@link DesktopModule}); the result's {@code png} is null otherwise.
     */
    public static Result run(Path dataFile, Path outDir, int epochs, long seed, PrintStream out) {
        Digits.Split split = Digits.load(dataFile).trainTestSplit(0.2, seed, true);
        Rng.setGlobalSeed(seed);
        try (Scope scope = Scope.open(); Sequential model = build()) {
            Tensor xTrain = split.train().imagesTensor().div(16.0);
            Tensor yTrain = Utils.toCategorical(split.train().labels(), Digits.CLASSES);
            Tensor xTest = split.test().imagesTensor().div(16.0);
            model.compile(new Adam(3e-3), Losses.categoricalCrossentropy(false), new CategoricalAccuracy());
            model.setOutput(out);
            long t0 = System.nanoTime();
            model.fit(xTrain, yTrain, new FitOptions().epochs(epochs).batchSize(32).seed(seed).verbose(out == null ? 0 : 2));
            double seconds = (System.nanoTime() - t0) / 1e9;
            int[] predicted = model.predict(xTest, 128).argmax(-1).toIntArray();
            int[] truth = split.test().labels();
            List<Integer> wrong = new ArrayList<>();
            for (int i = 0; i < truth.length; i++) {
                if (predicted[i] != truth[i]) {
                    wrong.add(i);
                }
            }
            double acc = 1.0 - (double) wrong.size() / truth.length;
            Path png = null;
            if (outDir != null && DesktopModule.available()) {
                png = outDir.resolve("misclassified.png");
                MisclassifiedDigitsPng.write(png, split.test().features(), truth, predicted, wrong);
            }
            return new Result(acc, truth.length, wrong.size(), seconds, png);
        }
    }

    public static void main(String[] args) {
        Path outDir = Path.of(args.length > 0 ? args[0] : "out/digits-cnn");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        Result r = run(DATA, outDir, epochs, seed, System.out);
        System.out.printf(Locale.ROOT, "test accuracy %.4f (%d of %d misclassified), training %.1f s; wrote %s%n",
                r.testAccuracy(), r.misclassified(), r.testSize(), r.trainSeconds(),
                r.png() != null ? r.png() : "no image: " + DesktopModule.unavailableReason());
    }
}
