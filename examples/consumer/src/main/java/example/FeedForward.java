package example;

import dev.lamina.data.Digits;
import dev.lamina.data.ImageOps;
import dev.lamina.metrics.CategoricalAccuracy;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

import java.util.Map;

/** Workshop snippet 2: a feed-forward classifier of the digits bundled in the jar. */
public final class FeedForward {
    private FeedForward() {
    }

    public static void main(String[] args) {
        Digits.Split split = Digits.load().trainTestSplit(0.2, 1, true);   // no data files: a classpath resource
        Rng.setGlobalSeed(1);
        try (Scope scope = Scope.open();
             Sequential model = new Sequential(new Input(64), new Dense(32, "relu"), new Dense(10, "softmax"))) {
            Tensor xTrain = split.train().featuresTensor().div(16.0);
            Tensor yTrain = ImageOps.toCategorical(split.train().labels(), Digits.CLASSES);
            Tensor xTest = split.test().featuresTensor().div(16.0);
            Tensor yTest = ImageOps.toCategorical(split.test().labels(), Digits.CLASSES);
            model.compile(new Adam(1e-2), Losses.categoricalCrossentropy(false), new CategoricalAccuracy());
            model.summary();
            model.fit(xTrain, yTrain, new FitOptions().epochs(5).batchSize(32).verbose(0).seed(1));
            Map<String, Double> eval = model.evaluate(xTest, yTest);
            System.out.println("test: " + eval);
            Check.that(eval.get("categorical_accuracy") > 0.85, "test accuracy above 0.85 after 5 epochs");
        }
    }
}
