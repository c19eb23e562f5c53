package dev.lamina.bench;

import dev.lamina.data.Digits;
import dev.lamina.examples.CifarCnn;
import dev.lamina.examples.DigitsMlp;
import dev.lamina.data.ImageOps;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.losses.Losses;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.util.List;

/**
 * The training workloads of {@code lamina bench fit} and {@code lamina bench predict}: each one a
 * compiled model, its data and its default epochs and batch size. The same models, shapes and
 * settings are in {@code bench/peers/lstm_fit_*.py} (seed-lstm, stacked-lstm), {@code
 * digits_mlp_*.py} and {@code cifar_cnn_*.py}.
 *
 * <ul>
 *   <li>{@code seed-lstm}: x [700, 20, 1] and y [700, 1] uniform in [0, 1); LSTM(64) → Dense(32,
 *       relu) → Dense(1), Adam(1e-3), MSE, batch 32, 10 epochs, no shuffling.</li>
 *   <li>{@code stacked-lstm}: the same data; LSTM(64, return_sequences) → LSTM(64) → Dense(32,
 *       relu) → Dense(1), the same training.</li>
 *   <li>{@code digits-mlp}: the digits MLP ({@link DigitsMlp#model()}) on the 1,797 digits / 16,
 *       batch 32, 2 epochs, no shuffling.</li>
 *   <li>{@code cifar-cnn}: the workshop CIFAR CNN ({@link CifarCnn}) on 640 random images
 *       [32, 32, 3] with random one-hot labels, batch 32, 1 epoch.</li>
 * </ul>
 */
final class Workloads {
    /** The workload names, in the order of the help text. */
    static final List<String> NAMES = List.of("seed-lstm", "stacked-lstm", "cifar-cnn", "digits-mlp");

    private Workloads() {
    }

    /** A compiled model with its data (owned by the caller's scope) and default training settings. */
    record Workload(String name, Sequential model, Tensor x, Tensor y, int epochs, int batchSize) {
    }

    /** Builds workload {@code name} with weights drawn from seed 42 (the data has its own seeds). */
    static Workload build(String name) {
        Rng.setGlobalSeed(42);
        switch (name) {
            case "seed-lstm":
            case "stacked-lstm": {
                Rng rng = new Rng(7);
                Tensor x = rng.uniform(DType.FLOAT32, 0, 1, 700, 20, 1);
                Tensor y = rng.uniform(DType.FLOAT32, 0, 1, 700, 1);
                Sequential m = new Sequential(name.replace('-', '_'));
                m.add(new Input(20, 1));
                if (name.equals("stacked-lstm")) {
                    m.add(new LSTM(64, true));
                }
                m.add(new LSTM(64));
                m.add(new Dense(32, "relu"));
                m.add(new Dense(1));
                m.compile(new Adam(1e-3), Losses.get("mse"));
                return new Workload(name, m, x, y, 10, 32);
            }
            case "digits-mlp": {
                Digits digits = Digits.load(DigitsMlp.DATA);
                Tensor x = digits.featuresTensor().div(16.0);
                Tensor y = digits.labelsTensor();
                Sequential m = DigitsMlp.model();
                m.compile("adam", "sparse_categorical_crossentropy", "accuracy");
                return new Workload(name, m, x, y, 2, 32);
            }
            case "cifar-cnn": {
                Rng rng = new Rng(7);
                int n = 640;
                Tensor x = rng.uniform(DType.FLOAT32, 0, 1, n, 32, 32, 3);
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = (int) rng.nextLong(10);
                }
                Tensor y = ImageOps.toCategorical(labels, 10);
                return new Workload(name, CifarCnn.buildCompiled(42L), x, y, 1, 32);
            }
            default:
                throw new IllegalArgumentException("unknown workload '" + name + "' (" + String.join(", ", NAMES) + ")");
        }
    }
}
