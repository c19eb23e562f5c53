package dev.lamina.examples;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/**
 * Workshop example 3: gradient descent on f(w) = (w − 2)², as in TensorFlow:
 *
 * <pre>
 *   w = tf.Variable(0.0)
 *   for step in range(50):
 *       with tf.GradientTape() as tape:
 *           loss = (w - 2.0) ** 2
 *       grad = tape.gradient(loss, w)          # 2 (w − 2)
 *       w.assign_sub(0.1 * grad)
 * </pre>
 *
 * Each step maps w − 2 to 0.8·(w − 2), so after n steps w = 2 − 2·0.8ⁿ (≈ 1.99997 for n = 50).
 */
public final class GradientDescent {
    private GradientDescent() {
    }

    /** The final w and the loss before each step. */
    public record Result(double w, double[] losses) {
    }

    public static Result run(int steps, double learningRate) {
        double[] losses = new double[steps];
        try (Scope outer = Scope.open(); Variable w = new Variable(Tensor.scalar(0.0), "w", true)) {
            for (int step = 0; step < steps; step++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor loss = w.sub(2.0).square();
                    Tensor grad = tape.gradient(loss, w);
                    w.assignSub(grad.mul(learningRate));
                    losses[step] = loss.item();
                }
            }
            return new Result(w.item(), losses);
        }
    }

    public static void main(String[] args) {
        Result r = run(50, 0.1);
        for (int i = 0; i < r.losses().length; i += 10) {
            System.out.printf("step %2d: loss = %.6f%n", i, r.losses()[i]);
        }
        System.out.printf("w = %.5f%n", r.w());
    }
}
