package dev.lamina;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import org.junit.jupiter.api.Test;

/** The README's example, verbatim apart from the asserts: it must keep compiling and converging. */
class ReadmeExampleTest {
    @Test
    void readmeExampleFitsTheLine() {
        Rng rng = new Rng(42);
        try (Scope scope = Scope.open()) {
            Tensor x = rng.normal(DType.FLOAT32, 0, 1, 256, 3);
            Tensor y = x.matmul(Tensor.of(new float[] {2, -1, 0.5f}, 3, 1)).add(1.0);
            Variable w = new Variable(Tensor.zeros(DType.FLOAT32, 3, 1), "w", true);
            Variable b = new Variable(Tensor.zeros(DType.FLOAT32, 1), "b", true);
            for (int step = 0; step < 200; step++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor loss = x.matmul(w).add(b).sub(y).square().mean();
                    Tensor[] g = tape.gradient(loss, w, b);
                    w.assignSub(g[0].mul(0.1));
                    b.assignSub(g[1].mul(0.1));
                }
            }
            assertArrayEquals(new float[] {2, -1, 0.5f}, w.toFloatArray(), 1e-4f);
            assertEquals(1.0, b.item(), 1e-4);
            w.close();
            b.close();
        }
    }
}
