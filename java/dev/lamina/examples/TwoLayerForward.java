package dev.lamina.examples;

import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

/**
 * Workshop example 2: the forward pass of a two-layer network with explicit weights.
 *
 * <pre>
 *   x  = [[1., 2.]]                              input, shape (1, 2)
 *   W1 = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]      b1 = [0.1, 0.1, 0.1]
 *   h  = relu(x @ W1 + b1)                       = [[1.0, 1.3, 1.6]]
 *   W2 = [[0.5], [-0.5], [1.0]]                  b2 = [0.2]
 *   y  = sigmoid(h @ W2 + b2)                    = sigmoid(0.5 − 0.65 + 1.6 + 0.2) = sigmoid(1.65) ≈ 0.8389
 * </pre>
 *
 * In Keras: {@code Dense(3, activation="relu")} then {@code Dense(1, activation="sigmoid")} with
 * these kernels and biases.
 */
public final class TwoLayerForward {
    private TwoLayerForward() {
    }

    /** The hidden activations and the output, as host arrays. */
    public record Result(float[] hidden, float output) {
    }

    /**
     * Runs the forward pass.
     *
     * @return h = [1.0, 1.3, 1.6] and y = sigmoid(1.65) ≈ 0.8389 (float32)
     */
    public static Result run() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[][] {{1, 2}});
            Tensor w1 = Tensor.of(new float[][] {{0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}});
            Tensor b1 = Tensor.of(new float[] {0.1f, 0.1f, 0.1f}, 3);
            Tensor w2 = Tensor.of(new float[][] {{0.5f}, {-0.5f}, {1.0f}});
            Tensor b2 = Tensor.of(new float[] {0.2f}, 1);

            Tensor h = x.matmul(w1).add(b1).relu();
            Tensor y = h.matmul(w2).add(b2).sigmoid();
            return new Result(h.toFloatArray(), y.toFloatArray()[0]);
        }
    }

    /**
     * Prints the hidden activations and the output.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run();
        System.out.println("hidden: " + java.util.Arrays.toString(r.hidden()));
        System.out.println("output: " + r.output());
    }
}
