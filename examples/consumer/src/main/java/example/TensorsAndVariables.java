package example;

import dev.lamina.autograd.GradientTape;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/** Workshop snippet 1: tensors, broadcasting, variables, and a linear fit by gradient descent. */
public final class TensorsAndVariables {
    private TensorsAndVariables() {
    }

    public static void main(String[] args) {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.of(new float[][] {{1, 2}, {3, 4}});
            Tensor b = Tensor.of(new float[] {10, 20}, 2);
            Tensor sum = a.add(b);                           // broadcasting: [[11, 22], [13, 24]]
            Tensor prod = a.matmul(a);                       // [[7, 10], [15, 22]]
            System.out.println(sum);
            System.out.println(prod);
            Check.that(java.util.Arrays.equals(sum.toFloatArray(), new float[] {11, 22, 13, 24}), "a + b broadcasts");
            Check.that(java.util.Arrays.equals(prod.toFloatArray(), new float[] {7, 10, 15, 22}), "a @ a");

            // y = 2·x0 − x1 + 0.5·x2 + 1, recovered by gradient descent on the mean squared error
            Rng rng = new Rng(42);
            Tensor x = rng.normal(DType.FLOAT32, 0, 1, 256, 3);
            Tensor y = x.matmul(Tensor.of(new float[] {2, -1, 0.5f}, 3, 1)).add(1.0);
            try (Variable w = new Variable(Tensor.zeros(DType.FLOAT32, 3, 1), "w", true);
                 Variable bias = new Variable(Tensor.zeros(DType.FLOAT32, 1), "b", true)) {
                for (int step = 0; step < 200; step++) {
                    try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                        Tensor loss = x.matmul(w).add(bias).sub(y).square().mean();
                        Tensor[] g = tape.gradient(loss, w, bias);
                        w.assignSub(g[0].mul(0.1));
                        bias.assignSub(g[1].mul(0.1));
                    }
                }
                float[] wv = w.toFloatArray();
                System.out.println(w);
                Check.that(Math.abs(wv[0] - 2) < 1e-3 && Math.abs(wv[1] + 1) < 1e-3 && Math.abs(wv[2] - 0.5) < 1e-3,
                        "w fitted to [2, -1, 0.5] within 1e-3");
                Check.that(Math.abs(bias.item() - 1) < 1e-3, "b fitted to 1 within 1e-3");
            }
        }
    }
}
