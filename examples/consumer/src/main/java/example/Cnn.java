package example;

import dev.lamina.data.Digits;
import dev.lamina.data.ImageOps;
import dev.lamina.metrics.CategoricalAccuracy;
import dev.lamina.losses.Losses;
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

import java.util.Map;

/** Workshop snippet 3: a small CNN on the 8×8 digit images (NHWC). */
public final class Cnn {
    private Cnn() {
    }

    public static void main(String[] args) {
        Digits.Split split = Digits.load().trainTestSplit(0.2, 2, true);
        Rng.setGlobalSeed(2);
        try (Scope scope = Scope.open();
             Sequential model = new Sequential(
                     new Input(8, 8, 1),
                     new Conv2D(8, new int[] {3, 3}, new int[] {1, 1}, "same", "relu"),
                     new MaxPooling2D(2),
                     new Flatten(),
                     new Dense(10, "softmax"))) {
            Tensor xTrain = split.train().imagesTensor().div(16.0);
            Tensor yTrain = ImageOps.toCategorical(split.train().labels(), Digits.CLASSES);
            Tensor xTest = split.test().imagesTensor().div(16.0);
            Tensor yTest = ImageOps.toCategorical(split.test().labels(), Digits.CLASSES);
            model.compile(new Adam(1e-2), Losses.categoricalCrossentropy(false), new CategoricalAccuracy());
            model.fit(xTrain, yTrain, new FitOptions().epochs(3).batchSize(32).verbose(0).seed(2));
            Map<String, Double> eval = model.evaluate(xTest, yTest);
            System.out.println("test: " + eval);
            Check.that(eval.get("categorical_accuracy") > 0.8, "test accuracy above 0.8 after 3 epochs");
        }
    }
}
