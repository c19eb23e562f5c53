package dev.lamina.examples;

import dev.lamina.data.Digits;
import dev.lamina.data.ImageOps;
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
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
                new Conv2D(16, new int[] {3, 3}, new int[] {1, 1}, "same", "relu"),
                new MaxPooling2D(2),
                new Conv2D(32, new int[] {3, 3}, new int[] {1, 1}, "same", "relu"),
                new Flatten(),
                new Dense(64, "relu"),
                new Dense(10, "softmax"));
    }

    /**
     * Trains on the 80 % split for {@code epochs} epochs (batch 32) and evaluates on the other 20 %.
     * Writes {@code misclassified.png} into {@code outDir} when it is not null.
     */
    public static Result run(Path dataFile, Path outDir, int epochs, long seed, PrintStream out) {
        Digits.Split split = Digits.load(dataFile).trainTestSplit(0.2, seed, true);
        Rng.setGlobalSeed(seed);
        try (Scope scope = Scope.open(); Sequential model = build()) {
            Tensor xTrain = split.train().imagesTensor().div(16.0);
            Tensor yTrain = ImageOps.toCategorical(split.train().labels(), Digits.CLASSES);
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
            if (outDir != null) {
                png = outDir.resolve("misclassified.png");
                writeMisclassified(png, split.test().features(), truth, predicted, wrong);
            }
            return new Result(acc, truth.length, wrong.size(), seconds, png);
        }
    }

    /** A PNG of up to 16 digits (8× enlarged, gray on black) captioned "true→predicted". */
    static void writeMisclassified(Path png, float[][] pixels, int[] truth, int[] predicted, List<Integer> wrong) {
        System.setProperty("java.awt.headless", "true");
        int scale = 8;
        int tile = 8 * scale;
        int caption = 16;
        int count = Math.min(16, wrong.size());
        int cols = Math.max(1, Math.min(8, count));
        int rows = Math.max(1, (count + cols - 1) / cols);
        BufferedImage img = new BufferedImage(cols * (tile + 4) + 4, rows * (tile + caption + 4) + 4, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int k = 0; k < count; k++) {
            int i = wrong.get(k);
            int x0 = 4 + (k % cols) * (tile + 4);
            int y0 = 4 + (k / cols) * (tile + caption + 4);
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) {
                    int v = Math.round(pixels[i][r * 8 + c] / 16f * 255f);
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
                }
            }
            g.setColor(Color.WHITE);
            g.drawString(truth[i] + "\u2192" + predicted[i], x0 + 2, y0 + tile + caption - 3);
        }
        g.dispose();
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            if (!javax.imageio.ImageIO.write(img, "png", png.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("DigitsCnn: cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    public static void main(String[] args) {
        Path outDir = Path.of(args.length > 0 ? args[0] : "out/digits-cnn");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        Result r = run(DATA, outDir, epochs, seed, System.out);
        System.out.printf(Locale.ROOT, "test accuracy %.4f (%d of %d misclassified), training %.1f s; wrote %s%n",
                r.testAccuracy(), r.misclassified(), r.testSize(), r.trainSeconds(), r.png());
    }
}
