package dev.lamina.examples;

import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Workshop example 5: the XOR network of {@link XorFromScratch} in three lines of Keras:
 *
 * <pre>
 *   model = keras.Sequential([keras.Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")])
 *   model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
 *   model.fit(X, y, epochs=500, batch_size=4, verbose=0)
 * </pre>
 *
 * The Adam learning rate is raised from Keras's 0.001 to 0.05 so that 4 samples learn in a few
 * hundred steps ({@code model.optimizer.learning_rate = 0.05} in Keras).
 */
public final class XorSequential {
    private XorSequential() {
    }

    /** The training history, the predictions for the four inputs, and evaluate's loss and accuracy. */
    public record Result(History history, float[] predictions, Map<String, Double> evaluation) {
    }

    public static Result run(long seed, String optimizer, double learningRate, int epochs) {
        Rng.setGlobalSeed(seed);
        try (Scope scope = Scope.open();
             Sequential model = new Sequential(new Input(2), new Dense(8, "tanh"), new Dense(1, "sigmoid"))) {
            model.compile(optimizer, "binary_crossentropy", "accuracy");
            model.optimizer().setLearningRate(learningRate);
            Tensor x = Tensor.of(XorFromScratch.X);
            Tensor y = Tensor.of(XorFromScratch.Y);
            History h = model.fit(x, y, new FitOptions().epochs(epochs).batchSize(4).verbose(0).seed(seed));
            float[] pred = model.predict(x).toFloatArray();
            return new Result(h, pred, model.evaluate(x, y));
        }
    }

    public static void main(String[] args) {
        Result r = run(7, "adam", 0.05, 500);
        List<Double> loss = r.history().get("loss");
        System.out.printf("loss: %.4f -> %.4f%n", loss.get(0), loss.get(loss.size() - 1));
        System.out.println("predictions: " + java.util.Arrays.toString(r.predictions()));
        System.out.println("evaluate: " + r.evaluation());
    }
}
