package dev.lamina.examples;

import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;

/**
 * Workshop example 1: tensor basics, line for line with the TensorFlow original.
 *
 * <pre>
 *   a = tf.constant(2)                          Tensor a = Tensor.scalar(2, DType.INT32);
 *   b = tf.constant(3)                          Tensor b = Tensor.scalar(3, DType.INT32);
 *   c = tf.add(a, b); print(c)                  Tensor c = a.add(b);
 *   m1 = tf.constant([[1., 2.]])                Tensor m1 = Tensor.of(new float[][] {{1, 2}});
 *   m2 = tf.constant([[3.], [4.]])              Tensor m2 = Tensor.of(new float[][] {{3}, {4}});
 *   p = tf.matmul(m1, m2); print(p)             Tensor p = m1.matmul(m2);      // [[11.]]
 *   x = tf.constant([[1, 2], [3, 4]])           Tensor x = Tensor.of(new int[][] {{1, 2}, {3, 4}});
 *   print(tf.rank(x)); print(x.shape)           rank 2, shape (2, 2)
 *   v = tf.Variable(1.0); v.assign_add(0.5)     Variable v = new Variable(Tensor.scalar(1.0)); v.assignAdd(...)
 * </pre>
 *
 * Each line printed is what TensorFlow prints, with {@code Tensor} for {@code tf.Tensor}.
 */
public final class TensorBasics {
    private TensorBasics() {
    }

    /** Runs the example and returns the lines it prints. */
    public static List<String> run() {
        List<String> out = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.scalar(2, DType.INT32);
            Tensor b = Tensor.scalar(3, DType.INT32);
            Tensor c = a.add(b);
            out.add(c.toString());

            Tensor m1 = Tensor.of(new float[][] {{1, 2}});
            Tensor m2 = Tensor.of(new float[][] {{3}, {4}});
            Tensor product = m1.matmul(m2);
            out.add(product.toString());

            Tensor x = Tensor.of(new int[][] {{1, 2}, {3, 4}});
            Tensor rank = Tensor.scalar(x.rank(), DType.INT32);
            out.add(rank.toString());
            out.add(Shapes.str(x.shape()));

            try (Variable v = new Variable(Tensor.scalar(1.0), "v", true)) {
                v.assignAdd(Tensor.scalar(0.5));
                out.add(v.toString());
            }
        }
        return out;
    }

    public static void main(String[] args) {
        for (String line : run()) {
            System.out.println(line);
        }
    }
}
