package dev.lamina.examples;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/**
 * Workshop example 4: XOR learned by a 2-4-1 sigmoid network whose forward pass, backward pass
 * and update are written by hand on Lamina tensors (no GradientTape), as the NumPy original:
 *
 * <pre>
 *   h   = σ(X·W1 + b1)                       X [4, 2], W1 [2, H], b1 [H]
 *   out = σ(h·W2 + b2)                       W2 [H, 1], b2 [1]
 *   L   = mean((out − y)²)                   over the N = 4 samples
 *
 *   d_out = 2/N · (out − y) ⊙ out ⊙ (1 − out)       ∂L/∂(h·W2 + b2)
 *   dW2   = hᵀ · d_out          db2 = Σ_rows d_out
 *   d_h   = (d_out · W2ᵀ) ⊙ h ⊙ (1 − h)              ∂L/∂(X·W1 + b1)
 *   dW1   = Xᵀ · d_h            db1 = Σ_rows d_h
 *   θ ← θ − lr · dθ
 * </pre>
 *
 * Weights start uniform in [−1, 1) from a seeded {@link Rng}, biases at zero.
 */
public final class XorFromScratch {
    /** The four XOR inputs. */
    public static final float[][] X = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    /** Their targets. */
    public static final float[][] Y = {{0}, {1}, {1}, {0}};

    private XorFromScratch() {
    }

    /** The network's parameters. */
    public static final class Net implements AutoCloseable {
        public final Variable w1;
        public final Variable b1;
        public final Variable w2;
        public final Variable b2;

        public Net(long seed, int hidden) {
            Rng rng = new Rng(seed);
            try (Scope s = Scope.open()) {
                w1 = new Variable(rng.uniform(DType.FLOAT32, -1, 1, 2, hidden), "w1", true);
                b1 = new Variable(Tensor.zeros(DType.FLOAT32, hidden), "b1", true);
                w2 = new Variable(rng.uniform(DType.FLOAT32, -1, 1, hidden, 1), "w2", true);
                b2 = new Variable(Tensor.zeros(DType.FLOAT32, 1), "b2", true);
            }
        }

        /** out = σ(σ(x·W1 + b1)·W2 + b2). */
        public Tensor forward(Tensor x) {
            return x.matmul(w1).add(b1).sigmoid().matmul(w2).add(b2).sigmoid();
        }

        /** mean((out − y)²). */
        public Tensor loss(Tensor x, Tensor y) {
            return forward(x).sub(y).square().mean();
        }

        /** The hand-written gradients {dW1, db1, dW2, db2} of {@link #loss} (see the class Javadoc). */
        public Tensor[] gradients(Tensor x, Tensor y) {
            Tensor h = x.matmul(w1).add(b1).sigmoid();
            Tensor out = h.matmul(w2).add(b2).sigmoid();
            double n = x.dim(0);
            Tensor dOut = out.sub(y).mul(2.0 / n).mul(out).mul(out.neg().add(1.0));
            Tensor dW2 = h.transpose().matmul(dOut);
            Tensor db2 = dOut.sum(0);
            Tensor dH = dOut.matmul(w2.transpose()).mul(h).mul(h.neg().add(1.0));
            Tensor dW1 = x.transpose().matmul(dH);
            Tensor db1 = dH.sum(0);
            return new Tensor[] {dW1, db1, dW2, db2};
        }

        /** One gradient-descent step; returns the loss before it. */
        public double step(Tensor x, Tensor y, double lr) {
            try (Scope s = Scope.open()) {
                double l = loss(x, y).item();
                Tensor[] g = gradients(x, y);
                w1.assignSub(g[0].mul(lr));
                b1.assignSub(g[1].mul(lr));
                w2.assignSub(g[2].mul(lr));
                b2.assignSub(g[3].mul(lr));
                return l;
            }
        }

        @Override
        public void close() {
            w1.close();
            b1.close();
            w2.close();
            b2.close();
        }
    }

    /** The final loss (MSE), the predictions for the four inputs and the accuracy at threshold 0.5. */
    public record Result(double initialLoss, double finalLoss, float[] predictions, double accuracy) {
    }

    /** Trains for {@code epochs} full-batch steps with learning rate {@code lr}. */
    public static Result run(long seed, int hidden, int epochs, double lr) {
        try (Scope scope = Scope.open(); Net net = new Net(seed, hidden)) {
            Tensor x = Tensor.of(X);
            Tensor y = Tensor.of(Y);
            double first = Double.NaN;
            for (int epoch = 0; epoch < epochs; epoch++) {
                double l = net.step(x, y, lr);
                if (epoch == 0) {
                    first = l;
                }
            }
            float[] pred;
            double finalLoss;
            try (Scope s = Scope.open()) {
                pred = net.forward(x).toFloatArray();
                finalLoss = net.loss(x, y).item();
            }
            int correct = 0;
            for (int i = 0; i < pred.length; i++) {
                if ((pred[i] >= 0.5f ? 1 : 0) == (int) Y[i][0]) {
                    correct++;
                }
            }
            return new Result(first, finalLoss, pred, correct / (double) pred.length);
        }
    }

    public static void main(String[] args) {
        Result r = run(42, 4, 3000, 2.0);
        System.out.printf("loss: %.4f -> %.4f%n", r.initialLoss(), r.finalLoss());
        for (int i = 0; i < 4; i++) {
            System.out.printf("%s -> %.3f%n", java.util.Arrays.toString(X[i]), r.predictions()[i]);
        }
        System.out.printf("accuracy: %.0f%%%n", 100 * r.accuracy());
    }
}
