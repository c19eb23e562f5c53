package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lamina.backend.Backends;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A traced predict replays a graph that reads the model's weights where they live: after
 * {@code setWeights}, {@code loadWeights} or {@code fit} changed them, its results are the eager
 * ones for the new weights, bitwise on cpu, and not the old ones.
 */
class TracedPredictFollowsWeightsTest {
    @TempDir
    Path tmp;

    private static float[] eager(Sequential m, Tensor x) {
        String before = System.getProperty("lamina.graph.predict");
        System.setProperty("lamina.graph.predict", "false");
        try {
            return m.predict(x, 8).toFloatArray();
        } finally {
            if (before == null) {
                System.clearProperty("lamina.graph.predict");
            } else {
                System.setProperty("lamina.graph.predict", before);
            }
        }
    }

    @Test
    void setWeightsLoadWeightsAndFitReachTheReplay() {
        try (var use = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(5);
            Sequential m = new Sequential(new Input(6, 2), new LSTM(8), new Dense(4, "relu"), new Dense(1));
            Tensor x = new Rng(9).normal(DType.FLOAT32, 0, 1, 8, 6, 2);
            float[] first = m.predict(x, 8).toFloatArray();
            m.predict(x, 8);
            assertNotNull(m.predictPath.tracedFunction(), "predict is traced by default");
            assertArrayEquals(eager(m, x), first);
            Path saved = tmp.resolve("w.safetensors");
            m.saveWeights(saved);

            // setWeights: every weight scaled
            List<Tensor> w = new ArrayList<>();
            for (Tensor t : m.getWeights()) {
                w.add(t.mul(0.5));
            }
            m.setWeights(w);
            float[] afterSet = m.predict(x, 8).toFloatArray();
            assertFalse(Arrays.equals(first, afterSet), "the replay still used the old weights");
            assertArrayEquals(eager(m, x), afterSet);

            // loadWeights: back to the saved ones
            m.loadWeights(saved);
            assertArrayEquals(first, m.predict(x, 8).toFloatArray());

            // fit changes the weights in place
            m.compile(new Adam(0.05), "mse");
            Tensor y = new Rng(10).normal(DType.FLOAT32, 0, 1, 8, 1);
            m.fit(x, y, new FitOptions().epochs(3).batchSize(4).seed(1).verbose(0));
            float[] afterFit = m.predict(x, 8).toFloatArray();
            assertFalse(Arrays.equals(first, afterFit), "the replay still used the weights before fit");
            assertArrayEquals(eager(m, x), afterFit);
        }
    }
}
