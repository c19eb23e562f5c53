package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A training loop returns every byte it took: 10,000 steps of linear regression with scopes. */
class MemoryTest {
    static Stream<Backend> backends() {
        return Stream.of(Backends.reference(), Backends.cpu());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void tenThousandStepsReturnToBaseline(Backend backend) {
        try (Backends.Use use = Backends.use(backend)) {
            long base = backend.bytesInUse();
            Rng rng = new Rng(5);
            Variable w;
            Variable b;
            Tensor x;
            Tensor y;
            try (Scope data = Scope.open()) {
                w = new Variable(rng.normal(DType.FLOAT32, 0, 0.1, 3, 1), "w", true);
                b = new Variable(Tensor.zeros(DType.FLOAT32, 1), "b", true);
                x = data.keep(rng.normal(DType.FLOAT32, 0, 1, 16, 3));
                Tensor trueW = Tensor.of(new float[] {1, -2, 0.5f}, 3, 1);
                y = data.keep(x.matmul(trueW).add(0.3));
            }
            long afterSetup = backend.bytesInUse();
            double loss = Double.NaN;
            for (int step = 0; step < 10_000; step++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor l = x.matmul(w).add(b).sub(y).square().mean();
                    Tensor[] g = tape.gradient(l, w, b);
                    w.assignSub(g[0].mul(0.05));
                    b.assignSub(g[1].mul(0.05));
                    if (step == 9_999) {
                        loss = l.item();
                    }
                }
                if (step % 1000 == 0) {
                    assertEquals(afterSetup, backend.bytesInUse(), "bytes held after step " + step);
                }
            }
            assertTrue(loss < 1e-8, "did not converge: loss " + loss);
            assertEquals(afterSetup, backend.bytesInUse());
            w.close();
            b.close();
            x.close();
            y.close();
            assertEquals(base, backend.bytesInUse());
        }
    }
}
