package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import org.junit.jupiter.api.Test;

/**
 * An LSTM sequence at inference traced on the cpu backend: the graph holds one {@code lstmInference}
 * node (the backend's whole-sequence kernel), built from two equal traces, and its replays on new
 * inputs are bitwise the eager calls.
 */
class TracedLstmInferenceTest {
    @Test
    void oneNodeAndBitwiseEagerReplays() {
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
            Rng rng = new Rng(11);
            Tensor k = rng.uniform(DType.FLOAT32, -0.3, 0.3, 3, 32);
            Tensor rk = rng.uniform(DType.FLOAT32, -0.3, 0.3, 8, 32);
            Tensor b = rng.uniform(DType.FLOAT32, -0.3, 0.3, 32);
            try (TracedFunction f = Graph.trace("lstm", in -> GradientTape.noGrad(
                    () -> RecurrentOps.lstm(in[0], k, rk, b, null, null, true)), new GraphOptions())) {
                for (int call = 0; call < 4; call++) {
                    Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 4, 6, 3);
                    Tensor[] eager = GradientTape.noGrad(() -> RecurrentOps.lstm(x, k, rk, b, null, null, true));
                    Tensor[] traced = f.apply(x);
                    for (int i = 0; i < 3; i++) {
                        assertArrayEquals(eager[i].toFloatArray(), traced[i].toFloatArray(), 0f, "output " + i);
                    }
                    if (call == 0) {
                        continue; // a graph is built from two equal traces
                    }
                    Graph g = f.graph(x);
                    assertTrue(g != null && g.toString().contains("lstmInference"), g + " / eager because: " + f.eagerReason(x));
                }
                assertEquals(2, f.traces());
                assertEquals(2, f.replays());
            }
        }
    }
}
