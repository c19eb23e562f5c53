package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.nn.Add;
import dev.lamina.nn.Average;
import dev.lamina.nn.Concatenate;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dot;
import dev.lamina.nn.Input;
import dev.lamina.nn.Multiply;
import dev.lamina.nn.Subtract;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A functional model with every merge layer (Add, Subtract, Multiply, Average, Concatenate, Dot) and
 * two inputs: fit with the traced step (the default) replays graphs and ends with weights and losses
 * bitwise those of eager fit.
 */
class TracedFunctionalTrainingTest {
    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    private static Model model() {
        SymbolicTensor a = Input.of("a", 3);
        SymbolicTensor b = Input.of("b", 2);
        SymbolicTensor h = new Dense(4, "tanh").apply(new Concatenate().apply(a, b));
        SymbolicTensor g = new Dense(4, "tanh").apply(b);
        SymbolicTensor m = new Average().apply(new Add().apply(h, g), new Subtract().apply(h, g), new Multiply().apply(h, g));
        SymbolicTensor d = new Dot(1).apply(m, g);
        return new Model(List.of(a, b), List.of(new Dense(1).apply(new Concatenate().apply(m, d))));
    }

    private static float[][] train(Backend be, boolean graph, List<Double> losses) {
        try (var use = Backends.use(be); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(42);
            Rng rng = new Rng(5);
            Tensor xa = rng.normal(DType.FLOAT32, 0, 1, 40, 3);
            Tensor xb = rng.normal(DType.FLOAT32, 0, 1, 40, 2);
            Tensor y = rng.normal(DType.FLOAT32, 0, 1, 40, 1);
            try (Model model = model()) {
                model.compile(new Adam(0.01), "mse");
                History h = model.fit(new Tensor[] {xa, xb}, y, new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0).graph(graph));
                losses.addAll(h.get("loss"));
                return TrainingTraces.weights(model.weights());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void everyMergeLayerTrainsBitwiseAsEager(String backend) {
        Backend be = Backends.byName(backend);
        List<Double> eagerLoss = new java.util.ArrayList<>();
        List<Double> tracedLoss = new java.util.ArrayList<>();
        float[][] eager = train(be, false, eagerLoss);
        long replays = TracedFunction.REPLAYS.get();
        float[][] traced = train(be, true, tracedLoss);
        assertTrue(TracedFunction.REPLAYS.get() - replays >= 5, "the traced fit replayed its step");
        assertEquals(eagerLoss, tracedLoss);
        assertEquals(eager.length, traced.length);
        for (int i = 0; i < eager.length; i++) {
            assertArrayEquals(eager[i], traced[i], "weight " + i);
        }
    }
}
