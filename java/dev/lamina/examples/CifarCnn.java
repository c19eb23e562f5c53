package dev.lamina.examples;

import dev.lamina.data.Cifar10;
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
import java.io.PrintStream;

/**
 * The workshop CNN for CIFAR-10 (the TensorFlow tutorial model):
 *
 * <pre>
 *   Input(32, 32, 3) → Conv2D(32, 3×3, relu) → MaxPooling2D(2×2) → Conv2D(64, 3×3, relu)
 *   → MaxPooling2D(2×2) → Conv2D(64, 3×3, relu) → Flatten → Dense(64, relu) → Dense(10, softmax)
 * </pre>
 *
 * ("valid" convolutions: 32 → 30 → 15 → 13 → 6 → 4; 122,570 parameters), trained with Adam
 * (learning rate 1e-3, ε 1e-7) on categorical cross-entropy of one-hot labels, images in [0, 1].
 */
public final class CifarCnn {
    private CifarCnn() {
    }

    /** The model, built for [N, 32, 32, 3] (weights drawn from the global seed). */
    public static Sequential build() {
        return new Sequential(
                new Input(32, 32, 3),
                new Conv2D(32, 3, "relu"),
                new MaxPooling2D(2),
                new Conv2D(64, 3, "relu"),
                new MaxPooling2D(2),
                new Conv2D(64, 3, "relu"),
                new Flatten(),
                new Dense(64, "relu"),
                new Dense(10, "softmax"));
    }

    /** The compiled model: Adam(1e-3), categorical cross-entropy, categorical accuracy. */
    public static Sequential buildCompiled(long seed) {
        Rng.setGlobalSeed(seed);
        Sequential m = build();
        m.compile(new Adam(1e-3), Losses.categoricalCrossentropy(false), new CategoricalAccuracy());
        return m;
    }

    /**
     * Trains on {@code train} for {@code epochs} epochs and returns the accuracy on {@code test}
     * (fraction of test images whose arg-max prediction is the label).
     */
    public static double trainAndEvaluate(Cifar10 train, Cifar10 test, int epochs, int batchSize, long seed,
                                          PrintStream out) {
        try (Scope scope = Scope.open(); Sequential model = buildCompiled(seed)) {
            if (out != null) {
                model.setOutput(out);
            }
            Tensor x = train.imagesTensor();
            Tensor y = ImageOps.toCategorical(train.labels(), Cifar10.CLASSES);
            model.fit(x, y, new FitOptions().epochs(epochs).batchSize(batchSize).seed(seed).verbose(out == null ? 0 : 2));
            x.close();
            y.close();
            Tensor xt = test.imagesTensor();
            int[] pred = model.predict(xt, 256).argmax(-1).toIntArray();
            int[] truth = test.labels();
            int right = 0;
            for (int i = 0; i < truth.length; i++) {
                if (pred[i] == truth[i]) {
                    right++;
                }
            }
            return truth.length == 0 ? Double.NaN : (double) right / truth.length;
        }
    }
}
