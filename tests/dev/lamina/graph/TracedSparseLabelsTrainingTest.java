package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.losses.SparseCategoricalCrossentropy;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A classifier compiled with SparseCategoricalCrossentropy trains on the traced step: the one-hot of
 * its integer labels checks their range in a host check node that every replay reruns (before, that
 * check read the labels on the host and sent every such model's step back to eager execution).
 * Traced fit against eager fit, bitwise, for int32 and float labels, with and without logits; a label
 * out of range met in a replay raises the eager error, the loss's words included.
 */
class TracedSparseLabelsTrainingTest {
    private static final int CLASSES = 4;

    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    private static float[][] train(Backend b, Boolean graph, boolean logits, DType labels, int n, FitOptions o, int bad,
                                   List<Double> losses) {
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(42);
            Sequential model = new Sequential(new Input(5), new Dense(8, "relu"),
                    new Dense(CLASSES, logits ? null : "softmax"));
            try {
                model.compile(new Adam(0.01), new SparseCategoricalCrossentropy(logits));
                model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                Rng rng = new Rng(1);
                float[] x = new float[n * 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rng.nextDouble();
                }
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = (int) Math.min(CLASSES - 1, Math.floor(rng.nextDouble() * CLASSES));
                }
                if (bad >= 0) {
                    y[bad] = CLASSES;
                }
                Tensor yt = Tensor.of(y, n);
                History h = model.fit(Tensor.of(x, n, 5), labels == DType.INT32 ? yt : yt.cast(labels),
                        graph == null ? o : o.graph(graph));
                losses.addAll(h.history().get("loss"));
                return TrainingTraces.weights(model.weights());
            } finally {
                model.close();
            }
        }
    }

    static Stream<Object[]> cases() {
        return backends().flatMap(b -> Stream.of(new Object[] {b, false, DType.INT32}, new Object[] {b, true, DType.FLOAT32}));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void sparseLabelsTrainBitwiseAsEager(String backend, boolean logits, DType labels) {
        fitsBitwiseAsEager(Backends.byName(backend), logits, labels);
    }

    /** Traced fit (the default) against eager fit on b: bitwise weights and losses, 7 replays, no log, memory baseline. */
    static void fitsBitwiseAsEager(Backend b, boolean logits, DType labels) {
        long before = b.bytesInUse();
        List<Double> eagerLoss = new ArrayList<>();
        float[][] eager = train(b, false, logits, labels, 40, new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0),
                -1, eagerLoss);
        List<Double> tracedLoss = new ArrayList<>();
        float[][][] traced = new float[1][][];
        long replays = TracedFunction.REPLAYS.get();
        List<String> logged = TrainingTraces.logged(() -> traced[0] = train(b, null, logits, labels, 40,
                new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0), -1, tracedLoss));
        assertEquals(List.of(), logged, "every step signature was traced (the default, no FitOptions.graph)");
        assertEquals(7, TracedFunction.REPLAYS.get() - replays, "5 full-batch and 2 partial-batch replays");
        assertEquals(eagerLoss, tracedLoss);
        for (int i = 0; i < eager.length; i++) {
            assertArrayEquals(eager[i], traced[0][i], "weight " + i);
        }
        assertEquals(before, b.bytesInUse(), "fit returns to its memory baseline");
    }

    /** 96 samples in order, batches of 16: the sixth call, a replay, meets label CLASSES at sample 90 (position 10). */
    @ParameterizedTest
    @MethodSource("backends")
    void anOutOfRangeLabelInAReplayedBatchRaisesTheEagerError(String backend) {
        outOfRangeLabelInAReplayRaisesTheEagerError(Backends.byName(backend));
    }

    /** The check of {@link #anOutOfRangeLabelInAReplayedBatchRaisesTheEagerError} on b. */
    static void outOfRangeLabelInAReplayRaisesTheEagerError(Backend b) {
        IllegalArgumentException eager = assertThrows(IllegalArgumentException.class, () -> train(b, false, true,
                DType.INT32, 96, new FitOptions().epochs(1).batchSize(16).shuffle(false).verbose(0), 90, new ArrayList<>()));
        long replays = TracedFunction.REPLAYS.get();
        IllegalArgumentException traced = assertThrows(IllegalArgumentException.class, () -> train(b, null, true,
                DType.INT32, 96, new FitOptions().epochs(1).batchSize(16).shuffle(false).verbose(0), 90, new ArrayList<>()));
        assertEquals(3, TracedFunction.REPLAYS.get() - replays, "the error came from the third replay");
        assertEquals("SparseCategoricalCrossentropy: y_true (16,) for y_pred (16, 4): oneHot: index 4 at position 10 is out"
                + " of range [0, 4)", eager.getMessage());
        assertEquals(eager.getMessage(), traced.getMessage());
    }
}
