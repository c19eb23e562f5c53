package example;

import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.Input;
import dev.lamina.nn.SimpleRNN;
import dev.lamina.optim.Adam;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.BinaryAccuracy;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

import java.util.Map;
import java.util.Random;

/**
 * Workshop snippet 4: an RNN over token embeddings. Each sample is 6 tokens from 1..9; the label
 * says whether token 7 occurs (about half the samples), which the RNN must remember across steps.
 */
public final class RnnEmbeddings {
    static final int LENGTH = 6;

    private RnnEmbeddings() {
    }

    /** {@code n} token sequences [n, LENGTH] and their labels [n, 1]. */
    static Tensor[] data(int n, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n * LENGTH];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < LENGTH; t++) {
                ids[i * LENGTH + t] = 1 + r.nextInt(9);
                if (ids[i * LENGTH + t] == 7) {
                    labels[i] = 1;
                }
            }
        }
        return new Tensor[] {Tensor.of(ids, n, LENGTH), Tensor.of(labels, n, 1)};
    }

    public static void main(String[] args) {
        Rng.setGlobalSeed(3);
        try (Scope scope = Scope.open();
             Sequential model = new Sequential(
                     new Input(LENGTH),
                     new Embedding(10, 8),           // ids 0..9 -> 8-vectors
                     new SimpleRNN(16),
                     new Dense(1, "sigmoid"))) {
            Tensor[] train = data(1024, 3);
            Tensor[] test = data(256, 4);
            model.compile(new Adam(1e-2), Losses.binaryCrossentropy(false), new BinaryAccuracy());
            model.fit(train[0], train[1], new FitOptions().epochs(8).batchSize(32).verbose(0).seed(3));
            Map<String, Double> eval = model.evaluate(test[0], test[1]);
            System.out.println("test: " + eval);
            Check.that(eval.get("binary_accuracy") > 0.9, "test accuracy above 0.9 after 8 epochs");
        }
    }
}
