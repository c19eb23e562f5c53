package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.Metrics;
import dev.lamina.models.Sequential;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Model.evaluate} and {@code predict} replay traced graphs and give bitwise the eager results
 * (loss, metrics, predictions), with full and partial batches, across calls, after a recompile with
 * another loss, and eagerly with {@code -Dlamina.graph=false}.
 */
class TracedEvaluateTest {
    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    private static Sequential model() {
        return new Sequential(new Input(5, 3), new LSTM(6), new Dropout(0.3, 5L), new BatchNormalization(),
                new Dense(2, "tanh"));
    }

    private static Map<String, Double> evaluate(Backend b, boolean graph, float[][] preds, String loss) {
        String before = System.getProperty("lamina.graph");
        System.setProperty("lamina.graph", Boolean.toString(graph));
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(7);
            Sequential m = model();
            m.compile(new Adam(), Losses.get("mse"), Metrics.get("mae"));
            Rng rng = new Rng(3);
            Tensor x = rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 37, 5, 3);
            Tensor y = rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 37, 2);
            Map<String, Double> r = null;
            for (int call = 0; call < 3; call++) {
                r = m.evaluate(x, y, 8); // 4 full batches and one of 5: two signatures
            }
            m.compile(new Adam(), Losses.get(loss), Metrics.get("mae"));
            Map<String, Double> other = m.evaluate(x, y, 8);
            r = new java.util.LinkedHashMap<>(r);
            r.put("other_loss", other.get("loss"));
            for (int call = 0; call < 3; call++) {
                preds[call] = m.predict(x, 8).toFloatArray();
            }
            m.close();
            return r;
        } finally {
            if (before == null) {
                System.clearProperty("lamina.graph");
            } else {
                System.setProperty("lamina.graph", before);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tracedEvaluateAndPredictAreBitwiseEager(String backend) {
        Backend b = Backends.byName(backend);
        long before = b.bytesInUse();
        float[][] eagerPreds = new float[3][];
        float[][] tracedPreds = new float[3][];
        long replays = TracedFunction.REPLAYS.get();
        Map<String, Double> eager = evaluate(b, false, eagerPreds, "mae");
        assertEquals(replays, TracedFunction.REPLAYS.get(), "lamina.graph=false runs eagerly");
        Map<String, Double> traced = evaluate(b, true, tracedPreds, "mae");
        assertTrue(TracedFunction.REPLAYS.get() - replays >= 6, "evaluate replayed its graphs");
        assertEquals(eager, traced);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(eagerPreds[i], tracedPreds[i], "predict call " + i);
        }
        assertEquals(before, b.bytesInUse(), "graphs closed with the model");
    }
}
