package dev.lamina.examples;

import dev.lamina.data.Digits;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * Workshop example 6: an MLP on the bundled handwritten digits (8×8, 1797 images), as Keras:
 *
 * <pre>
 *   x_train, x_test = x_train / 16, x_test / 16          # seeded stratified 80/20 split
 *   model = keras.Sequential([keras.Input((64,)),
 *                             Dense(64, activation="relu"),
 *                             Dense(10, activation="softmax")])
 *   model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
 *   model.fit(x_train, y_train, epochs=20, batch_size=32, validation_split=0.1)
 *   model.evaluate(x_test, y_test)
 * </pre>
 */
public final class DigitsMlp {
    /** Where the data set lives, relative to the repository root. */
    public static final Path DATA = Path.of("data", "digits", "digits.csv.gz");

    private DigitsMlp() {
    }

    /** The model as the example builds it (64 → 64 relu → 10 softmax), uncompiled. */
    public static Sequential model() {
        return new Sequential(new Input(Digits.PIXELS), new Dense(64, "relu"), new Dense(Digits.CLASSES, "softmax"));
    }

    /** The fit history and the test-set loss and accuracy. */
    public record Result(History history, Map<String, Double> test, int trainSize, int testSize) {
    }

    /** Trains on a seeded stratified 80/20 split for {@code epochs} epochs. */
    public static Result run(Path data, long seed, int epochs, int verbose) {
        Digits digits = Digits.load(data);
        Digits.Split split = digits.trainTestSplit(0.2, seed, true);
        Rng.setGlobalSeed(seed);
        try (Scope scope = Scope.open(); Sequential model = model()) {
            Tensor xTrain = split.train().featuresTensor().div(16.0);
            Tensor yTrain = split.train().labelsTensor();
            Tensor xTest = split.test().featuresTensor().div(16.0);
            Tensor yTest = split.test().labelsTensor();
            model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
            if (verbose > 0) {
                model.summary();
            }
            History h = model.fit(xTrain, yTrain,
                    new FitOptions().epochs(epochs).batchSize(32).validationSplit(0.1).seed(seed).verbose(verbose));
            Map<String, Double> test = model.evaluate(xTest, yTest);
            return new Result(h, test, split.train().size(), split.test().size());
        }
    }

    public static void main(String[] args) {
        Path data = args.length > 0 ? Path.of(args[0]) : DATA;
        Result r = run(data, 42, 20, 2);
        System.out.printf("test loss %.4f, test accuracy %.4f (%d train, %d test images)%n",
                r.test().get("loss"), r.test().get("accuracy"), r.trainSize(), r.testSize());
    }
}
